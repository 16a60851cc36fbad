/**
 * Scalar semantics and operand geometry of PinIR ops on op descriptors, bit for bit
 * contracts/libraries/LibPinOps.sol (docs/SPEC.md §1). bigint throughout, so values beyond
 * 2^53 (products, out-of-bound vectors) are exact.
 */
import { InputError } from "../errors";
import { Opcode } from "./descriptor";
import type { OpDesc } from "./types";

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** clip(a, −(2^bound − 1), 2^bound − 1). */
export function clipBig(a: bigint, bound: number): bigint {
  const m = (1n << BigInt(bound)) - 1n;
  return a > m ? m : a < -m ? -m : a;
}

/** clip(floor((a + 2^(shift−1)) / 2^shift), bound); bigint `>>` floors toward −∞. */
export function rescaleBig(a: bigint, shift: number, bound: number): bigint {
  if (shift === 0) return clipBig(a, bound);
  return clipBig((a + (1n << BigInt(shift - 1))) >> BigInt(shift), bound);
}

/** Reduction length K, 0 for non-reductions. */
export function reductionLengthOf(d: OpDesc): number {
  if (d.opcode === Opcode.MatMul) return d.p0 ? d.aShape[0] : d.aShape[1];
  if (d.opcode === Opcode.ReduceSum) return d.aShape[d.p0];
  return 0;
}

/** numpy broadcasting: flat index into inShape read by output element e of outShape. */
export function broadcastIndexOf(e: number, outShape: readonly number[], inShape: readonly number[]): number {
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

/** Operand indices read by output element e (term k in 1..K for reductions, 0 otherwise). */
export function operandIndicesOf(d: OpDesc, e: number, k: number): { count: 1 | 2; ia: number; ib: number } {
  const len = reductionLengthOf(d);
  if (e < 0 || e >= numel(d.outShape)) throw new InputError("DISPUTE_ELEMENT", `element ${e} outside the output`);
  if (len === 0 ? k !== 0 : k < 1 || k > len) throw new InputError("DISPUTE_TERM", `term ${k} outside 1..${len}`);
  switch (d.opcode) {
    case Opcode.MatMul: {
      const [rows, cols] = d.outShape;
      const i = Math.floor(e / cols);
      const j = e % cols;
      const kk = k - 1;
      return { count: 2, ia: d.p0 ? kk * rows + i : i * len + kk, ib: d.p1 ? j * len + kk : kk * cols + j };
    }
    case Opcode.ReduceSum: {
      let inner = 1;
      for (let x = d.p0 + 1; x < d.aShape.length; x++) inner *= d.aShape[x];
      return { count: 1, ia: (Math.floor(e / inner) * len + (k - 1)) * inner + (e % inner), ib: 0 };
    }
    case Opcode.Add:
    case Opcode.Sub:
    case Opcode.Mul:
      return { count: 2, ia: broadcastIndexOf(e, d.outShape, d.aShape), ib: broadcastIndexOf(e, d.outShape, d.bShape) };
    case Opcode.ReluGrad:
      return { count: 2, ia: e, ib: e };
    case Opcode.Transpose: {
      const [rows, cols] = d.outShape;
      return { count: 1, ia: (e % cols) * rows + Math.floor(e / cols), ib: 0 };
    }
    default:
      return { count: 1, ia: e, ib: 0 };
  }
}

/** One scalar transition: output element (non-reductions) or s_k = prev + term_k (reductions). */
export function stepOf(d: OpDesc, a: bigint, b: bigint, prev: bigint): bigint {
  switch (d.opcode) {
    case Opcode.MatMul:
      return prev + a * b;
    case Opcode.ReduceSum:
      return prev + a;
    case Opcode.Add:
      return a + b;
    case Opcode.Sub:
      return a - b;
    case Opcode.Mul:
      return a * b;
    case Opcode.MulConst:
      return a * BigInt(d.c);
    case Opcode.Relu:
      return a > 0n ? a : 0n;
    case Opcode.ReluGrad:
      return b > 0n ? a : 0n;
    case Opcode.Transpose:
    case Opcode.Reshape:
      return a;
    case Opcode.Rescale:
      return rescaleBig(a, d.p0, d.p1);
    case Opcode.Clip:
      return clipBig(a, d.p1);
    default:
      throw new InputError("DISPUTE_OPCODE", `unknown opcode ${d.opcode}`);
  }
}
