import type { IntTensor } from "../pinir/types";
import { InputError } from "../errors";
import type { Dataset } from "./dataset";

/**
 * Dataset sample of row `r` (0-based) of batch `t` (1-based) — docs/SPEC.md §4:
 * ((t − 1) · batchSize + r) mod nSamples. Exact for every safe-integer t.
 */
export function batchRowSample(nSamples: number, t: number, batchSize: number, r: number): number {
  checkView(nSamples, t, batchSize);
  if (!Number.isInteger(r) || r < 0 || r >= batchSize)
    throw new InputError("DATA_BATCH_ROW", `batch row ${r} is not in [0, ${batchSize})`);
  const prod = ((t - 1) % nSamples) * (batchSize % nSamples); // reduce before multiplying
  if (prod <= Number.MAX_SAFE_INTEGER) return ((prod % nSamples) + r) % nSamples;
  return Number(((BigInt(t) - 1n) * BigInt(batchSize) + BigInt(r)) % BigInt(nSamples));
}

function checkView(nSamples: number, t: number, batchSize: number): void {
  if (!Number.isSafeInteger(t) || t < 1)
    throw new InputError("DATA_BATCH_STEP", `step ${t} must be an integer ≥ 1 (steps are 1-based)`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new InputError("DATA_BATCH_SIZE", `batch size ${batchSize} must be an integer ≥ 1`);
  if (!Number.isSafeInteger(nSamples) || nSamples < 1)
    throw new InputError("DATA_EMPTY", `dataset has ${nSamples} samples`);
}

/** A batch: x [B, d] and y [B, C] (fixed point) plus the integer labels and sample indices of its rows. */
export interface Batch {
  readonly x: IntTensor;
  readonly y: IntTensor;
  readonly labels: Int32Array;
  readonly samples: Int32Array;
}

/**
 * Writes batch `t` of the view (dataset, t, batchSize) into preallocated buffers (the training
 * loop's allocation-free path). `x` needs B·d elements, `y` B·C.
 */
export function batchInto(
  dataset: Dataset,
  t: number,
  batchSize: number,
  x: Float64Array,
  y: Float64Array,
  labels?: Int32Array,
  samples?: Int32Array,
): void {
  const n = dataset.nSamples;
  const d = dataset.nFeatures;
  const c = dataset.nClasses;
  checkView(n, t, batchSize);
  if (x.length !== batchSize * d || y.length !== batchSize * c) {
    throw new InputError(
      "DATA_BATCH_BUFFER",
      `batch buffers need ${batchSize * d} and ${batchSize * c} elements, got ${x.length} and ${y.length}`,
    );
  }
  let s = batchRowSample(n, t, batchSize, 0);
  for (let r = 0; r < batchSize; r++) {
    x.set(dataset.features.data.subarray(s * d, s * d + d), r * d);
    y.set(dataset.targets.data.subarray(s * c, s * c + c), r * c);
    if (labels) labels[r] = dataset.labels[s];
    if (samples) samples[r] = s;
    s = s + 1 === n ? 0 : s + 1;
  }
}

/** Batch `t` (1-based) of size `batchSize` of the view (dataset, t, batchSize), docs/SPEC.md §4. */
export function batchAt(dataset: Dataset, t: number, batchSize: number): Batch {
  const x = new Float64Array(batchSize * dataset.nFeatures);
  const y = new Float64Array(batchSize * dataset.nClasses);
  const labels = new Int32Array(batchSize);
  const samples = new Int32Array(batchSize);
  batchInto(dataset, t, batchSize, x, y, labels, samples);
  return {
    x: { shape: [batchSize, dataset.nFeatures], data: x, scale: dataset.features.scale },
    y: { shape: [batchSize, dataset.nClasses], data: y, scale: dataset.targets.scale },
    labels,
    samples,
  };
}
