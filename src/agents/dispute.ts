/**
 * Agents in disputes: building a party's evidence (its trajectory, with ONNX Runtime evidence
 * runs for speed), opening a game on a task as a challenger, and making moves for either side
 * from chain state. Nothing here keeps game state in memory: a restarted agent finds its games
 * from GameOpened events and goes on.
 */
import { hexlify } from "ethers";
import { commitDataset } from "../commit";
import type { Signer } from "ethers";
import type { PinpointContracts } from "../chain";
import { chainCall, claimChallengeReward } from "../chain";
import { ChainError, InputError, PinpointError } from "../errors";
import type { Executor } from "../exec";
import {
  chainProgram,
  openDispute,
  Player,
  readGame,
  Side,
  Level,
  isDecided,
  Trajectory,
  type AnchorSource,
  type Fault,
  type MoveRecord,
  type Strategy,
} from "../dispute";
import type { LoadedBundle } from "./bundle";
import { taskCommitments } from "./taskState";

export { Side, Level, type Fault, type MoveRecord, type Strategy };

/**
 * A party's trajectory of a task: honest (no faults) or deliberately wrong (faults, for tests and
 * the demo). With an executor, fault-free steps come from ONNX Runtime evidence runs (every op's
 * output), which give the reference interpreter's bits far faster.
 */
export function taskTrajectory(
  bundle: LoadedBundle,
  totalSteps: number,
  opts: { faults?: readonly Fault[]; executor?: Executor; anchors?: AnchorSource } = {},
): Trajectory {
  const ex = opts.executor;
  return new Trajectory(
    bundle.program,
    bundle.splits.train,
    bundle.initialState,
    totalSteps,
    opts.faults ?? [],
    ex ? (state, batch) => ex.evidence(state, batch) : undefined,
    opts.anchors,
  );
}

/** A dispute player for one side of games on this bundle's tasks. */
export async function disputePlayer(
  c: PinpointContracts,
  side: Side,
  bundle: LoadedBundle,
  evidence: Trajectory,
  strategy?: Strategy,
): Promise<Player> {
  const game = c.disputeGame;
  if (!game)
    throw new InputError(
      "NO_DISPUTE_GAME",
      "this deployment has no DisputeGame address: redeploy with `pin deploy`",
    );
  const [degree, treeBits] = await Promise.all([game.DEGREE(), game.TREE_BITS()]);
  const cp = chainProgram(bundle.program);
  const dataset = commitDataset(bundle.splits.train.features, bundle.splits.train.targets);
  return new Player({
    game,
    side,
    evidence,
    chainProgram: cp,
    context: {
      program: cp.info,
      datasetHash: hexlify(dataset.hash),
      batchSize: bundle.commitments.batchSize,
    },
    dataset,
    degree: Number(degree),
    treeBits: Number(treeBits),
    ...(strategy ? { strategy } : {}),
  });
}

/**
 * Opens a game on `interval` (default: the first checkpoint interval where the task's
 * commitments disagree with `evidence`); returns its id, or null when nothing disagrees. The
 * contracts' signer is the challenger and must have the bond as free stake.
 */
export async function challengeTask(
  c: PinpointContracts,
  taskId: bigint,
  bundle: LoadedBundle,
  evidence: Trajectory,
  interval?: number,
): Promise<bigint | null> {
  const game = c.disputeGame;
  if (!game)
    throw new InputError(
      "NO_DISPUTE_GAME",
      "this deployment has no DisputeGame address: redeploy with `pin deploy`",
    );
  const { spec } = await taskCommitments(c, taskId);
  const task = await c.taskMarket.getTask(taskId);
  if (interval !== undefined) {
    // The game replays the interval's steps: the evidence starts at the agreed checkpoint
    // (fetched or recomputed) and must reach the interval's end.
    const k = Number(task.checkpointInterval);
    const T = Number(task.totalSteps);
    await evidence.focus(Math.min((interval - 1) * k, T), Math.min(interval * k, T));
    await evidence.prepare(Math.min(interval * k, T));
  } else {
    await evidence.prepare(Number(task.totalSteps));
  }
  return chainCall(`open a dispute on task ${taskId}`, () =>
    openDispute({
      game,
      market: c.taskMarket,
      taskId,
      spec: {
        programHash: spec.programHash,
        datasetHash: spec.datasetHash,
        nSamples: spec.nSamples,
        batchSize: spec.batchSize,
      },
      chainProgram: chainProgram(bundle.program),
      evidence,
      ...(interval !== undefined ? { interval } : {}),
    }),
  );
}

/** Ids of every game opened on a task (oldest first). */
export async function gamesOfTask(c: PinpointContracts, taskId: bigint): Promise<bigint[]> {
  const game = c.disputeGame;
  if (!game) return [];
  const events = await game.queryFilter(game.filters.GameOpened(undefined, taskId));
  return events.map((e) => e.args.game as bigint);
}

/** What one {@link tendGame} round did. */
export interface TendResult {
  /** The game is over and settled: nothing more to do. */
  readonly resolved: boolean;
  /** The winner once decided. */
  readonly winner?: Side;
  /** Our move, if we made one. */
  readonly move?: MoveRecord;
  /** We timed out the opponent. */
  readonly timedOut?: boolean;
  /** We settled the decided game (our `settle` transaction's gas); absent when someone else did. */
  readonly settled?: { readonly gas: bigint };
  /**
   * As the winning challenger: the stake slashed for us by our reward claim, once every game on
   * the task was settled (absent while other games are open, or when already claimed).
   */
  readonly rewarded?: bigint;
}

/**
 * One round of an agent's attention to a game: move if it is our turn, or time out a silent
 * opponent; once the game is decided (by our move, the timeout or anyone else), settle it.
 * Settling is open to anyone and happens once: when another party (the opponent, a keeper)
 * settles first, our `settle` reverts DisputeAlreadySettled and the round counts as done.
 */
export async function tendGame(c: PinpointContracts, player: Player, id: bigint): Promise<TendResult> {
  return withReward(c, player, id, await tendRound(c, player, id));
}

/** A winning challenger claims its reward share once the game is settled (when it is due). */
async function withReward(
  c: PinpointContracts,
  player: Player,
  id: bigint,
  r: TendResult,
): Promise<TendResult> {
  if (!r.resolved || r.winner !== Side.Challenger || player.side !== Side.Challenger) return r;
  const g = await c.disputeGame!.getGame(id);
  const signer = c.taskMarket.runner as Signer;
  const amount = await claimChallengeReward(c, signer, g.task, g.challenger);
  return amount === null ? r : { ...r, rewarded: amount };
}

async function tendRound(c: PinpointContracts, player: Player, id: bigint): Promise<TendResult> {
  const game = c.disputeGame!;
  const g = await readGame(game, id);
  if (g.level === Level.Settled) return { resolved: true, winner: g.winner };
  if (g.level === Level.Decided) return settleDecided(c, id, g.winner);
  let move: MoveRecord | undefined;
  let timedOut = false;
  if (g.toMove === player.side) {
    const m = await chainCall(`move in game ${id}`, async () => player.act(id));
    if (m) move = m;
  } else {
    const [, solverLeft, challengerLeft] = await game.clockOf(id);
    const left = g.toMove === Side.Solver ? solverLeft : challengerLeft;
    if (left !== 0n) return { resolved: false };
    await chainCall(`time out game ${id}`, async () => (await game.timeout(id)).wait());
    timedOut = true;
  }
  const after = await readGame(game, id);
  const extra = { ...(move ? { move } : {}), ...(timedOut ? { timedOut } : {}) };
  if (!isDecided(after.level)) return { resolved: false, ...extra };
  return { ...(await settleDecided(c, id, after.winner)), ...extra };
}

/** Settles decided game `id`; "already settled" (a race with another settler) counts as done. */
async function settleDecided(c: PinpointContracts, id: bigint, winner: Side): Promise<TendResult> {
  const game = c.disputeGame!;
  try {
    const r = await chainCall(`settle game ${id}`, async () => (await game.settle(id)).wait());
    return { resolved: true, winner, settled: { gas: r?.gasUsed ?? 0n } };
  } catch (err) {
    // INVARIANT: settlement happens once on chain; losing the race to another settler is success,
    // whether our transaction failed its gas estimate (DisputeAlreadySettled) or was mined and reverted.
    if (err instanceof PinpointError && err.code === "REVERT_DisputeAlreadySettled")
      return { resolved: true, winner };
    if ((await readGame(game, id)).level === Level.Settled) return { resolved: true, winner };
    throw err;
  }
}

/** The game's outcome once decided, in words (`settled`: whether settlement has happened). */
export async function gameOutcome(
  c: PinpointContracts,
  id: bigint,
): Promise<{ winner: "solver" | "challenger"; byTimeout: boolean; settled: boolean }> {
  const game = c.disputeGame;
  if (!game) throw new ChainError("NO_DISPUTE_GAME", "no DisputeGame in this deployment");
  const events = await game.queryFilter(game.filters.GameDecided(id));
  if (!events.length) throw new ChainError("GAME_OPEN", `game ${id} is not decided yet`);
  const e = events[events.length - 1];
  const settled = (await game.queryFilter(game.filters.GameSettled(id))).length > 0;
  return {
    winner: Number(e.args.winner) === Side.Solver ? "solver" : "challenger",
    byTimeout: e.args.byTimeout,
    settled,
  };
}

/**
 * A cheating solver's trajectory for tests and the demo: at step `step` one element of a
 * reduction op's output (by default the last MatMul: a weight gradient) is off by `delta`
 * (default 1.0 at that output's scale), and everything after follows honestly from the wrong value —
 * so a dispute must descend through every level down to one partial sum to catch it.
 */
export function cheatingTrajectory(
  bundle: LoadedBundle,
  totalSteps: number,
  step: number,
  opts: { op?: number; element?: number; delta?: number; executor?: Executor; anchors?: AnchorSource } = {},
): Trajectory {
  const { ops, slots } = bundle.program;
  // Default: the last MatMul whose output has a parameter's shape (a weight gradient).
  const stateShapes = new Set(slots.filter((s) => s.kind === "state").map((s) => s.shape.join("x")));
  const op =
    opts.op ??
    ops
      .map((o, j) => (o.op === "MatMul" && stateShapes.has(slots[o.out].shape.join("x")) ? j : -1))
      .filter((j) => j >= 0)
      .pop();
  if (op === undefined || op < 0 || op >= ops.length)
    throw new InputError("BAD_FAULT", `the program has no op ${String(op)} to corrupt`);
  if (!Number.isSafeInteger(step) || step < 1 || step > totalSteps)
    throw new InputError("BAD_FAULT", `cheat step ${step} is not in 1..${totalSteps}`);
  const fault: Fault = {
    kind: "output",
    step,
    op,
    element: opts.element ?? 0,
    delta: opts.delta ?? 2 ** slots[ops[op].out].scale,
  };
  return taskTrajectory(bundle, totalSteps, {
    faults: [fault],
    ...(opts.executor ? { executor: opts.executor } : {}),
    ...(opts.anchors ? { anchors: opts.anchors } : {}),
  });
}
