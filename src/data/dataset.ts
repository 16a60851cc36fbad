import type { IntTensor } from "../pinir/types";
import { DEFAULT_FRAC_BITS } from "../pinir/types";
import { InputError } from "../errors";

/**
 * A labelled classification dataset in fixed point, in committed (already shuffled) order.
 * `features` is [N, d] at scale F; `targets` is [N, C], one-hot at scale F (1.0 = 2^F), for MSE;
 * `labels` keeps the integer class of each sample for accuracy.
 */
export interface Dataset {
  readonly name: string;
  readonly fracBits: number;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly nClasses: number;
  readonly features: IntTensor;
  readonly targets: IntTensor;
  readonly labels: Int32Array;
  /** Index of each sample in the source package's own order (provenance; not committed). */
  readonly sourceIndex?: Int32Array;
}

export interface DatasetSplits {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Real → fixed point: round(x · 2^F) (ties toward +∞), canonical (never −0). */
export function toFixed(x: number, fracBits: number): number {
  const v = Math.round(x * 2 ** fracBits);
  return v === 0 ? 0 : v;
}

/** Builds a {@link Dataset} from real-valued rows and integer labels (in the given order). */
export function makeDataset(
  name: string,
  rows: readonly ArrayLike<number>[],
  labels: readonly number[],
  nClasses: number,
  fracBits = DEFAULT_FRAC_BITS,
  sourceIndex?: readonly number[],
): Dataset {
  const n = rows.length;
  if (n === 0 || labels.length !== n)
    throw new InputError("DATA_EMPTY", `dataset ${name}: need ≥ 1 sample and one label per row`, {
      rows: n,
      labels: labels.length,
    });
  const d = rows[0].length;
  const features = new Float64Array(n * d);
  const targets = new Float64Array(n * nClasses);
  const lab = new Int32Array(n);
  const one = 2 ** fracBits;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (row.length !== d)
      throw new InputError(
        "DATA_SHAPE",
        `dataset ${name}: row ${i} has ${row.length} features, expected ${d}`,
      );
    for (let k = 0; k < d; k++) features[i * d + k] = toFixed(row[k], fracBits);
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= nClasses)
      throw new InputError(
        "DATA_LABEL",
        `dataset ${name}: label ${c} of row ${i} is not in [0, ${nClasses})`,
      );
    lab[i] = c;
    targets[i * nClasses + c] = one;
  }
  return {
    name,
    fracBits,
    nSamples: n,
    nFeatures: d,
    nClasses,
    features: { shape: [n, d], data: features, scale: fracBits },
    targets: { shape: [n, nClasses], data: targets, scale: fracBits },
    labels: lab,
    ...(sourceIndex ? { sourceIndex: Int32Array.from(sourceIndex) } : {}),
  };
}
