/**
 * Scalar semantics and operand geometry of PinIR ops on op descriptors, bit for bit
 * contracts/libraries/LibPinOps.sol (docs/SPEC.md §1). bigint throughout, so values beyond
 * 2^53 (products, out-of-bound vectors) are exact.
 *
 * The scalar semantics are total, like the contract's: every descriptor with a known opcode and
 * every int256 operand has a defined result (wrapping modulo 2^256; Rescale and Clip defined for
 * any shift and bound). Inside the descriptor range (./descriptor.ts checkDesc) no value of a
 * bounded program ever gets near the wrap.
 */
import { InputError } from "../errors";
import { type DescInt, Opcode } from "./descriptor";
import type { OpDesc } from "./types";

const INT256_MIN = -(1n << 255n);
const INT256_MAX = (1n << 255n) - 1n;

/** The fields {@link stepOf} reads. {@link OpDesc} and WideOpDesc are both one. */
export interface StepDesc {
  readonly opcode: DescInt;
  readonly p0: DescInt;
  readonly p1: DescInt;
  readonly c: DescInt;
}

/**
 * clip(a, −(2^bound − 1), 2^bound − 1) for every int256 a and every bound (LibPinOps.clip):
 * |a| < 2^bound is left alone, anything else goes to ±(2^bound − 1); a bound ≥ 255 keeps every
 * int256 as it is (2^255 − 1 is the int256 maximum).
 */
export function clipBig(a: bigint, bound: number | bigint): bigint {
  const b = BigInt(bound);
  if (b >= 255n) return a;
  const mag = a < 0n ? -a : a;
  if (mag >> b === 0n) return a;
  const m = (1n << b) - 1n;
  return a < 0n ? -m : m;
}

/**
 * clip(floor((a + 2^(shift−1)) / 2^shift), bound), exact for every shift: computed as
 * (a >> shift) + bit (shift − 1) of a (bigint `>>` floors toward −∞), which never forms
 * 2^(shift−1). Shift 0 is clip(a, bound); a shift ≥ 256 gives 0 on every int256.
 */
export function rescaleBig(a: bigint, shift: number | bigint, bound: number | bigint): bigint {
  const s = BigInt(shift);
  if (s === 0n) return clipBig(a, bound);
  return clipBig((a >> s) + ((a >> (s - 1n)) & 1n), bound);
}

function int256(x: bigint, what: string): bigint {
  if (x < INT256_MIN || x > INT256_MAX) throw new InputError("DISPUTE_VALUE_RANGE", `${what} ${x} is not an int256`);
  return x;
}

/** Number of elements, or `cap + 1` once the running product exceeds `cap` (LibPinOps.numel). */
function numelCapped(shape: readonly number[], cap: number): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > cap) return n;
  }
  return n;
}

const MAX_NUMEL = 2 ** 32;

function badShape(d: OpDesc, what: string): never {
  throw new InputError("DISPUTE_BAD_SHAPE", `opcode ${d.opcode}: ${what}`, { opcode: d.opcode });
}

/** Reduction length K, 0 for non-reductions (LibPinOps.reductionLength). */
export function reductionLengthOf(d: OpDesc): number {
  if (d.opcode === Opcode.MatMul) {
    if (d.aShape.length !== 2) badShape(d, `MatMul needs a rank-2 a, got [${d.aShape}]`);
    return d.p0 ? d.aShape[0] : d.aShape[1];
  }
  if (d.opcode === Opcode.ReduceSum) {
    if (d.p0 >= d.aShape.length) badShape(d, `ReduceSum axis ${d.p0} is outside [${d.aShape}]`);
    return d.aShape[d.p0];
  }
  return 0;
}

/** numpy broadcasting: flat index into inShape read by output element e of outShape. */
export function broadcastIndexOf(e: number, outShape: readonly number[], inShape: readonly number[]): number {
  if (inShape.length > outShape.length) throw new InputError("DISPUTE_BROADCAST", `shape [${inShape}] does not broadcast to [${outShape}]`);
  let idx = 0;
  let stride = 1;
  let rest = e;
  for (let d = 0; d < outShape.length; d++) {
    const od = outShape[outShape.length - 1 - d];
    const coord = rest % od;
    rest = Math.floor(rest / od);
    if (d < inShape.length) {
      const id = inShape[inShape.length - 1 - d];
      if (id === od) idx += coord * stride;
      else if (id !== 1) throw new InputError("DISPUTE_BROADCAST", `shape [${inShape}] does not broadcast to [${outShape}]`);
      stride *= id;
    }
  }
  return idx;
}

/**
 * Operand indices read by output element e (term k in 1..K for reductions, 0 otherwise), as
 * LibPinOps.operandIndices, which reverts (never panics) where this throws.
 */
export function operandIndicesOf(d: OpDesc, e: number, k: number): { count: 1 | 2; ia: number; ib: number } {
  const n = numelCapped(d.outShape, MAX_NUMEL);
  if (n > MAX_NUMEL) badShape(d, `outShape [${d.outShape}] has more than 2^32 elements`);
  if (!(e >= 0 && e < n)) throw new InputError("DISPUTE_ELEMENT", `element ${e} outside the output`);
  const len = reductionLengthOf(d);
  const reduction = d.opcode === Opcode.MatMul || d.opcode === Opcode.ReduceSum;
  if (reduction ? !(k >= 1 && k <= len) : k !== 0) throw new InputError("DISPUTE_TERM", `term ${k} outside 1..${len}`);
  switch (d.opcode) {
    case Opcode.MatMul: {
      if (d.outShape.length !== 2 || d.bShape.length !== 2) badShape(d, "MatMul needs rank-2 out and b");
      const [rows, cols] = d.outShape;
      const i = Math.floor(e / cols);
      const j = e % cols;
      const kk = k - 1;
      return { count: 2, ia: d.p0 ? kk * rows + i : i * len + kk, ib: d.p1 ? j * len + kk : kk * cols + j };
    }
    case Opcode.ReduceSum: {
      let inner = 1;
      for (let x = d.p0 + 1; x < d.aShape.length; x++) {
        inner *= d.aShape[x];
        if (inner > MAX_NUMEL) badShape(d, `aShape [${d.aShape}] is too large`);
      }
      if (inner === 0) badShape(d, `aShape [${d.aShape}] has a dimension 0`);
      return { count: 1, ia: (Math.floor(e / inner) * len + (k - 1)) * inner + (e % inner), ib: 0 };
    }
    case Opcode.Add:
    case Opcode.Sub:
    case Opcode.Mul:
      return { count: 2, ia: broadcastIndexOf(e, d.outShape, d.aShape), ib: broadcastIndexOf(e, d.outShape, d.bShape) };
    case Opcode.ReluGrad:
      return { count: 2, ia: e, ib: e };
    case Opcode.Transpose: {
      if (d.outShape.length !== 2) badShape(d, "Transpose needs a rank-2 out");
      const [rows, cols] = d.outShape;
      return { count: 1, ia: (e % cols) * rows + Math.floor(e / cols), ib: 0 };
    }
    case Opcode.MulConst:
    case Opcode.Relu:
    case Opcode.Rescale:
    case Opcode.Clip:
    case Opcode.Reshape:
      return { count: 1, ia: e, ib: 0 };
    default:
      throw new InputError("DISPUTE_OPCODE", `unknown opcode ${d.opcode}`);
  }
}

/**
 * One scalar transition: output element (non-reductions) or s_k = prev + term_k (reductions).
 * Total on every descriptor with a known opcode and int256 a, b, prev (LibPinOps.step): the
 * result is taken modulo 2^256 as an int256.
 */
export function stepOf(d: StepDesc, a: bigint, b: bigint, prev: bigint): bigint {
  int256(a, "operand a");
  int256(b, "operand b");
  int256(prev, "partial sum");
  const wrap = (x: bigint) => BigInt.asIntN(256, x);
  switch (Number(d.opcode)) {
    case Opcode.MatMul:
      return wrap(prev + a * b);
    case Opcode.ReduceSum:
      return wrap(prev + a);
    case Opcode.Add:
      return wrap(a + b);
    case Opcode.Sub:
      return wrap(a - b);
    case Opcode.Mul:
      return wrap(a * b);
    case Opcode.MulConst:
      return wrap(a * BigInt(d.c));
    case Opcode.Relu:
      return a > 0n ? a : 0n;
    case Opcode.ReluGrad:
      return b > 0n ? a : 0n;
    case Opcode.Transpose:
    case Opcode.Reshape:
      return a;
    case Opcode.Rescale:
      return rescaleBig(a, BigInt(d.p0), BigInt(d.p1));
    case Opcode.Clip:
      return clipBig(a, BigInt(d.p1));
    default:
      throw new InputError("DISPUTE_OPCODE", `unknown opcode ${d.opcode}`);
  }
}
