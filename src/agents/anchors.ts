/**
 * Anchors for dispute evidence: the agreed state at the start of a disputed interval, taken from
 * a checkpoint instead of a replay from step 0. The solver reads its own checkpoint store; a
 * challenger fetches the solver's checkpoint files (HTTP or a directory). Either way the state
 * is used only when it hashes to the checkpoint committed on chain for that step; otherwise the
 * trajectory recomputes it from the last state it holds.
 */
import type { PinpointContracts } from "../chain";
import type { CheckpointStore } from "../commit";
import type { AnchorSource } from "../dispute";
import { IntegrityError } from "../errors";
import type { IntTensor } from "../pinir/types";
import { fetchCheckpoint } from "./checkpointSource";
import { checkpointBatchHash } from "../commit/hash";

export interface AnchorOptions {
  /** The solver's own store (read first). */
  readonly store?: CheckpointStore;
  /** Where the solver serves its checkpoint files: HTTP base URL or a store directory. */
  readonly source?: string;
  /** A state the caller already holds and has checked (e.g. the verifier's agreed start state). */
  readonly held?: { readonly step: number; readonly state: readonly IntTensor[] };
  /** Called when a checkpoint could not be used (missing, corrupt, wrong hash). */
  readonly onMiss?: (step: number, reason: string) => void;
}

/**
 * An {@link AnchorSource} for task `taskId`: S_step for a checkpoint step (a multiple of the
 * checkpoint interval, or the final step), from the store or the solver's files, checked against
 * the hash committed on chain; undefined when there is none to be had.
 */
export function checkpointAnchors(c: PinpointContracts, taskId: bigint, o: AnchorOptions): AnchorSource {
  return async (step: number): Promise<readonly IntTensor[] | undefined> => {
    if (o.held && o.held.step === step) return o.held.state;
    const task = await c.taskMarket.getTask(taskId);
    const k = Number(task.checkpointInterval);
    const T = Number(task.totalSteps);
    if (step <= 0 || k <= 0 || (step % k !== 0 && step !== T)) return undefined;
    const i = Math.ceil(step / k);
    const n = Math.ceil(T / k);
    let hash: string | undefined;
    if (i === n) {
      if (task.finalStateHash !== "0x" + "00".repeat(32)) hash = task.finalStateHash;
    } else {
      hash = await committedHashAt(c, taskId, i);
    }
    if (!hash) return undefined;
    const tries: [string, () => Promise<readonly IntTensor[]>][] = [];
    if (o.store) tries.push(["store", async () => (await o.store!.get(hash)).tensors]);
    if (o.source) tries.push(["source", async () => (await fetchCheckpoint(o.source!, hash)).tensors]);
    for (const [, get] of tries) {
      try {
        return await get();
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        o.onMiss?.(step, err.message);
      }
    }
    return undefined;
  };
}

/**
 * Hash of checkpoint i as committed (1 ≤ i < N), or undefined when not committed (yet): only the
 * batch holding it is checked against its stored commitment, so the cost does not grow with the
 * job's length beyond reading the events.
 */
async function committedHashAt(c: PinpointContracts, taskId: bigint, i: number): Promise<string | undefined> {
  const market = c.taskMarket;
  const [events, task] = await Promise.all([
    market.queryFilter(market.filters.CheckpointsCommitted(taskId)),
    market.getTask(taskId),
  ]);
  // Later events win: after an expiry the new stream restarts at batch 0.
  const byBatch = new Map<number, { firstIndex: number; hashes: string[] }>();
  for (const e of events)
    byBatch.set(Number(e.args.batchIndex), {
      firstIndex: Number(e.args.firstIndex),
      hashes: [...e.args.stateHashes],
    });
  for (let b = 0; b < Number(task.batchCount); b++) {
    const batch = byBatch.get(b);
    if (!batch || i < batch.firstIndex || i >= batch.firstIndex + batch.hashes.length) continue;
    const stored = await market.batchCommitment(taskId, b);
    const computed = checkpointBatchHash(
      batch.firstIndex,
      batch.hashes.map((h) => Buffer.from(h.slice(2), "hex")),
    );
    if ("0x" + computed.toString("hex") !== stored.toLowerCase()) return undefined;
    return batch.hashes[i - batch.firstIndex].toLowerCase();
  }
  return undefined;
}
