/**
 * Chain descriptors of PinIR ops and slots and the chain program commitment (docs/DISPUTE.md §4).
 *
 * The compiler's program hash (src/pinir/encode.ts, tag 0x07) commits to a compact binary op
 * encoding that is awkward to parse in Solidity. The dispute game instead proves fixed-layout
 * descriptors, `abi.encode(OpDesc)` / `abi.encode(SlotDesc)`, against
 *   programHash = sha256(0x08 ‖ compilerHash ‖ u32(nOps) ‖ opsRoot ‖ u32(nSlots) ‖ slotsRoot ‖ u32(nState))
 * where opsRoot = listRoot(sha256(abi.encode(OpDesc_j))), slotsRoot = listRoot(sha256(abi.encode(SlotDesc_i))).
 * This is the value a task's `WorkSpec.programHash` must hold for its disputes to be playable.
 */
import { MAX_BOUND_BITS, MAX_EXACT, MAX_SCALE, opInputs } from "../pinir/infer";
import { AbiCoder, hexlify } from "ethers";
import { type Hash, listProof, listRoot, sha256, u32, ZERO_HASH } from "../commit/hash";
import { tensorHash } from "../commit/tensor";
import { programHash as compilerProgramHash } from "../pinir/encode";
import type { IntTensor, PinOp, PinOpName, PinProgram } from "../pinir/types";
import { InputError } from "../errors";
import type { OpDesc, ProgramInfo, SlotDesc } from "./types";

/** Domain tag of the chain program commitment. */
export const CHAIN_PROGRAM_TAG = 0x08;

/** On-chain opcodes (contracts/types/DisputeTypes.sol `Opcode`; same numbers as src/pinir/encode.ts OPCODES). */
export const Opcode = {
  MatMul: 1,
  Add: 2,
  Sub: 3,
  Mul: 4,
  MulConst: 5,
  Relu: 6,
  ReluGrad: 7,
  Transpose: 8,
  ReduceSum: 9,
  Rescale: 10,
  Clip: 11,
  Reshape: 12,
} as const;

/** PinIR op name of an on-chain opcode. */
export const OPCODE_NAMES: Readonly<Record<number, PinOpName>> = Object.fromEntries(
  Object.entries(Opcode).map(([name, code]) => [code, name as PinOpName]),
);

/**
 * The descriptor range (docs/DISPUTE.md §4.1): limits on op descriptor fields, the same numbers
 * as contracts/libraries/LibPinOps.sol and taken from the compiler's own limits
 * (src/pinir/infer.ts), so every descriptor the compiler emits is inside and nothing else is.
 */
export const DESC_LIMITS = {
  /** Rescale shift p0 ∈ [1, maxShift] (compiler: MAX_BOUND_BITS). */
  maxShift: MAX_BOUND_BITS,
  /** Rescale / Clip bound p1 ∈ [minBound, maxBound]. */
  minBound: 1,
  maxBound: MAX_BOUND_BITS,
  /** outScale, aScale, bScale ≤ maxScale (scales are u8 in the compiler's encoding). */
  maxScale: MAX_SCALE,
  /** MulConst |c| ≤ maxAbsC = 2^53 − 1 (a safe integer). */
  maxAbsC: MAX_EXACT,
  /** Rank of every shape ≤ maxRank. */
  maxRank: 16,
  /** Elements of every shape ≤ maxNumel (every dimension ≥ 1). */
  maxNumel: 2n ** 32n,
} as const;

/**
 * Field ids of `OneStepBadDescriptor(opcode, field)`: the OpDesc field positions
 * (LibPinOps.FIELD_*).
 */
export const DescField = {
  opcode: 0,
  out: 1,
  a: 2,
  b: 3,
  outScale: 4,
  aScale: 5,
  bScale: 6,
  p0: 7,
  p1: 8,
  c: 9,
  outShape: 10,
  aShape: 11,
  bShape: 12,
} as const;
export type DescFieldName = keyof typeof DescField;

/** An integer descriptor field as TypeScript, ethers or JSON carry it (decimal string allowed). */
export type DescInt = number | bigint | string;

/** An op descriptor with fields of any integer carrier; {@link OpDesc} is one. */
export interface WideOpDesc {
  readonly opcode: DescInt;
  readonly out: DescInt;
  readonly a: DescInt;
  readonly b: DescInt;
  readonly outScale: DescInt;
  readonly aScale: DescInt;
  readonly bScale: DescInt;
  readonly p0: DescInt;
  readonly p1: DescInt;
  readonly c: DescInt;
  readonly outShape: readonly DescInt[];
  readonly aShape: readonly DescInt[];
  readonly bShape: readonly DescInt[];
}

/** Why a descriptor is outside the range: the first offending field (Solidity's order). */
export interface DescProblem {
  readonly field: DescFieldName;
  /** DescField[field], the id `OneStepBadDescriptor` reports. */
  readonly fieldId: number;
  readonly reason: string;
}

const U32 = 2n ** 32n - 1n;
const U64 = 2n ** 64n - 1n;
const I64 = 2n ** 63n;

function integer(x: unknown): bigint | undefined {
  if (typeof x === "bigint") return x;
  if (typeof x === "number") return Number.isSafeInteger(x) ? BigInt(x) : undefined;
  if (typeof x === "string" && /^-?[0-9]+$/.test(x)) return BigInt(x);
  return undefined;
}

/** Shape as uint64 values, or undefined when it is not an array of uint64. */
function shapeOf(x: unknown): bigint[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: bigint[] = [];
  for (const d of x) {
    const v = integer(d);
    if (v === undefined || v < 0n || v > U64) return undefined;
    out.push(v);
  }
  return out;
}

function shapeProblem(s: readonly bigint[]): string | undefined {
  if (s.length > DESC_LIMITS.maxRank) return `rank ${s.length} exceeds ${DESC_LIMITS.maxRank}`;
  let n = 1n;
  for (const d of s) {
    if (d === 0n) return "has a dimension 0";
    n *= d;
    if (n > DESC_LIMITS.maxNumel) return `has more than 2^32 elements`;
  }
  return undefined;
}

const sameShape = (x: readonly bigint[], y: readonly bigint[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);
const fmt = (s: readonly bigint[]): string => `[${s.join(",")}]`;

/**
 * The first field of `d` outside the descriptor range, or undefined when `d` is inside it.
 * Mirrors `LibPinOps.checkDesc` step by step (same order, same field), and additionally reports
 * values that do not fit the field's ABI type (which the chain can never receive).
 */
export function descProblem(d: WideOpDesc): DescProblem | undefined {
  const bad = (field: DescFieldName, reason: string): DescProblem => ({ field, fieldId: DescField[field], reason });
  const code = integer(d.opcode);
  if (code === undefined || code < 1n || code > BigInt(Opcode.Reshape)) return bad("opcode", `opcode ${String(d.opcode)} is not a PinIR op (1..12)`);
  const name = OPCODE_NAMES[Number(code)];
  for (const f of ["out", "a", "b"] as const) {
    const v = integer(d[f]);
    if (v === undefined || v < 0n || v > U32) return bad(f, `slot ${String(d[f])} is not a uint32`);
  }
  const binary = code <= BigInt(Opcode.Mul) || code === BigInt(Opcode.ReluGrad);
  if (!binary && integer(d.b) !== 0n) return bad("b", `${name} has one operand, so b must be 0`);
  for (const f of ["outScale", "aScale", "bScale"] as const) {
    const v = integer(d[f]);
    if (v === undefined || v < 0n || v > U32) return bad(f, `${f} ${String(d[f])} is not a uint32`);
    if (f === "bScale" && !binary) {
      if (v !== 0n) return bad(f, `${name} has one operand, so bScale must be 0`);
    } else if (v > BigInt(DESC_LIMITS.maxScale)) return bad(f, `${f} ${v} exceeds ${DESC_LIMITS.maxScale}`);
  }
  const p0 = integer(d.p0);
  const p1 = integer(d.p1);
  const c = integer(d.c);
  if (p0 === undefined || p0 < 0n || p0 > U32) return bad("p0", `p0 ${String(d.p0)} is not a uint32`);
  if (p1 === undefined || p1 < 0n || p1 > U32) return bad("p1", `p1 ${String(d.p1)} is not a uint32`);
  if (c === undefined || c < -I64 || c >= I64) return bad("c", `c ${String(d.c)} is not an int64`);
  const aShapeRaw = shapeOf(d.aShape);
  const bound = (v: bigint) => v >= BigInt(DESC_LIMITS.minBound) && v <= BigInt(DESC_LIMITS.maxBound);
  const bounds = `[${DESC_LIMITS.minBound}, ${DESC_LIMITS.maxBound}]`;
  switch (Number(code)) {
    case Opcode.MatMul:
      if (p0 > 1n) return bad("p0", `MatMul transA ${p0} must be 0 or 1`);
      if (p1 > 1n) return bad("p1", `MatMul transB ${p1} must be 0 or 1`);
      break;
    case Opcode.Rescale:
      if (p0 < 1n || p0 > BigInt(DESC_LIMITS.maxShift)) return bad("p0", `Rescale shift ${p0} must be in [1, ${DESC_LIMITS.maxShift}]`);
      if (!bound(p1)) return bad("p1", `Rescale bound ${p1} must be in ${bounds}`);
      break;
    case Opcode.Clip:
      if (p0 !== 0n) return bad("p0", `Clip has no p0, so it must be 0 (got ${p0})`);
      if (!bound(p1)) return bad("p1", `Clip bound ${p1} must be in ${bounds}`);
      break;
    case Opcode.ReduceSum: {
      const rank = BigInt(Array.isArray(d.aShape) ? d.aShape.length : 0);
      if (p0 >= rank) return bad("p0", `ReduceSum axis ${p0} must be below the operand's rank ${rank}`);
      if (p1 !== 0n) return bad("p1", `ReduceSum has no p1, so it must be 0 (got ${p1})`);
      break;
    }
    default:
      if (p0 !== 0n) return bad("p0", `${name} has no p0, so it must be 0 (got ${p0})`);
      if (p1 !== 0n) return bad("p1", `${name} has no p1, so it must be 0 (got ${p1})`);
  }
  if (Number(code) === Opcode.MulConst) {
    if (c > DESC_LIMITS.maxAbsC || c < -DESC_LIMITS.maxAbsC) return bad("c", `MulConst constant ${c} exceeds 2^53 − 1 in magnitude`);
  } else if (c !== 0n) return bad("c", `${name} has no constant, so c must be 0 (got ${c})`);
  const o = shapeOf(d.outShape);
  if (!o) return bad("outShape", "outShape is not an array of uint64");
  const oWhy = shapeProblem(o);
  if (oWhy) return bad("outShape", `outShape ${fmt(o)} ${oWhy}`);
  if (!aShapeRaw) return bad("aShape", "aShape is not an array of uint64");
  const a = aShapeRaw;
  const aWhy = shapeProblem(a);
  if (aWhy) return bad("aShape", `aShape ${fmt(a)} ${aWhy}`);
  const b = shapeOf(d.bShape);
  if (!b) return bad("bShape", "bShape is not an array of uint64");
  if (binary) {
    const bWhy = shapeProblem(b);
    if (bWhy) return bad("bShape", `bShape ${fmt(b)} ${bWhy}`);
  } else if (b.length !== 0) return bad("bShape", `${name} has one operand, so bShape must be []`);
  return geometryProblem(Number(code), name, p0, p1, o, a, b, bad);
}

function geometryProblem(
  code: number,
  name: string,
  p0: bigint,
  p1: bigint,
  o: readonly bigint[],
  a: readonly bigint[],
  b: readonly bigint[],
  bad: (field: DescFieldName, reason: string) => DescProblem,
): DescProblem | undefined {
  switch (code) {
    case Opcode.MatMul: {
      if (a.length !== 2) return bad("aShape", `MatMul needs a rank-2 a, got ${fmt(a)}`);
      if (b.length !== 2) return bad("bShape", `MatMul needs a rank-2 b, got ${fmt(b)}`);
      // A' = transA ? aᵀ : a is [rows, K]; B' = transB ? bᵀ : b is [K, cols].
      const [ta, tb] = [Number(p0), Number(p1)];
      if (a[1 - ta] !== b[tb]) return bad("bShape", `MatMul inner dimensions differ: ${a[1 - ta]} (a ${fmt(a)}) vs ${b[tb]} (b ${fmt(b)})`);
      const want = [a[ta], b[1 - tb]];
      return sameShape(o, want) ? undefined : bad("outShape", `MatMul of ${fmt(a)} and ${fmt(b)} is ${fmt(want)}, not ${fmt(o)}`);
    }
    case Opcode.Add:
    case Opcode.Sub:
    case Opcode.Mul: {
      const rank = Math.max(a.length, b.length);
      const dim = (s: readonly bigint[], d: number) => (d < s.length ? s[s.length - 1 - d] : 1n);
      for (let d = 0; d < rank; d++) {
        const [da, db] = [dim(a, d), dim(b, d)];
        if (da !== db && da !== 1n && db !== 1n) return bad("bShape", `${name} operands ${fmt(a)} and ${fmt(b)} do not broadcast`);
      }
      const want = Array.from({ length: rank }, (_, i) => {
        const d = rank - 1 - i;
        const [da, db] = [dim(a, d), dim(b, d)];
        return da > db ? da : db;
      });
      return sameShape(o, want) ? undefined : bad("outShape", `${name} of ${fmt(a)} and ${fmt(b)} is ${fmt(want)}, not ${fmt(o)}`);
    }
    case Opcode.ReluGrad:
      if (!sameShape(b, a)) return bad("bShape", `ReluGrad needs x of g's shape ${fmt(a)}, got ${fmt(b)}`);
      return sameShape(o, a) ? undefined : bad("outShape", `ReluGrad of ${fmt(a)} is ${fmt(a)}, not ${fmt(o)}`);
    case Opcode.Transpose:
      if (a.length !== 2) return bad("aShape", `Transpose needs a rank-2 a, got ${fmt(a)}`);
      return sameShape(o, [a[1], a[0]]) ? undefined : bad("outShape", `Transpose of ${fmt(a)} is [${a[1]},${a[0]}], not ${fmt(o)}`);
    case Opcode.ReduceSum: {
      const want = a.filter((_, i) => BigInt(i) !== p0);
      return sameShape(o, want) ? undefined : bad("outShape", `ReduceSum of ${fmt(a)} over axis ${p0} is ${fmt(want)}, not ${fmt(o)}`);
    }
    case Opcode.Reshape: {
      const n = (s: readonly bigint[]) => s.reduce((x, y) => x * y, 1n);
      return n(o) === n(a) ? undefined : bad("outShape", `Reshape from ${fmt(a)} to ${fmt(o)} changes the element count`);
    }
    default:
      return sameShape(o, a) ? undefined : bad("outShape", `${name} of ${fmt(a)} is ${fmt(a)}, not ${fmt(o)}`);
  }
}

/**
 * Throws InputError DISPUTE_BAD_DESCRIPTOR unless `d` is inside the descriptor range
 * (LibPinOps.checkDesc / OneStepVerifier.checkDesc accept exactly the same descriptors).
 * `where` names the op in the message, e.g. "op 3 (Rescale → slot 7)".
 */
export function checkDesc(d: WideOpDesc, where = "op descriptor", details: Record<string, unknown> = {}): void {
  const p = descProblem(d);
  if (!p) return;
  throw new InputError(
    "DISPUTE_BAD_DESCRIPTOR",
    `${where}: ${p.reason} (field ${p.field}); the on-chain one-step check accepts only descriptors inside the range of docs/DISPUTE.md §4.1, so no dispute over this op could be decided`,
    { ...details, opcode: String(d.opcode), field: p.field, fieldId: p.fieldId, reason: p.reason },
  );
}

/** On-chain slot kinds (contracts/types/DisputeTypes.sol `SlotKindId`). */
export const SlotKindId = { state: 0, input: 1, target: 2, const: 3, temp: 4 } as const;

/** ABI type of OpDesc, field order as in Solidity. */
export const OP_DESC_ABI =
  "tuple(uint8 opcode,uint32 out,uint32 a,uint32 b,uint32 outScale,uint32 aScale,uint32 bScale,uint32 p0,uint32 p1,int64 c,uint64[] outShape,uint64[] aShape,uint64[] bShape)";
/** ABI type of SlotDesc. */
export const SLOT_DESC_ABI = "tuple(uint8 kind,uint32 scale,uint32 stateIndex,uint32 nextSlot,bytes32 constHash,uint64[] shape)";

const coder = AbiCoder.defaultAbiCoder();

/** abi.encode(OpDesc). */
export function encodeOpDesc(d: OpDesc): Buffer {
  return Buffer.from(coder.encode([OP_DESC_ABI], [d]).slice(2), "hex");
}

/** abi.encode(SlotDesc). */
export function encodeSlotDesc(d: SlotDesc): Buffer {
  return Buffer.from(coder.encode([SLOT_DESC_ABI], [d]).slice(2), "hex");
}

/** Operands (a, b) of an op; b is undefined for unary ops. ReluGrad reads (g, x). */
export function operandSlots(op: PinOp): [number, number | undefined] {
  const [a, b] = opInputs(op);
  return [a, b];
}

/** The descriptor of op `j` (0-based) of `program`. */
export function opDesc(program: PinProgram, j: number): OpDesc {
  const op = program.ops[j];
  if (!op) throw new InputError("DISPUTE_OP_INDEX", `op ${j} is outside the program's ${program.ops.length} ops`);
  const [a, b] = operandSlots(op);
  const slot = (i: number | undefined) => {
    if (i === undefined) return undefined;
    const s = program.slots[i];
    if (!s) throw new InputError("DISPUTE_SLOT_INDEX", `op ${j} (${op.op}) refers to slot ${i}, outside the program's ${program.slots.length} slots`);
    return s;
  };
  const sa = slot(a);
  const sb = slot(b);
  const so = slot(op.out)!;
  let p0 = 0;
  let p1 = 0;
  let c = 0;
  if (op.op === "MatMul") {
    p0 = op.transA ? 1 : 0;
    p1 = op.transB ? 1 : 0;
  } else if (op.op === "ReduceSum") p0 = op.axis;
  else if (op.op === "Rescale") {
    p0 = op.shift;
    p1 = op.bound;
  } else if (op.op === "Clip") p1 = op.bound;
  else if (op.op === "MulConst") c = op.c;
  return {
    // An op name that is not PinIR gets opcode 0, which checkDesc refuses.
    opcode: Object.hasOwn(Opcode, op.op) ? Opcode[op.op] : 0,
    out: op.out,
    a: a ?? 0,
    b: b ?? 0,
    outScale: so.scale,
    aScale: sa?.scale ?? 0,
    bScale: sb?.scale ?? 0,
    p0,
    p1,
    c,
    outShape: [...so.shape],
    aShape: sa ? [...sa.shape] : [],
    bShape: sb ? [...sb.shape] : [],
  };
}

/** Tensor of a const slot's data. */
export function constSlotTensor(program: PinProgram, i: number): IntTensor {
  const s = program.slots[i];
  return { shape: s.shape, scale: s.scale, data: Float64Array.from(s.data ?? []) };
}

/** The descriptor of slot `i` of `program`. */
export function slotDesc(program: PinProgram, i: number): SlotDesc {
  const s = program.slots[i];
  if (!s) throw new InputError("DISPUTE_SLOT_INDEX", `slot ${i} is outside the program's ${program.slots.length} slots`);
  let stateIndex = 0;
  let nextSlot = 0;
  if (s.kind === "state") {
    stateIndex = stateSlots(program).indexOf(i);
    const upd = program.stateUpdates.find((u) => u.from === i);
    if (!upd) throw new InputError("DISPUTE_NO_UPDATE", `state slot ${i} (${s.name}) has no state update; disputes need a train-step program`);
    nextSlot = upd.to;
  }
  const constHash = s.kind === "const" ? hexlify(tensorHash(constSlotTensor(program, i))) : hexlify(ZERO_HASH);
  return { kind: SlotKindId[s.kind], scale: s.scale, stateIndex, nextSlot, constHash, shape: [...s.shape] };
}

/** Slot ids of the state slots, in slot order (state index order). */
export function stateSlots(program: PinProgram): number[] {
  return program.slots.flatMap((s, i) => (s.kind === "state" ? [i] : []));
}

/** The chain program commitment with the leaves needed for proofs. */
export interface ChainProgram {
  readonly program: PinProgram;
  readonly info: ProgramInfo;
  /** The value of WorkSpec.programHash (0x-hex). */
  readonly hash: string;
  readonly opDescs: readonly OpDesc[];
  readonly slotDescs: readonly SlotDesc[];
  readonly opLeaves: readonly Hash[];
  readonly slotLeaves: readonly Hash[];
}

/** sha256(0x08 ‖ compilerHash ‖ u32(nOps) ‖ opsRoot ‖ u32(nSlots) ‖ slotsRoot ‖ u32(nState)). */
export function chainProgramHash(info: ProgramInfo): Hash {
  const h = (x: string) => Buffer.from(x.slice(2), "hex");
  return sha256(
    Buffer.from([CHAIN_PROGRAM_TAG]),
    h(info.compilerHash),
    u32(info.nOps),
    h(info.opsRoot),
    u32(info.nSlots),
    h(info.slotsRoot),
    u32(info.nState),
  );
}

/**
 * Builds the chain program commitment of a train-step program. Refuses (InputError
 * DISPUTE_BAD_DESCRIPTOR, naming the op and the field) a program any of whose op descriptors is
 * outside the descriptor range (docs/DISPUTE.md §4.1), so no honest party commits to an op that
 * the one-step check would refuse.
 */
export function chainProgram(program: PinProgram): ChainProgram {
  if (program.ops.length === 0) throw new InputError("DISPUTE_EMPTY_PROGRAM", "a disputable program needs at least one op");
  const opDescs = program.ops.map((op, j) => {
    const d = opDesc(program, j);
    checkDesc(d, `op ${j} (${op.op} → slot ${op.out})`, { opIndex: j, op: op.op });
    return d;
  });
  const slotDescs = program.slots.map((_, i) => slotDesc(program, i));
  const opLeaves = opDescs.map((d) => sha256(encodeOpDesc(d)));
  const slotLeaves = slotDescs.map((d) => sha256(encodeSlotDesc(d)));
  const info: ProgramInfo = {
    compilerHash: hexlify(compilerProgramHash(program)),
    opsRoot: hexlify(listRoot(opLeaves)),
    slotsRoot: hexlify(listRoot(slotLeaves)),
    nOps: program.ops.length,
    nSlots: program.slots.length,
    nState: stateSlots(program).length,
  };
  return { program, info, hash: hexlify(chainProgramHash(info)), opDescs, slotDescs, opLeaves, slotLeaves };
}

/** List proof of op j (0-based) in the chain program's op list. */
export function opDescProof(cp: ChainProgram, j: number): { count: number; index: number; path: string[] } {
  return { count: cp.opLeaves.length, index: j, path: listProof(cp.opLeaves, j).map((x) => hexlify(x)) };
}

/** List proof of slot i in the chain program's slot list. */
export function slotDescProof(cp: ChainProgram, i: number): { count: number; index: number; path: string[] } {
  return { count: cp.slotLeaves.length, index: i, path: listProof(cp.slotLeaves, i).map((x) => hexlify(x)) };
}
