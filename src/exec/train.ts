/**
 * Training runner and evaluation on top of the executor: runs S_t = step(S_{t−1}, batch_t) for
 * t = firstStep… over the batch view of docs/SPEC.md §4, reporting the program's "loss" output.
 */
import type { IntTensor, PinProgram, SlotId } from "../pinir/types";
import { batchInto, batchRowSample, type Dataset } from "../data";
import { markChecked } from "./checked";
import { ExecCode, execError } from "./errors";
import { createExecutor, type Device, type Executor, type ExecutorOptions } from "./executor";
import { validateProgram } from "./program";
import { checkInputBounds, sizeOf as sizeOfShape } from "./tensor";

/** The program's single input and target slots and its batch size (the input's first dimension). */
export function batchLayout(program: PinProgram): { input: SlotId; target?: SlotId; batchSize: number } {
  const inputs = program.slots.flatMap((s, i) => (s.kind === "input" ? [i] : []));
  const targets = program.slots.flatMap((s, i) => (s.kind === "target" ? [i] : []));
  if (inputs.length !== 1 || targets.length > 1) {
    throw execError(
      ExecCode.BadProgram,
      `training needs exactly one input slot and at most one target slot, program has ${inputs.length} and ${targets.length}`,
    );
  }
  const shape = program.slots[inputs[0]].shape;
  if (shape.length !== 2)
    throw execError(
      ExecCode.ShapeMismatch,
      `input slot ${inputs[0]} must be [batch, features], is [${shape}]`,
    );
  return { input: inputs[0], ...(targets.length ? { target: targets[0] } : {}), batchSize: shape[0] };
}

const checkedDatasets = new WeakMap<Dataset, Set<PinProgram>>();

function checkDataset(program: PinProgram, dataset: Dataset): { batchSize: number } {
  const { input, target, batchSize } = batchLayout(program);
  // every batch row comes from the dataset: check its values against the slot bounds once
  if (!checkedDatasets.get(dataset)?.has(program)) {
    checkInputBounds(program, input, dataset.features);
    if (target !== undefined) checkInputBounds(program, target, dataset.targets);
    checkedDatasets.set(dataset, (checkedDatasets.get(dataset) ?? new Set()).add(program));
  }
  const xs = program.slots[input].shape;
  if (xs[1] !== dataset.nFeatures) {
    throw execError(
      ExecCode.ShapeMismatch,
      `slot ${input} "${program.slots[input].name}" takes ${xs[1]} features, dataset ${dataset.name} has ${dataset.nFeatures}`,
      { slot: input },
    );
  }
  if (target !== undefined) {
    const ys = program.slots[target].shape;
    if (ys.length !== 2 || ys[0] !== batchSize || ys[1] !== dataset.nClasses) {
      throw execError(
        ExecCode.ShapeMismatch,
        `slot ${target} "${program.slots[target].name}" is [${ys}], dataset ${dataset.name} needs [${batchSize}, ${dataset.nClasses}]`,
        { slot: target },
      );
    }
  }
  return { batchSize };
}

export interface StepInfo {
  /** Step index t (1-based, as in the batch view). */
  readonly step: number;
  /** The "loss" output as a real number (integer / 2^scale), when the program has one. */
  readonly loss?: number;
  /** State after the step. */
  readonly state: readonly IntTensor[];
}

export interface TrainOptions extends ExecutorOptions {
  readonly program: PinProgram;
  readonly initialState: readonly IntTensor[];
  readonly dataset: Dataset;
  readonly steps: number;
  /** Must equal the program's batch dimension when given (it is fixed by the program). */
  readonly batchSize?: number;
  /** Index of the first step (default 1): resuming from checkpoint t runs steps t+1…. */
  readonly firstStep?: number;
  readonly device?: Device;
  /** Reuse an executor for `program` instead of opening a session. */
  readonly executor?: Executor;
  /**
   * Recycle state buffers between steps instead of allocating each step (faster; default false).
   * When true, the `state` handed to `onStep` is overwritten two steps later: hash or copy it inside
   * the callback, never keep a reference. The returned final state is never recycled.
   */
  readonly recycle?: boolean;
  /** Fetch and report the loss every this many steps (default 1; 0 = never). */
  readonly lossEvery?: number;
  readonly onStep?: (info: StepInfo) => void | Promise<void>;
}

export interface TrainResult {
  readonly state: IntTensor[];
  readonly lastStep: number;
  readonly losses: { readonly step: number; readonly loss: number }[];
  readonly seconds: number;
  readonly stepsPerSec: number;
}

/** Runs `steps` train steps with ONNX Runtime. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { program, dataset } = opts;
  validateProgram(program);
  const { batchSize } = checkDataset(program, dataset);
  if (opts.batchSize !== undefined && opts.batchSize !== batchSize) {
    throw execError(
      ExecCode.ShapeMismatch,
      `batchSize ${opts.batchSize} differs from the program's batch dimension ${batchSize}`,
    );
  }
  if (!Number.isSafeInteger(opts.steps) || opts.steps < 0)
    throw execError(ExecCode.OutOfRange, `steps must be a non-negative integer, got ${opts.steps}`);
  const executor = opts.executor ?? (await createExecutor(program, opts));
  const hasLoss = program.outputs.loss !== undefined;
  const lossEvery = opts.lossEvery ?? 1;
  const lossScale = hasLoss ? 2 ** program.slots[program.outputs.loss].scale : 1;
  const x = new Float64Array(batchSize * dataset.nFeatures);
  const y = new Float64Array(batchSize * dataset.nClasses);
  // rows of the checked dataset only ever enter these buffers
  const xT = markChecked({ shape: [batchSize, dataset.nFeatures], data: x, scale: dataset.features.scale });
  const yT = markChecked({ shape: [batchSize, dataset.nClasses], data: y, scale: dataset.targets.scale });
  const hasTarget = program.slots.some((s) => s.kind === "target");
  let state = [...opts.initialState];
  // two sets of output buffers used alternately when recycling: step t writes set t mod 2, which
  // held the state of step t − 2 (already consumed)
  const pool = opts.recycle
    ? [0, 1].map(() =>
        program.stateUpdates.map(({ to }) => new Float64Array(sizeOfShape(program.slots[to].shape))),
      )
    : undefined;
  const losses: { step: number; loss: number }[] = [];
  const first = opts.firstStep ?? 1;
  const t0 = performance.now();
  try {
    for (let t = first; t < first + opts.steps; t++) {
      // a batch whose rows do not wrap around the dataset is a view of it (no copy); otherwise the
      // rows are copied into x and y. Either way only rows of the checked dataset are fed.
      const s = batchRowSample(dataset.nSamples, t, batchSize, 0);
      let xIn = xT;
      let yIn = yT;
      if (s + batchSize <= dataset.nSamples) {
        const [d, c] = [dataset.nFeatures, dataset.nClasses];
        xIn = markChecked({ ...xT, data: dataset.features.data.subarray(s * d, (s + batchSize) * d) });
        yIn = markChecked({ ...yT, data: dataset.targets.data.subarray(s * c, (s + batchSize) * c) });
      } else batchInto(dataset, t, batchSize, x, y);
      const wantLoss = hasLoss && lossEvery > 0 && (t - first) % lossEvery === 0;
      const into = pool ? pool[t % 2] : undefined;
      const res = await executor.step(state, hasTarget ? { x: xIn, y: yIn } : { x: xIn }, {
        ...(wantLoss ? { outputs: ["loss"] } : {}),
        ...(into ? { into } : {}),
      });
      state = res.state;
      let loss: number | undefined;
      if (wantLoss) {
        loss = res.outputs.loss.data.reduce((p, v) => p + v, 0) / lossScale;
        losses.push({ step: t, loss });
      }
      if (opts.onStep) await opts.onStep({ step: t, ...(loss !== undefined ? { loss } : {}), state });
    }
  } finally {
    if (!opts.executor) await executor.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (pool) state = state.map((s) => ({ ...s, shape: [...s.shape], data: Float64Array.from(s.data) })); // detach from the pool
  return {
    state,
    lastStep: first + opts.steps - 1,
    losses,
    seconds,
    stepsPerSec: opts.steps / Math.max(seconds, 1e-9),
  };
}

/** Index of the largest element of each row (first on ties). */
export function argmaxRows(logits: IntTensor): Int32Array {
  const [rows, cols] = logits.shape;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (logits.data[r * cols + c] > logits.data[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

export interface AccuracyOptions extends ExecutorOptions {
  /** Reuse an executor for the program. */
  readonly executor?: Executor;
  /** Name of the logits output (default "logits"). */
  readonly output?: string;
}

/**
 * Classification accuracy of `state` on `testSet`: runs the program's forward pass (its "logits"
 * output; for a train-step program the update is computed and discarded) over windows of the
 * program's batch size, counting each test sample once.
 */
export async function accuracy(
  program: PinProgram,
  state: readonly IntTensor[],
  testSet: Dataset,
  opts: AccuracyOptions = {},
): Promise<number> {
  const name = opts.output ?? "logits";
  if (program.outputs[name] === undefined)
    throw execError(ExecCode.MissingInput, `program has no "${name}" output to evaluate accuracy with`);
  const { batchSize } = checkDataset(program, testSet);
  const executor = opts.executor ?? (await createExecutor(program, opts));
  const hasTarget = program.slots.some((s) => s.kind === "target");
  const x = new Float64Array(batchSize * testSet.nFeatures);
  const y = new Float64Array(batchSize * testSet.nClasses);
  const labels = new Int32Array(batchSize);
  const xT = markChecked({ shape: [batchSize, testSet.nFeatures], data: x, scale: testSet.features.scale });
  const yT = markChecked({ shape: [batchSize, testSet.nClasses], data: y, scale: testSet.targets.scale });
  let correct = 0;
  let seen = 0;
  try {
    for (let t = 1; seen < testSet.nSamples; t++) {
      batchInto(testSet, t, batchSize, x, y, labels);
      const res = await executor.step(state, hasTarget ? { x: xT, y: yT } : { x: xT }, { outputs: [name] });
      const pred = argmaxRows(res.outputs[name]);
      for (let r = 0; r < batchSize && seen < testSet.nSamples; r++, seen++)
        if (pred[r] === labels[r]) correct++;
    }
  } finally {
    if (!opts.executor) await executor.dispose();
  }
  return correct / testSet.nSamples;
}
