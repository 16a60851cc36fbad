import { CompileCode, compileError } from "./errors";
import type { ForwardModel } from "./model";
import { importOnnx } from "./onnx";
import { type LinearWeights, type MlpOnnxOptions, mlpOnnx } from "./onnxBuilder";

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same weights everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * torch.nn.Linear's default init: weight ~ U(−1/√in, 1/√in) (kaiming_uniform_ with a = √5) and
 * bias ~ U(−1/√in, 1/√in), drawn weight-first, row-major, from {@link seededRandom}; values are
 * rounded to float32 as a PyTorch export would store them.
 */
export function linearInit(sizes: readonly number[], seed = 1): LinearWeights[] {
  if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s >= 1)) {
    throw compileError(CompileCode.BadOptions, `MLP sizes must be at least two positive integers, got [${sizes}]`, { sizes });
  }
  const rand = seededRandom(seed);
  const layers: LinearWeights[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const inF = sizes[i];
    const outF = sizes[i + 1];
    const bound = 1 / Math.sqrt(inF);
    const u = () => Math.fround((rand() * 2 - 1) * bound);
    const weight = Float64Array.from({ length: inF * outF }, u);
    const bias = Float64Array.from({ length: outF }, u);
    layers.push({ weight, bias, inFeatures: inF, outFeatures: outF });
  }
  return layers;
}

export interface MlpOptions extends MlpOnnxOptions {
  /** PRNG seed for the weights (default 1). */
  readonly seed?: number;
}

/** ONNX bytes of a seeded MLP, exported PyTorch-style (see {@link mlpOnnx}). */
export function mlpOnnxBytes(sizes: readonly number[], opts: MlpOptions = {}): Uint8Array {
  return mlpOnnx(linearInit(sizes, opts.seed ?? 1), { name: opts.name ?? `mlp_${sizes.join("_")}`, ...opts });
}

/**
 * A seeded MLP `sizes[0] → … → sizes[n−1]` with ReLU between layers, built through the same
 * ONNX import path as a user model. `mlp([784, 64, 10])` is the MNIST model, `mlp([4, 16, 3])`
 * the iris model.
 */
export function mlp(sizes: readonly number[], opts: MlpOptions = {}): ForwardModel {
  return importOnnx(mlpOnnxBytes(sizes, opts));
}

/** Named built-in models with their recommended training hyperparameters (docs/PINIR.md). */
export const BUILTIN_MODELS = {
  "mnist-mlp": { sizes: [784, 64, 10], seed: 1 },
  "iris-mlp": { sizes: [4, 16, 3], seed: 1 },
} as const;

export type BuiltinModelName = keyof typeof BUILTIN_MODELS;

export function builtinModel(name: BuiltinModelName, seed?: number): ForwardModel {
  const spec = BUILTIN_MODELS[name];
  if (!spec) {
    throw compileError(CompileCode.BadOptions, `unknown built-in model "${String(name)}"; choose one of ${Object.keys(BUILTIN_MODELS).join(", ")}`, { name });
  }
  return mlp(spec.sizes, { seed: seed ?? spec.seed, name });
}
