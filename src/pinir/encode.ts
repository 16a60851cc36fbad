import { Tag, ZERO_HASH, listProof, listRoot, sha256, u32, type Hash } from "../commit/hash";
import { CompileCode, compileError } from "./errors";
import { sizeOf } from "./infer";
import { PINIR_VERSION, type PinOp, type PinOpName, type PinProgram, type SlotInfo, type SlotKind } from "./types";

/** First four bytes of every encoded program. */
export const PINIR_MAGIC = Buffer.from("PNIR", "ascii");

/** Opcodes of the binary encoding (docs/PINIR.md §Encoding). Never renumber; append only. */
export const OPCODES: Readonly<Record<PinOpName, number>> = {
  MatMul: 0x01,
  Add: 0x02,
  Sub: 0x03,
  Mul: 0x04,
  MulConst: 0x05,
  Relu: 0x06,
  ReluGrad: 0x07,
  Transpose: 0x08,
  ReduceSum: 0x09,
  Rescale: 0x0a,
  Clip: 0x0b,
  Reshape: 0x0c,
};
const OPNAMES = new Map<number, PinOpName>(Object.entries(OPCODES).map(([k, v]) => [v, k as PinOpName]));

export const SLOT_KIND_CODES: Readonly<Record<SlotKind, number>> = { state: 0, input: 1, target: 2, const: 3, temp: 4 };
const KIND_NAMES = new Map<number, SlotKind>(Object.entries(SLOT_KIND_CODES).map(([k, v]) => [v, k as SlotKind]));

class Writer {
  private readonly parts: Buffer[] = [];
  u8(x: number): this {
    if (!Number.isInteger(x) || x < 0 || x > 0xff) throw compileError(CompileCode.BadProgram, `value ${x} does not fit in u8`);
    this.parts.push(Buffer.from([x]));
    return this;
  }
  u16(x: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(x);
    this.parts.push(b);
    return this;
  }
  u32(x: number): this {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw compileError(CompileCode.BadProgram, `value ${x} does not fit in u32`);
    this.parts.push(u32(x));
    return this;
  }
  u64(x: number): this {
    if (!Number.isSafeInteger(x) || x < 0) throw compileError(CompileCode.BadProgram, `value ${x} is not a safe unsigned integer`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(x));
    this.parts.push(b);
    return this;
  }
  i64(x: number): this {
    if (!Number.isSafeInteger(x)) throw compileError(CompileCode.BadProgram, `value ${x} is not a safe integer`);
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(x));
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, "utf8");
    if (b.length > 0xffff) throw compileError(CompileCode.BadProgram, `name of ${b.length} bytes is too long`);
    this.u16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw compileError(CompileCode.BadEncoding, `PinIR encoding is truncated reading ${what} at byte ${this.pos}; the bytes are incomplete or not a PinIR program`, {
        offset: this.pos,
      });
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(what: string): number {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw compileError(CompileCode.BadEncoding, `${what} = ${v} exceeds 2^53 − 1`, { offset: this.pos - 8 });
    return Number(v);
  }
  i64(what: string): number {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw compileError(CompileCode.BadEncoding, `${what} = ${v} is not a safe integer`, { offset: this.pos - 8 });
    }
    return Number(v);
  }
  str(what: string): string {
    const n = this.u16(what);
    this.need(n, what);
    const raw = this.buf.subarray(this.pos, this.pos + n);
    const s = raw.toString("utf8");
    // INVARIANT: the encoding is canonical, so a name must round-trip through UTF-8 unchanged.
    if (!Buffer.from(s, "utf8").equals(raw)) throw compileError(CompileCode.BadEncoding, `${what} at byte ${this.pos} is not valid UTF-8`, { offset: this.pos });
    this.pos += n;
    return s;
  }
  get offset(): number {
    return this.pos;
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

/** Encoding of one op: u8 opcode ‖ u32 out ‖ operand fields (docs/PINIR.md). */
export function encodeOp(op: PinOp): Buffer {
  const w = new Writer();
  const code = OPCODES[op.op];
  if (code === undefined) throw compileError(CompileCode.BadProgram, `cannot encode unknown PinIR op "${(op as { op: string }).op}"`);
  w.u8(code).u32(op.out);
  switch (op.op) {
    case "MatMul":
      w.u32(op.a).u32(op.b).u8((op.transA ? 1 : 0) | (op.transB ? 2 : 0));
      break;
    case "Add":
    case "Sub":
    case "Mul":
      w.u32(op.a).u32(op.b);
      break;
    case "MulConst":
      w.u32(op.a).i64(op.c);
      break;
    case "ReluGrad":
      w.u32(op.g).u32(op.x);
      break;
    case "ReduceSum":
      w.u32(op.a).u8(op.axis);
      break;
    case "Rescale":
      w.u32(op.a).u8(op.shift).u8(op.bound);
      break;
    case "Clip":
      w.u32(op.a).u8(op.bound);
      break;
    case "Relu":
    case "Transpose":
    case "Reshape":
      w.u32(op.a);
      break;
  }
  return w.bytes();
}

function readOp(r: Reader, index: number): PinOp {
  const code = r.u8(`op ${index} opcode`);
  const op = OPNAMES.get(code);
  if (!op) {
    throw compileError(
      CompileCode.BadEncoding,
      `op ${index} has unknown opcode 0x${code.toString(16).padStart(2, "0")}; this program needs a newer Pinpoint or is corrupt`,
      { opIndex: index, opcode: code },
    );
  }
  const out = r.u32("out");
  switch (op) {
    case "MatMul": {
      const a = r.u32("a");
      const b = r.u32("b");
      const flags = r.u8("flags");
      if (flags > 3) throw compileError(CompileCode.BadEncoding, `op ${index} MatMul has invalid flags ${flags}`, { opIndex: index });
      return { op, out, a, b, transA: (flags & 1) !== 0, transB: (flags & 2) !== 0 };
    }
    case "Add":
    case "Sub":
    case "Mul":
      return { op, out, a: r.u32("a"), b: r.u32("b") };
    case "MulConst":
      return { op, out, a: r.u32("a"), c: r.i64("c") };
    case "ReluGrad":
      return { op, out, g: r.u32("g"), x: r.u32("x") };
    case "ReduceSum":
      return { op, out, a: r.u32("a"), axis: r.u8("axis") };
    case "Rescale":
      return { op, out, a: r.u32("a"), shift: r.u8("shift"), bound: r.u8("bound") };
    case "Clip":
      return { op, out, a: r.u32("a"), bound: r.u8("bound") };
    case "Relu":
    case "Transpose":
    case "Reshape":
      return { op, out, a: r.u32("a") };
  }
}

/** Decodes one op encoding (exactly, no trailing bytes). */
export function decodeOp(bytes: Uint8Array): PinOp {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const op = readOp(r, 0);
  if (!r.done) throw compileError(CompileCode.BadEncoding, `op encoding has ${bytes.length - r.offset} trailing bytes`);
  return op;
}

/** Encoding of one slot: u8 kind ‖ str name ‖ u8 scale ‖ u64 maxAbs ‖ u8 rank ‖ u64 dims ‖ (const) i64 data. */
export function encodeSlot(s: SlotInfo): Buffer {
  const w = new Writer();
  w.u8(SLOT_KIND_CODES[s.kind]).str(s.name).u8(s.scale).u64(s.maxAbs).u8(s.shape.length);
  for (const d of s.shape) w.u64(d);
  if (s.kind === "const") {
    const data = s.data ?? [];
    if (data.length !== sizeOf(s.shape)) throw compileError(CompileCode.BadProgram, `const slot "${s.name}" has ${data.length} elements, shape needs ${sizeOf(s.shape)}`);
    for (const v of data) w.i64(v);
  }
  return w.bytes();
}

function readSlot(r: Reader, index: number): SlotInfo {
  const code = r.u8(`slot ${index} kind`);
  const kind = KIND_NAMES.get(code);
  if (!kind) throw compileError(CompileCode.BadEncoding, `slot ${index} has unknown kind ${code}`, { slotIndex: index });
  const name = r.str("slot name");
  const scale = r.u8("scale");
  const maxAbs = r.u64("maxAbs");
  const rank = r.u8("rank");
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(r.u64("dim"));
  if (kind !== "const") return { name, kind, shape, scale, maxAbs };
  const n = sizeOf(shape);
  if (!Number.isSafeInteger(n)) throw compileError(CompileCode.BadEncoding, `const slot ${index} is too large`);
  const data: number[] = [];
  for (let i = 0; i < n; i++) data.push(r.i64("const element"));
  return { name, kind, shape, scale, maxAbs, data };
}

/** Canonical order of outputs: by name, UTF-16 code unit order. */
function sortedOutputs(p: PinProgram): [string, number][] {
  return Object.entries(p.outputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** magic ‖ u32 version ‖ u8 F ‖ u8 B ‖ state updates ‖ outputs. */
export function encodeMeta(p: PinProgram): Buffer {
  const w = new Writer();
  w.u32(p.version).u8(p.fracBits).u8(p.boundBits).u32(p.stateUpdates.length);
  for (const { from, to } of p.stateUpdates) w.u32(from).u32(to);
  const outs = sortedOutputs(p);
  w.u32(outs.length);
  for (const [name, slot] of outs) w.str(name).u32(slot);
  return Buffer.concat([PINIR_MAGIC, w.bytes()]);
}

/**
 * Stable binary encoding: meta ‖ u32 nSlots ‖ slot* ‖ u32 nOps ‖ op* (docs/PINIR.md §Encoding).
 * Equal programs (up to the order of `outputs` keys) encode to equal bytes.
 */
export function encodeProgram(p: PinProgram): Uint8Array {
  if (p.version !== PINIR_VERSION) throw compileError(CompileCode.BadProgram, `cannot encode version ${p.version}; this library writes version ${PINIR_VERSION}`);
  const parts: Buffer[] = [encodeMeta(p), u32(p.slots.length), ...p.slots.map(encodeSlot), u32(p.ops.length), ...p.ops.map(encodeOp)];
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Decodes {@link encodeProgram} bytes exactly. Rejects a wrong magic, an unknown version, an
 * unknown opcode or slot kind, truncation and trailing bytes with COMPILE_BAD_ENCODING. Does not
 * prove bounds: call {@link checkBounds} before trusting a decoded program.
 */
export function decodeProgram(bytes: Uint8Array): PinProgram {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 4).equals(PINIR_MAGIC)) {
    throw compileError(CompileCode.BadEncoding, "bytes are not a PinIR program (missing the PNIR magic)");
  }
  const r = new Reader(buf.subarray(4));
  const version = r.u32("version");
  if (version !== PINIR_VERSION) {
    throw compileError(
      CompileCode.BadEncoding,
      `PinIR encoding version ${version} is not supported (this library reads version ${PINIR_VERSION}); upgrade Pinpoint or recompile the model`,
      { version, supported: PINIR_VERSION },
    );
  }
  const fracBits = r.u8("fracBits");
  const boundBits = r.u8("boundBits");
  const nUpd = r.u32("state update count");
  const stateUpdates: { from: number; to: number }[] = [];
  for (let i = 0; i < nUpd; i++) stateUpdates.push({ from: r.u32("from"), to: r.u32("to") });
  const nOut = r.u32("output count");
  const outputs: Record<string, number> = {};
  let prev: string | undefined;
  for (let i = 0; i < nOut; i++) {
    const name = r.str("output name");
    if (prev !== undefined && !(prev < name)) throw compileError(CompileCode.BadEncoding, `outputs are not in canonical (sorted, unique) order at "${name}"`);
    prev = name;
    outputs[name] = r.u32("output slot");
  }
  const nSlots = r.u32("slot count");
  const slots: SlotInfo[] = [];
  for (let i = 0; i < nSlots; i++) slots.push(readSlot(r, i));
  const nOps = r.u32("op count");
  const ops: PinOp[] = [];
  for (let i = 0; i < nOps; i++) ops.push(readOp(r, i));
  if (!r.done) throw compileError(CompileCode.BadEncoding, `PinIR encoding has trailing bytes after op ${nOps - 1}`, { offset: r.offset + 4 });
  return { version: PINIR_VERSION, fracBits, boundBits, slots, ops, stateUpdates, outputs };
}

/** Leaf of op j in the program's op list: sha256(encodeOp(op)). */
export function opLeaf(op: PinOp): Hash {
  return sha256(encodeOp(op));
}

/** Leaf of slot i in the program's slot list: sha256(encodeSlot(slot)). */
export function slotLeaf(s: SlotInfo): Hash {
  return sha256(encodeSlot(s));
}

function rootOrZero(items: Hash[]): Hash {
  return items.length === 0 ? ZERO_HASH : listRoot(items);
}

/** The pieces {@link programHash} commits to, for building proofs. */
export interface ProgramCommitment {
  readonly version: number;
  readonly metaHash: Hash;
  readonly nSlots: number;
  readonly slotsRoot: Hash;
  readonly nOps: number;
  readonly opsRoot: Hash;
  readonly hash: Hash;
}

export function programCommitment(p: PinProgram): ProgramCommitment {
  const metaHash = sha256(encodeMeta(p));
  const slotsRoot = rootOrZero(p.slots.map(slotLeaf));
  const opsRoot = rootOrZero(p.ops.map(opLeaf));
  const hash = programHashFromParts(p.version, metaHash, p.slots.length, slotsRoot, p.ops.length, opsRoot);
  return { version: p.version, metaHash, nSlots: p.slots.length, slotsRoot, nOps: p.ops.length, opsRoot, hash };
}

/** H(0x07 ‖ u32 version ‖ metaHash ‖ u32 nSlots ‖ slotsRoot ‖ u32 nOps ‖ opsRoot). */
export function programHashFromParts(version: number, metaHash: Uint8Array, nSlots: number, slotsRoot: Uint8Array, nOps: number, opsRoot: Uint8Array): Hash {
  return sha256(Buffer.from([Tag.Program]), u32(version), metaHash, u32(nSlots), slotsRoot, u32(nOps), opsRoot);
}

/**
 * The program commitment the chain stores (docs/PINIR.md §Program hash): a Merkle commitment
 * over the encoded slots and ops so op j (and slot i) can be proved with a list proof.
 */
export function programHash(p: PinProgram): Hash {
  return programCommitment(p).hash;
}

/** Sibling path proving op `index` against `programCommitment(p).opsRoot`. */
export function opProof(p: PinProgram, index: number): Hash[] {
  return listProof(p.ops.map(opLeaf), index);
}

/** Sibling path proving slot `index` against `programCommitment(p).slotsRoot`. */
export function slotProof(p: PinProgram, index: number): Hash[] {
  return listProof(p.slots.map(slotLeaf), index);
}
