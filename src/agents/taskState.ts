/**
 * What agents read back from the chain about a task: its commitments (from the TaskCreated
 * event, since the market stores only the work spec's hash) and the checkpoint hashes streamed
 * so far (from CheckpointsCommitted events, checked against the stored batch commitments).
 */
import { checkpointBatchHash } from "../commit";
import { chainCall, type PinpointContracts } from "../chain";
import { ChainError, IntegrityError } from "../errors";
import type { ITaskMarket } from "../../typechain-types";
import type { BundleCommitments } from "./bundle";

/** Step after which checkpoint i is taken: min(i·k, T) (docs/SPEC.md §4). */
export function checkpointStep(i: number, k: number, T: number): number {
  return Math.min(i * k, T);
}

/** The task and the commitments a bundle must match. */
export async function taskCommitments(
  c: PinpointContracts,
  taskId: bigint,
): Promise<{ task: ITaskMarket.TaskStructOutput; spec: ITaskMarket.WorkSpecStructOutput; commitments: BundleCommitments }> {
  const task = await chainCall(`read task ${taskId}`, () => c.taskMarket.getTask(taskId));
  const events = await c.taskMarket.queryFilter(c.taskMarket.filters.TaskCreated(taskId));
  const spec = events[0]?.args.spec;
  if (!spec) throw new ChainError("NO_TASK_EVENT", `no TaskCreated event for task ${taskId}: is the RPC node pruning logs?`, { taskId: taskId.toString() });
  return {
    task,
    spec,
    commitments: {
      programHash: spec.programHash,
      datasetHash: spec.datasetHash,
      nSamples: Number(spec.nSamples),
      batchSize: Number(spec.batchSize),
      initialStateHash: task.initialStateHash,
    },
  };
}

/**
 * Checkpoint hashes 1..c committed for a task, in order (index i−1 holds checkpoint i). Each
 * event's batch is re-hashed and compared with the market's stored batch commitment, so a
 * lying RPC node cannot feed an agent wrong hashes.
 */
export async function committedCheckpoints(c: PinpointContracts, taskId: bigint): Promise<string[]> {
  const events = await c.taskMarket.queryFilter(c.taskMarket.filters.CheckpointsCommitted(taskId));
  const task = await c.taskMarket.getTask(taskId);
  const batches = Number(task.batchCount);
  const byBatch = new Map<number, { firstIndex: number; hashes: string[] }>();
  for (const e of events) {
    byBatch.set(Number(e.args.batchIndex), { firstIndex: Number(e.args.firstIndex), hashes: [...e.args.stateHashes] });
  }
  const out: string[] = [];
  for (let b = 0; b < batches; b++) {
    const batch = byBatch.get(b);
    if (!batch) throw new ChainError("MISSING_CHECKPOINT_EVENT", `no CheckpointsCommitted event for batch ${b} of task ${taskId}`);
    const stored = await c.taskMarket.batchCommitment(taskId, b);
    const computed = checkpointBatchHash(batch.firstIndex, batch.hashes.map((h) => Buffer.from(h.slice(2), "hex")));
    if ("0x" + computed.toString("hex") !== stored.toLowerCase() || batch.firstIndex !== out.length + 1) {
      throw new IntegrityError("CHECKPOINT_EVENT_MISMATCH", `checkpoint batch ${b} of task ${taskId} from the RPC does not match the stored commitment`);
    }
    out.push(...batch.hashes.map((h) => h.toLowerCase()));
  }
  return out;
}
