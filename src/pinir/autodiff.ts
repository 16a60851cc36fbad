import type { OpOrigin, ProgramBuilder } from "./builder";
import { CompileCode, compileError } from "./errors";
import { MAX_EXACT, opInputs, sameShape, sizeOf } from "./infer";
import type { PinOp, SlotId } from "./types";

/**
 * Reverse-mode autodiff over PinIR.
 *
 * An adjoint is a slot holding (a loss-scaled) ∂L/∂v in fixed point at the adjoint slot's own
 * scale; all rules are stated on real values (int / 2^scale) so scales are tracked exactly:
 *
 * - MatMul   out = A'·B'        → Ā = MatMul(ḡ, B, …) and B̄ = MatMul(A, ḡ, …) with the transposes
 *                                 folded into the flags (scale: sum of operand scales).
 * - Add/Sub                     → ḡ reduced (ReduceSum + Reshape) over broadcast axes; −ḡ for Sub's b.
 * - Mul      out = a·b          → ā = Mul(ḡ, b) reduced over broadcast axes.
 * - MulConst out = a·c          → real multiplier m = c·2^(scale(a) − scale(out)); ā = ḡ when m = 1,
 *                                 else MulConst(ḡ, c) at scale(ḡ) + scale(out) − scale(a).
 * - Relu                        → ReluGrad(ḡ, a).
 * - Rescale, Clip               → ḡ unchanged (identity on reals; straight-through at saturation).
 * - Reshape, Transpose          → reshaped / transposed ḡ.
 *
 * Adjoints of activations are normalised to `adjointScale` and clipped to ±(2^bound − 1) before
 * they feed another rule, so every backward reduction is bounded like a forward one. Parameter
 * adjoints are returned raw (possibly several contributions at high scale) for the optimizer to
 * bring to its own gradient scale with one rounding.
 */
export interface BackwardOptions {
  /** Fractional bits of activation adjoints (default: the program's F). */
  readonly adjointScale: number;
  /** Clip bound bits of activation adjoints (default: B). */
  readonly adjointBound: number;
}

/** A raw contribution to one adjoint. */
export type Contribution = SlotId;

const ORIGIN_PREFIX = "backward";

export function backward(
  b: ProgramBuilder,
  forwardOps: readonly PinOp[],
  seeds: ReadonlyMap<SlotId, SlotId>,
  wrt: readonly SlotId[],
  opts: BackwardOptions,
): Map<SlotId, Contribution[]> {
  // Which slots depend on a parameter we differentiate with respect to.
  const needs = new Set<SlotId>(wrt);
  for (const op of forwardOps) if (opInputs(op).some((i) => needs.has(i))) needs.add(op.out);

  const contribs = new Map<SlotId, Contribution[]>();
  const add = (slot: SlotId, c: Contribution) => {
    if (!needs.has(slot)) return;
    const list = contribs.get(slot) ?? [];
    list.push(c);
    contribs.set(slot, list);
  };
  for (const [slot, seed] of seeds) add(slot, seed);

  for (let j = forwardOps.length - 1; j >= 0; j--) {
    const op = forwardOps[j];
    const list = contribs.get(op.out);
    if (!list || list.length === 0) continue;
    const outInfo = b.slot(op.out);
    const origin: OpOrigin = { node: `${ORIGIN_PREFIX}:${outInfo.name}`, opType: op.op };
    // Several contributions are summed at the adjoint scale; a single one is used raw by the
    // rules that do not multiply it (pass-through, ReluGrad, reductions) and bounded first by
    // the rules that do (MatMul, Mul, MulConst), so no precision is lost needlessly.
    const gRaw = list.length === 1 ? list[0] : sumAt(b, list, opts.adjointScale, opts.adjointBound, `d(${outInfo.name})`, origin);
    let gBounded: SlotId | undefined;
    const bounded = (): SlotId =>
      (gBounded ??= combine(b, [gRaw], opts.adjointScale, opts.adjointBound, `d(${outInfo.name})`, origin));
    const g = gRaw;
    const name = (x: SlotId) => `d(${b.slot(x).name})<-${outInfo.name}`;
    switch (op.op) {
      case "MatMul": {
        const { a, b: w, transA, transB } = op;
        const g = bounded();
        if (needs.has(a)) {
          const spec = transA
            ? { op: "MatMul" as const, a: w, b: g, transA: transB, transB: true }
            : { op: "MatMul" as const, a: g, b: w, transA: false, transB: !transB };
          add(a, b.emit(spec, name(a), origin));
        }
        if (needs.has(w)) {
          const spec = transB
            ? { op: "MatMul" as const, a: g, b: a, transA: true, transB: transA }
            : { op: "MatMul" as const, a, b: g, transA: !transA, transB: false };
          add(w, b.emit(spec, name(w), origin));
        }
        break;
      }
      case "Add":
      case "Sub": {
        if (needs.has(op.a)) add(op.a, reduceTo(b, g, bounded, b.slot(op.a).shape, name(op.a), origin));
        if (needs.has(op.b)) {
          let gb = reduceTo(b, g, bounded, b.slot(op.b).shape, name(op.b), origin);
          if (op.op === "Sub") gb = b.emit({ op: "MulConst", a: gb, c: -1 }, `${name(op.b)}:neg`, origin, { scale: b.slot(gb).scale });
          add(op.b, gb);
        }
        break;
      }
      case "Mul": {
        const g = bounded();
        const pairs: [SlotId, SlotId][] = [
          [op.a, op.b],
          [op.b, op.a],
        ];
        for (const [x, other] of pairs) {
          if (!needs.has(x)) continue;
          const prod = b.emit({ op: "Mul", a: g, b: other }, `${name(x)}:prod`, origin);
          add(x, reduceTo(b, prod, () => combine(b, [prod], opts.adjointScale, opts.adjointBound, `${name(x)}:bounded`, origin), b.slot(x).shape, name(x), origin));
        }
        break;
      }
      case "MulConst": {
        if (!needs.has(op.a)) break;
        const sa = b.slot(op.a).scale;
        const so = outInfo.scale;
        if (op.c === 2 ** (so - sa) && so >= sa) add(op.a, g);
        else {
          const gb = bounded();
          add(op.a, b.emit({ op: "MulConst", a: gb, c: op.c }, name(op.a), origin, { scale: b.slot(gb).scale + so - sa }));
        }
        break;
      }
      case "Relu":
        if (needs.has(op.a)) add(op.a, b.emit({ op: "ReluGrad", g, x: op.a }, name(op.a), origin));
        break;
      case "Rescale":
      case "Clip":
        add(op.a, g);
        break;
      case "Reshape": {
        const shape = b.slot(op.a).shape;
        add(op.a, sameShape(shape, b.slot(g).shape) ? g : b.emit({ op: "Reshape", a: g }, name(op.a), origin, { shape }));
        break;
      }
      case "Transpose":
        add(op.a, b.emit({ op: "Transpose", a: g }, name(op.a), origin));
        break;
      default:
        throw compileError(
          CompileCode.UnsupportedOp,
          `node "${origin.node}" (${op.op}): autodiff has no rule for PinIR ${op.op}; it cannot appear in a differentiated forward pass`,
          { node: origin.node, opType: op.op },
        );
    }
  }
  const result = new Map<SlotId, Contribution[]>();
  for (const p of wrt) result.set(p, contribs.get(p) ?? []);
  return result;
}

/**
 * Sums contributions into one slot at `scale`, clipped to ±(2^bound − 1). A single contribution
 * already within the bound is used as is, whatever its scale (no rounding).
 */
export function combine(b: ProgramBuilder, list: readonly SlotId[], scale: number, bound: number, name: string, origin: OpOrigin): SlotId {
  const limit = 2 ** bound - 1;
  if (list.length === 1 && b.slot(list[0]).maxAbs <= limit) return list[0];
  return sumAt(b, list, scale, bound, name, origin);
}

/** Converts every contribution to exactly `scale` (Rescale / MulConst), then Add + Clip. */
export function sumAt(b: ProgramBuilder, list: readonly SlotId[], scale: number, bound: number, name: string, origin: OpOrigin): SlotId {
  const limit = 2 ** bound - 1;
  const aligned = list.map((c, i) => {
    const s = b.slot(c).scale;
    const nm = list.length === 1 ? name : `${name}#${i}`;
    if (s > scale) return b.emit({ op: "Rescale", a: c, shift: s - scale, bound }, nm, origin);
    let x = c;
    if (s < scale) x = b.emit({ op: "MulConst", a: c, c: 2 ** (scale - s) }, `${nm}:up`, origin, { scale });
    return b.slot(x).maxAbs > limit ? b.emit({ op: "Clip", a: x, bound }, nm, origin) : x;
  });
  let acc = aligned[0];
  for (let i = 1; i < aligned.length; i++) {
    const sum = b.emit({ op: "Add", a: acc, b: aligned[i] }, `${name}:sum${i}`, origin);
    acc = b.emit({ op: "Clip", a: sum, bound }, `${name}:acc${i}`, origin);
  }
  return acc;
}

/** Sums `g` over the axes along which `shape` was broadcast to g's shape, then reshapes to `shape`. */
function reduceTo(b: ProgramBuilder, g: SlotId, bounded: () => SlotId, shape: readonly number[], name: string, origin: OpOrigin): SlotId {
  let x = g;
  const gShape = b.slot(g).shape;
  // The reductions below may multiply the bound by up to |g| / |shape| elements: bound g first if
  // the raw value could then reach 2^53.
  const growth = BigInt(sizeOf(gShape) / Math.max(1, sizeOf(shape)));
  if (growth > 1n && growth * BigInt(b.slot(g).maxAbs) > MAX_EXACT) x = bounded();
  let cur = b.slot(g).shape.slice();
  const lead = cur.length - shape.length;
  // Leading axes the operand does not have.
  for (let i = 0; i < lead; i++) {
    x = b.emit({ op: "ReduceSum", a: x, axis: 0 }, `${name}:sum_lead${i}`, origin);
    cur = cur.slice(1);
  }
  // Axes where the operand has extent 1 (reduce from the back so indices stay valid).
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    if (shape[ax] === 1 && cur[ax] !== 1) {
      x = b.emit({ op: "ReduceSum", a: x, axis: ax }, `${name}:sum${ax}`, origin);
      cur = cur.filter((_, i) => i !== ax);
    }
  }
  if (!sameShape(cur, shape)) x = b.emit({ op: "Reshape", a: x }, `${name}:reshape`, origin, { shape });
  return x;
}
