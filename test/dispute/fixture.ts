/**
 * Fixtures for full dispute games on a real program: the Iris 4-8-3 MLP train step (derived by
 * the compiler) on the committed Iris training split, with the whole system (TestToken,
 * StakeManager, TaskMarket, DisputeGame) deployed from the Ignition modules.
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { hexlify } from "ethers";
import DisputeModule, { DisputeDefaults } from "../../deploy/modules/Dispute";
import { commitDataset, type DatasetCommitment } from "../../src/commit/dataset";
import { listProof } from "../../src/commit/hash";
import { loadIris, loadMnist, type Dataset } from "../../src/data";
import { deriveTrainStep, initialState, mlp } from "../../src/pinir";
import type { IntTensor, PinProgram } from "../../src/pinir/types";
import {
  chainProgram,
  type ChainProgram,
  type Fault,
  type GameContext,
  Level,
  Player,
  playGame,
  type PlayResult,
  Side,
  type Strategy,
  Trajectory,
} from "../../src/dispute";
import type { FaultScenario } from "../../src/dispute/faults";
import type { DisputeGame, StakeManager, TaskMarket, TestToken } from "../../typechain-types";

const { ethers, ignition } = hre;

export const E18 = 10n ** 18n;
export const SINK_BPS = 2_000n;
export const BOND = DisputeDefaults.bond;
export const SOLVER_STAKE = 40n * E18;
export const REWARD = 50n * E18;
/** The winners' pot of a rejected task: half the solver's stake (the other half is burned). */
export const POT = SOLVER_STAKE / 2n;

/** A real program with its data. */
export interface Workload {
  readonly name: string;
  readonly program: PinProgram;
  readonly cp: ChainProgram;
  readonly dataset: Dataset;
  readonly dc: DatasetCommitment;
  readonly s0: IntTensor[];
  readonly batchSize: number;
}

let iris: Workload | undefined;
/** Iris 4-8-3 MLP, MSE + SGD, batch 8 (44 ops, 50 slots). */
export function irisWorkload(): Workload {
  if (!iris) {
    const model = mlp([4, 8, 3]);
    const program = deriveTrainStep(model, {
      batchSize: 8,
      loss: "mse",
      optimizer: { kind: "sgd", learningRate: 0.5 },
    });
    const dataset = loadIris().train;
    iris = {
      name: "iris-mlp-4-8-3",
      program,
      cp: chainProgram(program),
      dataset,
      dc: commitDataset(dataset.features, dataset.targets),
      s0: initialState(program, model),
      batchSize: 8,
    };
  }
  return iris;
}

let mnist: Workload | undefined;
/** MNIST 784-16-10 MLP on 512 training samples, batch 8: multi-level tensor descents. */
export function mnistWorkload(): Workload {
  if (!mnist) {
    const model = mlp([784, 16, 10]);
    const program = deriveTrainStep(model, {
      batchSize: 8,
      loss: "mse",
      optimizer: { kind: "sgd", learningRate: 0.5 },
    });
    const dataset = loadMnist({ train: 512, test: 64, seed: 3 }).train;
    mnist = {
      name: "mnist-mlp-784-16-10",
      program,
      cp: chainProgram(program),
      dataset,
      dc: commitDataset(dataset.features, dataset.targets),
      s0: initialState(program, model),
      batchSize: 8,
    };
  }
  return mnist;
}

export interface System {
  token: TestToken;
  stakeManager: StakeManager;
  market: TaskMarket;
  game: DisputeGame;
  admin: HardhatEthersSigner;
  sink: HardhatEthersSigner;
  submitter: HardhatEthersSigner;
  solver: HardhatEthersSigner;
  challenger: HardhatEthersSigner;
  challenger2: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
}

/** Deploys the Dispute Ignition module (local market + game) and funds the actors. */
export async function deploySystem(): Promise<System> {
  const [admin, sink, submitter, solver, challenger, challenger2, keeper] = await ethers.getSigners();
  const d = await ignition.deploy(DisputeModule, {
    parameters: {
      TestToken: { name: "Pinpoint Test Token", symbol: "PINT" },
      LocalMarket: {
        slashSink: sink.address,
        slashSinkBps: Number(SINK_BPS),
        minSolverStake: 10n * E18,
        minChallengeWindow: 3600,
      },
    },
  });
  const token = await ethers.getContractAt("TestToken", await d.token.getAddress());
  const stakeManager = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
  const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
  const game = await ethers.getContractAt("DisputeGame", await d.game.getAddress());
  for (const who of [submitter, solver, challenger, challenger2]) {
    await token.mint(who.address, 1_000n * E18);
    await token.connect(who).approve(await stakeManager.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await market.getAddress(), ethers.MaxUint256);
  }
  for (const who of [solver, challenger, challenger2]) await stakeManager.connect(who).deposit(100n * E18);
  return {
    token,
    stakeManager,
    market,
    game,
    admin,
    sink,
    submitter,
    solver,
    challenger,
    challenger2,
    keeper,
  };
}

export function contextOf(w: Workload): GameContext {
  return { program: w.cp.info, datasetHash: hexlify(w.dc.hash), batchSize: w.batchSize };
}

export interface TaskSetup {
  readonly taskId: bigint;
  readonly totalSteps: number;
  readonly interval: number;
  readonly solverTraj: Trajectory;
  /** Checkpoint hashes 0..N as committed. */
  readonly checkpoints: string[];
}

/** Creates a task, lets the solver (with `faults`) run it, stream checkpoints and submit. */
export async function submittedTask(
  s: System,
  w: Workload,
  totalSteps: number,
  interval: number,
  faults: Fault[] = [],
): Promise<TaskSetup> {
  const solverTraj = new Trajectory(w.program, w.dataset, w.s0, totalSteps, faults);
  const checkpoints = solverTraj.checkpoints(interval).map((h) => hexlify(h));
  const honestS0 = hexlify(new Trajectory(w.program, w.dataset, w.s0, totalSteps).stateHash(0));
  await s.market.connect(s.submitter).createTask({
    spec: {
      programHash: w.cp.hash,
      datasetHash: hexlify(w.dc.hash),
      nSamples: w.dataset.nSamples,
      batchSize: w.batchSize,
    },
    initialStateHash: honestS0,
    totalSteps,
    checkpointInterval: interval,
    reward: REWARD,
    solverStake: SOLVER_STAKE,
    solveWindow: 0,
    challengeWindow: 0,
  });
  const taskId = await s.market.taskCount();
  await s.market.connect(s.solver).claim(taskId);
  const n = checkpoints.length - 1;
  if (n > 1) await s.market.connect(s.solver).commitCheckpoints(taskId, checkpoints.slice(1, n));
  await s.market.connect(s.solver).submitFinal(taskId, checkpoints[n]);
  return { taskId, totalSteps, interval, solverTraj, checkpoints };
}

/** Proof of checkpoint i as committed by {@link submittedTask} (one batch of 1..N−1). */
export function checkpointProof(t: TaskSetup, i: number) {
  const n = t.checkpoints.length - 1;
  if (i === 0 || i === n) return { batchIndex: 0, firstIndex: 0, count: 0, path: [] };
  const items = t.checkpoints.slice(1, n).map((h) => Buffer.from(h.slice(2), "hex"));
  return { batchIndex: 0, firstIndex: 1, count: n - 1, path: listProof(items, i - 1).map((x) => hexlify(x)) };
}

/** The first checkpoint interval where `traj` disagrees with the committed checkpoints. */
export function firstDisputedInterval(t: TaskSetup, traj: Trajectory): number {
  const mine = traj.checkpoints(t.interval).map((h) => hexlify(h));
  const i = mine.findIndex((h, k) => h !== t.checkpoints[k]);
  if (i <= 0) throw new Error("the challenger agrees with every checkpoint");
  return i;
}

/** Opens a game as `who` on interval `i`; returns the game id and the open gas. */
export async function openGame(
  s: System,
  w: Workload,
  t: TaskSetup,
  who: HardhatEthersSigner,
  i: number,
): Promise<{ id: bigint; gas: bigint }> {
  const tx = await s.game.connect(who).open({
    task: t.taskId,
    interval: i,
    spec: {
      programHash: w.cp.hash,
      datasetHash: hexlify(w.dc.hash),
      nSamples: w.dataset.nSamples,
      batchSize: w.batchSize,
    },
    program: w.cp.info,
    prevState: t.checkpoints[i - 1],
    prevProof: checkpointProof(t, i - 1),
    nextState: t.checkpoints[i],
    nextProof: checkpointProof(t, i),
  });
  const r = await tx.wait();
  return { id: await s.game.gameCount(), gas: r!.gasUsed };
}

export function player(
  s: System,
  w: Workload,
  side: Side,
  who: HardhatEthersSigner,
  evidence: Trajectory,
  strategy?: Strategy,
): Player {
  return new Player({
    game: s.game.connect(who),
    side,
    evidence,
    chainProgram: w.cp,
    context: contextOf(w),
    dataset: w.dc,
    degree: DisputeDefaults.degree,
    treeBits: DisputeDefaults.treeBits,
    strategy,
  });
}

export interface Scenario {
  readonly totalSteps: number;
  readonly interval: number;
  readonly solverFaults?: Fault[];
  readonly challengerFaults?: Fault[];
  readonly solverStrategy?: Strategy;
  readonly challengerStrategy?: Strategy;
}

/** Runs a whole dispute: task, checkpoints, open on the first disputed interval, play. */
export async function runScenario(
  s: System,
  w: Workload,
  sc: Scenario,
): Promise<{ task: TaskSetup; id: bigint; result: PlayResult; openGas: bigint }> {
  const task = await submittedTask(s, w, sc.totalSteps, sc.interval, sc.solverFaults ?? []);
  const challengerTraj = new Trajectory(w.program, w.dataset, w.s0, sc.totalSteps, sc.challengerFaults ?? []);
  const i = firstDisputedInterval(task, challengerTraj);
  const { id, gas } = await openGame(s, w, task, s.challenger, i);
  const result = await playGame(id, {
    game: s.game,
    keeper: s.game.connect(s.keeper),
    solver: player(s, w, Side.Solver, s.solver, task.solverTraj, sc.solverStrategy),
    challenger: player(s, w, Side.Challenger, s.challenger, challengerTraj, sc.challengerStrategy),
    advanceTime: async (sec) => {
      await time.increase(sec);
    },
    market: s.market.connect(s.keeper),
  });
  return { task, id, result, openGas: gas };
}

/** Result of one fault-injection game. */
export interface FaultGame {
  readonly label: string;
  readonly honest: Side;
  readonly winner: Side;
  readonly byTimeout: boolean;
  readonly moves: number;
  readonly gas: bigint;
  readonly balancesOk: boolean;
  /** The deciding move ("oneStep:MatMul", "proveBatchElement", "timeout", …). */
  readonly decidedBy: string;
  /** Levels the game went through. */
  readonly levels: string[];
}

/**
 * Plays the scenario for `seed` (resampling faults that leave the checkpoints unchanged or
 * overflow the program's bounds) on a fresh chain snapshot, and checks the honest side won with
 * exact stake balances. The chain is reverted afterwards.
 */
export async function playFaultScenario(s: System, w: Workload, seed: number): Promise<FaultGame> {
  const sc = await observableScenario(w, seed);
  const snap = await hre.network.provider.send("evm_snapshot", []);
  try {
    const bal = async () => ({
      solver: await s.stakeManager.balancesOf(s.solver.address),
      challenger: await s.stakeManager.balancesOf(s.challenger.address),
    });
    const before = await bal();
    const scenario: Scenario =
      sc.honest === Side.Solver
        ? {
            totalSteps: sc.totalSteps,
            interval: sc.interval,
            challengerFaults: [sc.fault],
            challengerStrategy: sc.strategy,
          }
        : {
            totalSteps: sc.totalSteps,
            interval: sc.interval,
            solverFaults: [sc.fault],
            solverStrategy: sc.strategy,
          };
    const { result } = await runScenario(s, w, scenario);
    const after = await bal();
    const sink = (x: bigint) => (x * SINK_BPS) / 10_000n;
    const balancesOk =
      result.settled &&
      (result.winner === Side.Solver
        ? after.challenger.free === before.challenger.free - BOND &&
          after.challenger.locked === before.challenger.locked &&
          after.solver.free === before.solver.free - SOLVER_STAKE + BOND - sink(BOND) &&
          after.solver.locked === before.solver.locked + SOLVER_STAKE
        : // Half the stake is burned to the sink; the lone winner is paid the other half less the sink share.
          result.rewardClaimed === POT &&
          after.challenger.free === before.challenger.free + POT - sink(POT) &&
          after.challenger.locked === before.challenger.locked &&
          after.solver.free === before.solver.free - SOLVER_STAKE &&
          after.solver.locked === before.solver.locked);
    return {
      label: sc.label,
      honest: sc.honest,
      winner: result.winner,
      byTimeout: result.byTimeout,
      moves: result.moves.length,
      gas: result.totalGas,
      balancesOk,
      decidedBy: result.moves.at(-1)?.move ?? "",
      levels: [...new Set(result.moves.map((m) => Level[m.level]))],
    };
  } finally {
    await hre.network.provider.send("evm_revert", [snap]);
  }
}

/**
 * The first scenario for `seed` whose fault changes a committed checkpoint (resampling faults that
 * leave the checkpoints unchanged or overflow the program's bounds: no trajectory anyone can commit).
 */
export async function observableScenario(w: Workload, seed: number): Promise<FaultScenario> {
  const { randomScenario } = await import("../../src/dispute/faults");
  for (let attempt = 0; attempt < 50; attempt++) {
    const sc = randomScenario(w.program, seed, attempt);
    const faulty = new Trajectory(w.program, w.dataset, w.s0, sc.totalSteps, [sc.fault]);
    const honest = new Trajectory(w.program, w.dataset, w.s0, sc.totalSteps);
    try {
      if (faulty.checkpoints(sc.interval).some((h, i) => !h.equals(honest.checkpoints(sc.interval)[i])))
        return sc;
    } catch {
      // the fault overflows the exact range
    }
  }
  throw new Error(`seed ${seed}: no observable fault in 50 attempts`);
}
