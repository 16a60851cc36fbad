/**
 * Streams checkpoint state hashes to the chain in batches (docs/SPEC.md §4) without stalling the
 * training loop: the step loop pushes hashes into a queue and goes on with the next step, while
 * one sender loop sends `commitCheckpoints(taskId, hashes)` batches in order in the background.
 *
 * The sender is injected — `(hashes, { firstIndex }) => Promise<void>`, typically
 * `(hs) => market.commitCheckpoints(taskId, hs).then((tx) => tx.wait())` — so this module does not
 * depend on the TaskMarket ABI. It must resolve only once the batch is committed. Because a
 * transient failure is retried with the same batch, a sender that may have landed a transaction
 * before failing should check the chain's checkpoint count for `firstIndex` before resending.
 */
import { ChainError, PinpointError } from "../errors";

/** Steps between checkpoints when a task does not say otherwise. */
export const DEFAULT_CHECKPOINT_INTERVAL = 100;
/** Most state hashes per commitCheckpoints call. */
export const DEFAULT_CHECKPOINT_BATCH = 64;

export type CheckpointSender = (hashes: string[], info: { readonly firstIndex: number }) => Promise<void>;

export interface CheckpointStreamerOptions {
  readonly send: CheckpointSender;
  /** Most hashes per batch (default 64). */
  readonly maxBatch?: number;
  /** Send only once this many are queued, except on flush (default 1: stream as soon as idle). */
  readonly minBatch?: number;
  /** push() waits (backpressure) while more than this many hashes are queued (default 4096). */
  readonly maxQueue?: number;
  /** Checkpoint index of the first hash pushed (default 1; checkpoint 0 is the initial state). */
  readonly firstIndex?: number;
  /** Retries of a batch after a transient failure (default 5). */
  readonly retries?: number;
  /** First retry delay in ms, doubled per retry (default 250). */
  readonly retryDelayMs?: number;
  /** Whether an error is fatal (no retry). Default: {@link isFatalSendError}. */
  readonly isFatal?: (err: unknown) => boolean;
  /** Called after each committed batch. */
  readonly onBatch?: (info: { firstIndex: number; count: number; attempts: number }) => void;
  /** Sleep used between retries (tests inject a fast one). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Default classification: a revert (ethers CALL_EXCEPTION, a JSON-RPC "execution reverted", or
 * revert data on the error), a bad argument, missing funds or one of our own errors will fail
 * again, so it is fatal; network trouble, timeouts and nonce races are transient.
 */
export function isFatalSendError(err: unknown): boolean {
  if (err instanceof PinpointError) return true;
  const e = err as { code?: unknown; data?: unknown; message?: unknown } | undefined;
  const code = e?.code;
  // A revert: ethers' CALL_EXCEPTION, or an in-process Hardhat SolidityError carrying revert data.
  if (typeof e?.message === "string" && /\breverted\b|execution reverted/i.test(e.message)) return true;
  if (typeof e?.data === "string" && /^0x[0-9a-f]{8}/i.test(e.data)) return true;
  return (
    code === "CALL_EXCEPTION" ||
    code === "INVALID_ARGUMENT" ||
    code === "INSUFFICIENT_FUNDS" ||
    code === "UNSUPPORTED_OPERATION" ||
    code === "ACTION_REJECTED" ||
    code === "BAD_DATA"
  );
}

function toHex32(h: Uint8Array | string): string {
  const s = typeof h === "string" ? h.toLowerCase() : "0x" + Buffer.from(h).toString("hex");
  const hex = s.startsWith("0x") ? s : "0x" + s;
  if (!/^0x[0-9a-f]{64}$/.test(hex)) throw new ChainError("CHECKPOINT_HASH", `a checkpoint state hash is 32 bytes, got ${String(h)}`);
  return hex;
}

export class CheckpointStreamer {
  private readonly opts: Required<Omit<CheckpointStreamerOptions, "onBatch">> & Pick<CheckpointStreamerOptions, "onBatch">;
  private readonly queue: string[] = [];
  private nextIndex: number;
  private sentCount = 0;
  private batchCount = 0;
  private running: Promise<void> | null = null;
  private flushing = false;
  private failure: ChainError | null = null;
  private waiters: (() => void)[] = [];

  constructor(opts: CheckpointStreamerOptions) {
    this.opts = {
      maxBatch: DEFAULT_CHECKPOINT_BATCH,
      minBatch: 1,
      maxQueue: 4096,
      firstIndex: 1,
      retries: 5,
      retryDelayMs: 250,
      isFatal: isFatalSendError,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...opts,
    };
    const { maxBatch, minBatch, maxQueue } = this.opts;
    if (!(Number.isSafeInteger(maxBatch) && maxBatch >= 1 && Number.isSafeInteger(minBatch) && minBatch >= 1 && minBatch <= maxBatch)) {
      throw new ChainError("CHECKPOINT_STREAM_CONFIG", `need 1 ≤ minBatch (${minBatch}) ≤ maxBatch (${maxBatch})`);
    }
    if (!(Number.isSafeInteger(maxQueue) && maxQueue >= maxBatch)) {
      throw new ChainError("CHECKPOINT_STREAM_CONFIG", `maxQueue (${maxQueue}) must be ≥ maxBatch (${maxBatch})`);
    }
    this.nextIndex = this.opts.firstIndex;
  }

  /** Hashes committed so far. */
  get committed(): number {
    return this.sentCount;
  }
  /** Batches committed so far. */
  get batches(): number {
    return this.batchCount;
  }
  /** Hashes queued or in flight. */
  get pending(): number {
    return this.queue.length;
  }
  /** Index of the next checkpoint to be committed. */
  get nextCheckpointIndex(): number {
    return this.nextIndex;
  }
  /** The fatal error that stopped the stream, if any. */
  get error(): ChainError | null {
    return this.failure;
  }

  /**
   * Queues the next checkpoint's state hash and returns at once; the returned promise waits
   * only while more than `maxQueue` hashes are queued (backpressure). Rejects once the stream
   * has failed.
   */
  async push(hash: Uint8Array | string): Promise<void> {
    if (this.failure) throw this.failure;
    this.queue.push(toHex32(hash));
    this.kick();
    while (this.queue.length > this.opts.maxQueue && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  /** Sends everything queued (also partial batches) and resolves once all are committed. */
  async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        if (this.queue.length === 0 && !this.running) return;
        this.kick();
        await this.running;
      }
    } finally {
      this.flushing = false;
    }
  }

  private kick(): void {
    if (this.running || this.failure) return;
    if (this.queue.length === 0 || (this.queue.length < this.opts.minBatch && !this.flushing)) return;
    this.running = this.loop()
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.running = null;
        this.kick();
      });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.failure && (this.flushing || this.queue.length >= this.opts.minBatch)) {
      // INVARIANT: a batch stays at the head of the queue until it is committed, so order holds.
      const batch = this.queue.slice(0, this.opts.maxBatch);
      const firstIndex = this.nextIndex;
      const attempts = await this.sendWithRetry(batch, firstIndex);
      this.queue.splice(0, batch.length);
      this.nextIndex += batch.length;
      this.sentCount += batch.length;
      this.batchCount++;
      this.release();
      this.opts.onBatch?.({ firstIndex, count: batch.length, attempts });
    }
  }

  private async sendWithRetry(batch: string[], firstIndex: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.opts.send(batch, { firstIndex });
        return attempt;
      } catch (err) {
        const fatal = this.opts.isFatal(err);
        if (fatal || attempt > this.opts.retries) {
          throw new ChainError(
            "CHECKPOINT_STREAM_FAILED",
            `committing checkpoints ${firstIndex}..${firstIndex + batch.length - 1} failed ${fatal ? "with a fatal error" : `after ${attempt} attempts`}: ${(err as Error)?.message ?? String(err)}; ${this.queue.length} hashes are unsent — fix the cause and resume streaming from checkpoint ${firstIndex}`,
            { firstIndex, count: batch.length, attempts: attempt, unsent: this.queue.length },
            { cause: err },
          );
        }
        await this.opts.sleep(this.opts.retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private fail(err: unknown): void {
    this.failure =
      err instanceof ChainError ? err : new ChainError("CHECKPOINT_STREAM_FAILED", `checkpoint streaming failed: ${String(err)}`, {}, { cause: err });
    this.release();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** Hashes not yet committed, in order (for resuming after a fatal error). */
  unsent(): { firstIndex: number; hashes: string[] } {
    return { firstIndex: this.nextIndex, hashes: [...this.queue] };
  }
}
