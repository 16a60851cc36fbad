import { ExecutionError } from "../errors";

/** Stable codes of {@link ExecutionError}s raised by the executor and the reference interpreter. */
export const ExecCode = {
  /** CUDA was asked for but the CUDA execution provider cannot be loaded or has no device. */
  CudaUnavailable: "EXEC_CUDA_UNAVAILABLE",
  /** A value that is not an exact integer, or whose magnitude is ≥ 2^53, appeared. */
  NonInteger: "EXEC_NON_INTEGER",
  /** An input, target or state value exceeds its slot's proven bound maxAbs (the proof assumes it never does). */
  InputBounds: "EXEC_INPUT_BOUNDS",
  /** A tensor's shape does not match its slot, or an op's operands have incompatible shapes. */
  ShapeMismatch: "EXEC_SHAPE_MISMATCH",
  /** The program is malformed (bad slot ids, SSA violation, unsupported op, unsafe Rescale). */
  BadProgram: "EXEC_BAD_PROGRAM",
  /** A required input (state, batch, slot value) is missing. */
  MissingInput: "EXEC_MISSING_INPUT",
  /** ONNX Runtime failed to create a session or to run. */
  Runtime: "EXEC_RUNTIME",
  /** An element or op index is out of range. */
  OutOfRange: "EXEC_OUT_OF_RANGE",
} as const;

export type ExecCodeValue = (typeof ExecCode)[keyof typeof ExecCode];

export function execError(
  code: ExecCodeValue,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): ExecutionError {
  return new ExecutionError(code, message, details, cause === undefined ? undefined : { cause });
}
