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
import { opInputs } from "../pinir/infer";
import { AbiCoder, hexlify } from "ethers";
import { type Hash, listProof, listRoot, sha256, u32, ZERO_HASH } from "../commit/hash";
import { tensorHash } from "../commit/tensor";
import { programHash as compilerProgramHash } from "../pinir/encode";
import type { IntTensor, PinOp, PinProgram } from "../pinir/types";
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
  const slot = (i: number | undefined) => (i === undefined ? undefined : program.slots[i]);
  const sa = slot(a);
  const sb = slot(b);
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
  const so = program.slots[op.out];
  return {
    opcode: Opcode[op.op],
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

/** Builds the chain program commitment of a train-step program. */
export function chainProgram(program: PinProgram): ChainProgram {
  if (program.ops.length === 0) throw new InputError("DISPUTE_EMPTY_PROGRAM", "a disputable program needs at least one op");
  const opDescs = program.ops.map((_, j) => opDesc(program, j));
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
