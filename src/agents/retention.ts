/**
 * Checkpoint retention for solvers. Every checkpoint a dispute may ask for is kept until the
 * task's challenge window and all its games are over (the task is Finalized, Rejected, Refunded
 * or Cancelled, no dispute is open and every game opened on it is settled); then the solver's
 * policy decides: `all` keeps everything (the default), `final` keeps only the final state (a
 * child task may start from it), `none` keeps nothing. A file is never deleted while another
 * task of the same solver that is not over still commits the same state hash.
 */
import { listTasks, type PinpointContracts, type TaskView } from "../chain";
import type { CheckpointStore } from "../commit";
import { InputError } from "../errors";
import { Level } from "../dispute";
import { gamesOfTask } from "./dispute";
import { committedCheckpoints } from "./taskState";

export const KEEP_POLICIES = ["all", "final", "none"] as const;
export type KeepPolicy = (typeof KEEP_POLICIES)[number];

/** Parses a `--keep` value; anything but all, final or none is an error. */
export function parseKeep(value: string): KeepPolicy {
  if ((KEEP_POLICIES as readonly string[]).includes(value)) return value as KeepPolicy;
  throw new InputError("BAD_KEEP", `--keep must be one of ${KEEP_POLICIES.join(", ")}, got "${value}"`, {
    value,
  });
}

const OVER = new Set(["Finalized", "Rejected", "Refunded", "Cancelled"]);

/**
 * Whether no dispute can still ask for the task's checkpoints: the task is over on chain, no
 * dispute is open and every game opened on it is settled. Returns the reason when not.
 */
export async function checkpointsStillNeeded(c: PinpointContracts, task: TaskView): Promise<string | null> {
  if (!OVER.has(task.status))
    return `task ${task.id} is ${task.status}: its challenge window or its games are not over`;
  if (task.openDisputes > 0) return `task ${task.id} has ${task.openDisputes} open dispute(s)`;
  for (const id of await gamesOfTask(c, task.id)) {
    const g = await c.disputeGame!.getGame(id);
    if (Number(g.level) !== Level.Settled) return `game ${id} on task ${task.id} is not settled`;
  }
  return null;
}

export interface PruneResult {
  readonly taskId: bigint;
  readonly policy: KeepPolicy;
  /** "kept": nothing deleted because a dispute may still need the files (see `reason`). */
  readonly status: "pruned" | "kept";
  readonly reason?: string;
  /** State hashes whose files were deleted. */
  readonly deleted: readonly string[];
}

/** State hashes (lowercase 0x-hex) a task committed: checkpoints 1..N−1 and the final state. */
async function taskHashes(c: PinpointContracts, task: TaskView): Promise<{ all: string[]; final?: string }> {
  const all = (await committedCheckpoints(c, task.id)).map((h) => h.toLowerCase());
  const zero = "0x" + "00".repeat(32);
  const final = task.finalStateHash.toLowerCase() !== zero ? task.finalStateHash.toLowerCase() : undefined;
  if (final) all.push(final);
  return { all, ...(final ? { final } : {}) };
}

/**
 * Applies `policy` to task `taskId`'s checkpoints in `store`, once no dispute can ask for them
 * (otherwise nothing is deleted and the reason is returned). Hashes still committed by another
 * live task of the same solver are kept.
 */
export async function pruneCheckpoints(
  c: PinpointContracts,
  store: CheckpointStore,
  taskId: bigint,
  policy: KeepPolicy,
): Promise<PruneResult> {
  if (policy === "all")
    return { taskId, policy, status: "kept", reason: "policy keeps every checkpoint", deleted: [] };
  const tasks = await listTasks(c);
  const task = tasks.find((t) => t.id === taskId);
  if (!task) throw new InputError("NO_TASK", `task ${taskId} does not exist`);
  const why = await checkpointsStillNeeded(c, task);
  if (why) return { taskId, policy, status: "kept", reason: why, deleted: [] };
  const protect = new Set<string>();
  for (const other of tasks) {
    if (other.id === taskId || other.solver.toLowerCase() !== task.solver.toLowerCase()) continue;
    if ((await checkpointsStillNeeded(c, other)) === null) continue;
    for (const h of (await taskHashes(c, other)).all) protect.add(h);
  }
  const { all, final } = await taskHashes(c, task);
  const deleted: string[] = [];
  for (const h of all) {
    if (protect.has(h) || (policy === "final" && h === final)) continue;
    if (await store.remove(h)) deleted.push(h);
  }
  return { taskId, policy, status: "pruned", deleted };
}
