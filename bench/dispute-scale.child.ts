/**
 * One size of the dispute-scale benchmark (run by bench/dispute-scale.bench.ts in its own
 * process, `DISPUTE_SCALE_STEPS=<T> hardhat run bench/dispute-scale.child.ts`): a solver trains
 * an MNIST 784-64-10 MLP task of T steps (checkpoint every 100), honestly up to the last interval
 * and with one wrong weight-gradient element in it; then, timed and with RSS sampled, a verifier
 * opens a dispute on that interval and both players (fresh, anchored at the agreed checkpoint:
 * the solver from its store, the challenger from the solver's checkpoint files) play it to the
 * end and settle, DISPUTE_SCALE_REPEATS times (default 3) from one chain snapshot; the median
 * time and the highest peak RSS are reported. Prints one JSON line on stdout.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../deploy/system";
import type { Signer } from "ethers";
import { connectPinpoint, createTask, depositStake, type PinpointContracts } from "../src/chain";
import { CheckpointStore } from "../src/commit";
import { playGame, Side } from "../src/dispute";
import { createExecutor, type Executor } from "../src/exec";
import {
  challengeTask,
  checkpointAnchors,
  cheatingTrajectory,
  disputePlayer,
  loadBundle,
  makeTrainingBundle,
  solveTask,
  taskTrajectory,
  type LoadedBundle,
} from "../src/agents";

const E18 = 10n ** 18n;
const INTERVAL = 100;
/** Disputes played per size (the median time is reported). */
const REPEATS = Number(process.env.DISPUTE_SCALE_REPEATS ?? 3);

async function main(): Promise<void> {
  const steps = Number(process.env.DISPUTE_SCALE_STEPS ?? 1000);
  const [submitter, solver, verifier, keeper] = await hre.ethers.getSigners();
  const addresses = await deploySystem(hre);
  const c = connectPinpoint(addresses, submitter);
  for (const who of [submitter, solver, verifier]) await c.token.mint(who.address, 1000n * E18);
  const bundle = loadBundle(
    makeTrainingBundle({
      model: "mnist-mlp",
      dataset: { source: "mnist", train: 2000, test: 100, seed: 1, fracBits: 16 },
      batchSize: 32,
      learningRate: 0.5,
    }),
  );
  const taskId = await createTask(c, submitter, {
    ...bundle.commitments,
    totalSteps: steps,
    checkpointInterval: INTERVAL,
    reward: 50n * E18,
    solverStake: 100n * E18,
  });
  const cs = connectPinpoint(addresses, solver);
  const cv = connectPinpoint(addresses, verifier);
  await depositStake(cs, solver, 100n * E18);
  await depositStake(cv, verifier, 20n * E18);
  const store = await CheckpointStore.open(await fs.mkdtemp(path.join(os.tmpdir(), "pin-scale-")), {
    fsync: false,
  });
  const executor = await createExecutor(bundle.program);
  const cheatStep = steps - INTERVAL / 2;
  try {
    // The job itself (not timed): honest up to the last interval, wrong in it.
    const t0 = performance.now();
    await solveTask({
      contracts: cs,
      signer: solver,
      taskId,
      bundle,
      store,
      stopAfterSteps: steps - INTERVAL,
      minBatch: 64,
    });
    const solverAnchors = checkpointAnchors(cs, taskId, { store });
    const claimed = cheatingTrajectory(bundle, steps, cheatStep, { executor, anchors: solverAnchors });
    await solveTask({ contracts: cs, signer: solver, taskId, bundle, store, claimed });
    const trainSeconds = (performance.now() - t0) / 1000;

    // The dispute (timed, RSS sampled), REPEATS times from the same chain snapshot with fresh
    // evidence for both players: the median time, the highest peak.
    const runs: Dispute[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const snap = (await hre.network.provider.send("evm_snapshot", [])) as string;
      runs.push(await dispute(steps, taskId, bundle, executor, store, cheatStep, { cs, cv, keeper }));
      await hre.network.provider.send("evm_revert", [snap]);
    }
    const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(REPEATS / 2)];
    const last = runs[runs.length - 1];
    const line = {
      bench: "dispute-scale",
      steps,
      peakRssMiB: Math.round((Math.max(...runs.map((r) => r.peak)) / 2 ** 20) * 10) / 10,
      seconds: Math.round(seconds * 100) / 100,
      rounds: last.rounds,
      gas: last.gas,
    };
    const detail = {
      steps,
      trainSeconds: Math.round(trainSeconds),
      runs: runs.map((r) => r.seconds),
      ...last.detail,
    };
    process.stderr.write(`dispute-scale ${JSON.stringify(detail)}\n`);
    process.stdout.write(JSON.stringify(line) + "\n");
  } finally {
    await executor.dispose();
    await fs.rm(store.dir, { recursive: true, force: true });
  }
}

interface Dispute {
  readonly seconds: number;
  readonly peak: number;
  readonly rounds: number;
  readonly gas: number;
  readonly detail: Record<string, unknown>;
}

/** Opens the dispute on the last interval and plays it to the end (settled): seconds and peak RSS. */
async function dispute(
  steps: number,
  taskId: bigint,
  bundle: LoadedBundle,
  executor: Executor,
  store: CheckpointStore,
  cheatStep: number,
  who: { cs: PinpointContracts; cv: PinpointContracts; keeper: Signer },
): Promise<Dispute> {
  const { cs, cv, keeper } = who;
  (globalThis as { gc?: () => void }).gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const t1 = performance.now();
  const lie = cheatingTrajectory(bundle, steps, cheatStep, {
    executor,
    anchors: checkpointAnchors(cs, taskId, { store }),
  });
  const honest = taskTrajectory(bundle, steps, {
    executor,
    anchors: checkpointAnchors(cv, taskId, { source: store.dir }),
  });
  const id = (await challengeTask(cv, taskId, bundle, honest, Math.ceil(steps / INTERVAL)))!;
  const openSeconds = (performance.now() - t1) / 1000;
  const opened = (await cv.disputeGame!.queryFilter(cv.disputeGame!.filters.GameOpened(id))).at(-1)!;
  const openGas = (await opened.getTransactionReceipt()).gasUsed;
  const result = await playGame(id, {
    game: cv.disputeGame!,
    keeper: cv.disputeGame!.connect(keeper),
    solver: await disputePlayer(cs, Side.Solver, bundle, lie),
    challenger: await disputePlayer(cv, Side.Challenger, bundle, honest),
    advanceTime: async (s) => {
      await time.increase(s);
    },
  });
  const seconds = (performance.now() - t1) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (result.winner !== Side.Challenger)
    throw new Error(`the honest challenger lost the ${steps}-step dispute`);
  return {
    seconds,
    peak,
    rounds: result.moves.filter((m) => m.side === Side.Challenger).length,
    gas: Number(openGas + result.totalGas),
    detail: {
      openSeconds: Math.round(openSeconds * 100) / 100,
      window: honest.window,
      peakStates: { solver: lie.peakStates, challenger: honest.peakStates, bound: honest.stateBound },
      stepsComputed: { solver: lie.stepsComputed, challenger: honest.stepsComputed },
    },
  };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
