/**
 * ONNX emission from PinIR.
 *
 * `emitOnnx` writes the exact float64 graph ONNX Runtime runs: every PinIR value is a DOUBLE
 * tensor holding exact integers, every temp slot is a graph output (evidence), and every state
 * update that may hold −0 (see mayBeNegativeZero) gets a canonicalised output `next<k>`
 * (x + 0 turns −0 into +0 under IEEE round-to-nearest); the fast path fetches those.
 * Rescale is Floor((a + 2^(s−1))·2^−s) then Clip; the Clip is left out where guaranteed bounds
 * (guaranteedBounds) make it a no-op, and a MatMul or MulConst read only by a Rescale is fused
 * with it (Gemm with alpha 2^−s and C ½; Mul by c·2^−s), all exact; such slots are exposed as
 * v = x·2^−s + offset and recovered exactly (EmittedModel.fusedEvidence).
 *
 * `emitOnnx(program, { evidence: false, outputs })` writes the *fast-path graph* of the same
 * program: only the state updates and the named outputs asked for are graph outputs, nodes that
 * feed neither are pruned, and, because no intermediate slot has to be recoverable, more is fused
 * (each step exact, argued where it is emitted): MatMul + bias MulConst + Add + Rescale is one Gemm
 * (C = b·c·2^−s + ½); Rescale(ReduceSum) is a MatMul with 2^−s weights; Relu after a clipping
 * Rescale is that Clip's lower bound 0; Rescale of |x| ≤ 2^52 − 1 uses Round(x·2^−s + 2^−(s+1))
 * (no ties) instead of Floor(x·2^−s + ½); a Relu read only by a Clip is Max(a, 0) (ONNX Runtime's
 * Relu→Clip fusion rejects double bounds). The executor runs it for `step`.
 *
 * `emitFloat32Onnx` writes the *equivalent float32 graph* used as the benchmark baseline: the same
 * op structure on real numbers (value = integer / 2^scale), Rescale and Clip dropped, scale
 * changes folded into multiplications by powers of two.
 */
import { onnx } from "onnx-proto";
import type { PinOp, PinProgram, SlotId } from "../pinir/types";
import { guaranteedBounds, mayBeNegativeZero, operandsOf, rescaleBound, validateProgram } from "./program";

/** ONNX opset the emitted graphs import. */
export const ONNX_OPSET = 13;

const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export type FloatType = "float64" | "float32";

/** Name of slot `id`'s tensor in emitted graphs. */
export function slotName(id: SlotId): string {
  return `s${id}`;
}

/** Name of the canonicalised output holding the next value of `program.stateUpdates[k]`. */
export function nextStateName(k: number): string {
  return `next${k}`;
}

/** An emitted model and the names that bind it to the program. */
export interface EmittedModel {
  /** Serialized ModelProto. */
  readonly bytes: Uint8Array;
  readonly dtype: FloatType;
  /** Graph inputs: state, input and target slots, in slot order. */
  readonly inputSlots: readonly SlotId[];
  /** Temp slots exposed as graph outputs (all temps for float64; none for the float32 baseline). */
  readonly evidenceSlots: readonly SlotId[];
  /** Output name of each state update, in `program.stateUpdates` order (the slot's own name when it cannot hold −0). */
  readonly stateOutputs: readonly string[];
  /** Output name of each named program output. */
  readonly namedOutputs: Readonly<Record<string, string>>;
  /**
   * Slots not exposed under their own name because their op was fused with the Rescale reading
   * them: the graph output `output` holds v = x·2^−shift + offset, and the slot's value is
   * x = (v − offset)·2^shift, exact. MatMul + Rescale is one Gemm (alpha 2^−s, C ½, offset ½);
   * MulConst c + Rescale multiplies by c·2^−s directly (offset 0), then adds ½.
   */
  readonly fusedEvidence: ReadonlyMap<
    SlotId,
    { readonly output: string; readonly shift: number; readonly offset: number }
  >;
}

class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  constructor(private readonly elemType: number) {}

  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  /** A float initializer (deduplicated for scalars). */
  floatConst(values: ArrayLike<number>, dims: readonly number[], hint = "c"): string {
    const key = dims.length === 0 ? `f:${Object.is(values[0], -0) ? "-0" : values[0]}` : undefined;
    if (key && this.constCache.has(key)) return this.constCache.get(key) as string;
    const name = this.fresh(hint);
    const raw =
      this.elemType === DOUBLE
        ? new Uint8Array(Float64Array.from(values).buffer)
        : new Uint8Array(Float32Array.from(values).buffer);
    this.initializers.push(
      onnx.TensorProto.create({ name, dataType: this.elemType, dims: [...dims], rawData: raw }),
    );
    if (key) this.constCache.set(key, name);
    return name;
  }

  /** An int64 initializer (axes, shapes). */
  int64Const(values: readonly number[], hint = "i"): string {
    const key = `i:${values.join(",")}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh(hint);
    const raw = new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    this.initializers.push(
      onnx.TensorProto.create({ name, dataType: INT64, dims: [values.length], rawData: raw }),
    );
    this.constCache.set(key, name);
    return name;
  }

  node(opType: string, inputs: string[], output: string, attrs: onnx.IAttributeProto[] = []): string {
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [output],
        attribute: attrs,
        name: `${opType}_${output}`,
      }),
    );
    return output;
  }
}

function intAttr(name: string, i: number): onnx.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}
function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
}

function valueInfo(name: string, elemType: number, shape: readonly number[]): onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
}

function finish(
  g: GraphBuilder,
  inputs: onnx.IValueInfoProto[],
  outputs: onnx.IValueInfoProto[],
  name: string,
): Uint8Array {
  const graph = onnx.GraphProto.create({
    name,
    node: g.nodes,
    initializer: g.initializers,
    input: inputs,
    output: outputs,
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: "pinpoint",
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * `operandBound`: a bound on |operand| that holds by construction (see guaranteedBounds); a
 * Rescale whose result provably stays within ±(2^b − 1) gets no Clip node. `clipLow`: a
 * Rescale's Clip gets this lower bound instead of −(2^b − 1) (0 merges a following Relu).
 */
function emitExactOp(
  g: GraphBuilder,
  op: PinOp,
  name: (id: SlotId) => string,
  out: string,
  operandBound = Infinity,
  clipLow?: number,
  round = false,
): void {
  switch (op.op) {
    case "MatMul":
      if (!op.transA && !op.transB) g.node("MatMul", [name(op.a), name(op.b)], out);
      else
        g.node("Gemm", [name(op.a), name(op.b)], out, [
          intAttr("transA", op.transA ? 1 : 0),
          intAttr("transB", op.transB ? 1 : 0),
        ]);
      return;
    case "Add":
    case "Sub":
    case "Mul":
      g.node(op.op, [name(op.a), name(op.b)], out);
      return;
    case "MulConst":
      g.node("Mul", [name(op.a), g.floatConst([op.c], [])], out);
      return;
    case "Relu":
      g.node("Relu", [name(op.a)], out);
      return;
    case "ReluGrad": {
      const zero = g.floatConst([0], []);
      const mask = g.node("Greater", [name(op.x), zero], g.fresh(`${out}_pos`));
      g.node("Where", [mask, name(op.g), zero], out);
      return;
    }
    case "Transpose":
      g.node("Transpose", [name(op.a)], out, [intsAttr("perm", [1, 0])]);
      return;
    case "ReduceSum":
      g.node("ReduceSum", [name(op.a), g.int64Const([op.axis])], out, [intAttr("keepdims", 0)]);
      return;
    case "Rescale": {
      // floor((a + 2^(s−1)) · 2^−s): the add is exact below 2^53 (checked by validateProgram) and
      // scaling by a power of two is exact, so Floor sees the exact quotient.
      // round: Round(a·2^−s + 2^−(s+1)) instead (see emitOnnx's fast path), same integer
      const scaled = round
        ? g.node(
            "Add",
            [
              g.node("Mul", [name(op.a), g.floatConst([2 ** -op.shift], [])], g.fresh(`${out}_div`)),
              g.floatConst([2 ** -(op.shift + 1)], []),
            ],
            g.fresh(`${out}_half`),
          )
        : g.node(
            "Mul",
            [
              g.node("Add", [name(op.a), g.floatConst([2 ** (op.shift - 1)], [])], g.fresh(`${out}_half`)),
              g.floatConst([2 ** -op.shift], []),
            ],
            g.fresh(`${out}_div`),
          );
      const rounder = round ? "Round" : "Floor";
      const m = 2 ** op.bound - 1;
      if (rescaleBound(operandBound, op.shift) <= m && clipLow === undefined) {
        g.node(rounder, [scaled], out); // the clip cannot bind
        return;
      }
      const floored = g.node(rounder, [scaled], g.fresh(`${out}_floor`));
      g.node("Clip", [floored, g.floatConst([clipLow ?? -m], []), g.floatConst([m], [])], out);
      return;
    }
    case "Clip": {
      const m = 2 ** op.bound - 1;
      g.node("Clip", [name(op.a), g.floatConst([-m], []), g.floatConst([m], [])], out);
      return;
    }
    case "Reshape":
      return void 0;
  }
}

/** Options of emitOnnx. */
export interface EmitOptions {
  /**
   * Expose every temp slot as a graph output (default true). false emits the fast-path graph:
   * the same nodes, but only the state updates and named outputs are graph outputs, so ONNX
   * Runtime may reuse intermediate buffers (evidenceSlots and fusedEvidence are then empty).
   */
  readonly evidence?: boolean;
  /**
   * Fast path only: the named outputs the graph computes (default all). Nodes that feed neither
   * a state update nor one of these are left out (namedOutputs then lists only these).
   */
  readonly outputs?: readonly string[];
}

/**
 * ONNX Runtime's Relu→Clip fusion (a Relu read only by a Clip, not a graph output) throws on
 * double Clip bounds ("Unexpected data type for Clip 'min'"), so such a Relu becomes Max(a, 0):
 * the same integer, and a −0 only where Relu could give one too (mayBeNegativeZero treats both
 * alike: the result is −0 only if a is), which Max(a, +0) cannot make worse.
 */
function avoidReluClipFusion(g: GraphBuilder, outputs: ReadonlySet<string>): void {
  const readers = new Map<string, string[]>();
  for (const n of g.nodes)
    for (const x of n.input ?? []) readers.set(x, [...(readers.get(x) ?? []), n.opType as string]);
  for (const n of g.nodes) {
    const out = (n.output ?? [])[0];
    const r = readers.get(out);
    if (n.opType === "Relu" && !outputs.has(out) && r?.length === 1 && r[0] === "Clip") {
      n.opType = "Max";
      n.input = [...(n.input ?? []), g.floatConst([0], [])];
    }
  }
}

/**
 * Drops the nodes of `g` that no name in `keep` depends on (nodes are in topological order).
 * Leaves ONNX Runtime nothing to compute that the caller will not fetch (then rewrites the Relus
 * that the pruned graph would let ONNX Runtime fuse unsafely, see avoidReluClipFusion).
 */
function pruneTo(g: GraphBuilder, keep: ReadonlySet<string>): void {
  const needed = new Set(keep);
  const live: boolean[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    live[i] = (n.output ?? []).some((o) => needed.has(o));
    if (live[i]) for (const x of n.input ?? []) needed.add(x);
  }
  const nodes = g.nodes.filter((_, i) => live[i]);
  g.nodes.length = 0;
  g.nodes.push(...nodes);
  avoidReluClipFusion(g, keep);
  const read = new Set(g.nodes.flatMap((n) => n.input ?? []));
  const inits = g.initializers.filter((t) => read.has(t.name as string) || keep.has(t.name as string));
  g.initializers.length = 0;
  g.initializers.push(...inits);
}

/**
 * Emits the exact float64 ONNX graph of `program` (see the module comment). Exactness assumes
 * every state, input and target value lies within its slot's declared maxAbs, which
 * createExecutor enforces (EXEC_INPUT_BOUNDS); run the bytes elsewhere only with checked inputs.
 */
export function emitOnnx(program: PinProgram, options: EmitOptions = {}): EmittedModel {
  validateProgram(program);
  const withEvidence = options.evidence ?? true;
  const g = new GraphBuilder(DOUBLE);
  const inputs: onnx.IValueInfoProto[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  const inputSlots: SlotId[] = [];
  const evidenceSlots: SlotId[] = [];
  program.slots.forEach((s, i) => {
    if (s.kind === "const") {
      const name = slotName(i);
      g.initializers.push(
        onnx.TensorProto.create({
          name,
          dataType: DOUBLE,
          dims: [...s.shape],
          rawData: new Uint8Array(Float64Array.from(s.data ?? []).buffer),
        }),
      );
    } else if (s.kind !== "temp") {
      inputs.push(valueInfo(slotName(i), DOUBLE, s.shape));
      inputSlots.push(i);
    }
  });
  const bounds = guaranteedBounds(program);
  // Fast path only: Rescale(x, s) with |x| ≤ 2^52 − 1 is Round(x·2^−s + 2^−(s+1)) rather than
  // Floor(x·2^−s + ½): x·2^−s + 2^−(s+1) is exact (a multiple of 2^−(s+1) below 2^53 of them),
  // never a tie, and the nearest integer to it is floor(x·2^−s + ½); ONNX Runtime's Round is
  // cheaper than its Floor. Round may give −0 (for x·2^−s in [−½, 0)), so these Rescales count
  // as possible −0 sources for the fast graph's state outputs (mayBeNegativeZero).
  const rounds = (a: SlotId, shift: number): boolean =>
    !withEvidence && bounds[a] <= 2 ** 52 - 1 && shift <= 1021;
  /** The offset the fused producer of Rescale operand `a` adds (in units of the result). */
  const halfOf = (a: SlotId, shift: number): number => (rounds(a, shift) ? 2 ** -(shift + 1) : 0.5);
  const rounderOf = (a: SlotId, shift: number): string => (rounds(a, shift) ? "Round" : "Floor");
  // MatMul X → Rescale(X, s) where X is read by nothing else and |X| + 2^(s−1) < 2^53 provably:
  // one Gemm computes v = X·2^−s + 1/2 exactly (power-of-two scaling of exact integers), so the
  // Rescale is Floor(v) [→ Clip] and X is recovered exactly from v for evidence.
  const uses = new Map<SlotId, number>();
  const use = (id: SlotId) => uses.set(id, (uses.get(id) ?? 0) + 1);
  program.ops.forEach((op) => operandsOf(op).forEach(use));
  program.stateUpdates.forEach(({ to }) => use(to));
  Object.values(program.outputs).forEach(use);
  const producer = new Map<SlotId, PinOp>(program.ops.map((op) => [op.out, op]));
  const fusedShift = new Map<SlotId, number>();
  for (const op of program.ops) {
    if (op.op !== "Rescale" || uses.get(op.a) !== 1 || op.shift > 126) continue;
    const kind = producer.get(op.a)?.op;
    if (
      (kind === "MatMul" || kind === "MulConst") &&
      bounds[op.a] + 2 ** (op.shift - 1) <= Number.MAX_SAFE_INTEGER
    ) {
      fusedShift.set(op.a, op.shift);
    }
  }
  // Fast path only (no evidence): Rescale(Add(MatMul(A, B), MulConst(b, c)), s) with every
  // intermediate read once and b a row vector of the product's shape is one Gemm:
  // A·B·2^−s + (b·c·2^−s + ½). Every term is a multiple of 2^−s and the sum of their magnitudes,
  // in units of 2^−s, is at most bound(Add) + 2^(s−1) < 2^53, so every partial sum is exact in
  // any order and Floor sees exactly (x + 2^(s−1))·2^−s.
  const biasGemm = new Map<SlotId, { mm: PinOp & { op: "MatMul" }; b: SlotId; c: number; shift: number }>();
  const skipped = new Set<SlotId>();
  if (!withEvidence) {
    for (const op of program.ops) {
      if (op.op !== "Rescale" || uses.get(op.a) !== 1 || op.shift > 126) continue;
      const add = producer.get(op.a);
      if (add?.op !== "Add" || add.a === add.b) continue;
      const [x, y] = producer.get(add.a)?.op === "MatMul" ? [add.a, add.b] : [add.b, add.a];
      const mm = producer.get(x);
      const mc = producer.get(y);
      if (mm?.op !== "MatMul" || mc?.op !== "MulConst" || uses.get(x) !== 1 || uses.get(y) !== 1) continue;
      const outShape = program.slots[x].shape;
      const yShape = program.slots[y].shape;
      const row = yShape.length === 1 && outShape.length === 2 && yShape[0] === outShape[1];
      const same = yShape.length === outShape.length && yShape.every((d, i) => d === outShape[i]);
      if (!(row || same) || outShape.length !== 2) continue;
      if (!(bounds[x] + bounds[y] + 2 ** (op.shift - 1) <= Number.MAX_SAFE_INTEGER)) continue;
      biasGemm.set(add.out, { mm, b: mc.a, c: mc.c, shift: op.shift });
      skipped.add(x).add(y);
    }
  }
  // Fast path only: Rescale(ReduceSum(X over axis 0 or 1 of a matrix), s), the sum read only by
  // the Rescale, is a MatMul of X with a vector of 2^−s (exact: every product and partial sum is
  // a multiple of 2^−s of magnitude below 2^53·2^−s), then + ½ and Floor as after a fused Gemm.
  const reduceShift = new Map<SlotId, number>();
  // Fast path only: Relu(Rescale(…)) whose Rescale needs a Clip, and whose Rescale output is read
  // only by that Relu and as ReluGrad's x: the Clip gets lower bound 0 and writes the Relu's
  // output (min(max(r, 0), m) = max(min(max(r, −m), m), 0)), and the ReluGrads test x > 0 on
  // the Relu's output instead (r > 0 ⇔ max(r, 0) > 0). One node fewer.
  const reluOfRescale = new Map<SlotId, SlotId>();
  const mergedRelus = new Set<SlotId>();
  if (!withEvidence) {
    for (const op of program.ops) {
      if (op.op === "Rescale" && uses.get(op.a) === 1 && op.shift <= 1022) {
        const p = producer.get(op.a);
        if (
          p?.op === "ReduceSum" &&
          program.slots[p.a].shape.length === 2 &&
          bounds[op.a] + 2 ** (op.shift - 1) <= Number.MAX_SAFE_INTEGER
        )
          reduceShift.set(op.a, op.shift);
      }
      if (op.op === "Relu") {
        const r = producer.get(op.a);
        if (r?.op !== "Rescale" || rescaleBound(bounds[r.a], r.shift) <= 2 ** r.bound - 1) continue;
        const readers = program.ops.filter((o) => operandsOf(o).includes(op.a));
        const onlyMask = readers.every(
          (o) => o === op || (o.op === "ReluGrad" && o.x === op.a && o.g !== op.a),
        );
        if (!onlyMask || uses.get(op.a) !== readers.length || reluOfRescale.has(op.a)) continue;
        reluOfRescale.set(op.a, op.out);
        mergedRelus.add(op.out);
      }
    }
  }
  /** Graph name holding slot `id`'s value (a merged Rescale is read through its Relu, see above). */
  const fastName = (id: SlotId): string => slotName(reluOfRescale.get(id) ?? id);
  const fusedEvidence = new Map<SlotId, { output: string; shift: number; offset: number }>();
  for (const op of program.ops) {
    if (mergedRelus.has(op.out)) continue;
    const rs = reduceShift.get(op.out);
    if (op.op === "ReduceSum" && rs !== undefined) {
      const [rows, cols] = program.slots[op.a].shape;
      const v = `${slotName(op.out)}_fused`;
      const w = g.floatConst(new Array<number>(op.axis === 0 ? rows : cols).fill(2 ** -rs), [
        op.axis === 0 ? rows : cols,
      ]);
      g.node("MatMul", op.axis === 0 ? [w, slotName(op.a)] : [slotName(op.a), w], v);
      fusedEvidence.set(op.out, { output: v, shift: rs, offset: 0 });
      continue;
    }
    const out = slotName(op.out);
    const shift = fusedShift.get(op.out);
    if (skipped.has(op.out)) continue;
    const bg = biasGemm.get(op.out);
    if (bg) {
      const k = bg.c * 2 ** -bg.shift; // exact: c is an integer and 2^−s a power of two
      const scaledBias =
        k === 1
          ? slotName(bg.b)
          : g.node("Mul", [slotName(bg.b), g.floatConst([k], [])], g.fresh(`${out}_bias`));
      const half = halfOf(op.out, bg.shift);
      const cIn = g.node("Add", [scaledBias, g.floatConst([half], [])], g.fresh(`${out}_c`));
      const v = `${out}_fused`;
      g.node("Gemm", [slotName(bg.mm.a), slotName(bg.mm.b), cIn], v, [
        intAttr("transA", bg.mm.transA ? 1 : 0),
        intAttr("transB", bg.mm.transB ? 1 : 0),
        onnx.AttributeProto.create({
          name: "alpha",
          type: onnx.AttributeProto.AttributeType.FLOAT,
          f: 2 ** -bg.shift,
        }),
      ]);
      fusedEvidence.set(op.out, { output: v, shift: bg.shift, offset: half });
      continue;
    }
    if (op.op === "MatMul" && shift !== undefined) {
      const v = `${out}_fused`;
      const half = halfOf(op.out, shift);
      g.node("Gemm", [slotName(op.a), slotName(op.b), g.floatConst([half], [])], v, [
        intAttr("transA", op.transA ? 1 : 0),
        intAttr("transB", op.transB ? 1 : 0),
        onnx.AttributeProto.create({
          name: "alpha",
          type: onnx.AttributeProto.AttributeType.FLOAT,
          f: 2 ** -shift,
        }),
      ]);
      fusedEvidence.set(op.out, { output: v, shift, offset: half });
      outputs.push(valueInfo(v, DOUBLE, program.slots[op.out].shape));
      evidenceSlots.push(op.out);
      continue;
    }
    if (op.op === "MulConst" && shift !== undefined) {
      // a·(c·2^−s) is exact: the true product a·c·2^−s is an integer < 2^53 scaled by a power of two
      const u = g.node("Mul", [slotName(op.a), g.floatConst([op.c * 2 ** -shift], [])], `${out}_fused`);
      fusedEvidence.set(op.out, { output: u, shift, offset: 0 });
      outputs.push(valueInfo(u, DOUBLE, program.slots[op.out].shape));
      evidenceSlots.push(op.out);
      continue;
    }
    const relu = op.op === "Rescale" ? reluOfRescale.get(op.out) : undefined;
    if (relu !== undefined) {
      // the merged Relu's output is the graph's only name for this Rescale (see reluOfRescale)
      const reluOut = slotName(relu);
      const fused = fusedEvidence.get((op as { a: SlotId }).a);
      if (fused && op.op === "Rescale") {
        const m = 2 ** op.bound - 1;
        const v =
          fused.offset !== 0
            ? fused.output
            : g.node(
                "Add",
                [fused.output, g.floatConst([halfOf(op.a, op.shift)], [])],
                g.fresh(`${reluOut}_half`),
              );
        const floored = g.node(rounderOf(op.a, op.shift), [v], g.fresh(`${reluOut}_floor`));
        g.node("Clip", [floored, g.floatConst([0], []), g.floatConst([m], [])], reluOut);
      } else if (op.op === "Rescale")
        emitExactOp(g, op, slotName, reluOut, bounds[op.a], 0, rounds(op.a, op.shift));
      continue;
    }
    if (op.op === "Rescale" && fusedEvidence.has(op.a)) {
      const m = 2 ** op.bound - 1;
      const fused = fusedEvidence.get(op.a) as { output: string; offset: number };
      const v =
        fused.offset !== 0
          ? fused.output
          : g.node("Add", [fused.output, g.floatConst([halfOf(op.a, op.shift)], [])], g.fresh(`${out}_half`));
      const rounder = rounderOf(op.a, op.shift);
      if (rescaleBound(bounds[op.a], op.shift) <= m) g.node(rounder, [v], out);
      else
        g.node(
          "Clip",
          [g.node(rounder, [v], g.fresh(`${out}_floor`)), g.floatConst([-m], []), g.floatConst([m], [])],
          out,
        );
    } else if (op.op === "Reshape")
      g.node("Reshape", [slotName(op.a), g.int64Const(program.slots[op.out].shape as number[])], out);
    else if (op.op === "Rescale")
      emitExactOp(g, op, fastName, out, bounds[op.a], undefined, rounds(op.a, op.shift));
    else emitExactOp(g, op, fastName, out);
    outputs.push(valueInfo(out, DOUBLE, program.slots[op.out].shape));
    evidenceSlots.push(op.out);
  }
  const zero = g.floatConst([0], []);
  const negZero = mayBeNegativeZero(
    program,
    new Set(program.ops.flatMap((op) => (op.op === "Rescale" && rounds(op.a, op.shift) ? [op.out] : []))),
  );
  const stateOutputs = program.stateUpdates.map(({ to }, k) => {
    // a temp that cannot hold −0 is fetched as it is; otherwise −0 + 0 = +0 canonicalises it
    // (each state output needs its own graph output: two updates may share a slot)
    if (
      program.slots[to].kind === "temp" &&
      !negZero[to] &&
      !program.stateUpdates.slice(0, k).some((u) => u.to === to)
    )
      return slotName(to);
    const name = nextStateName(k);
    g.node("Add", [slotName(to), zero], name);
    outputs.push(valueInfo(name, DOUBLE, program.slots[to].shape));
    return name;
  });
  const namedOutputs: Record<string, string> = {};
  for (const [k, id] of Object.entries(program.outputs)) namedOutputs[k] = slotName(id);
  if (!withEvidence) {
    // fast path: only what `step` can fetch stays a graph output, and only what feeds it is computed
    const wanted = options.outputs ?? Object.keys(namedOutputs);
    for (const k of Object.keys(namedOutputs)) if (!wanted.includes(k)) delete namedOutputs[k];
    const keep = new Set([...stateOutputs, ...Object.values(namedOutputs)]);
    pruneTo(g, keep);
    return {
      bytes: finish(
        g,
        inputs,
        outputs.filter((o) => keep.has(o.name as string)),
        "pinpoint_exact_fast",
      ),
      dtype: "float64",
      inputSlots,
      evidenceSlots: [],
      stateOutputs,
      namedOutputs,
      fusedEvidence: new Map(),
    };
  }
  return {
    bytes: finish(g, inputs, outputs, "pinpoint_exact"),
    dtype: "float64",
    inputSlots,
    evidenceSlots,
    stateOutputs,
    namedOutputs,
    fusedEvidence,
  };
}

/**
 * Emits the equivalent float32 graph of `program` (benchmark baseline; see the module comment).
 * Feed it real values: integer / 2^scale as float32. `outputs`: the named outputs to compute
 * (default all); nodes feeding neither them nor a state update are then left out.
 */
export function emitFloat32Onnx(
  program: PinProgram,
  options: { readonly outputs?: readonly string[] } = {},
): EmittedModel {
  validateProgram(program);
  const g = new GraphBuilder(FLOAT);
  const inputs: onnx.IValueInfoProto[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  const inputSlots: SlotId[] = [];
  const names = new Map<SlotId, string>();
  const sc = (id: SlotId): number => program.slots[id].scale;
  program.slots.forEach((s, i) => {
    if (s.kind === "const") {
      names.set(
        i,
        g.floatConst(
          (s.data ?? []).map((v) => v / 2 ** s.scale),
          s.shape,
          `k${i}`,
        ),
      );
    } else if (s.kind !== "temp") {
      inputs.push(valueInfo(slotName(i), FLOAT, s.shape));
      inputSlots.push(i);
      names.set(i, slotName(i));
    }
  });
  const name = (id: SlotId): string => names.get(id) as string;
  /** Multiplies `x` by 2^e unless e = 0. */
  const pow2 = (x: string, e: number, out: string): string =>
    e === 0 ? x : g.node("Mul", [x, g.floatConst([2 ** e], [])], out);
  for (const op of program.ops) {
    const so = sc(op.out);
    const out = slotName(op.out);
    let result: string;
    switch (op.op) {
      case "MatMul":
      case "Mul": {
        const raw = g.fresh(`${out}_raw`);
        if (op.op === "Mul") g.node("Mul", [name(op.a), name(op.b)], raw);
        else emitExactOp(g, op, name, raw);
        result = pow2(raw, sc(op.a) + sc(op.b) - so, out);
        break;
      }
      case "Add":
      case "Sub": {
        const a = pow2(name(op.a), sc(op.a) - so, g.fresh(`${out}_a`));
        const b = pow2(name(op.b), sc(op.b) - so, g.fresh(`${out}_b`));
        result = g.node(op.op, [a, b], out);
        break;
      }
      case "MulConst":
        result = g.node("Mul", [name(op.a), g.floatConst([op.c * 2 ** (sc(op.a) - so)], [])], out);
        break;
      case "Relu":
      case "Transpose":
      case "ReduceSum":
      case "ReluGrad": {
        const raw = g.fresh(`${out}_raw`);
        emitExactOp(g, op, name, raw);
        const src = op.op === "ReluGrad" ? op.g : op.a;
        result = pow2(raw, sc(src) - so, out);
        break;
      }
      case "Rescale":
        result = pow2(name(op.a), sc(op.a) - op.shift - so, out);
        break;
      case "Clip":
        result = pow2(name(op.a), sc(op.a) - so, out);
        break;
      case "Reshape":
        result = g.node("Reshape", [name(op.a), g.int64Const(program.slots[op.out].shape as number[])], out);
        break;
    }
    names.set(op.out, result);
  }
  const stateOutputs = program.stateUpdates.map(({ to }, k) => {
    const n = nextStateName(k);
    g.node("Identity", [name(to)], n);
    outputs.push(valueInfo(n, FLOAT, program.slots[to].shape));
    return n;
  });
  const namedOutputs: Record<string, string> = {};
  for (const [k, id] of Object.entries(program.outputs)) {
    if (options.outputs && !options.outputs.includes(k)) continue;
    const n = `out_${k.replace(/[^A-Za-z0-9_]/g, "_")}`;
    g.node("Identity", [name(id)], n);
    outputs.push(valueInfo(n, FLOAT, program.slots[id].shape));
    namedOutputs[k] = n;
  }
  // like the exact fast path (emitOnnx with evidence false), compute only what is fetched
  if (options.outputs) pruneTo(g, new Set([...stateOutputs, ...Object.values(namedOutputs)]));
  return {
    bytes: finish(g, inputs, outputs, "pinpoint_float32"),
    dtype: "float32",
    inputSlots,
    evidenceSlots: [],
    fusedEvidence: new Map(),
    stateOutputs,
    namedOutputs,
  };
}
