/**
 * Proof-of-learning checkpointing for a solver's step loop (docs/SPEC.md §4): every k steps the
 * state is copied on the spot and hashed and serialised on a worker thread (src/commit/offThread.ts),
 * then — in the background, while the next steps run — written to the checkpoint store and, once
 * the file is durable, queued for the chain.
 *
 * Checkpoint i is the state after step min(i·k, T). Checkpoints 1..N−1 are streamed; the final
 * state (checkpoint N, step T) is stored but not streamed: it goes to `submitFinal`.
 *
 *   const cp = new Checkpointer({ store, streamer, interval: k, totalSteps: T });
 *   await train({ …, onStep: (s) => cp.onStep(s) });
 *   const { finalStateHash } = await cp.finish();
 */
import { InputError } from "../errors";
import type { IntTensor } from "../pinir/types";
import type { CheckpointStore } from "./checkpointStore";
import type { Hash } from "./hash";
import { ZERO_HASH } from "./hash";
import { hashOffThread } from "./offThread";
import type { CheckpointStreamer } from "./streamer";

export interface CheckpointerOptions {
  /** Where checkpoint files go (optional: hashes only). */
  readonly store?: CheckpointStore;
  /** Where streamed hashes go (optional: files only). */
  readonly streamer?: CheckpointStreamer;
  /** k: steps between checkpoints. */
  readonly interval: number;
  /** T: when given, step T is the final checkpoint (stored, not streamed). */
  readonly totalSteps?: number;
  /** Recorded in every checkpoint file. */
  readonly programHash?: Hash;
  /** Called with each checkpoint's index and state hash, in checkpoint order, once it is hashed. */
  readonly onCheckpoint?: (info: { index: number; step: number; stateHash: Hash; final: boolean }) => void;
}

export class Checkpointer {
  private readonly opts: CheckpointerOptions;
  /** Background work, in checkpoint order: file write, then the streamer push. */
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly hashes: Hash[] = [];
  private finalHash: Hash | null = null;

  constructor(opts: CheckpointerOptions) {
    if (!Number.isSafeInteger(opts.interval) || opts.interval < 1) {
      throw new InputError("CHECKPOINT_INTERVAL", `checkpoint interval must be a positive integer, got ${opts.interval}`);
    }
    if (opts.totalSteps !== undefined && (!Number.isSafeInteger(opts.totalSteps) || opts.totalSteps < 1)) {
      throw new InputError("CHECKPOINT_INTERVAL", `totalSteps must be a positive integer, got ${opts.totalSteps}`);
    }
    this.opts = opts;
  }

  /** State hashes of checkpoints 1, 2, … (the final one excluded); complete after {@link finish}. */
  get checkpointHashes(): readonly Hash[] {
    return this.hashes;
  }

  /**
   * Step hook: takes a checkpoint after steps k, 2k, … and after step T. Returns at once: the
   * state is copied now, hashed and serialised on a worker thread, written and streamed later,
   * in order. Throws the first background error.
   */
  onStep(info: { readonly step: number; readonly state: readonly IntTensor[] }): void {
    if (this.failure) throw this.failure;
    const { interval: k, totalSteps: T } = this.opts;
    const final = T !== undefined && info.step === T;
    if (!final && (info.step % k !== 0 || (T !== undefined && info.step > T))) return;
    const index = final ? Math.ceil(info.step / k) : info.step / k;
    const cp = { step: info.step, tensors: info.state, ...(this.opts.programHash ? { programHash: this.opts.programHash } : {}) };
    const store = this.opts.store;
    const streamer = final ? undefined : this.opts.streamer;
    // Off the main thread: copy now, hash and serialise on the worker; the results land in order.
    const work = hashOffThread(cp, store !== undefined);
    const slot = final ? -1 : this.hashes.length;
    if (!final) this.hashes.push(ZERO_HASH);
    // INVARIANT: a hash is streamed only after its file is durable, and in checkpoint order.
    this.tail = this.tail
      .then(async () => {
        const { stateHash: hash, bytes } = await work;
        if (this.failure) return;
        if (final) this.finalHash = hash;
        else this.hashes[slot] = hash;
        this.opts.onCheckpoint?.({ index, step: info.step, stateHash: hash, final });
        if (store && bytes) await store.writeEncoded(hash, bytes);
        if (streamer) await streamer.push(hash);
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }

  /** Waits for every file and every streamed hash; returns the hashes. Throws the first error. */
  async finish(): Promise<{ checkpointHashes: Hash[]; finalStateHash: Hash | null }> {
    await this.tail;
    if (this.failure) throw this.failure;
    await this.opts.streamer?.flush();
    return { checkpointHashes: [...this.hashes], finalStateHash: this.finalHash };
  }
}
