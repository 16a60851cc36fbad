/**
 * Executor benchmark: train steps/s of the exact fixed-point train-step program (float64 ONNX
 * graph, integers < 2^53) against the equivalent float32 ONNX graph of the same structure on the
 * same machine (Rescale/Clip dropped, scales folded into multiplications by powers of two; see
 * src/exec/onnx.ts emitFloat32Onnx), both through onnxruntime-node on CPU with the same batch
 * loop. ratio = fixed-point step time / float32 step time (goal ≤ 2.5).
 *
 * Env: BENCH_EXEC_BATCH (default 32), BENCH_EXEC_STEPS (default 400), BENCH_EXEC_THREADS (default 1).
 */
import os from "node:os";
import { batchInto, loadMnist } from "../src/data";
import { createExecutor, createFloat32Runner } from "../src/exec";
import type { IntTensor } from "../src/pinir/types";
import { builtinModel, deriveTrainStep, initialState } from "../src/pinir";

export const name = "executor";

export async function run(): Promise<Record<string, unknown>> {
  const batchSize = Number(process.env.BENCH_EXEC_BATCH ?? 32);
  const steps = Number(process.env.BENCH_EXEC_STEPS ?? 400);
  const threads = Number(process.env.BENCH_EXEC_THREADS ?? 1);
  const rounds = 3;
  const { train } = loadMnist({ train: 4096, test: 1, seed: 7 });
  const model = builtinModel("mnist-mlp");
  const program = deriveTrainStep(model, { batchSize, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } });
  const s0 = initialState(program, model);

  const exact = await createExecutor(program, { intraOpThreads: threads });
  const float = await createFloat32Runner(program, s0, { intraOpThreads: threads });
  const x = new Float64Array(batchSize * train.nFeatures);
  const y = new Float64Array(batchSize * train.nClasses);
  const xT: IntTensor = { shape: [batchSize, train.nFeatures], data: x, scale: train.features.scale };
  const yT: IntTensor = { shape: [batchSize, train.nClasses], data: y, scale: train.targets.scale };
  // the float32 loop gets its dataset pre-converted, so it pays no conversion per step
  const fx = Float32Array.from(train.features.data, (v) => v / 2 ** train.features.scale);
  const fy = Float32Array.from(train.targets.data, (v) => v / 2 ** train.targets.scale);
  const bx = new Float32Array(batchSize * train.nFeatures);
  const by = new Float32Array(batchSize * train.nClasses);
  let state = s0;
  let t = 1;
  const pool = [0, 1].map(() => program.stateUpdates.map(({ to }) => new Float64Array(program.slots[to].shape.reduce((a, d) => a * d, 1))));

  const exactSteps = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++, t++) {
      batchInto(train, t, batchSize, x, y);
      state = (await exact.step(state, { x: xT, y: yT }, { into: pool[t % 2] })).state;
    }
    return (performance.now() - t0) / 1000;
  };
  let ft = 1;
  const floatSteps = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++, ft++) {
      const start = ((ft - 1) * batchSize) % train.nSamples;
      for (let r = 0; r < batchSize; r++) {
        const s = (start + r) % train.nSamples;
        bx.set(fx.subarray(s * train.nFeatures, (s + 1) * train.nFeatures), r * train.nFeatures);
        by.set(fy.subarray(s * train.nClasses, (s + 1) * train.nClasses), r * train.nClasses);
      }
      await float.step(bx, by);
    }
    return (performance.now() - t0) / 1000;
  };
  // evidence: one run fetching every slot (what a dispute needs)
  const evidence = async (n: number): Promise<number> => {
    batchInto(train, 1, batchSize, x, y);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await exact.evidence(s0, { x: xT, y: yT });
    return (performance.now() - t0) / 1000;
  };
  try {
    await exactSteps(30);
    await floatSteps(30);
    let bestExact = Infinity;
    let bestFloat = Infinity;
    for (let r = 0; r < rounds; r++) {
      // interleaved rounds, best of each: the machine may be shared
      bestExact = Math.min(bestExact, await exactSteps(steps));
      bestFloat = Math.min(bestFloat, await floatSteps(steps));
    }
    const evidenceSec = await evidence(50);
    const fixedPointStepsPerSec = steps / bestExact;
    const float32StepsPerSec = steps / bestFloat;
    return {
      model: "mlp 784-64-10, MSE, SGD (deriveTrainStep)",
      batchSize,
      threads,
      device: "cpu",
      steps,
      rounds,
      fixedPointStepsPerSec: Math.round(fixedPointStepsPerSec * 10) / 10,
      float32StepsPerSec: Math.round(float32StepsPerSec * 10) / 10,
      ratio: Math.round((float32StepsPerSec / fixedPointStepsPerSec) * 1000) / 1000,
      goalRatio: 2.5,
      evidenceRunsPerSec: Math.round((50 / evidenceSec) * 10) / 10,
      programOps: program.ops.length,
      baseline:
        "same train-step structure as a float32 ONNX graph (Rescale/Clip dropped, scales folded into power-of-two multiplies), same onnxruntime-node CPU session settings and batch loop; ratio = fixed-point step time / float32 step time",
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
    };
  } finally {
    await exact.dispose();
    await float.dispose();
  }
}
