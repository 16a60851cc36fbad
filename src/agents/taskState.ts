/**
 * What agents read back from the chain about a task: its commitments (from the TaskCreated
 * event, since the market stores only the work spec's hash) and the checkpoint hashes streamed
 * so far (from CheckpointsCommitted events, checked against the stored batch commitments).
 */
import { chainCall, committedBatches, type PinpointContracts } from "../chain";
import { ChainError } from "../errors";
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

/** Checkpoint hashes 1..c committed for a task, in order (index i−1 holds checkpoint i), verified. */
export async function committedCheckpoints(c: PinpointContracts, taskId: bigint): Promise<string[]> {
  return (await committedBatches(c.taskMarket, taskId)).flatMap((b) => b.hashes);
}
