/**
 * The verifier's check of one task: sample checkpoint intervals, fetch the solver's checkpoint
 * at each interval's start (or recompute it when the solver withholds it), re-execute the
 * interval with ONNX Runtime and compare with the committed hash. The first interval whose
 * committed end differs from the verifier's own computation, starting from an agreed state, is
 * what the verifier disputes.
 */
import { chainCall, type PinpointContracts } from "../chain";
import { stateHash } from "../commit";
import { Prng } from "../data";
import { InputError, PinpointError } from "../errors";
import { createExecutor, train, type Device, type Executor } from "../exec";
import type { IntTensor } from "../pinir/types";
import { verifyBundle, type LoadedBundle } from "./bundle";
import { fetchCheckpoint } from "./checkpointSource";
import { checkpointStep, committedCheckpoints, taskCommitments } from "./taskState";

/** Which checkpoint intervals to re-execute: all, a count, or each with a probability. */
export interface SampleOptions {
  readonly all?: boolean;
  /** Exactly these intervals (1-based). */
  readonly only?: readonly number[];
  readonly count?: number;
  readonly probability?: number;
  /** PRNG seed (default: random), so that solvers cannot predict the sample. */
  readonly seed?: number;
}

/** Sorted checkpoint indices i ∈ [1, N] (interval i ends at checkpoint i). */
export function sampleIntervals(n: number, opts: SampleOptions): number[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError("BAD_SAMPLE", `a task has at least one interval, got ${n}`);
  const all = Array.from({ length: n }, (_, i) => i + 1);
  if (opts.all) return all;
  if (opts.only) {
    const bad = opts.only.find((i) => !Number.isSafeInteger(i) || i < 1 || i > n);
    if (bad !== undefined) throw new InputError("BAD_SAMPLE", `interval ${bad} is not in [1, ${n}]`);
    return [...new Set(opts.only)].sort((a, b) => a - b);
  }
  const rng = new Prng(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  if (opts.probability !== undefined) {
    if (!(opts.probability >= 0 && opts.probability <= 1)) throw new InputError("BAD_SAMPLE", `probability must be in [0, 1], got ${opts.probability}`);
    return all.filter(() => rng.nextU32() / 2 ** 32 < opts.probability!);
  }
  const count = opts.count ?? 1;
  if (!Number.isSafeInteger(count) || count < 0) throw new InputError("BAD_SAMPLE", `count must be a non-negative integer, got ${count}`);
  // Partial Fisher–Yates: the first `count` of a seeded permutation.
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + (rng.nextU32() % (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

export type IntervalStatus = "ok" | "mismatch";

export interface IntervalCheck {
  /** Interval i runs from checkpoint i−1 to checkpoint i. */
  readonly index: number;
  readonly fromStep: number;
  readonly toStep: number;
  /** Hash committed for checkpoint i (the final state for i = N). */
  readonly committed: string;
  readonly computed: string;
  readonly status: IntervalStatus;
  /** Intervals before this one re-executed because the solver withheld their checkpoints. */
  readonly recomputedFrom?: number;
}

export type VerifierEvent =
  | { readonly kind: "sampled"; readonly intervals: readonly number[]; readonly total: number }
  | { readonly kind: "withheld"; readonly index: number; readonly reason: string }
  | { readonly kind: "checked"; readonly check: IntervalCheck };

export interface CheckTaskOptions {
  readonly contracts: PinpointContracts;
  readonly taskId: bigint;
  readonly bundle: LoadedBundle;
  /** Where the solver's checkpoint files are: HTTP base URL or a store directory. */
  readonly source: string;
  readonly sample: SampleOptions;
  readonly device?: Device;
  readonly onEvent?: (e: VerifierEvent) => void;
}

export interface CheckTaskResult {
  readonly taskId: bigint;
  readonly numCheckpoints: number;
  readonly checks: readonly IntervalCheck[];
  /** The first interval found wrong, with its agreed start state (for the dispute). */
  readonly mismatch?: IntervalCheck & { readonly startState: readonly IntTensor[] };
  /** Hashes of checkpoints 0..N as committed (index i = checkpoint i). */
  readonly checkpointHashes: readonly string[];
}

const hex = (b: Uint8Array): string => "0x" + Buffer.from(b).toString("hex");

/** Re-executes sampled intervals of a submitted task and reports the first wrong one. */
export async function checkTask(opts: CheckTaskOptions): Promise<CheckTaskResult> {
  const { contracts: c, taskId, bundle } = opts;
  const emit = opts.onEvent ?? (() => undefined);
  const { task, commitments } = await taskCommitments(c, taskId);
  verifyBundle(bundle, commitments);
  if (Number(task.status) !== 2) {
    throw new InputError("TASK_NOT_SUBMITTED", `task ${taskId} has no final state to verify yet (status ${task.status})`);
  }
  const T = Number(task.totalSteps);
  const k = Number(task.checkpointInterval);
  const N = Number(await chainCall(`read task ${taskId}`, () => c.taskMarket.numCheckpoints(taskId)));
  const hashes = [task.initialStateHash.toLowerCase(), ...(await committedCheckpoints(c, taskId)), task.finalStateHash.toLowerCase()];
  const intervals = sampleIntervals(N, opts.sample);
  emit({ kind: "sampled", intervals, total: N });

  const executor: Executor = await createExecutor(bundle.program, { device: opts.device ?? "cpu" });
  const checks: IntervalCheck[] = [];
  const run = async (state: readonly IntTensor[], from: number, to: number): Promise<IntTensor[]> =>
    (await train({ program: bundle.program, initialState: state, dataset: bundle.splits.train, steps: to - from, firstStep: from + 1, executor, lossEvery: 0 })).state;
  try {
    // Checkpoints 0..verifiedUpTo agree with our own execution; verifiedState is checkpoint verifiedUpTo.
    let verifiedUpTo = 0;
    let verifiedState: IntTensor[] = bundle.initialState.slice();
    const record = (check: IntervalCheck): void => {
      checks.push(check);
      emit({ kind: "checked", check });
    };
    const intervalCheck = (i: number, computed: string, recomputedFrom?: number): IntervalCheck => ({
      index: i,
      fromStep: checkpointStep(i - 1, k, T),
      toStep: checkpointStep(i, k, T),
      committed: hashes[i],
      computed,
      status: computed === hashes[i] ? "ok" : "mismatch",
      ...(recomputedFrom !== undefined ? { recomputedFrom } : {}),
    });
    const mismatch = (check: IntervalCheck, startState: IntTensor[]): CheckTaskResult => ({
      taskId,
      numCheckpoints: N,
      checks,
      mismatch: { ...check, startState },
      checkpointHashes: hashes,
    });
    for (const i of intervals) {
      if (i <= verifiedUpTo) continue;
      // Start state: the solver's checkpoint i−1 when it provides it (its hash is checked).
      let start: IntTensor[] | undefined = i - 1 === verifiedUpTo ? verifiedState : undefined;
      if (!start) {
        try {
          start = (await fetchCheckpoint(opts.source, hashes[i - 1])).tensors.slice();
        } catch (err) {
          if (!(err instanceof PinpointError)) throw err;
          emit({ kind: "withheld", index: i - 1, reason: err.message });
        }
      }
      if (!start) {
        // Withheld: recompute from the last agreed state, checking each committed checkpoint.
        const from = verifiedUpTo;
        while (verifiedUpTo < i - 1) {
          const j = verifiedUpTo + 1;
          const s = await run(verifiedState, checkpointStep(j - 1, k, T), checkpointStep(j, k, T));
          const check = intervalCheck(j, hex(stateHash(s)), from);
          if (check.status === "mismatch") {
            record(check);
            return mismatch(check, verifiedState);
          }
          verifiedUpTo = j;
          verifiedState = s;
        }
        start = verifiedState;
      }
      const end = await run(start, checkpointStep(i - 1, k, T), checkpointStep(i, k, T));
      const check = intervalCheck(i, hex(stateHash(end)));
      record(check);
      if (check.status === "mismatch") return mismatch(check, start);
      verifiedUpTo = i;
      verifiedState = end;
    }
    return { taskId, numCheckpoints: N, checks, checkpointHashes: hashes };
  } finally {
    await executor.dispose();
  }
}
