/**
 * The solver's job for one task: claim it, run the train steps with ONNX Runtime, keep every
 * checkpoint in the local store, stream checkpoint commitments to the TaskMarket while training
 * goes on, and submit the final state. Resumable: after a crash it picks up from the chain
 * (which checkpoints are committed) plus its local store (which states it still has).
 */
import type { Signer } from "ethers";
import { CheckpointStore, CheckpointStreamer, hashOffThread, stateHash } from "../commit";
import { announce, chainCall, type PinpointContracts } from "../chain";
import { IntegrityError, InputError } from "../errors";
import { createExecutor, train, type Device } from "../exec";
import type { IntTensor } from "../pinir/types";
import type { Trajectory } from "../dispute";
import { verifyBundle, type LoadedBundle } from "./bundle";
import { committedCheckpoints, taskCommitments, checkpointStep } from "./taskState";

export type SolverEvent =
  | { readonly kind: "claimed"; readonly deadline: number }
  | { readonly kind: "resumed"; readonly fromStep: number; readonly committed: number }
  | { readonly kind: "step"; readonly step: number; readonly totalSteps: number; readonly loss?: number }
  | { readonly kind: "checkpoint"; readonly index: number; readonly step: number; readonly stateHash: string }
  | { readonly kind: "committed"; readonly committed: number; readonly batches: number }
  | { readonly kind: "submitted"; readonly finalStateHash: string };

export interface SolveOptions {
  /** Contracts bound to the solver's signer. */
  readonly contracts: PinpointContracts;
  readonly signer: Signer;
  readonly taskId: bigint;
  readonly bundle: LoadedBundle;
  readonly store: CheckpointStore;
  readonly device?: Device;
  /** Most checkpoint hashes per commitCheckpoints transaction (default 64). */
  readonly maxBatch?: number;
  /**
   * Hashes to gather before sending a batch while training goes on (default 8; the rest is
   * flushed at the end): fewer, larger batches cost less gas per checkpoint.
   */
  readonly minBatch?: number;
  /**
   * Claim these states instead of training (tests and the demo: a deliberately wrong trajectory,
   * e.g. `taskTrajectory(bundle, T, { faults })`, which the solver's dispute player then defends).
   */
  readonly claimed?: Trajectory;
  readonly onEvent?: (e: SolverEvent) => void;
  /** Where verifiers can fetch this solver's checkpoint files; announced on chain after the claim. */
  readonly checkpointUri?: string;
  /** Stop after this many steps of this run (to simulate a crash in tests). */
  readonly stopAfterSteps?: number;
}

export interface SolveResult {
  readonly taskId: bigint;
  readonly status: "submitted" | "stopped" | "already-submitted";
  readonly finalStateHash?: string;
  readonly stepsRun: number;
  readonly checkpoints: number;
  readonly seconds: number;
}

const hex = (b: Uint8Array): string => "0x" + Buffer.from(b).toString("hex");

/** Claims (if needed), trains, streams checkpoints and submits the final state of one task. */
export async function solveTask(opts: SolveOptions): Promise<SolveResult> {
  const { contracts: c, signer, taskId, bundle, store } = opts;
  const emit = opts.onEvent ?? (() => undefined);
  const me = (await signer.getAddress()).toLowerCase();
  const t0 = performance.now();

  const { task, commitments } = await taskCommitments(c, taskId);
  verifyBundle(bundle, commitments);

  let status = Number(task.status);
  if (status === 0) {
    await chainCall(`claim task ${taskId}`, async () => (await c.taskMarket.connect(signer).claim(taskId)).wait());
    const claimed = await c.taskMarket.getTask(taskId);
    emit({ kind: "claimed", deadline: Number(claimed.deadline) });
    status = Number(claimed.status);
  } else if (task.solver.toLowerCase() !== me) {
    throw new InputError("NOT_YOUR_TASK", `task ${taskId} is ${status === 1 ? "claimed" : "handled"} by ${task.solver}, not by ${me}`);
  }
  if (status === 1 && opts.checkpointUri) await announce(c, signer, taskId, "Checkpoints", opts.checkpointUri);
  if (status >= 2) {
    return { taskId, status: "already-submitted", finalStateHash: task.finalStateHash, stepsRun: 0, checkpoints: 0, seconds: 0 };
  }

  const T = Number(task.totalSteps);
  const k = Number(task.checkpointInterval);
  const N = Math.ceil(T / k);
  const programHash = Buffer.from(commitments.programHash.slice(2), "hex");

  // Resume: the last committed checkpoint we still hold (or the initial state), re-verified.
  const committed = await committedCheckpoints(c, taskId);
  let start = 0;
  let state: IntTensor[] = bundle.initialState.slice();
  for (let i = committed.length; i >= 1; i--) {
    if (!(await store.has(committed[i - 1]))) continue;
    const cp = await store.get(committed[i - 1]);
    state = cp.tensors.slice();
    start = i;
    break;
  }
  if (committed.length > 0 || start > 0) emit({ kind: "resumed", fromStep: checkpointStep(start, k, T), committed: committed.length });

  const streamer = new CheckpointStreamer({
    maxBatch: opts.maxBatch ?? 64,
    minBatch: Math.min(opts.minBatch ?? 8, opts.maxBatch ?? 64),
    firstIndex: committed.length + 1,
    send: async (hashes) => {
      await chainCall(`commit ${hashes.length} checkpoints of task ${taskId}`, async () =>
        (await c.taskMarket.connect(signer).commitCheckpoints(taskId, hashes)).wait(),
      );
    },
    onBatch: () => emit({ kind: "committed", committed: committed.length + streamer.committed, batches: streamer.batches }),
  });

  const executor = await createExecutor(bundle.program, { device: opts.device ?? "cpu" });
  let stepsRun = 0;
  let checkpoints = 0;
  let background: Promise<void> = Promise.resolve();
  let finalHex: string | undefined;
  try {
    for (let i = start + 1; i <= N; i++) {
      const from = checkpointStep(i - 1, k, T);
      const to = checkpointStep(i, k, T);
      const budget = opts.stopAfterSteps !== undefined ? opts.stopAfterSteps - stepsRun : Infinity;
      const n = Math.min(to - from, budget);
      if (n > 0 && opts.claimed) {
        // One interval at a time, in bounded memory (starting from the held S_from).
        await opts.claimed.focus(from, to);
        await opts.claimed.prepare(from + n);
        state = opts.claimed.state(from + n);
        for (let t = from + 1; t <= from + n; t++) emit({ kind: "step", step: t, totalSteps: T });
        stepsRun += n;
      } else if (n > 0) {
        const res = await train({
          program: bundle.program,
          initialState: state,
          dataset: bundle.splits.train,
          steps: n,
          firstStep: from + 1,
          executor,
          lossEvery: n,
          onStep: (s) => emit({ kind: "step", step: s.step, totalSteps: T, ...(s.loss !== undefined ? { loss: s.loss } : {}) }),
        });
        state = res.state;
        stepsRun += n;
      }
      if (n < to - from) {
        await background;
        await streamer.flush();
        return { taskId, status: "stopped", stepsRun, checkpoints, seconds: (performance.now() - t0) / 1000 };
      }
      // Copy the state now; hash and serialise it on a worker thread; write the file and stream
      // the hash in the background, in checkpoint order, while training goes on.
      const work = hashOffThread({ step: to, tensors: state, programHash }, true);
      checkpoints++;
      const recomputed = i <= committed.length;
      const stream = !recomputed && i < N;
      const index = i;
      // INVARIANT: a hash is streamed only after its file is durable, and in checkpoint order.
      background = background.then(async () => {
        const { stateHash: h, bytes } = await work;
        const hHex = hex(h);
        if (index === N) finalHex = hHex;
        emit({ kind: "checkpoint", index, step: to, stateHash: hHex });
        // Recomputed after a crash: it must equal what we committed before.
        if (recomputed && committed[index - 1].toLowerCase() !== hHex) {
          throw new IntegrityError(
            "SOLVER_NONDETERMINISTIC",
            `recomputed checkpoint ${index} (step ${to}) hashes to ${hHex}, but ${committed[index - 1]} was committed: the executor or bundle changed since the crash`,
            { index, step: to },
          );
        }
        await store.writeEncoded(h, bytes!);
        if (stream) await streamer.push(hHex);
      });
      background.catch(() => undefined); // surfaced by the awaits below
    }
    await background;
    await streamer.flush();
  } finally {
    await executor.dispose();
  }

  const finalHash = finalHex ?? hex(stateHash(state));
  await chainCall(`submit final state of task ${taskId}`, async () =>
    (await c.taskMarket.connect(signer).submitFinal(taskId, finalHash)).wait(),
  );
  emit({ kind: "submitted", finalStateHash: finalHash });
  return { taskId, status: "submitted", finalStateHash: finalHash, stepsRun, checkpoints, seconds: (performance.now() - t0) / 1000 };
}
