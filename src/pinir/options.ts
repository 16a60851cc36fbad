import { CompileCode, compileError } from "./errors";
import { MAX_BOUND_BITS } from "./infer";
import { DEFAULT_BOUND_BITS, DEFAULT_FRAC_BITS } from "./types";

/** Fixed-point format: F fractional bits, values clipped to |v| ≤ 2^B − 1. */
export interface FixedPointOptions {
  /** F (default 16). */
  readonly fracBits?: number;
  /** B (default 20). */
  readonly boundBits?: number;
}

export interface ResolvedFixedPoint {
  readonly fracBits: number;
  readonly boundBits: number;
}

function badOption(message: string, details: Record<string, unknown>): never {
  throw compileError(CompileCode.BadOptions, message, details);
}

export function resolveFixedPoint(opts: FixedPointOptions = {}): ResolvedFixedPoint {
  const fracBits = opts.fracBits ?? DEFAULT_FRAC_BITS;
  const boundBits = opts.boundBits ?? DEFAULT_BOUND_BITS;
  if (!Number.isInteger(fracBits) || fracBits < 1 || fracBits > 30) {
    badOption(`fracBits must be an integer in [1, 30], got ${fracBits}`, { fracBits });
  }
  if (!Number.isInteger(boundBits) || boundBits <= fracBits || boundBits > MAX_BOUND_BITS) {
    badOption(`boundBits must be an integer in (fracBits=${fracBits}, ${MAX_BOUND_BITS}], got ${boundBits}`, { boundBits });
  }
  return { fracBits, boundBits };
}

export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1 << 20) {
    badOption(`batchSize must be an integer in [1, 2^20], got ${batchSize}`, { batchSize });
  }
  return batchSize;
}
