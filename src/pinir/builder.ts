import { CompileCode, OpProblem, compileError } from "./errors";
import { MAX_EXACT, MAX_SCALE, inferOp, sizeOf } from "./infer";
import { PINIR_VERSION, type PinOp, type PinProgram, type SlotId, type SlotInfo, type SlotKind } from "./types";

/** Where an op came from, for error messages: the ONNX node (or compiler stage) and its op type. */
export interface OpOrigin {
  readonly node: string;
  readonly opType: string;
}

type Distribute<T> = T extends unknown ? Omit<T, "out"> : never;
/** A PinIR op before its output slot is allocated. */
export type OpSpec = Distribute<PinOp>;

/**
 * Builds a PinIR program op by op. Every emitted op gets a fresh output slot whose shape, scale
 * and maxAbs are inferred from the operands, so bounds are proven as the program is built; an
 * op that cannot be bounded is refused with a CompileError naming its origin.
 */
export class ProgramBuilder {
  readonly slots: SlotInfo[] = [];
  readonly ops: PinOp[] = [];

  constructor(
    readonly fracBits: number,
    readonly boundBits: number,
  ) {}

  slot(id: SlotId): SlotInfo {
    const s = this.slots[id];
    if (!s) throw new RangeError(`no slot ${id}`);
    return s;
  }

  /** Adds a state/input/target/const slot. */
  addSlot(kind: Exclude<SlotKind, "temp">, name: string, shape: readonly number[], scale: number, maxAbs: number, data?: readonly number[]): SlotId {
    if (!Number.isSafeInteger(maxAbs) || maxAbs < 0) throw new RangeError(`slot ${name}: maxAbs ${maxAbs} is not a safe non-negative integer`);
    if (kind === "const") {
      if (!data || data.length !== sizeOf(shape)) throw new RangeError(`const slot ${name} needs ${sizeOf(shape)} data elements`);
    }
    this.slots.push({ name, kind, shape: [...shape], scale, maxAbs, ...(data ? { data: [...data] } : {}) });
    return this.slots.length - 1;
  }

  /**
   * Emits one op writing a new temp slot.
   * @param spec the op without `out`
   * @param name the new slot's name
   * @param origin ONNX node (or compiler stage) blamed in errors
   * @param opts `scale` for MulConst outputs (required there), `shape` for Reshape
   */
  emit(spec: OpSpec, name: string, origin: OpOrigin, opts: { scale?: number; shape?: readonly number[] } = {}): SlotId {
    const out = this.slots.length;
    const op = { ...spec, out } as PinOp;
    let facts;
    try {
      facts = inferOp(op, (id) => this.slot(id), opts.shape);
    } catch (e) {
      if (e instanceof OpProblem) {
        throw compileError(
          e.code,
          `node "${origin.node}" (${origin.opType}): PinIR ${op.op} ${e.reason}; ${advice(e.code)}`,
          { node: origin.node, opType: origin.opType, pinOp: op.op, reason: e.reason },
        );
      }
      throw e;
    }
    const scale = facts.scale ?? opts.scale;
    if (scale === undefined || !Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
      throw compileError(CompileCode.BadProgram, `node "${origin.node}" (${origin.opType}): output scale ${scale} of PinIR ${op.op} is invalid`, {
        node: origin.node,
        opType: origin.opType,
      });
    }
    if (facts.maxAbs > MAX_EXACT) throw new Error("unreachable: inferOp checks 2^53");
    this.slots.push({ name, kind: "temp", shape: [...facts.shape], scale, maxAbs: Number(facts.maxAbs) });
    this.ops.push(op);
    return out;
  }

  build(extra: { stateUpdates?: PinProgram["stateUpdates"]; outputs: PinProgram["outputs"] }): PinProgram {
    return {
      version: PINIR_VERSION,
      fracBits: this.fracBits,
      boundBits: this.boundBits,
      slots: this.slots.map((s) => ({ ...s })),
      ops: this.ops.slice(),
      stateUpdates: extra.stateUpdates ?? [],
      outputs: { ...extra.outputs },
    };
  }
}

/** What a user can do about a compile problem of this kind. */
export function advice(code: string): string {
  switch (code) {
    case CompileCode.UnboundedReduction:
      return "use a smaller layer width or batch size, or lower boundBits/fracBits so K·2^(2B) < 2^53";
    case CompileCode.UnsupportedOp:
      return "rewrite the model with supported ops (Gemm, MatMul, Add, Relu, Flatten, Reshape, Identity, Transpose, Constant)";
    default:
      return "fix the model or program";
  }
}
