/**
 * Dataset commitments and batch views (docs/SPEC.md §3–4), bit for bit the same as
 * LibHash.dataset and LibProofs.verifyBatchElement.
 *
 * A dataset is a features tensor [N, …] and a targets tensor [N, …]. The batch of step t
 * (t ≥ 1) under view (datasetHash, t, batchSize) has row r = dataset sample
 * ((t − 1) · batchSize + r) mod N; a batch element is opened by an element proof into the
 * dataset tensor, so the chain can check any batch element directly.
 */
import { batchRowSample } from "../data/batch";
import { InputError, IntegrityError } from "../errors";
import type { IntTensor } from "../pinir/types";
import { type Hash, sha256, Tag } from "./hash";
import { elementCommitment, type ElementProof, elementProof, numElements, tensorTree, type TensorTree } from "./tensor";

/** Dataset hash H(0x06 ‖ tensorHash(features) ‖ tensorHash(targets)). */
export function datasetHashFromTensorHashes(featuresHash: Uint8Array, targetsHash: Uint8Array): Hash {
  return sha256(Buffer.from([Tag.Dataset]), featuresHash, targetsHash);
}

/** A committed dataset with both trees kept for batch proofs. */
export interface DatasetCommitment {
  readonly features: TensorTree;
  readonly targets: TensorTree;
  readonly nSamples: number;
  readonly hash: Hash;
}

function checkDatasetTensor(t: IntTensor, what: string): number {
  if (t.shape.length < 1) throw new InputError("DATASET_SHAPE", `dataset ${what} must have rank ≥ 1 (samples along dimension 0)`);
  return t.shape[0];
}

/** Commits a dataset split (features and targets must have the same number of samples). */
export function commitDataset(features: IntTensor, targets: IntTensor): DatasetCommitment {
  const n = checkDatasetTensor(features, "features");
  const m = checkDatasetTensor(targets, "targets");
  if (n !== m) throw new InputError("DATASET_SHAPE", `dataset has ${n} feature rows but ${m} target rows`);
  const ft = tensorTree(features);
  const tt = tensorTree(targets);
  return { features: ft, targets: tt, nSamples: n, hash: datasetHashFromTensorHashes(ft.hash, tt.hash) };
}

/** Dataset hash of a features/targets pair. */
export function datasetHash(features: IntTensor, targets: IntTensor): Hash {
  return commitDataset(features, targets).hash;
}

/** Dataset sample of row `row` of the batch of step `step`: ((step − 1)·batchSize + row) mod nSamples. */
export function batchSample(step: number, batchSize: number, row: number, nSamples: number): number {
  return batchRowSample(nSamples, step, batchSize, row);
}

/** Flat index into a dataset tensor of element `batchIndex` of the batch tensor of step `step`. */
export function datasetIndexOfBatchElement(shape: readonly number[], step: number, batchSize: number, batchIndex: number): number {
  const nSamples = shape[0];
  const rowSize = numElements(shape) / nSamples;
  const row = Math.floor(batchIndex / rowSize);
  return batchSample(step, batchSize, row, nSamples) * rowSize + (batchIndex % rowSize);
}

function batchOf(t: IntTensor, step: number, batchSize: number): IntTensor {
  const nSamples = t.shape[0];
  const rowSize = t.data.length / nSamples;
  const data = new Float64Array(batchSize * rowSize);
  for (let r = 0; r < batchSize; r++) {
    const s = batchSample(step, batchSize, r, nSamples);
    data.set(t.data.subarray(s * rowSize, (s + 1) * rowSize), r * rowSize);
  }
  return { shape: [batchSize, ...t.shape.slice(1)], data, scale: t.scale };
}

/** The input and target batch tensors of step `step` ([batchSize, …row shape] each). */
export function batchView(
  features: IntTensor,
  targets: IntTensor,
  step: number,
  batchSize: number,
): { features: IntTensor; targets: IntTensor } {
  checkDatasetTensor(features, "features");
  checkDatasetTensor(targets, "targets");
  return { features: batchOf(features, step, batchSize), targets: batchOf(targets, step, batchSize) };
}

/** Proof of element `batchIndex` of the input (or target) batch of step `step`. */
export interface BatchElementProof {
  /** Whether the proof opens the targets tensor (else the features tensor). */
  readonly isTarget: boolean;
  /** Tensor hash of the other dataset tensor. */
  readonly otherHash: Hash;
  /** Element proof into the dataset tensor. */
  readonly proof: ElementProof;
}

export function batchElementProof(
  dataset: DatasetCommitment,
  isTarget: boolean,
  step: number,
  batchSize: number,
  batchIndex: number,
): BatchElementProof {
  const tree = isTarget ? dataset.targets : dataset.features;
  const rowSize = tree.n / dataset.nSamples;
  if (!Number.isSafeInteger(batchIndex) || batchIndex < 0 || batchIndex >= batchSize * rowSize) {
    throw new InputError("BATCH_VIEW", `batch element ${batchIndex} is outside a batch of ${batchSize * rowSize} elements`);
  }
  const index = datasetIndexOfBatchElement(tree.tensor.shape, step, batchSize, batchIndex);
  return {
    isTarget,
    otherHash: Buffer.from((isTarget ? dataset.features : dataset.targets).hash),
    proof: elementProof(tree, index),
  };
}

/**
 * Verifies a batch element proof under view (datasetHash, step, batchSize) and returns the
 * element, exactly like LibProofs.verifyBatchElement. Throws IntegrityError otherwise.
 */
export function openBatchElement(
  datasetHash_: Uint8Array,
  step: number,
  batchSize: number,
  batchIndex: number,
  bp: BatchElementProof,
): number {
  const p = bp.proof;
  if (p.shape.length === 0) throw new IntegrityError("PROOF_DATASET_RANK", "a dataset tensor has rank ≥ 1");
  const { tensorHash: th, value } = elementCommitment(p);
  const computed = bp.isTarget ? datasetHashFromTensorHashes(bp.otherHash, th) : datasetHashFromTensorHashes(th, bp.otherHash);
  if (!computed.equals(datasetHash_)) {
    throw new IntegrityError("PROOF_MISMATCH", "batch element proof does not open the committed dataset");
  }
  let expected: number;
  try {
    expected = datasetIndexOfBatchElement(p.shape, step, batchSize, batchIndex);
  } catch (err) {
    throw new IntegrityError("PROOF_BATCH_VIEW", (err as Error).message);
  }
  if (p.index !== expected) {
    throw new IntegrityError("PROOF_BATCH_INDEX", `batch element proof opens dataset element ${p.index}, the view selects ${expected}`);
  }
  return value;
}

/** Whether a batch element proof verifies under view (datasetHash, step, batchSize). */
export function verifyBatchElement(
  datasetHash_: Uint8Array,
  step: number,
  batchSize: number,
  batchIndex: number,
  bp: BatchElementProof,
): boolean {
  try {
    openBatchElement(datasetHash_, step, batchSize, batchIndex, bp);
    return true;
  } catch {
    return false;
  }
}
