/**
 * Game geometry, mirroring contracts/libraries/LibDissection.sol: D-ary dissection of a position
 * range and descent of binary hash trees (tensor data trees and value-table list trees).
 */
import { type Hash, nodeHash, ZERO_HASH } from "../commit/hash";
import { type TensorTree, zeroSubtree } from "../commit/tensor";

/** min(D, hi − lo). */
export function segments(lo: number, hi: number, degree: number): number {
  return Math.min(degree, hi - lo);
}

/** Number of midpoints the defender posts for [lo, hi]. */
export function midpointCount(lo: number, hi: number, degree: number): number {
  return segments(lo, hi, degree) - 1;
}

/** Position of point i of the dissection of [lo, hi]: lo + ⌊(hi − lo)·i / s⌋. */
export function point(lo: number, hi: number, degree: number, i: number): number {
  return lo + Math.floor(((hi - lo) * i) / segments(lo, hi, degree));
}

/** Interior points (the midpoint positions) of [lo, hi]. */
export function midpoints(lo: number, hi: number, degree: number): number[] {
  const n = midpointCount(lo, hi, degree);
  return Array.from({ length: n }, (_, i) => point(lo, hi, degree, i + 1));
}

/** Bounds of segment i. */
export function segment(lo: number, hi: number, degree: number, i: number): [number, number] {
  return [point(lo, hi, degree, i), point(lo, hi, degree, i + 1)];
}

/** Rounds of a D-ary dissection of a range of length `span` down to one unit. */
export function dissectionRounds(span: number, degree: number): number {
  let r = 0;
  while (span > 1) {
    span = Math.ceil(span / degree);
    r++;
  }
  return r;
}

/** Levels revealed by the next descent move below a node at `height`. */
export function descentLevels(height: number, bits: number): number {
  return Math.min(height, bits);
}

/** Descent rounds over a tree of depth `depth` with `bits` levels per round. */
export function descentRounds(depth: number, bits: number): number {
  return Math.ceil(depth / bits);
}

/** Node (height, index) of a tensor data tree, zero subtrees beyond the real nodes. */
export function tensorNode(tree: TensorTree, height: number, index: number): Hash {
  const count = Math.ceil(tree.leafCount / 2 ** height);
  if (index >= count) return zeroSubtree(height);
  const level = tree.levels[height];
  const o = (index >> 1) * 65 + 1 + (index & 1) * 32;
  return Buffer.from(level.subarray(o, o + 32));
}

/** All levels of a list tree (docs/SPEC.md §3): level 0 = items; padding nodes are absent. */
export function listLevels(items: readonly Uint8Array[]): Hash[][] {
  const levels: Hash[][] = [items.map((x) => Buffer.from(x))];
  while (levels[levels.length - 1].length > 1) {
    const cur = levels[levels.length - 1];
    const next: Hash[] = [];
    for (let i = 0; i < cur.length; i += 2) next.push(nodeHash(cur[i], cur[i + 1] ?? ZERO_HASH));
    levels.push(next);
  }
  return levels;
}

/** Node (height, index) of a list tree given its levels; padding is bytes32(0). */
export function listNode(levels: readonly Hash[][], height: number, index: number): Hash {
  return levels[height]?.[index] ?? ZERO_HASH;
}

/** The 2^levels descendants `levels` below node (height, index), via `nodeAt(height, index)`. */
export function descendants(nodeAt: (h: number, i: number) => Hash, height: number, index: number, levels: number): Hash[] {
  const n = 1 << levels;
  const h = height - levels;
  return Array.from({ length: n }, (_, c) => nodeAt(h, index * n + c));
}
