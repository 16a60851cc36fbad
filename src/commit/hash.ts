import { createHash } from "node:crypto";

/** Domain tags (docs/SPEC.md §2–3); the first byte of every hashed preimage. */
export const Tag = {
  Leaf: 0x00,
  Node: 0x01,
  Tensor: 0x02,
  State: 0x03,
  ValueTable: 0x04,
  CheckpointBatch: 0x05,
  Dataset: 0x06,
  Program: 0x07,
} as const;

/** A 32-byte hash. */
export type Hash = Buffer;

export const ZERO_HASH: Hash = Buffer.alloc(32);

export function sha256(...parts: Uint8Array[]): Hash {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

const NODE_PREFIX = Buffer.from([Tag.Node]);

/** nodeHash(l, r) = sha256(0x01 ‖ l ‖ r). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  return sha256(NODE_PREFIX, left, right);
}

export function u32(x: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(x);
  return b;
}

export function u64(x: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(x));
  return b;
}

/** Number of levels of a list tree over n items: ceil(log2 n), 0 for one item. */
export function listDepth(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`list length must be a positive integer, got ${n}`);
  return n === 1 ? 0 : Math.ceil(Math.log2(n));
}

/**
 * Root of a list of hashes (docs/SPEC.md §3): each level pairs nodes left to right, an
 * unpaired last node with bytes32(0).
 */
export function listRoot(items: readonly Uint8Array[]): Hash {
  if (items.length === 0) throw new RangeError("listRoot of an empty list");
  let level: Uint8Array[] = items.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1] ?? ZERO_HASH));
    level = next;
  }
  return Buffer.from(level[0]);
}

/** Bottom-up sibling path of item `index` in {@link listRoot}. */
export function listProof(items: readonly Uint8Array[], index: number): Hash[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= items.length) {
    throw new RangeError(`list index ${index} out of range [0, ${items.length})`);
  }
  const path: Hash[] = [];
  let level: Uint8Array[] = items.slice();
  let i = index;
  while (level.length > 1) {
    path.push(Buffer.from(level[i ^ 1] ?? ZERO_HASH));
    const next: Uint8Array[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(nodeHash(level[j], level[j + 1] ?? ZERO_HASH));
    level = next;
    i >>= 1;
  }
  return path;
}

/** Recomputes a list root from one item and its sibling path. */
export function rootFromPath(item: Uint8Array, index: number, path: readonly Uint8Array[]): Hash {
  let h: Hash = Buffer.from(item);
  // Arithmetic instead of `>>`: list indices go up to 2^32 − 1, past int32.
  for (let level = 0, i = index; level < path.length; level++, i = Math.floor(i / 2)) {
    h = i % 2 === 0 ? nodeHash(h, path[level]) : nodeHash(path[level], h);
  }
  return h;
}

/** Commitment to one streamed batch of checkpoints (docs/SPEC.md §3). */
export function checkpointBatchHash(firstIndex: number, stateHashes: readonly Uint8Array[]): Hash {
  return sha256(Buffer.from([Tag.CheckpointBatch]), u64(firstIndex), u32(stateHashes.length), listRoot(stateHashes));
}
