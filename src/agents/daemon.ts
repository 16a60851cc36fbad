/**
 * Long-running solver and verifier agents: poll the chain, act on their own, and survive
 * restarts because everything they need is on chain (tasks, announcements, checkpoints, games)
 * or in their local checkpoint store. Each poll is one `tick`; `runAgent` loops ticks until
 * stopped.
 */
import type { Signer } from "ethers";
import type { CheckpointStore } from "../commit";
import { announced, claimChallengeReward, depositStake, finalizeTask, listTasks, type PinpointContracts, type TaskView } from "../chain";
import { PinpointError } from "../errors";
import { createExecutor, type Device, type Executor } from "../exec";
import type { Player, Trajectory } from "../dispute";
import { fetchBundle, loadBundle, type LoadedBundle } from "./bundle";
import { checkTask, type SampleOptions } from "./verifier";
import { checkpointAnchors } from "./anchors";
import { pruneCheckpoints, type KeepPolicy } from "./retention";
import { challengeTask, cheatingTrajectory, disputePlayer, gameOutcome, Level, Side, taskTrajectory, tendGame } from "./dispute";
import { solveTask, type SolverEvent } from "./solver";

export type AgentEvent =
  | { readonly kind: "solving"; readonly taskId: bigint }
  | { readonly kind: "solver"; readonly taskId: bigint; readonly event: SolverEvent }
  | { readonly kind: "submitted"; readonly taskId: bigint; readonly finalStateHash: string }
  | { readonly kind: "paid"; readonly taskId: bigint }
  | { readonly kind: "checked"; readonly taskId: bigint; readonly ok: boolean; readonly intervals: readonly number[]; readonly wrong?: number }
  | { readonly kind: "challenged"; readonly taskId: bigint; readonly game: bigint; readonly interval: number }
  | { readonly kind: "move"; readonly game: bigint; readonly move: string; readonly gas: bigint }
  /** The game is settled; `settleGas` when this agent sent the `settle` transaction. */
  | { readonly kind: "resolved"; readonly game: bigint; readonly winner: "solver" | "challenger"; readonly settleGas?: bigint }
  | { readonly kind: "rewarded"; readonly taskId: bigint; readonly amount: bigint }
  /** Retention: the task's checkpoints no dispute can ask for any more were deleted by policy. */
  | { readonly kind: "pruned"; readonly taskId: bigint; readonly policy: KeepPolicy; readonly deleted: number }
  | { readonly kind: "error"; readonly taskId?: bigint; readonly game?: bigint; readonly message: string };

interface Common {
  /** Contracts bound to the agent's signer. */
  readonly contracts: PinpointContracts;
  readonly signer: Signer;
  readonly device?: Device;
  readonly onEvent?: (e: AgentEvent) => void;
}

export interface SolverAgentOptions extends Common {
  readonly store: CheckpointStore;
  /** Announced to verifiers for every task this agent solves. */
  readonly checkpointUri: string;
  /** Which open tasks to take (default: any whose bundle is announced and whose stake we have). */
  readonly accept?: (t: TaskView) => boolean;
  /** DEMO ONLY: claim a trajectory that is wrong at this step. */
  readonly cheatStep?: number;
  /**
   * Retention once a task's challenge window and all its games are over (default `all`): see
   * src/agents/retention.ts. Checkpoints a dispute may still ask for are never deleted.
   */
  readonly keep?: KeepPolicy;
}

export interface VerifierAgentOptions extends Common {
  readonly sample: SampleOptions;
  /** Open a dispute when an interval is wrong (default true). */
  readonly challenge?: boolean;
}

/** Per-process caches; all of it can be rebuilt from the chain after a restart. */
class Workspace {
  private readonly bundles = new Map<string, Promise<LoadedBundle>>();
  private readonly executors = new Map<string, Promise<Executor>>();
  readonly trajectories = new Map<bigint, Trajectory>();
  readonly players = new Map<bigint, Player>();
  /** Tasks whose checkpoints retention has dealt with. */
  readonly pruned = new Set<bigint>();

  constructor(private readonly device: Device) {}

  bundle(c: PinpointContracts, taskId: bigint): Promise<LoadedBundle | undefined> {
    return announced(c, taskId, "Bundle").then((uri) => {
      if (!uri) return undefined;
      let b = this.bundles.get(uri);
      if (!b) {
        b = fetchBundle(uri).then(loadBundle);
        this.bundles.set(uri, b);
      }
      return b;
    });
  }

  executor(bundle: LoadedBundle): Promise<Executor> {
    let e = this.executors.get(bundle.commitments.programHash);
    if (!e) {
      e = createExecutor(bundle.program, { device: this.device });
      this.executors.set(bundle.commitments.programHash, e);
    }
    return e;
  }

  async dispose(): Promise<void> {
    for (const e of this.executors.values()) await (await e).dispose();
  }
}

function report(o: Common, taskId: bigint | undefined, game: bigint | undefined, err: unknown): void {
  if (!(err instanceof PinpointError)) throw err;
  o.onEvent?.({ kind: "error", ...(taskId !== undefined ? { taskId } : {}), ...(game !== undefined ? { game } : {}), message: err.message });
}

async function now(c: PinpointContracts): Promise<number> {
  const block = await c.taskMarket.runner?.provider?.getBlock("latest");
  return block?.timestamp ?? Math.floor(Date.now() / 1000);
}

/** Plays every unresolved game in `games` one round; returns whether anything happened. */
async function tendGames(o: Common, ws: Workspace, games: readonly { id: bigint; make: () => Promise<Player> }[]): Promise<boolean> {
  let acted = false;
  // Games we were playing that the other side (or a keeper) ended since the last round.
  const open = new Set(games.map((g) => g.id));
  for (const id of [...ws.players.keys()]) {
    if (open.has(id)) continue;
    ws.players.delete(id);
    try {
      const out = await gameOutcome(o.contracts, id);
      o.onEvent?.({ kind: "resolved", game: id, winner: out.winner });
      acted = true;
    } catch (err) {
      report(o, undefined, id, err);
    }
  }
  for (const { id, make } of games) {
    try {
      let p = ws.players.get(id);
      if (!p) {
        p = await make();
        ws.players.set(id, p);
      }
      const r = await tendGame(o.contracts, p, id);
      if (r.move) {
        acted = true;
        o.onEvent?.({ kind: "move", game: id, move: r.move.move, gas: r.move.gas });
      }
      if (r.resolved) {
        ws.players.delete(id);
        acted = true;
        o.onEvent?.({
          kind: "resolved",
          game: id,
          winner: r.winner === Side.Solver ? "solver" : "challenger",
          ...(r.settled ? { settleGas: r.settled.gas } : {}),
        });
      }
    } catch (err) {
      report(o, undefined, id, err);
    }
  }
  return acted;
}

/** Unsettled games (being played, or decided and awaiting `settle`) on the chain filtered by side. */
async function openGames(c: PinpointContracts, filter: { task?: bigint; challenger?: string }): Promise<{ id: bigint; task: bigint }[]> {
  const game = c.disputeGame;
  if (!game) return [];
  const events = await game.queryFilter(game.filters.GameOpened(undefined, filter.task, filter.challenger));
  const out: { id: bigint; task: bigint }[] = [];
  for (const e of events) {
    const g = await game.getGame(e.args.game);
    // A decided game stays ours to tend until it is settled (tendGame settles it).
    if (Number(g.level) !== Level.Settled) out.push({ id: e.args.game as bigint, task: e.args.task as bigint });
  }
  return out;
}

/** One round of the solver agent. Returns whether it did anything. */
export async function solverTick(o: SolverAgentOptions, ws: Workspace): Promise<boolean> {
  const c = o.contracts;
  const me = (await o.signer.getAddress()).toLowerCase();
  let acted = false;
  const tasks = await listTasks(c);
  const t = await now(c);
  const trajectoryOf = async (task: TaskView, bundle: LoadedBundle): Promise<Trajectory> => {
    let tr = ws.trajectories.get(task.id);
    if (!tr) {
      const executor = await ws.executor(bundle);
      // Disputes start from our own checkpoint at the interval's start, never from step 0.
      const anchors = checkpointAnchors(c, task.id, { store: o.store });
      tr = o.cheatStep
        ? cheatingTrajectory(bundle, task.totalSteps, o.cheatStep, { executor, anchors })
        : taskTrajectory(bundle, task.totalSteps, { executor, anchors });
      ws.trajectories.set(task.id, tr);
    }
    return tr;
  };
  for (const task of tasks) {
    const mine = task.solver.toLowerCase() === me;
    try {
      const free = await c.stakeManager.freeOf(me);
      const take = task.status === "Open" && free >= task.solverStake && (o.accept?.(task) ?? true);
      if ((task.status === "Claimed" && mine) || take) {
        const bundle = await ws.bundle(c, task.id);
        if (!bundle) continue;
        o.onEvent?.({ kind: "solving", taskId: task.id });
        const res = await solveTask({
          contracts: c,
          signer: o.signer,
          taskId: task.id,
          bundle,
          store: o.store,
          checkpointUri: o.checkpointUri,
          ...(o.device ? { device: o.device } : {}),
          ...(o.cheatStep ? { claimed: await trajectoryOf(task, bundle) } : {}),
          onEvent: (event) => o.onEvent?.({ kind: "solver", taskId: task.id, event }),
        });
        if (res.finalStateHash) o.onEvent?.({ kind: "submitted", taskId: task.id, finalStateHash: res.finalStateHash });
        acted = true;
      } else if (task.status === "Submitted" && mine && task.openDisputes === 0 && t > task.deadline) {
        await finalizeTask(c, o.signer, task.id);
        o.onEvent?.({ kind: "paid", taskId: task.id });
        acted = true;
      } else if (mine && o.keep && o.keep !== "all" && !ws.pruned.has(task.id) && ["Finalized", "Rejected", "Refunded"].includes(task.status)) {
        const r = await pruneCheckpoints(c, o.store, task.id, o.keep);
        if (r.status === "pruned") {
          ws.pruned.add(task.id);
          o.onEvent?.({ kind: "pruned", taskId: task.id, policy: o.keep, deleted: r.deleted.length });
          acted = true;
        }
      }
    } catch (err) {
      report(o, task.id, undefined, err);
    }
  }
  // Defend every open game on our tasks.
  const games: { id: bigint; make: () => Promise<Player> }[] = [];
  for (const task of tasks.filter((x) => x.solver.toLowerCase() === me && x.openDisputes > 0)) {
    for (const g of await openGames(c, { task: task.id })) {
      games.push({
        id: g.id,
        make: async () => {
          const bundle = (await ws.bundle(c, task.id))!;
          return disputePlayer(c, Side.Solver, bundle, await trajectoryOf(task, bundle));
        },
      });
    }
  }
  return (await tendGames(o, ws, games)) || acted;
}

/** One round of the verifier agent. `checked` remembers tasks already verified by this process. */
export async function verifierTick(o: VerifierAgentOptions, ws: Workspace, checked: Set<bigint>): Promise<boolean> {
  const c = o.contracts;
  const me = await o.signer.getAddress();
  let acted = false;
  const t = await now(c);
  const mineOpen = await openGames(c, { challenger: me });
  const disputing = new Set(mineOpen.map((g) => g.task));
  for (const task of await listTasks(c)) {
    if (task.status !== "Submitted" || t >= task.deadline || checked.has(task.id) || disputing.has(task.id)) continue;
    try {
      const bundle = await ws.bundle(c, task.id);
      const source = await announced(c, task.id, "Checkpoints");
      if (!bundle || !source) continue;
      checked.add(task.id);
      const res = await checkTask({ contracts: c, taskId: task.id, bundle, source, sample: o.sample, ...(o.device ? { device: o.device } : {}) });
      o.onEvent?.({ kind: "checked", taskId: task.id, ok: !res.mismatch, intervals: res.checks.map((x) => x.index), ...(res.mismatch ? { wrong: res.mismatch.index } : {}) });
      acted = true;
      if (res.mismatch && (o.challenge ?? true)) {
        const bond = await c.disputeGame!.BOND();
        const free = await c.stakeManager.freeOf(me);
        if (free < bond) await depositStake(c, o.signer, bond - free);
        const executor = await ws.executor(bundle);
        // Anchored at the interval's agreed start state (just checked), or the solver's files.
        const held = { step: res.mismatch.fromStep, state: res.mismatch.startState };
        const evidence = taskTrajectory(bundle, task.totalSteps, { executor, anchors: checkpointAnchors(c, task.id, { source, held }) });
        ws.trajectories.set(task.id, evidence);
        const id = await challengeTask(c, task.id, bundle, evidence, res.mismatch.index);
        if (id !== null) {
          o.onEvent?.({ kind: "challenged", taskId: task.id, game: id, interval: res.mismatch.index });
          mineOpen.push({ id, task: task.id });
        }
      }
    } catch (err) {
      report(o, task.id, undefined, err);
    }
  }
  // Collect our share of every rejected task whose games are all settled.
  for (const task of await listTasks(c)) {
    if (task.status !== "Rejected" && task.status !== "Refunded") continue;
    try {
      const amount = await claimChallengeReward(c, o.signer, task.id, me);
      if (amount !== null) {
        o.onEvent?.({ kind: "rewarded", taskId: task.id, amount });
        acted = true;
      }
    } catch (err) {
      report(o, task.id, undefined, err);
    }
  }
  const games = mineOpen.map((g) => ({
    id: g.id,
    make: async () => {
      const bundle = (await ws.bundle(c, g.task))!;
      let evidence = ws.trajectories.get(g.task);
      if (!evidence) {
        const task = await c.taskMarket.getTask(g.task);
        const source = await announced(c, g.task, "Checkpoints");
        evidence = taskTrajectory(bundle, Number(task.totalSteps), {
          executor: await ws.executor(bundle),
          ...(source ? { anchors: checkpointAnchors(c, g.task, { source }) } : {}),
        });
        ws.trajectories.set(g.task, evidence);
      }
      return disputePlayer(c, Side.Challenger, bundle, evidence);
    },
  }));
  return (await tendGames(o, ws, games)) || acted;
}

export interface RunAgentOptions {
  /** Milliseconds between polls when nothing happened (default 2000). */
  readonly pollMs?: number;
  /** Stop after this many consecutive idle polls (default: never). */
  readonly exitWhenIdle?: number;
  readonly signal?: AbortSignal;
}

/** Runs a solver or verifier agent until aborted (or idle for `exitWhenIdle` polls). */
export async function runAgent(
  role: { solver: SolverAgentOptions } | { verifier: VerifierAgentOptions },
  run: RunAgentOptions = {},
): Promise<void> {
  const device = ("solver" in role ? role.solver.device : role.verifier.device) ?? "cpu";
  const ws = new Workspace(device);
  const checked = new Set<bigint>();
  let idle = 0;
  try {
    while (!run.signal?.aborted) {
      const acted = "solver" in role ? await solverTick(role.solver, ws) : await verifierTick(role.verifier, ws, checked);
      idle = acted ? 0 : idle + 1;
      if (run.exitWhenIdle !== undefined && idle >= run.exitWhenIdle) break;
      if (!acted) await new Promise((r) => setTimeout(r, run.pollMs ?? 2000));
    }
  } finally {
    await ws.dispose();
  }
}

export { Workspace as AgentWorkspace };
