/**
 * Executor benchmark: train steps/s of the exact fixed-point train-step program (float64 ONNX
 * graph, integers < 2^53) against the equivalent float32 ONNX graph of the same structure on the
 * same machine (Rescale/Clip dropped, scales folded into multiplications by powers of two; see
 * src/exec/onnx.ts emitFloat32Onnx), both through onnxruntime-node on CPU with the same session
 * settings and the same batch loop (state buffers recycled in both; a batch whose rows do not
 * wrap around the dataset is fed as a view of it in both, else copied). Goal: ratio ≤ 2.5, where
 * ratio = fixed-point step time / float32 step time.
 *
 * The top-level numbers are for the primary batch size; `configs` repeats the measurement for
 * other batch sizes. Rounds are interleaved and the best round of each side is kept (the machine
 * may be shared); `ratioCpu` uses process CPU time instead of wall time.
 *
 * Env: BENCH_EXEC_BATCH (primary, default 32: the issue states its goal at batch 32), BENCH_EXEC_BATCHES (default "32,64,128"),
 * BENCH_EXEC_STEPS (per round, default 300), BENCH_EXEC_THREADS (intra-op threads, default 1).
 */
import os from "node:os";
import { batchAt, loadMnist, type Dataset } from "../src/data";
import { createExecutor, createFloat32Runner, train as trainSteps } from "../src/exec";
import { builtinModel, deriveTrainStep, initialState } from "../src/pinir";

export const name = "executor";

const MODEL = "mlp 784-64-10, MSE, SGD (deriveTrainStep, lr 0.5)";

interface Measurement {
  batchSize: number;
  fixedPointStepsPerSec: number;
  float32StepsPerSec: number;
  ratio: number;
  ratioCpu: number;
  evidenceRunsPerSec: number;
  programOps: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function measure(
  train: Dataset,
  batchSize: number,
  steps: number,
  threads: number,
): Promise<Measurement> {
  const model = builtinModel("mnist-mlp");
  const program = deriveTrainStep(model, {
    batchSize,
    loss: "mse",
    optimizer: { kind: "sgd", learningRate: 0.5 },
  });
  const s0 = initialState(program, model);
  const exact = await createExecutor(program, { intraOpThreads: threads });
  const float = await createFloat32Runner(program, s0, { intraOpThreads: threads });
  const d = train.nFeatures;
  const c = train.nClasses;
  // the float32 loop gets its dataset pre-converted, so it pays no conversion per step
  const fx = Float32Array.from(train.features.data, (v) => v / 2 ** train.features.scale);
  const fy = Float32Array.from(train.targets.data, (v) => v / 2 ** train.targets.scale);
  const bx = new Float32Array(batchSize * d);
  const by = new Float32Array(batchSize * c);
  let state = s0;
  let t = 1;
  let ft = 1;
  const timed = async (n: number, body: () => Promise<void>): Promise<{ wall: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await body();
    const cpu = process.cpuUsage(c0);
    return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  // the exact side is the production training loop: train() with recycled buffers, no loss fetch
  const exactSteps = async (n: number): Promise<{ wall: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await trainSteps({
      program,
      initialState: state,
      dataset: train,
      steps: n,
      firstStep: t,
      executor: exact,
      recycle: true,
      lossEvery: 0,
    });
    const cpu = process.cpuUsage(c0);
    state = res.state;
    t += n;
    return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const floatStep = async (): Promise<void> => {
    const start = ((ft - 1) * batchSize) % train.nSamples;
    if (start + batchSize <= train.nSamples) {
      // rows that do not wrap around are fed as a view, as train() does on the exact side
      await float.step(
        fx.subarray(start * d, (start + batchSize) * d),
        fy.subarray(start * c, (start + batchSize) * c),
      );
      ft++;
      return;
    }
    for (let r = 0; r < batchSize; r++) {
      const s = (start + r) % train.nSamples;
      bx.set(fx.subarray(s * d, (s + 1) * d), r * d);
      by.set(fy.subarray(s * c, (s + 1) * c), r * c);
    }
    await float.step(bx, by);
    ft++;
  };
  try {
    await exactSteps(30);
    await timed(30, floatStep);
    const best = { exact: { wall: Infinity, cpu: Infinity }, float: { wall: Infinity, cpu: Infinity } };
    for (let r = 0; r < 3; r++) {
      const e = await exactSteps(steps);
      const f = await timed(steps, floatStep);
      best.exact = { wall: Math.min(best.exact.wall, e.wall), cpu: Math.min(best.exact.cpu, e.cpu) };
      best.float = { wall: Math.min(best.float.wall, f.wall), cpu: Math.min(best.float.cpu, f.cpu) };
    }
    const batch = batchAt(train, 1, batchSize);
    const ev = await timed(30, async () => void (await exact.evidence(s0, batch)));
    return {
      batchSize,
      fixedPointStepsPerSec: round1(steps / best.exact.wall),
      float32StepsPerSec: round1(steps / best.float.wall),
      ratio: round3(best.exact.wall / best.float.wall),
      ratioCpu: round3(best.exact.cpu / best.float.cpu),
      evidenceRunsPerSec: round1(30 / ev.wall),
      programOps: program.ops.length,
    };
  } finally {
    await exact.dispose();
    await float.dispose();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const primary = Number(process.env.BENCH_EXEC_BATCH ?? 32);
  const batches = (process.env.BENCH_EXEC_BATCHES ?? "32,64,128").split(",").map(Number);
  if (!batches.includes(primary)) batches.push(primary);
  const steps = Number(process.env.BENCH_EXEC_STEPS ?? 300);
  const threads = Number(process.env.BENCH_EXEC_THREADS ?? 1);
  const { train } = loadMnist({ train: 4096, test: 1, seed: 7 });
  const configs: Measurement[] = [];
  for (const b of batches) configs.push(await measure(train, b, steps, threads));
  const main = configs.find((m) => m.batchSize === primary) as Measurement;
  return {
    model: MODEL,
    ...main,
    threads,
    device: "cpu",
    stepsPerRound: steps,
    goalRatio: 2.5,
    configs,
    baseline:
      "the same train-step structure as a float32 ONNX graph (Rescale/Clip dropped, scales folded into power-of-two multiplies) with the same onnxruntime-node CPU session settings and batch loop; ratio = fixed-point step time / float32 step time (wall, best of 3 interleaved rounds); ratioCpu the same in process CPU time",
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    loadAvg1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}
