import { ProgramBuilder } from "./builder";
import { CompileCode, compileError } from "./errors";
import { sameShape, sizeOf } from "./infer";
import type { ForwardModel, ModelNode } from "./model";
import { type FixedPointOptions, checkBatchSize, resolveFixedPoint } from "./options";
import type { PinProgram, SlotId } from "./types";

export interface LowerOptions extends FixedPointOptions {
  /** Rows per step (the input slot is [batchSize, ...features]). */
  readonly batchSize: number;
}

interface LowerIntoOptions extends LowerOptions {
  /** For train steps: add a target slot of this shape (scale F, |v| ≤ 2^B − 1) right after the input. */
  readonly targetShape?: readonly number[];
}

/** The forward pass lowered into a builder. */
export interface LoweredForward {
  readonly builder: ProgramBuilder;
  readonly input: SlotId;
  readonly output: SlotId;
  /** Parameter name → state slot. */
  readonly params: ReadonlyMap<string, SlotId>;
  /** Target slot, when requested. */
  readonly target?: SlotId;
}

function nodeError(node: ModelNode, code: (typeof CompileCode)[keyof typeof CompileCode], reason: string): never {
  const opType = node.kind;
  throw compileError(code, `node "${node.name}" (${opType}): ${reason}`, { node: node.name, opType, reason });
}

/** Quantizes a real constant to an integer at `bits` fractional bits (round half up). */
function fixedConst(x: number, bits: number): number {
  return Math.floor(x * 2 ** bits + 0.5);
}

/**
 * Lowers the forward graph: parameters become state slots (scale F, |v| ≤ 2^B − 1) in
 * `model.params` order, then the input slot [batch, ...features] (scale F, |v| ≤ 2^B − 1),
 * then the ops. Every product is followed by a round-to-nearest Rescale by F clipped to B, and
 * every Add by a Clip to B, so every activation satisfies |v| ≤ 2^B − 1.
 */
export function lowerForwardInto(model: ForwardModel, opts: LowerIntoOptions): LoweredForward {
  const { fracBits: F, boundBits: B } = resolveFixedPoint({
    fracBits: opts.fracBits ?? model.fixedPoint?.fracBits,
    boundBits: opts.boundBits ?? model.fixedPoint?.boundBits,
  });
  const batch = checkBatchSize(opts.batchSize);
  const b = new ProgramBuilder(F, B);
  const bound = 2 ** B - 1;
  const env = new Map<string, SlotId>();
  const params = new Map<string, SlotId>();
  for (const p of model.params) {
    const id = b.addSlot("state", p.name, p.shape, F, bound);
    params.set(p.name, id);
    env.set(p.name, id);
  }
  const input = b.addSlot("input", model.input.name, [batch, ...model.input.shape], F, bound);
  env.set(model.input.name, input);
  const target = opts.targetShape ? b.addSlot("target", "target", opts.targetShape, F, bound) : undefined;

  const get = (node: ModelNode, name: string): SlotId => {
    const id = env.get(name);
    if (id === undefined) nodeError(node, CompileCode.BadModel, `input "${name}" is not available`);
    return id;
  };
  // Brings a product at scale s back to F with rounding and clipping.
  const rescaleToF = (x: SlotId, name: string, origin: { node: string; opType: string }): SlotId => {
    const s = b.slot(x).scale;
    if (s === F) return b.emit({ op: "Clip", a: x, bound: B }, name, origin);
    if (s < F) throw new Error(`internal: scale ${s} below F`);
    return b.emit({ op: "Rescale", a: x, shift: s - F, bound: B }, name, origin);
  };

  for (const node of model.nodes) {
    const origin = { node: node.name, opType: node.kind };
    const at = (suffix: string) => `${node.name}/${suffix}`;
    let out: SlotId;
    switch (node.kind) {
      case "Gemm": {
        const a = get(node, node.a);
        const w = get(node, node.b);
        let acc = b.emit({ op: "MatMul", a, b: w, transA: node.transA, transB: node.transB }, at("matmul"), origin);
        if (node.alpha !== 1) {
          const q = fixedConst(node.alpha, F);
          if (q === 0) nodeError(node, CompileCode.UnsupportedOp, `alpha=${node.alpha} rounds to 0 at ${F} fractional bits`);
          const r = rescaleToF(acc, at("matmul_rescaled"), origin);
          acc = b.emit({ op: "MulConst", a: r, c: q }, at("alpha"), origin, { scale: F + F });
        }
        if (node.c !== undefined && node.beta !== 0) {
          const c = get(node, node.c);
          const q = fixedConst(node.beta, F);
          if (q === 0) nodeError(node, CompileCode.UnsupportedOp, `beta=${node.beta} rounds to 0 at ${F} fractional bits`);
          const cs = b.emit({ op: "MulConst", a: c, c: q }, at("bias_scaled"), origin, { scale: b.slot(c).scale + F });
          acc = b.emit({ op: "Add", a: acc, b: cs }, at("sum"), origin);
        }
        out = rescaleToF(acc, at("out"), origin);
        break;
      }
      case "MatMul": {
        const mm = b.emit({ op: "MatMul", a: get(node, node.a), b: get(node, node.b), transA: false, transB: false }, at("matmul"), origin);
        out = rescaleToF(mm, at("out"), origin);
        break;
      }
      case "Add": {
        const s = b.emit({ op: "Add", a: get(node, node.a), b: get(node, node.b) }, at("sum"), origin);
        out = rescaleToF(s, at("out"), origin);
        break;
      }
      case "Relu":
        out = b.emit({ op: "Relu", a: get(node, node.a) }, at("out"), origin);
        break;
      case "Identity":
        out = get(node, node.a);
        break;
      case "Transpose":
        out = b.emit({ op: "Transpose", a: get(node, node.a) }, at("out"), origin);
        break;
      case "Flatten": {
        const a = get(node, node.a);
        const shape = b.slot(a).shape;
        const axis = node.axis < 0 ? node.axis + shape.length : node.axis;
        if (axis < 0 || axis > shape.length) nodeError(node, CompileCode.BadModel, `axis ${node.axis} out of range for rank ${shape.length}`);
        const target = [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))];
        out = sameShape(target, shape) ? a : b.emit({ op: "Reshape", a }, at("out"), origin, { shape: target });
        break;
      }
      case "Reshape": {
        const a = get(node, node.a);
        const target = resolveReshape(node, b.slot(a).shape);
        out = sameShape(target, b.slot(a).shape) ? a : b.emit({ op: "Reshape", a }, at("out"), origin, { shape: target });
        break;
      }
      default: {
        const never: never = node;
        throw new Error(`unreachable node ${(never as ModelNode).kind}`);
      }
    }
    env.set(node.output, out);
  }
  const output = env.get(model.output);
  if (output === undefined || b.slot(output).kind !== "temp") {
    throw compileError(CompileCode.BadModel, `model output "${model.output}" is not computed from the input`, { output: model.output });
  }
  return { builder: b, input, output, params, ...(target !== undefined ? { target } : {}) };
}

function resolveReshape(node: Extract<ModelNode, { kind: "Reshape" }>, inShape: readonly number[]): number[] {
  const total = sizeOf(inShape);
  const dims = node.shape.map((d, i) => (d === 0 && !node.allowzero ? (inShape[i] ?? nodeError(node, CompileCode.BadModel, `shape[${i}] = 0 copies a missing dimension`)) : d));
  const unknown = dims.filter((d) => d === -1).length;
  if (unknown > 1 || dims.some((d) => d < -1 || d === 0)) {
    nodeError(node, CompileCode.UnsupportedOp, `target shape [${node.shape}] is not a valid static shape`);
  }
  const known = sizeOf(dims.filter((d) => d !== -1));
  const resolved = dims.map((d) => (d === -1 ? total / known : d));
  if (sizeOf(resolved) !== total || resolved.some((d) => !Number.isInteger(d))) {
    nodeError(node, CompileCode.BadModel, `cannot reshape [${inShape}] (${total} elements) to [${node.shape}]`);
  }
  return resolved;
}

/**
 * Lowers a model to a one-step inference program: state = parameters, input slot
 * [batchSize, ...features], `outputs.logits` = the model output (scale F).
 */
export function lowerForward(model: ForwardModel, opts: LowerOptions): PinProgram {
  const { builder, output } = lowerForwardInto(model, opts);
  return builder.build({ outputs: { logits: output } });
}
