/**
 * PinIR: Pinpoint's integer intermediate representation (see docs/SPEC.md §PinIR).
 *
 * Every value is a tensor of exact integers. A real number x is held as an integer v with
 * x ≈ v / 2^scale. Integers are carried in float64 during execution and every intermediate
 * is proven (statically, by the compiler) to stay below 2^53 in magnitude, so any summation
 * order gives the same bits. This file is the boundary shared by the compiler (src/pinir),
 * the executor and reference interpreter (src/exec), the commitments (src/commit) and the
 * on-chain one-step verifier (contracts/libraries): change it only with docs/SPEC.md.
 */

/** Encoding version of {@link PinProgram}; bump on any change to the binary encoding. */
export const PINIR_VERSION = 1;

/** Default number of fractional bits F. */
export const DEFAULT_FRAC_BITS = 16;
/** Default magnitude bound B: values are clipped to |v| ≤ 2^B − 1 after every Rescale. */
export const DEFAULT_BOUND_BITS = 20;
/** Every intermediate integer must satisfy |v| < 2^53 (exact in float64). */
export const EXACT_BITS = 53;

/** Index into a program's value table. */
export type SlotId = number;

/** Role of a value-table slot. */
export type SlotKind =
  /** Trainable parameter or optimizer state; part of the committed state. */
  | "state"
  /** Batch input features, filled from the dataset view. */
  | "input"
  /** Batch targets (labels or regression targets), filled from the dataset view. */
  | "target"
  /** Constant baked into the program (committed with the program). */
  | "const"
  /** Intermediate produced by an op. */
  | "temp";

/** One value-table slot. */
export interface SlotInfo {
  readonly name: string;
  readonly kind: SlotKind;
  /** Dimensions, row-major; every dimension ≥ 1. A scalar is shape []. */
  readonly shape: readonly number[];
  /** Fractional bits of this value's fixed-point representation (0 for plain integers). */
  readonly scale: number;
  /**
   * Proven magnitude bound: every element satisfies |v| ≤ maxAbs. Always ≤ 2^53 − 1.
   * A safe integer (not bigint) because it is below 2^53.
   */
  readonly maxAbs: number;
  /** Constant data (row-major, exact integers) for kind "const". */
  readonly data?: readonly number[];
}

/**
 * PinIR operations. Each op reads slots and writes exactly one new slot `out` (SSA: a slot
 * is written by at most one op and never by an op if it is state/input/target/const).
 * Scalar semantics per output element are in docs/SPEC.md and mirrored by the reference
 * interpreter (src/exec/reference.ts) and the Solidity one-step verifier.
 */
export type PinOp =
  /** out[i,j] = Σ_k A'[i,k]·B'[k,j] where A' = transA ? Aᵀ : A (rank 2). Reduction of length K. */
  | { readonly op: "MatMul"; readonly out: SlotId; readonly a: SlotId; readonly b: SlotId; readonly transA: boolean; readonly transB: boolean }
  /** Elementwise with numpy broadcasting of b (and a) to out's shape. */
  | { readonly op: "Add"; readonly out: SlotId; readonly a: SlotId; readonly b: SlotId }
  | { readonly op: "Sub"; readonly out: SlotId; readonly a: SlotId; readonly b: SlotId }
  /** Elementwise exact product (scale adds up; follow with Rescale). */
  | { readonly op: "Mul"; readonly out: SlotId; readonly a: SlotId; readonly b: SlotId }
  /** out = a · c for an integer constant c (|c| < 2^53). */
  | { readonly op: "MulConst"; readonly out: SlotId; readonly a: SlotId; readonly c: number }
  /** out = max(a, 0). */
  | { readonly op: "Relu"; readonly out: SlotId; readonly a: SlotId }
  /** out = x > 0 ? g : 0 (same shapes). */
  | { readonly op: "ReluGrad"; readonly out: SlotId; readonly g: SlotId; readonly x: SlotId }
  /** 2-D transpose. */
  | { readonly op: "Transpose"; readonly out: SlotId; readonly a: SlotId }
  /** Sum over one axis, which is removed (keepdims = 0). Reduction of length shape[axis]. */
  | { readonly op: "ReduceSum"; readonly out: SlotId; readonly a: SlotId; readonly axis: number }
  /**
   * Round-to-nearest right shift then clip:
   * out = clip(floor((a + 2^(shift−1)) / 2^shift), −(2^bound − 1), 2^bound − 1).
   * shift ≥ 1. (shift = 0 is a pure Clip; use op "Clip".)
   */
  | { readonly op: "Rescale"; readonly out: SlotId; readonly a: SlotId; readonly shift: number; readonly bound: number }
  /** out = clip(a, −(2^bound − 1), 2^bound − 1). */
  | { readonly op: "Clip"; readonly out: SlotId; readonly a: SlotId; readonly bound: number }
  /** Same row-major data, new shape (covers Reshape, Flatten, Identity). */
  | { readonly op: "Reshape"; readonly out: SlotId; readonly a: SlotId };

export type PinOpName = PinOp["op"];

/** A complete PinIR program. */
export interface PinProgram {
  readonly version: typeof PINIR_VERSION;
  /** Default fractional bits F used by the program's real-valued slots. */
  readonly fracBits: number;
  /** Default magnitude bound B. */
  readonly boundBits: number;
  /** The value table. Slot i is `slots[i]`. */
  readonly slots: readonly SlotInfo[];
  /** Ops in execution order. */
  readonly ops: readonly PinOp[];
  /**
   * State update for train-step programs: for each state slot s (in slot order), the slot
   * holding its next value. Empty for pure inference programs.
   */
  readonly stateUpdates: readonly { readonly from: SlotId; readonly to: SlotId }[];
  /** Named outputs (e.g. "logits", "loss") for reporting; not part of the state. */
  readonly outputs: Readonly<Record<string, SlotId>>;
}

/** A tensor of exact integers carried in float64. */
export interface IntTensor {
  readonly shape: readonly number[];
  /** Row-major; every element is an integer with |v| < 2^53 and never −0. */
  readonly data: Float64Array;
  /** Fractional bits. */
  readonly scale: number;
}
