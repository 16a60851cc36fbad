/**
 * Agents in disputes: building a party's evidence (its trajectory, with ONNX Runtime evidence
 * runs for speed), opening a game on a task as a challenger, and making moves for either side
 * from chain state. Nothing here keeps game state in memory: a restarted agent finds its games
 * from GameOpened events and goes on.
 */
import { hexlify } from "ethers";
import { commitDataset } from "../commit";
import type { PinpointContracts } from "../chain";
import { chainCall } from "../chain";
import { ChainError, InputError } from "../errors";
import type { Executor } from "../exec";
import {
  chainProgram,
  openDispute,
  Player,
  readGame,
  Side,
  Level,
  Trajectory,
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
export function taskTrajectory(bundle: LoadedBundle, totalSteps: number, opts: { faults?: readonly Fault[]; executor?: Executor } = {}): Trajectory {
  const ex = opts.executor;
  return new Trajectory(
    bundle.program,
    bundle.splits.train,
    bundle.initialState,
    totalSteps,
    opts.faults ?? [],
    ex ? (state, batch) => ex.evidence(state, batch) : undefined,
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
  if (!game) throw new InputError("NO_DISPUTE_GAME", "this deployment has no DisputeGame address: redeploy with `pin deploy`");
  const [degree, treeBits] = await Promise.all([game.DEGREE(), game.TREE_BITS()]);
  const cp = chainProgram(bundle.program);
  const dataset = commitDataset(bundle.splits.train.features, bundle.splits.train.targets);
  return new Player({
    game,
    side,
    evidence,
    chainProgram: cp,
    context: { program: cp.info, datasetHash: hexlify(dataset.hash), batchSize: bundle.commitments.batchSize },
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
export async function challengeTask(c: PinpointContracts, taskId: bigint, bundle: LoadedBundle, evidence: Trajectory, interval?: number): Promise<bigint | null> {
  const game = c.disputeGame;
  if (!game) throw new InputError("NO_DISPUTE_GAME", "this deployment has no DisputeGame address: redeploy with `pin deploy`");
  const { spec } = await taskCommitments(c, taskId);
  const task = await c.taskMarket.getTask(taskId);
  if (interval !== undefined) {
    // The game replays the interval's steps, so the evidence must reach its end.
    await evidence.prepare(Math.min(interval * Number(task.checkpointInterval), Number(task.totalSteps)));
  } else {
    await evidence.prepare(Number(task.totalSteps));
  }
  return chainCall(`open a dispute on task ${taskId}`, () =>
    openDispute({
      game,
      market: c.taskMarket,
      taskId,
      spec: { programHash: spec.programHash, datasetHash: spec.datasetHash, nSamples: spec.nSamples, batchSize: spec.batchSize },
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

/** One round of an agent's attention to a game: move if it is our turn, or time out a silent opponent. */
export async function tendGame(
  c: PinpointContracts,
  player: Player,
  id: bigint,
): Promise<{ resolved: boolean; winner?: Side; move?: MoveRecord; timedOut?: boolean }> {
  const game = c.disputeGame!;
  const g = await readGame(game, id);
  if (g.level === Level.Resolved) return { resolved: true, winner: g.winner };
  if (g.toMove === player.side) {
    const move = await chainCall(`move in game ${id}`, async () => player.act(id));
    return { resolved: false, ...(move ? { move } : {}) };
  }
  const [, solverLeft, challengerLeft] = await game.clockOf(id);
  const left = g.toMove === Side.Solver ? solverLeft : challengerLeft;
  if (left === 0n) {
    await chainCall(`time out game ${id}`, async () => (await game.timeout(id)).wait());
    const after = await readGame(game, id);
    return { resolved: after.level === Level.Resolved, winner: after.winner, timedOut: true };
  }
  return { resolved: false };
}

/** The game's outcome once resolved, in words. */
export async function gameOutcome(c: PinpointContracts, id: bigint): Promise<{ winner: "solver" | "challenger"; byTimeout: boolean }> {
  const game = c.disputeGame;
  if (!game) throw new ChainError("NO_DISPUTE_GAME", "no DisputeGame in this deployment");
  const events = await game.queryFilter(game.filters.GameResolved(id));
  if (!events.length) throw new ChainError("GAME_OPEN", `game ${id} is not resolved yet`);
  const e = events[events.length - 1];
  return { winner: Number(e.args.winner) === Side.Solver ? "solver" : "challenger", byTimeout: e.args.byTimeout };
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
  opts: { op?: number; element?: number; delta?: number; executor?: Executor } = {},
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
  if (op === undefined || op < 0 || op >= ops.length) throw new InputError("BAD_FAULT", `the program has no op ${String(op)} to corrupt`);
  if (!Number.isSafeInteger(step) || step < 1 || step > totalSteps) throw new InputError("BAD_FAULT", `cheat step ${step} is not in 1..${totalSteps}`);
  const fault: Fault = { kind: "output", step, op, element: opts.element ?? 0, delta: opts.delta ?? 2 ** slots[ops[op].out].scale };
  return taskTrajectory(bundle, totalSteps, { faults: [fault], ...(opts.executor ? { executor: opts.executor } : {}) });
}
