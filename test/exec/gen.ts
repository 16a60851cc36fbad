/**
 * Seeded random PinIR programs for property tests: random op sequences over random shapes
 * (broadcasting Add/Sub/Mul, transposed MatMuls, ReduceSum on each axis, Rescale/Clip, Relu and
 * ReluGrad, MulConst, Reshape), negative values and values at their bounds. Every slot's maxAbs
 * is a true upper bound, so every generated program satisfies docs/SPEC.md §1's bounds.
 */
import { Prng } from "../../src/data/prng";
import type { IntTensor, PinOp, PinProgram, SlotId, SlotInfo, SlotKind } from "../../src/pinir/types";
import { sizeOf } from "../../src/exec";

const MAX = Number.MAX_SAFE_INTEGER;

export interface GeneratedCase {
  readonly program: PinProgram;
  /** Value table with every non-temp slot filled. */
  readonly inputs: (IntTensor | undefined)[];
  readonly state: IntTensor[];
  readonly x?: IntTensor;
  readonly y?: IntTensor;
}

interface MutSlot {
  name: string;
  kind: SlotKind;
  shape: number[];
  scale: number;
  maxAbs: number;
  data?: number[];
}

export interface GenOptions {
  /** Number of ops (default 6–14). */
  readonly ops?: number;
  /** Largest dimension (default 5). */
  readonly maxDim?: number;
}

/** Random integer of magnitude ≤ m, biased towards 0, ±m and small values. */
function randValue(rng: Prng, m: number): number {
  const r = rng.below(10);
  if (m === 0) return 0;
  if (r === 0) return 0;
  if (r === 1) return m;
  if (r === 2) return -m;
  if (r === 3) return rng.int(-Math.min(m, 3), Math.min(m, 3));
  return rng.int(-m, m);
}

export function randomCase(seed: number, opts: GenOptions = {}): GeneratedCase {
  const rng = new Prng(seed);
  const maxDim = opts.maxDim ?? 5;
  const nOps = opts.ops ?? rng.int(6, 14);
  const slots: MutSlot[] = [];
  const ops: PinOp[] = [];
  const dim = (): number => rng.int(1, maxDim);
  const randShape = (): number[] => {
    const rank = rng.pick([1, 2, 2, 2, 3]);
    return Array.from({ length: rank }, dim);
  };
  const boundOf = (): number => (rng.below(4) === 0 ? rng.int(30, 40) : rng.int(2, 20));
  const addSlot = (kind: SlotKind, shape: number[], maxAbs: number, scale = 0): SlotId => {
    const s: MutSlot = { name: `${kind}${slots.length}`, kind, shape, scale, maxAbs };
    if (kind === "const") s.data = Array.from({ length: sizeOf(shape) }, () => randValue(rng, maxAbs));
    slots.push(s);
    return slots.length - 1;
  };
  const leafKind = (): SlotKind => rng.pick<SlotKind>(["input", "input", "state", "const", "target"]);
  const newLeaf = (shape: number[], maxAbs?: number): SlotId =>
    addSlot(leafKind(), shape, maxAbs ?? 2 ** boundOf() - 1);
  const temp = (shape: number[], maxAbs: number): SlotId => addSlot("temp", shape, maxAbs);
  const find = (pred: (s: MutSlot) => boolean): SlotId | undefined => {
    const ids = slots.map((s, i) => (pred(s) ? i : -1)).filter((i) => i >= 0);
    return ids.length > 0 ? rng.pick(ids) : undefined;
  };
  const same = (a: readonly number[], b: readonly number[]): boolean =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  const operandOrNew = (shape: number[], maxLimit: number): SlotId => {
    const hit = rng.below(2) === 0 ? find((s) => same(s.shape, shape) && s.maxAbs <= maxLimit) : undefined;
    return hit ?? newLeaf(shape, Math.min(maxLimit, 2 ** boundOf() - 1));
  };

  // a few leaves to start from
  for (let i = 0; i < 2; i++) newLeaf(randShape());
  newLeaf([dim(), dim()]);

  let guard = 0;
  while (ops.length < nOps && guard++ < 500) {
    const kind = rng.pick([
      "MatMul",
      "MatMul",
      "Add",
      "Sub",
      "Mul",
      "MulConst",
      "Relu",
      "ReluGrad",
      "Transpose",
      "ReduceSum",
      "Rescale",
      "Rescale",
      "Clip",
      "Reshape",
    ]);
    const a = rng.below(slots.length);
    const A = slots[a];
    switch (kind) {
      case "MatMul": {
        if (A.shape.length !== 2 || A.maxAbs === 0) break;
        const transA = rng.below(2) === 0;
        const transB = rng.below(2) === 0;
        const K = transA ? A.shape[0] : A.shape[1];
        const M = transA ? A.shape[1] : A.shape[0];
        const N = dim();
        const limitB = Math.floor(MAX / (K * A.maxAbs));
        if (limitB < 1) break;
        const b = operandOrNew(transB ? [N, K] : [K, N], limitB);
        const mb = slots[b].maxAbs;
        const out = temp([M, N], K * A.maxAbs * mb);
        ops.push({ op: "MatMul", out, a, b, transA, transB });
        break;
      }
      case "Add":
      case "Sub":
      case "Mul": {
        // b's shape: A's shape with some trailing-aligned dims set to 1 or leading dims dropped
        let bShape = [...A.shape];
        if (rng.below(2) === 0) {
          bShape = bShape.map((d) => (rng.below(3) === 0 ? 1 : d));
          if (rng.below(3) === 0) bShape = bShape.slice(rng.int(0, bShape.length));
        }
        const limit = kind === "Mul" ? (A.maxAbs === 0 ? MAX : Math.floor(MAX / A.maxAbs)) : MAX - A.maxAbs;
        if (limit < 1) break;
        const b = operandOrNew(bShape, limit);
        const swap = rng.below(4) === 0; // broadcast on the left operand too
        const mb = slots[b].maxAbs;
        const out = temp([...A.shape], kind === "Mul" ? A.maxAbs * mb : A.maxAbs + mb);
        ops.push(swap ? { op: kind, out, a: b, b: a } : { op: kind, out, a, b });
        break;
      }
      case "MulConst": {
        const lim = A.maxAbs === 0 ? 2 ** 20 : Math.min(2 ** 20, Math.floor(MAX / A.maxAbs));
        if (lim < 1) break;
        const c = rng.pick([0, -1, 1, -lim, lim, rng.int(-lim, lim)]);
        ops.push({ op: "MulConst", out: temp([...A.shape], A.maxAbs * Math.abs(c)), a, c });
        break;
      }
      case "Relu":
        ops.push({ op: "Relu", out: temp([...A.shape], A.maxAbs), a });
        break;
      case "ReluGrad": {
        const x = operandOrNew([...A.shape], MAX);
        ops.push({ op: "ReluGrad", out: temp([...A.shape], A.maxAbs), g: a, x });
        break;
      }
      case "Transpose":
        if (A.shape.length !== 2) break;
        ops.push({ op: "Transpose", out: temp([A.shape[1], A.shape[0]], A.maxAbs), a });
        break;
      case "ReduceSum": {
        if (A.shape.length === 0) break;
        const axis = rng.below(A.shape.length);
        const K = A.shape[axis];
        if (K * A.maxAbs > MAX) break;
        ops.push({
          op: "ReduceSum",
          out: temp(
            A.shape.filter((_, i) => i !== axis),
            K * A.maxAbs,
          ),
          a,
          axis,
        });
        break;
      }
      case "Rescale": {
        const shift = rng.int(1, 24);
        const bound = rng.int(1, 30);
        if (A.maxAbs + 2 ** (shift - 1) > 2 ** 53) break;
        const m = Math.min(2 ** bound - 1, Math.ceil((A.maxAbs + 2 ** (shift - 1)) / 2 ** shift));
        ops.push({ op: "Rescale", out: temp([...A.shape], m), a, shift, bound });
        break;
      }
      case "Clip": {
        const bound = rng.int(0, 30);
        ops.push({ op: "Clip", out: temp([...A.shape], Math.min(2 ** bound - 1, A.maxAbs)), a, bound });
        break;
      }
      case "Reshape": {
        const n = sizeOf(A.shape);
        // a random factorisation of n (possibly the scalar shape when n = 1)
        const shape: number[] = [];
        let rest = n;
        while (rest > 1 && shape.length < 3) {
          const divs = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
          const d = rng.pick(divs);
          shape.push(d);
          rest /= d;
        }
        if (rest > 1) shape.push(rest);
        ops.push({ op: "Reshape", out: temp(shape, A.maxAbs), a });
        break;
      }
    }
  }
  // state updates: each state slot whose shape some temp has
  const stateUpdates: { from: SlotId; to: SlotId }[] = [];
  slots.forEach((s, i) => {
    if (s.kind !== "state") return;
    const to = find((t) => t.kind === "temp" && same(t.shape, s.shape));
    if (to !== undefined) stateUpdates.push({ from: i, to });
  });
  const outputs: Record<string, SlotId> = {};
  if (ops.length > 0) outputs.last = ops[ops.length - 1].out;
  const program: PinProgram = {
    version: 1,
    fracBits: 16,
    boundBits: 20,
    slots: slots.map((s): SlotInfo => ({ ...s })),
    ops,
    stateUpdates,
    outputs,
  };
  const inputs: (IntTensor | undefined)[] = slots.map((s) => {
    if (s.kind === "temp") return undefined;
    const data = s.data
      ? Float64Array.from(s.data)
      : Float64Array.from({ length: sizeOf(s.shape) }, () => randValue(rng, s.maxAbs));
    return { shape: [...s.shape], data, scale: s.scale };
  });
  const state = slots
    .map((s, i) => (s.kind === "state" ? inputs[i] : undefined))
    .filter((t): t is IntTensor => t !== undefined);
  const xs = slots.map((s, i) => (s.kind === "input" ? i : -1)).filter((i) => i >= 0);
  const ys = slots.map((s, i) => (s.kind === "target" ? i : -1)).filter((i) => i >= 0);
  return {
    program,
    inputs,
    state,
    ...(xs.length === 1 ? { x: inputs[xs[0]] } : {}),
    ...(ys.length === 1 ? { y: inputs[ys[0]] } : {}),
  };
}

/** All non-temp, non-const, non-state slots as an explicit batch map. */
export function batchSlots(c: GeneratedCase): Map<SlotId, IntTensor> {
  const m = new Map<SlotId, IntTensor>();
  c.program.slots.forEach((s, i) => {
    if (s.kind === "input" || s.kind === "target") m.set(i, c.inputs[i] as IntTensor);
  });
  return m;
}
