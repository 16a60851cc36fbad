import { CompileCode, OpProblem } from "./errors";
import { EXACT_BITS, type PinOp, type SlotId, type SlotInfo } from "./types";

/** 2^53 − 1: the largest magnitude every intermediate integer may reach. */
export const MAX_EXACT = (1n << BigInt(EXACT_BITS)) - 1n;
/** Largest `bound` / `shift` field accepted by Rescale and Clip (2^52 − 1 < 2^53). */
export const MAX_BOUND_BITS = 52;
/** Largest slot scale (encoded as u8). */
export const MAX_SCALE = 255;

/** What an op's output is, derived from its operands alone. */
export interface OpFacts {
  readonly shape: readonly number[];
  /** Output scale, or undefined where the op leaves it to the slot (MulConst by a fixed-point constant). */
  readonly scale: number | undefined;
  /** Proven bound on every output element (and, for reductions, on every partial sum). */
  readonly maxAbs: bigint;
  /** For MatMul / ReduceSum: reduction length K. */
  readonly reductionLength?: number;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** numpy broadcast of two shapes, or undefined if incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(Math.max(da, db));
  }
  return out;
}

export function pow2(bits: number): bigint {
  return 1n << BigInt(bits);
}

const fmt = (s: readonly number[]) => `[${s.join(",")}]`;

function log2(x: bigint): string {
  return x <= 0n ? "0" : Math.log2(Number(x)).toFixed(1);
}

function exact(v: bigint, what: string, code: (typeof CompileCode)[keyof typeof CompileCode] = CompileCode.UnboundedReduction): bigint {
  if (v > MAX_EXACT) {
    throw new OpProblem(code, `${what} can reach 2^${log2(v)} ≥ 2^53, so float64 execution would not be exact`);
  }
  return v;
}

function checkBits(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new OpProblem(CompileCode.BadProgram, `${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  }
}

/**
 * Shape, scale and magnitude bound of an op's output from its operands' slots. Throws
 * {@link OpProblem} when shapes or fields are invalid or an intermediate can reach 2^53.
 * `outShape` is needed only for Reshape (whose target shape lives on the output slot).
 */
export function inferOp(op: PinOp, slotOf: (id: SlotId) => SlotInfo, outShape?: readonly number[]): OpFacts {
  switch (op.op) {
    case "MatMul": {
      const a = slotOf(op.a);
      const b = slotOf(op.b);
      if (a.shape.length !== 2 || b.shape.length !== 2) {
        throw new OpProblem(CompileCode.UnsupportedOp, `MatMul needs rank-2 operands, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
      }
      const [m, ka] = op.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const [kb, n] = op.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
      if (ka !== kb) throw new OpProblem(CompileCode.BadProgram, `MatMul inner dimensions differ: ${ka} vs ${kb}`);
      const bound = BigInt(ka) * BigInt(a.maxAbs) * BigInt(b.maxAbs);
      exact(bound, `reduction of length K=${ka} with |a| ≤ ${a.maxAbs}, |b| ≤ ${b.maxAbs}: K·maxAbs(a)·maxAbs(b)`);
      return { shape: [m, n], scale: a.scale + b.scale, maxAbs: bound, reductionLength: ka };
    }
    case "Add":
    case "Sub":
    case "Mul": {
      const a = slotOf(op.a);
      const b = slotOf(op.b);
      const shape = broadcastShapes(a.shape, b.shape);
      if (!shape) throw new OpProblem(CompileCode.BadProgram, `${op.op} operands do not broadcast: ${fmt(a.shape)} and ${fmt(b.shape)}`);
      if (op.op !== "Mul" && a.scale !== b.scale) {
        throw new OpProblem(CompileCode.BadProgram, `${op.op} operands have different scales ${a.scale} and ${b.scale}`);
      }
      const maxAbs =
        op.op === "Mul" ? BigInt(a.maxAbs) * BigInt(b.maxAbs) : BigInt(a.maxAbs) + BigInt(b.maxAbs);
      exact(maxAbs, `${op.op} result`);
      return { shape, scale: op.op === "Mul" ? a.scale + b.scale : a.scale, maxAbs };
    }
    case "MulConst": {
      const a = slotOf(op.a);
      if (!Number.isSafeInteger(op.c)) throw new OpProblem(CompileCode.BadProgram, `MulConst constant must be a safe integer, got ${op.c}`);
      const maxAbs = exact(BigInt(a.maxAbs) * BigInt(Math.abs(op.c)), `MulConst by ${op.c}`);
      return { shape: a.shape, scale: undefined, maxAbs };
    }
    case "Relu": {
      const a = slotOf(op.a);
      return { shape: a.shape, scale: a.scale, maxAbs: BigInt(a.maxAbs) };
    }
    case "ReluGrad": {
      const g = slotOf(op.g);
      const x = slotOf(op.x);
      if (!sameShape(g.shape, x.shape)) throw new OpProblem(CompileCode.BadProgram, `ReluGrad shapes differ: ${fmt(g.shape)} vs ${fmt(x.shape)}`);
      return { shape: g.shape, scale: g.scale, maxAbs: BigInt(g.maxAbs) };
    }
    case "Transpose": {
      const a = slotOf(op.a);
      if (a.shape.length !== 2) throw new OpProblem(CompileCode.UnsupportedOp, `Transpose needs a rank-2 operand, got ${fmt(a.shape)}`);
      return { shape: [a.shape[1], a.shape[0]], scale: a.scale, maxAbs: BigInt(a.maxAbs) };
    }
    case "ReduceSum": {
      const a = slotOf(op.a);
      checkBits("ReduceSum axis", op.axis, 0, a.shape.length - 1);
      const k = a.shape[op.axis];
      const maxAbs = exact(BigInt(k) * BigInt(a.maxAbs), `reduction of length K=${k} with |a| ≤ ${a.maxAbs}: K·maxAbs(a)`);
      return { shape: a.shape.filter((_, i) => i !== op.axis), scale: a.scale, maxAbs, reductionLength: k };
    }
    case "Rescale": {
      const a = slotOf(op.a);
      checkBits("Rescale shift", op.shift, 1, MAX_BOUND_BITS);
      checkBits("Rescale bound", op.bound, 1, MAX_BOUND_BITS);
      if (op.shift > a.scale) {
        throw new OpProblem(CompileCode.BadProgram, `Rescale shift ${op.shift} exceeds the operand's scale ${a.scale}`);
      }
      const half = pow2(op.shift - 1);
      exact(BigInt(a.maxAbs) + half, `Rescale rounding term a + 2^(shift−1)`);
      const rounded = (BigInt(a.maxAbs) + half) >> BigInt(op.shift);
      const clip = pow2(op.bound) - 1n;
      return { shape: a.shape, scale: a.scale - op.shift, maxAbs: rounded < clip ? rounded : clip };
    }
    case "Clip": {
      const a = slotOf(op.a);
      checkBits("Clip bound", op.bound, 1, MAX_BOUND_BITS);
      const clip = pow2(op.bound) - 1n;
      const m = BigInt(a.maxAbs);
      return { shape: a.shape, scale: a.scale, maxAbs: m < clip ? m : clip };
    }
    case "Reshape": {
      const a = slotOf(op.a);
      if (!outShape) throw new OpProblem(CompileCode.BadProgram, "Reshape needs the output slot's shape");
      if (sizeOf(outShape) !== sizeOf(a.shape)) {
        throw new OpProblem(CompileCode.BadProgram, `Reshape from ${fmt(a.shape)} to ${fmt(outShape)} changes the element count`);
      }
      return { shape: outShape, scale: a.scale, maxAbs: BigInt(a.maxAbs) };
    }
    default: {
      const never: never = op;
      throw new OpProblem(CompileCode.UnsupportedOp, `unknown PinIR op ${(never as { op: string }).op}`);
    }
  }
}

/** Slots an op reads, in field order. */
export function opInputs(op: PinOp): SlotId[] {
  switch (op.op) {
    case "MatMul":
    case "Add":
    case "Sub":
    case "Mul":
      return [op.a, op.b];
    case "ReluGrad":
      return [op.g, op.x];
    default:
      return [op.a];
  }
}
