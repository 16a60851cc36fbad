import { CompileError } from "../errors";

/** Stable codes of {@link CompileError}s raised by the compiler. */
export const CompileCode = {
  /** The model uses an ONNX op (or an op variant) outside the supported set. */
  UnsupportedOp: "COMPILE_UNSUPPORTED_OP",
  /** A reduction (MatMul/ReduceSum) or another intermediate can reach |v| ≥ 2^53. */
  UnboundedReduction: "COMPILE_UNBOUNDED_REDUCTION",
  /** The model is malformed or not importable (no input, dynamic shapes, bad initializer, opset…). */
  BadModel: "COMPILE_BAD_MODEL",
  /** A PinIR program is structurally invalid (slot ids, SSA, shapes, scales, state updates). */
  BadProgram: "COMPILE_BAD_PROGRAM",
  /** Compile options are out of range (fracBits, boundBits, batch size, learning rate…). */
  BadOptions: "COMPILE_BAD_OPTIONS",
  /** A binary PinIR encoding cannot be decoded (truncated, unknown version or opcode). */
  BadEncoding: "COMPILE_BAD_ENCODING",
} as const;

export type CompileCodeValue = (typeof CompileCode)[keyof typeof CompileCode];

export function compileError(
  code: CompileCodeValue,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): CompileError {
  return new CompileError(code, message, details, cause === undefined ? undefined : { cause });
}

/**
 * A problem found while checking one op, before the caller knows which ONNX node or program
 * position to blame; {@link ProgramBuilder} and {@link checkBounds} wrap it into a CompileError.
 */
export class OpProblem extends Error {
  constructor(
    readonly code: CompileCodeValue,
    readonly reason: string,
  ) {
    super(reason);
  }
}
