/**
 * Generates the shared commitment test vectors (docs/SPEC.md §2–4) that TypeScript and
 * Solidity must agree on bit for bit: test/vectors/commit.json.
 *
 *   npx ts-node scripts/gen-vectors.ts [--seed N] [--out path]
 *
 * Deterministic for a given seed: test/commit/vectors.test.ts regenerates the committed file
 * from its seed and requires an identical result, and also checks fresh random seeds.
 */
import fs from "node:fs";
import { seededRandom } from "../src/pinir/models";
import path from "node:path";
import {
  checkpointBatchHash,
  checkpointProof,
  commitDataset,
  batchElementProof,
  elementProof,
  type Hash,
  type ListProof,
  slotProof,
  slotUpdateProof,
  stateHash,
  stateTensorProof,
  tensorTree,
  valueTableRoot,
} from "../src/commit";
import type { IntTensor } from "../src/pinir/types";

export const VECTORS_VERSION = 1;
export const DEFAULT_SEED = 20261125;
export const BOUND = 2 ** 20 - 1;
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

export interface ElementProofVector {
  index: number;
  value: number;
  leaf: string;
  path: string[];
}
export interface TensorVector {
  name: string;
  shape: number[];
  scale: number;
  data: number[];
  depth: number;
  dataRoot: string;
  tensorHash: string;
  proofs: ElementProofVector[];
}
export interface ListProofVector {
  index: number;
  path: string[];
}
export interface StateVector {
  tensorHashes: string[];
  stateHash: string;
  proofs: ListProofVector[];
}
export interface SlotUpdateVector {
  index: number;
  oldSlotHash: string;
  newSlotHash: string;
  oldRoot: string;
  newRoot: string;
  path: string[];
}
export interface ValueTableVector {
  slots: (string | null)[];
  root: string;
  proofs: ListProofVector[];
  updates: SlotUpdateVector[];
}
export interface CheckpointVector {
  firstIndex: number;
  stateHashes: string[];
  batchHash: string;
  proofs: ListProofVector[];
}
export interface BatchElementVector {
  step: number;
  batchSize: number;
  isTarget: boolean;
  batchIndex: number;
  value: number;
  otherHash: string;
  proof: ElementProofVector & { shape: number[]; scale: number };
}
export interface DatasetVector {
  features: { shape: number[]; scale: number; data: number[] };
  targets: { shape: number[]; scale: number; data: number[] };
  featuresHash: string;
  targetsHash: string;
  hash: string;
  batches: BatchElementVector[];
}
export interface CommitVectors {
  version: number;
  seed: number;
  tensors: TensorVector[];
  states: StateVector[];
  valueTables: ValueTableVector[];
  checkpoints: CheckpointVector[];
  datasets: DatasetVector[];
}

/** mulberry32 (the models' PRNG): vectors must be reproducible from the seed. */
export const prng = seededRandom;

const hex = (h: Uint8Array): string => "0x" + Buffer.from(h).toString("hex");

function randInt(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** Random values in ±(2^B − 1) with the extremes, zero and ±1 sprinkled in. */
function randomData(rnd: () => number, n: number, bound: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.05) d[i] = bound;
    else if (r < 0.1) d[i] = -bound;
    else if (r < 0.13) d[i] = 0;
    else if (r < 0.16) d[i] = rnd() < 0.5 ? 1 : -1;
    else d[i] = Math.round((rnd() * 2 - 1) * bound);
  }
  return d;
}

function elementVector(tree: ReturnType<typeof tensorTree>, index: number): ElementProofVector {
  const p = elementProof(tree, index);
  return { index, value: tree.tensor.data[index], leaf: hex(p.leaf), path: p.path.map(hex) };
}

function proofIndices(rnd: () => number, n: number, k: number): number[] {
  const s = new Set<number>([0, n - 1]);
  if (n > 128) s.add(128);
  if (n > 127) s.add(127);
  while (s.size < Math.min(n, k)) s.add(randInt(rnd, 0, n - 1));
  return [...s].sort((a, b) => a - b);
}

function tensorVector(rnd: () => number, name: string, shape: number[], scale: number, data: Float64Array, k = 4): TensorVector {
  const t: IntTensor = { shape, data, scale };
  const tree = tensorTree(t);
  return {
    name,
    shape,
    scale,
    data: Array.from(data),
    depth: tree.depth,
    dataRoot: hex(tree.dataRoot),
    tensorHash: hex(tree.hash),
    proofs: proofIndices(rnd, tree.n, k).map((i) => elementVector(tree, i)),
  };
}

function randomHash(rnd: () => number): Hash {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function listProofVector(p: ListProof): ListProofVector {
  return { index: p.index, path: p.path.map(hex) };
}

/** Builds the full vector set for one seed. `small` keeps it quick for fresh random runs. */
export function generateVectors(seed: number = DEFAULT_SEED, small = false): CommitVectors {
  const rnd = prng(seed);
  const tensors: TensorVector[] = [];
  const fixed: [string, number[]][] = [
    ["scalar", []],
    ["one element", [1]],
    ["one leaf exactly", [128]],
    ["one leaf plus one", [129]],
    ["three leaves", [3, 100]],
    ["four leaves exactly", [4, 128]],
    ["five leaves, rank 4", [2, 3, 5, 22]],
  ];
  for (const [name, shape] of fixed) {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.push(tensorVector(rnd, name, shape, randInt(rnd, 0, 24), randomData(rnd, n, BOUND)));
  }
  // Extremes of the exact range: ±(2^53 − 1) and values around ±2^31, ±2^32.
  const ext = [MAX_EXACT, -MAX_EXACT, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 32 + 1, -1, 0, 1];
  tensors.push(tensorVector(rnd, "exact-range extremes", [ext.length], 0, Float64Array.from(ext), ext.length));
  const nRandom = small ? 3 : 6;
  for (let i = 0; i < nRandom; i++) {
    const rank = randInt(rnd, 1, 3);
    const shape = Array.from({ length: rank }, () => randInt(rnd, 1, rank === 1 ? 2000 : rank === 2 ? 60 : 14));
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.push(tensorVector(rnd, `random ${i}`, shape, randInt(rnd, 0, 32), randomData(rnd, n, BOUND)));
  }

  const states: StateVector[] = [];
  for (const count of small ? [1, 3] : [1, 2, 3, 5, 8]) {
    const hs = Array.from({ length: count }, () => randomHash(rnd));
    states.push({
      tensorHashes: hs.map(hex),
      stateHash: hex(stateHash(hs)),
      proofs: hs.map((_, i) => listProofVector(stateTensorProof(hs, i))),
    });
  }

  const valueTables: ValueTableVector[] = [];
  for (const count of small ? [1, 6] : [1, 2, 6, 9, 17]) {
    const slots = Array.from({ length: count }, () => (rnd() < 0.4 ? null : randomHash(rnd)));
    const updates: SlotUpdateVector[] = [];
    for (let u = 0; u < Math.min(count, 3); u++) {
      const index = randInt(rnd, 0, count - 1);
      const up = slotUpdateProof(slots, index, randomHash(rnd));
      updates.push({
        index,
        oldSlotHash: hex(up.oldSlotHash),
        newSlotHash: hex(up.newSlotHash),
        oldRoot: hex(up.oldRoot),
        newRoot: hex(up.newRoot),
        path: up.path.map(hex),
      });
    }
    valueTables.push({
      slots: slots.map((s) => (s ? hex(s) : null)),
      root: hex(valueTableRoot(slots)),
      proofs: slots.map((_, i) => listProofVector(slotProof(slots, i))),
      updates,
    });
  }

  const checkpoints: CheckpointVector[] = [];
  for (const count of small ? [1, 5] : [1, 4, 7, 64]) {
    const hs = Array.from({ length: count }, () => randomHash(rnd));
    const firstIndex = randInt(rnd, 1, 1000);
    const idx = proofIndices(rnd, count, 4);
    checkpoints.push({
      firstIndex,
      stateHashes: hs.map(hex),
      batchHash: hex(checkpointBatchHash(firstIndex, hs)),
      proofs: idx.map((i) => listProofVector(checkpointProof(hs, i))),
    });
  }

  const datasets: DatasetVector[] = [];
  for (const [nSamples, rowShape, targetShape] of [
    [10, [3], [1]],
    [37, [2, 4], [3]],
  ] as [number, number[], number[]][]) {
    const fShape = [nSamples, ...rowShape];
    const tShape = [nSamples, ...targetShape];
    const features: IntTensor = { shape: fShape, data: randomData(rnd, fShape.reduce((a, b) => a * b, 1), BOUND), scale: 16 };
    const targets: IntTensor = { shape: tShape, data: randomData(rnd, tShape.reduce((a, b) => a * b, 1), BOUND), scale: 16 };
    const ds = commitDataset(features, targets);
    const batches: BatchElementVector[] = [];
    for (let b = 0; b < 4; b++) {
      const isTarget = b % 2 === 1;
      const step = randInt(rnd, 1, 50);
      const batchSize = randInt(rnd, 1, 8);
      const rowSize = (isTarget ? targetShape : rowShape).reduce((a, c) => a * c, 1);
      const batchIndex = randInt(rnd, 0, batchSize * rowSize - 1);
      const bp = batchElementProof(ds, isTarget, step, batchSize, batchIndex);
      const tree = isTarget ? ds.targets : ds.features;
      batches.push({
        step,
        batchSize,
        isTarget,
        batchIndex,
        value: tree.tensor.data[bp.proof.index],
        otherHash: hex(bp.otherHash),
        proof: { ...elementVector(tree, bp.proof.index), shape: [...bp.proof.shape], scale: bp.proof.scale },
      });
    }
    datasets.push({
      features: { shape: fShape, scale: 16, data: Array.from(features.data) },
      targets: { shape: tShape, scale: 16, data: Array.from(targets.data) },
      featuresHash: hex(ds.features.hash),
      targetsHash: hex(ds.targets.hash),
      hash: hex(ds.hash),
      batches,
    });
  }

  return { version: VECTORS_VERSION, seed, tensors, states, valueTables, checkpoints, datasets };
}

export const VECTORS_PATH = path.join(__dirname, "..", "test", "vectors", "commit.json");

export function serialiseVectors(v: CommitVectors): string {
  return JSON.stringify(v, null, 1) + "\n";
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const seedArg = args.indexOf("--seed");
  const outArg = args.indexOf("--out");
  const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : DEFAULT_SEED;
  const out = outArg >= 0 ? args[outArg + 1] : VECTORS_PATH;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, serialiseVectors(generateVectors(seed)));
  console.log(`wrote ${out} (seed ${seed})`);
}
