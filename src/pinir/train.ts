import { backward, sumAt } from "./autodiff";
import type { OpOrigin, ProgramBuilder } from "./builder";
import { CompileCode, compileError } from "./errors";
import { MAX_BOUND_BITS, MAX_EXACT } from "./infer";
import { lowerForwardInto, type LowerOptions } from "./lower";
import type { ForwardModel } from "./model";
import { softmaxRows } from "./softmax";
import type { PinProgram, SlotId } from "./types";

/** Loss functions a train step can be derived for. */
export type LossKind = "mse" | "softmax-ce";

export interface SgdOptions {
  readonly kind: "sgd";
  /** Real learning rate η > 0; quantized to a fixed-point constant (see {@link learningRateConstant}). */
  readonly learningRate: number;
}

export interface TrainStepOptions extends LowerOptions {
  /**
   * - "mse": L = mean over all N·C elements of (y − t)² (PyTorch MSELoss, reduction "mean").
   *   Targets [N, C] at scale F (one-hot 2^F for classification).
   * - "softmax-ce": L = −(1/N) Σ_n Σ_c t·log softmax(y)_c (PyTorch CrossEntropyLoss with
   *   probability targets, reduction "mean"), softmax by the exact integer approximation of
   *   src/pinir/softmax.ts. Same target format. Outputs `probs` instead of `loss`.
   */
  readonly loss: LossKind;
  readonly optimizer: SgdOptions;
  /**
   * Fractional bits of parameter gradients before the update (default F − ceil(log2 N), at least 1):
   * a batch sum of N per-sample terms needs log2 N more integer bits than one term.
   */
  readonly gradFracBits?: number;
}

/** Fixed-point representation of the per-step update multiplier. */
export interface UpdateConstant {
  /** Integer multiplier q = round(η_eff · 2^bits). */
  readonly q: number;
  /** Fractional bits of q. */
  readonly bits: number;
}

/**
 * Quantizes a positive real multiplier to q = round(x·2^bits) with about 24 significant bits,
 * such that q·maxOperand stays below 2^53 and the following Rescale shift (bits + extraShift)
 * is within [1, 52].
 */
export function learningRateConstant(x: number, maxOperand: number, extraShift: number): UpdateConstant {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw compileError(CompileCode.BadOptions, `learning rate must be a positive finite number, got ${x}`, { learningRate: x });
  }
  let bits = 23 - Math.floor(Math.log2(x));
  bits = Math.min(bits, MAX_BOUND_BITS - extraShift);
  bits = Math.max(bits, 1 - extraShift);
  let q = Math.floor(x * 2 ** bits + 0.5);
  while (q > 0 && BigInt(q) * BigInt(maxOperand) > MAX_EXACT) {
    bits -= 1;
    q = Math.floor(x * 2 ** bits + 0.5);
  }
  if (q < 1 || bits + extraShift < 1) {
    throw compileError(
      CompileCode.BadOptions,
      `update multiplier ${x} (learning rate divided by the loss scale) cannot be represented as a fixed-point constant with the available bits; choose a learning rate closer to 0.01–10`,
      { learningRate: x },
    );
  }
  return { q, bits };
}

/**
 * Derives a train-step program: the forward pass, the loss seed, reverse-mode autodiff over
 * PinIR (src/pinir/autodiff.ts) and an SGD update of every parameter.
 *
 * Loss scaling: the backward pass is seeded with S·∂L/∂y for a constant S chosen so the seed is
 * exact (for MSE, S = N·C/2 and the seed is e = y − t, no rounding); the update divides by S
 * through the fixed-point learning-rate constant: w' = clip(w − rescale(g · q)), q ≈ (η/S)·2^k.
 *
 * Outputs: `logits` (scale F); for MSE also `loss` (scalar, scale F); for softmax-ce `probs`
 * ([N, C], scale F). State updates map every parameter slot to its updated slot (same shape and
 * scale, |v| ≤ 2^B − 1), in state-slot order.
 */
export function deriveTrainStep(model: ForwardModel, opts: TrainStepOptions): PinProgram {
  if (opts.loss !== "mse" && opts.loss !== "softmax-ce") {
    throw compileError(CompileCode.BadOptions, `unknown loss "${String(opts.loss)}"; use "mse" or "softmax-ce"`, { loss: opts.loss });
  }
  if (opts.optimizer?.kind !== "sgd") {
    throw compileError(CompileCode.BadOptions, `unknown optimizer "${String(opts.optimizer?.kind)}"; use { kind: "sgd", learningRate }`, {});
  }
  // Dry run to learn the output shape, then lower again with a target slot of that shape.
  const probe = lowerForwardInto(model, opts);
  const outShape = probe.builder.slot(probe.output).shape;
  if (outShape.length !== 2) {
    throw compileError(CompileCode.BadModel, `model output has shape [${outShape}]; a train step needs [batch, outputs]`, { shape: outShape });
  }
  const fwd = lowerForwardInto(model, { ...opts, targetShape: outShape });
  const b = fwd.builder;
  const F = b.fracBits;
  const B = b.boundBits;
  const N = outShape[0];
  const C = outShape[1];
  const target = fwd.target!;
  const forwardOps = b.ops.slice();
  const outputs: Record<string, SlotId> = { logits: fwd.output };
  let seed: SlotId;
  let lossScale: number;
  if (opts.loss === "mse") {
    const lossOrigin: OpOrigin = { node: "loss", opType: "MSE" };
    // Seed e = clip(y − t) = (N·C/2)·∂L/∂y, exact.
    const diff = b.emit({ op: "Sub", a: fwd.output, b: target }, "loss/diff", lossOrigin);
    seed = b.emit({ op: "Clip", a: diff, bound: B }, "loss/err", lossOrigin);
    lossScale = (N * C) / 2;
    outputs.loss = mseLossValue(b, seed, N * C, lossOrigin);
  } else {
    if (C < 2) throw compileError(CompileCode.BadModel, `softmax cross-entropy needs at least 2 outputs, the model has ${C}`, { outputs: C });
    const lossOrigin: OpOrigin = { node: "loss", opType: "SoftmaxCrossEntropy" };
    const probs = softmaxRows(b, fwd.output, lossOrigin);
    // Seed p − t = N·∂L/∂y.
    const diff = b.emit({ op: "Sub", a: probs, b: target }, "loss/diff", lossOrigin);
    seed = b.emit({ op: "Clip", a: diff, bound: B }, "loss/err", lossOrigin);
    lossScale = N;
    outputs.probs = probs;
  }

  const paramSlots = [...fwd.params.values()];
  const grads = backward(b, forwardOps, new Map([[fwd.output, seed]]), paramSlots, { adjointScale: F, adjointBound: B });

  const gradFracBits = opts.gradFracBits ?? Math.max(1, F - Math.ceil(Math.log2(N)));
  if (!Number.isInteger(gradFracBits) || gradFracBits < 1 || gradFracBits > 2 * F) {
    throw compileError(CompileCode.BadOptions, `gradFracBits must be an integer in [1, 2F], got ${gradFracBits}`, { gradFracBits });
  }
  const eta = opts.optimizer.learningRate / lossScale;
  const lr = learningRateConstant(eta, 2 ** B - 1, gradFracBits - F);

  const stateUpdates: { from: SlotId; to: SlotId }[] = [];
  for (const [name, p] of fwd.params) {
    const list = grads.get(p) ?? [];
    if (list.length === 0) {
      stateUpdates.push({ from: p, to: p });
      continue;
    }
    const origin: OpOrigin = { node: `sgd:${name}`, opType: "SGD" };
    const g = sumAt(b, list, gradFracBits, B, `grad(${name})`, origin);
    const scaled = b.emit({ op: "MulConst", a: g, c: lr.q }, `sgd(${name})/scaled`, origin, { scale: gradFracBits + lr.bits });
    const step = b.emit({ op: "Rescale", a: scaled, shift: gradFracBits + lr.bits - F, bound: B }, `sgd(${name})/step`, origin);
    const next = b.emit({ op: "Sub", a: p, b: step }, `sgd(${name})/sub`, origin);
    stateUpdates.push({ from: p, to: b.emit({ op: "Clip", a: next, bound: B }, `${name}'`, origin) });
  }
  return b.build({ stateUpdates, outputs });
}

/** Mean of e² over `count` elements, as a scalar at scale F (reporting only; not differentiated). */
function mseLossValue(b: ProgramBuilder, e: SlotId, count: number, origin: OpOrigin): SlotId {
  const F = b.fracBits;
  const sq = b.emit({ op: "Mul", a: e, b: e }, "loss/sq", origin);
  // e² ≤ (2^B − 1)² so after the shift by F it is below 2^(2B − F): no clipping at this bound.
  const sqF = b.emit({ op: "Rescale", a: sq, shift: F, bound: Math.min(MAX_BOUND_BITS, 2 * b.boundBits - F + 1) }, "loss/sqF", origin);
  let sum = sqF;
  while (b.slot(sum).shape.length > 0) sum = b.emit({ op: "ReduceSum", a: sum, axis: b.slot(sum).shape.length - 1 }, `loss/sum${b.slot(sum).shape.length}`, origin);
  // Multiply by round(2^k / count) and shift by k, with k as large as 2^53 allows.
  const maxSum = BigInt(b.slot(sum).maxAbs);
  let k = 40;
  const qOf = (bits: number) => Math.floor(2 ** bits / count + 0.5);
  while (k > 1 && (qOf(k) === 0 || maxSum * BigInt(qOf(k)) + (1n << BigInt(k - 1)) > MAX_EXACT)) k--;
  const scaled = b.emit({ op: "MulConst", a: sum, c: qOf(k) }, "loss/scaled", origin, { scale: F + k });
  return b.emit({ op: "Rescale", a: scaled, shift: k, bound: MAX_BOUND_BITS }, "loss", origin);
}
