/**
 * One error hierarchy for the whole off-chain library. Messages are short and say what to do;
 * `details` carries structured context for `--json` output; `cause` keeps the original error.
 */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export class PinpointError extends Error {
  /** Stable machine-readable code, e.g. "COMPILE_UNSUPPORTED_OP". */
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(code: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: string; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** A model or program cannot be compiled to PinIR (unsupported op, unbounded reduction…). */
export class CompileError extends PinpointError {}
/** Execution failed or an execution provider is unavailable. */
export class ExecutionError extends PinpointError {}
/** A commitment, proof or checkpoint file does not verify. */
export class IntegrityError extends PinpointError {}
/** Bad user input: arguments, files, configuration. */
export class InputError extends PinpointError {}
/** A chain call reverted or the chain is in an unexpected state. */
export class ChainError extends PinpointError {}
