/**
 * Opening a dispute from chain state: the task's committed checkpoints are read from TaskMarket
 * events (CheckpointsCommitted, FinalSubmitted), compared with a verifier's own trajectory, and the
 * first disputed interval is opened with checkpoint proofs built from the committed batches.
 */
import { hexlify } from "ethers";
import { listProof } from "../commit/hash";
import type { DisputeGame, TaskMarket } from "../../typechain-types";
import { committedBatches, type CommittedBatch } from "../chain/market";
import { ChainError, InputError } from "../errors";
import type { ChainProgram } from "./descriptor";
import type { Trajectory } from "./evidence";

/** The checkpoints of a task as committed on chain. */
export interface CommittedCheckpoints {
  /** Checkpoint hashes 0..N (0x-hex); index 0 is the initial state, N the submitted final state. */
  readonly hashes: string[];
  /** For checkpoints 1..N−1: the batch that committed them. */
  readonly batches: readonly CommittedBatch[];
}

/** Reads a submitted task's checkpoints from TaskMarket events (batches verified against storage). */
export async function readCheckpoints(market: TaskMarket, taskId: bigint): Promise<CommittedCheckpoints> {
  const task = await market.getTask(taskId);
  const n = Number(await market.numCheckpoints(taskId));
  const batches = await committedBatches(market, taskId);
  const finals = await market.queryFilter(market.filters.FinalSubmitted(taskId));
  if (finals.length === 0) throw new ChainError("DISPUTE_NOT_SUBMITTED", `task ${taskId} has no submitted final state yet`);
  const hashes: string[] = new Array(n + 1);
  hashes[0] = task.initialStateHash;
  hashes[n] = finals[finals.length - 1].args.finalStateHash;
  for (const b of batches) b.hashes.forEach((h, i) => (hashes[b.firstIndex + i] = h));
  for (let i = 0; i <= n; i++) {
    if (!hashes[i]) throw new ChainError("DISPUTE_MISSING_CHECKPOINT", `checkpoint ${i} of task ${taskId} is not in the TaskMarket events`);
  }
  return { hashes, batches };
}

/** ITaskMarket.CheckpointProof of checkpoint `i` (empty for 0 and N, which the market checks directly). */
export function checkpointProofOf(c: CommittedCheckpoints, i: number) {
  const n = c.hashes.length - 1;
  if (i === 0 || i === n) return { batchIndex: 0, firstIndex: 0, count: 0, path: [] as string[] };
  const b = c.batches.find((x) => i >= x.firstIndex && i < x.firstIndex + x.hashes.length);
  if (!b) throw new InputError("DISPUTE_CHECKPOINT", `checkpoint ${i} is in no committed batch`);
  const items = b.hashes.map((h) => Buffer.from(h.slice(2), "hex"));
  return { batchIndex: b.batchIndex, firstIndex: b.firstIndex, count: b.hashes.length, path: listProof(items, i - b.firstIndex).map((x) => hexlify(x)) };
}

/** The first interval i (1..N) whose checkpoint i differs from `evidence`, or 0 if all agree. */
export function firstDisagreement(c: CommittedCheckpoints, evidence: Trajectory, interval: number): number {
  const total = evidence.totalSteps;
  for (let i = 1; i < c.hashes.length; i++) {
    if (evidence.stateHashHex(Math.min(i * interval, total)).toLowerCase() !== c.hashes[i].toLowerCase()) return i;
  }
  return 0;
}

export interface OpenDisputeParams {
  readonly game: DisputeGame;
  readonly market: TaskMarket;
  readonly taskId: bigint;
  readonly spec: { programHash: string; datasetHash: string; nSamples: number | bigint; batchSize: number | bigint };
  readonly chainProgram: ChainProgram;
  readonly evidence: Trajectory;
  /** Interval to dispute; default: the first one that disagrees with `evidence`. */
  readonly interval?: number;
}

/** Opens a game (the signer of `game` is the challenger) and returns its id, or null if nothing disagrees. */
export async function openDispute(p: OpenDisputeParams): Promise<bigint | null> {
  const task = await p.market.getTask(p.taskId);
  const c = await readCheckpoints(p.market, p.taskId);
  const k = Number(task.checkpointInterval);
  if (p.evidence.totalSteps !== Number(task.totalSteps)) {
    throw new InputError("DISPUTE_STEPS", `the evidence covers ${p.evidence.totalSteps} steps, the task has ${task.totalSteps}`);
  }
  const i = p.interval ?? firstDisagreement(c, p.evidence, k);
  if (i === 0) return null;
  const tx = await p.game.open({
    task: p.taskId,
    interval: i,
    spec: p.spec,
    program: p.chainProgram.info,
    prevState: c.hashes[i - 1],
    prevProof: checkpointProofOf(c, i - 1),
    nextState: c.hashes[i],
    nextProof: checkpointProofOf(c, i),
  });
  const receipt = await tx.wait();
  for (const log of receipt?.logs ?? []) {
    try {
      const parsed = p.game.interface.parseLog(log);
      if (parsed?.name === "GameOpened") return parsed.args.game as bigint;
    } catch {
      // another contract's log
    }
  }
  throw new ChainError("DISPUTE_NO_GAME", `open() on task ${p.taskId} emitted no GameOpened`);
}
