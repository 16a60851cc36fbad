/**
 * Commitment benchmark (issue #4):
 * - commitMBps: MB/s (10^6 bytes of i64 encoding per second) to commit a 64 MiB tensor
 *   (8 Mi elements) on one core — goal ≥ 500;
 * - element proof gas for a 2^20-element tensor (depth 13 above the 1 KiB leaf) — goal ≤ 40k:
 *   the library's execution gas, and the whole transaction split into intrinsic, calldata and
 *   execution;
 * - proof-of-learning overhead: wall time of MNIST MLP training with checkpoint commitments,
 *   checkpoint files (fsync on) and streaming on, divided by the same run with them off, at the
 *   default checkpoint interval — goal ≤ 1.05.
 *
 * The PoL runs alternate off/on COMMIT_BENCH_POL_REPEATS times; `polOverhead` is the ratio of the
 * best (least disturbed) runs, because on a shared machine other load only ever adds time. The
 * ratio of medians and a low-noise estimate from the measured main-thread checkpoint work are
 * reported next to it.
 *
 * Throughput is the best of COMMIT_BENCH_TPUT_REPEATS wall-clock runs (`commitMBps`), with the
 * rate per CPU-second of the process next to it (`commitMBpsCpuTime`).
 *
 * Env: COMMIT_BENCH_STEPS (default 2000), COMMIT_BENCH_TPUT_REPEATS (default 7),
 * COMMIT_BENCH_POL_REPEATS (default 5).
 */
import hre from "hardhat";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  Checkpointer,
  CheckpointStore,
  CheckpointStreamer,
  DEFAULT_CHECKPOINT_INTERVAL,
  elementProof,
  tensorHash,
  tensorTree,
} from "../src/commit";
import { loadMnist } from "../src/data";
import { createExecutor, train } from "../src/exec";
import { builtinModel, deriveTrainStep, initialState } from "../src/pinir";
import type { IntTensor } from "../src/pinir/types";

export const name = "commit";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function commitThroughput(bound: number, repeats: number): { best: number; median: number; bestCpu: number } {
  const n = 8 * 1024 * 1024; // 64 MiB of i64
  const rnd = lcg(1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((rnd() * 2 - 1) * bound);
  const t: IntTensor = { shape: [n], data, scale: 16 };
  tensorHash({ shape: [1 << 16], data: data.subarray(0, 1 << 16), scale: 16 }); // warm up the JIT
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    tensorHash(t);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    rates.push((8 * n) / 1e6 / wall);
    cpuRates.push((8 * n) / 1e6 / ((c.user + c.system) / 1e6));
  }
  return { best: Math.max(...rates), median: median(rates), bestCpu: Math.max(...cpuRates) };
}

async function elementProofGas(): Promise<Record<string, number>> {
  const { ethers } = hre;
  const harness = await (await ethers.getContractFactory("CommitHarness")).deploy();
  const n = 1 << 20;
  const rnd = lcg(2);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((rnd() * 2 - 1) * (2 ** 20 - 1));
  const tree = tensorTree({ shape: [1024, 1024], data, scale: 16 });
  const p = elementProof(tree, 654_321);
  const hex = (b: Uint8Array): string => "0x" + Buffer.from(b).toString("hex");
  const arg = { scale: 16, shape: [1024, 1024], index: p.index, leaf: hex(p.leaf), path: p.path.map(hex) };
  const [, execGas] = await harness.verifyElementGas(hex(tree.hash), arg);
  const txData = harness.interface.encodeFunctionData("verifyElement", [hex(tree.hash), arg]);
  const bytes = Buffer.from(txData.slice(2), "hex");
  let calldataGas = 0;
  for (const b of bytes) calldataGas += b === 0 ? 4 : 16;
  const txGas = await harness.verifyElement.estimateGas(hex(tree.hash), arg);
  return {
    depth: p.path.length,
    libraryExecutionGas: Number(execGas),
    txTotalGas: Number(txGas),
    txIntrinsicGas: 21_000,
    txCalldataGas: calldataGas,
    txCalldataBytes: bytes.length,
    txExecutionGas: Number(txGas) - 21_000 - calldataGas,
  };
}

async function polOverhead(steps: number, repeats: number): Promise<Record<string, unknown>> {
  const BATCH = 32;
  const k = DEFAULT_CHECKPOINT_INTERVAL;
  const mnist = loadMnist({ train: 5000, test: 100, seed: 7 });
  const model = builtinModel("mnist-mlp");
  const program = deriveTrainStep(model, { batchSize: BATCH, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } });
  const s0 = initialState(program, model);
  const executor = await createExecutor(program, { intraOpThreads: 1 });
  const stateElements = s0.reduce((a, t) => a + t.data.length, 0);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "pinpoint-bench-ckpt-"));
  const offTimes: number[] = [];
  const onTimes: number[] = [];
  let checkpoints = 0;
  let bytesPerCheckpoint = 0;
  const syncMs: number[] = [];
  try {
    await train({ program, initialState: s0, dataset: mnist.train, steps: 50, executor, lossEvery: 0 }); // warm-up
    for (let r = 0; r < repeats; r++) {
      // Off: the plain step loop.
      let t0 = performance.now();
      await train({ program, initialState: s0, dataset: mnist.train, steps, executor, lossEvery: 0 });
      offTimes.push(performance.now() - t0);

      // On: every k steps hash the state, write the checkpoint file (fsync) and queue the hash for
      // the chain; file I/O and sends overlap with the next steps, and everything is awaited at the end.
      const store = await CheckpointStore.open(path.join(dir, `run${r}`));
      const streamer = new CheckpointStreamer({
        maxBatch: 64,
        send: () => new Promise((res) => setTimeout(res, 20)), // an RPC round trip, off the main thread
      });
      const checkpointer = new Checkpointer({ store, streamer, interval: k, totalSteps: steps });
      checkpoints = 0;
      let sync = 0;
      t0 = performance.now();
      await train({
        program,
        initialState: s0,
        dataset: mnist.train,
        steps,
        executor,
        lossEvery: 0,
        onStep: (info) => {
          const s = performance.now();
          checkpointer.onStep(info); // hashes and serialises now; file I/O and the send overlap later steps
          sync += performance.now() - s;
        },
      });
      const done = await checkpointer.finish();
      onTimes.push(performance.now() - t0);
      syncMs.push(sync);
      checkpoints = done.checkpointHashes.length + (done.finalStateHash ? 1 : 0);
      bytesPerCheckpoint = store.prepare({ step: 0, tensors: s0 }).bytes;
    }
  } finally {
    await executor.dispose();
    await fsp.rm(dir, { recursive: true, force: true });
  }
  const off = median(offTimes);
  const on = median(onTimes);
  return {
    steps,
    checkpointInterval: k,
    checkpointsPerRun: checkpoints,
    stateElements,
    bytesPerCheckpoint,
    offMsMedian: Math.round(off),
    onMsMedian: Math.round(on),
    offMs: offTimes.map(Math.round),
    onMs: onTimes.map(Math.round),
    ratio: Number((on / off).toFixed(4)),
    ratioOfBest: Number((Math.min(...onTimes) / Math.min(...offTimes)).toFixed(4)),
    // Main-thread time spent hashing and encoding checkpoints, relative to the plain run: a
    // low-noise estimate of the overhead (the rest of the work is I/O that overlaps the steps).
    syncCheckpointMsMedian: Number(median(syncMs).toFixed(1)),
    ratioFromSyncWork: Number((1 + median(syncMs) / off).toFixed(4)),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const steps = Number(process.env.COMMIT_BENCH_STEPS ?? 2000);
  const tputRepeats = Number(process.env.COMMIT_BENCH_TPUT_REPEATS ?? 7);
  const small = commitThroughput(2 ** 20 - 1, tputRepeats);
  const large = commitThroughput(2 ** 52, Math.max(1, Math.ceil(tputRepeats / 2)));
  const gas = await elementProofGas();
  const pol = await polOverhead(steps, Number(process.env.COMMIT_BENCH_POL_REPEATS ?? 5));
  return {
    commitMBps: Number(small.best.toFixed(0)),
    commitMBpsMedian: Number(small.median.toFixed(0)),
    // MB per second of this process's CPU time: what one core does when it is not shared.
    commitMBpsCpuTime: Number(small.bestCpu.toFixed(0)),
    commitMBpsLargeValues: Number(large.best.toFixed(0)),
    commitTensorBytes: 64 * 1024 * 1024,
    commitGoalMBps: 500,
    elementProofGas: gas.libraryExecutionGas,
    elementProof: gas,
    elementProofGoalGas: 40_000,
    polOverhead: pol.ratioOfBest,
    polOverheadGoal: 1.05,
    pol,
    node: process.version,
    cpu: os.cpus()[0]?.model,
  };
}
