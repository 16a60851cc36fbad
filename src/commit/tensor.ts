/**
 * Tensor commitments and element proofs (docs/SPEC.md §2), bit for bit the same as
 * contracts/libraries/LibTensor.sol.
 *
 * Elements are int64 big-endian, row-major, 128 per 1024-byte leaf (last leaf zero-padded);
 * leafHash = H(0x00 ‖ leaf); nodeHash = H(0x01 ‖ l ‖ r); the data tree is padded to 2^d leaves
 * with zero-subtree hashes Z_i; tensorHash = H(0x02 ‖ u32(scale) ‖ u32(rank) ‖ u64(dim)… ‖ dataRoot).
 *
 * Speed (≥ 500 MB/s on one core for a 64 MiB tensor is the goal): elements are encoded with
 * DataView into a small reusable scratch area laid out so that every leaf is preceded by its
 * 0x00 tag byte, hashed straight from there with the one-shot `crypto.hash`, and digests are
 * taken as latin1 strings (allocating a Buffer per digest costs more than the hash of a node).
 * Tree levels use a "pair layout" (0x01 ‖ left ‖ right per 65 bytes) so a parent hashes a view.
 */
import * as crypto from "node:crypto";
import { InputError, IntegrityError } from "../errors";
import type { IntTensor } from "../pinir/types";
import { type Hash, listDepth, sha256, Tag } from "./hash";

/** Bytes per leaf. */
export const LEAF_BYTES = 1024;
/** Elements per leaf. */
export const LEAF_ELEMENTS = 128;
/** log2(LEAF_ELEMENTS). */
export const LEAF_SHIFT = 7;
/** Largest magnitude an element may have: 2^53 − 1 (exact in float64). */
export const MAX_ELEMENT = Number.MAX_SAFE_INTEGER;

const TWO32 = 4294967296;
/** Bytes of one pair slot in a level buffer: 0x01 ‖ left ‖ right. */
const PAIR = 65;
/** Scratch layout: per leaf 3 unused bytes, the 0x00 tag, 1024 data bytes (keeps data 4-aligned). */
const STRIDE = LEAF_BYTES + 4;
/** Leaves encoded per scratch chunk (64 KiB: stays in cache). */
const CHUNK_LEAVES = 64;

type DigestFn = (data: Uint8Array) => string;
/** One-shot SHA-256 to a latin1 string (`crypto.hash` on Node ≥ 20.12, createHash otherwise). */
const digestLatin1: DigestFn =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (data) => (crypto as unknown as { hash(a: string, d: Uint8Array, e: string): string }).hash("sha256", data, "latin1")
    : (data) => crypto.createHash("sha256").update(data).digest("binary");

// ------------------------------------------------------------------ validation

/** Number of elements of a shape (1 for a scalar); throws InputError on a bad dimension. */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || d < 1) {
      throw new InputError("TENSOR_SHAPE", `tensor dimension ${i} is ${d}; every dimension must be a positive integer`, {
        shape: [...shape],
      });
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new InputError("TENSOR_SHAPE", `tensor shape [${shape.join(", ")}] has too many elements`);
  return n;
}

/** Checks shape, scale and length of a tensor (elements are checked while encoding). */
export function checkTensorHeader(t: IntTensor): number {
  const n = numElements(t.shape);
  if (t.data.length !== n) {
    throw new InputError(
      "TENSOR_SHAPE",
      `tensor of shape [${t.shape.join(", ")}] needs ${n} elements but has ${t.data.length}`,
    );
  }
  if (!Number.isInteger(t.scale) || t.scale < 0 || t.scale > 0xffffffff) {
    throw new InputError("TENSOR_SCALE", `tensor scale ${t.scale} is not an integer in [0, 2^32)`);
  }
  if (t.shape.length > 0xffffffff) throw new InputError("TENSOR_SHAPE", "tensor rank does not fit in u32");
  return n;
}

function badElement(index: number, v: number): InputError {
  if (Number.isNaN(v) || (Number.isFinite(v) && !Number.isInteger(v))) {
    return new InputError("TENSOR_NOT_INTEGER", `tensor element ${index} is ${v}, not an integer; PinIR values are exact integers`, {
      index,
      value: String(v),
    });
  }
  return new InputError(
    "TENSOR_OUT_OF_RANGE",
    `tensor element ${index} is ${v}; |v| must be below 2^53 to be exact (the compiler's bounds should prevent this)`,
    { index, value: String(v) },
  );
}

/**
 * Writes elements [from, to) as i64 big-endian at byte `offset` of `dv`. −0 becomes 0.
 * Throws InputError for a non-integer or |v| ≥ 2^53. No bigint per element.
 */
function writeElements(dv: DataView, offset: number, data: Float64Array, from: number, to: number): void {
  for (let j = from, o = offset; j < to; j++, o += 8) {
    const v = data[j];
    if ((v | 0) === v) {
      // Fast path: an int32 (also −0): high word is the sign extension.
      dv.setInt32(o, v >> 31);
      dv.setInt32(o + 4, v);
    } else {
      if (!(v === Math.floor(v)) || v > MAX_ELEMENT || v < -MAX_ELEMENT) throw badElement(j, v);
      const hi = Math.floor(v / TWO32);
      dv.setInt32(o, hi);
      dv.setUint32(o + 4, v - hi * TWO32);
    }
  }
}

// ------------------------------------------------------------------ encoding

/** Canonical encoding of a tensor's elements: i64 big-endian, row-major, 8·n bytes (no padding). */
export function encodeTensor(t: IntTensor): Buffer {
  const n = checkTensorHeader(t);
  const out = Buffer.alloc(8 * n);
  writeElements(new DataView(out.buffer, out.byteOffset, out.byteLength), 0, t.data, 0, n);
  return out;
}

/** Writes {@link encodeTensor}'s bytes into `target` at `offset`; returns the offset after them. */
export function encodeTensorInto(t: IntTensor, target: Uint8Array, offset: number): number {
  const n = checkTensorHeader(t);
  if (offset < 0 || offset + 8 * n > target.length) {
    throw new InputError("TENSOR_SHAPE", `encoding ${n} elements at byte ${offset} overflows a ${target.length}-byte buffer`);
  }
  writeElements(new DataView(target.buffer, target.byteOffset, target.byteLength), offset, t.data, 0, n);
  return offset + 8 * n;
}

/**
 * Decodes {@link encodeTensor} bytes. Throws IntegrityError if an element is not exact in
 * float64 (|v| ≥ 2^53) or the byte length does not match the shape.
 */
export function decodeTensor(bytes: Uint8Array, shape: readonly number[], scale: number): IntTensor {
  const n = numElements(shape);
  if (bytes.length !== 8 * n) {
    throw new IntegrityError("TENSOR_DECODE", `tensor of shape [${shape.join(", ")}] needs ${8 * n} bytes, got ${bytes.length}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float64Array(n);
  for (let j = 0, o = 0; j < n; j++, o += 8) {
    const v = dv.getInt32(o) * TWO32 + dv.getUint32(o + 4);
    if (v > MAX_ELEMENT || v < -MAX_ELEMENT) {
      throw new IntegrityError("TENSOR_DECODE", `encoded element ${j} is outside ±(2^53 − 1)`, { index: j });
    }
    data[j] = v;
  }
  return { shape: [...shape], data, scale };
}

/** The 1024-byte leaf `leafIndex` of a tensor (zero-padded past the last element). */
export function leafBytes(t: IntTensor, leafIndex: number): Buffer {
  const n = t.data.length;
  const from = leafIndex * LEAF_ELEMENTS;
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || from >= Math.max(n, 1)) {
    throw new InputError("TENSOR_INDEX", `leaf ${leafIndex} is outside a tensor of ${n} elements`);
  }
  const out = Buffer.alloc(LEAF_BYTES);
  writeElements(new DataView(out.buffer, out.byteOffset, out.byteLength), 0, t.data, from, Math.min(n, from + LEAF_ELEMENTS));
  return out;
}

/** Element `slot` (0..127) of a leaf, decoded from i64 big-endian (may exceed 2^53 for foreign leaves). */
export function elementInLeaf(leaf: Uint8Array, slot: number): number {
  const dv = new DataView(leaf.buffer, leaf.byteOffset, leaf.byteLength);
  return dv.getInt32(slot * 8) * TWO32 + dv.getUint32(slot * 8 + 4);
}

// ------------------------------------------------------------------ tree

/** leafHash(bytes1024) = H(0x00 ‖ bytes1024). */
export function leafHash(leaf: Uint8Array): Hash {
  if (leaf.length !== LEAF_BYTES) throw new InputError("TENSOR_LEAF", `a leaf is ${LEAF_BYTES} bytes, got ${leaf.length}`);
  return sha256(Buffer.from([Tag.Leaf]), leaf);
}

const ZERO_SUBTREES: Hash[] = (() => {
  const z: Hash[] = [leafHash(Buffer.alloc(LEAF_BYTES))];
  for (let i = 1; i <= 64; i++) z.push(sha256(Buffer.from([Tag.Node]), z[i - 1], z[i - 1]));
  return z;
})();

/** Z_i: root of a data subtree of 2^i zero leaves (Z_0 = leafHash(1024 zero bytes)). */
export function zeroSubtree(level: number): Hash {
  const z = ZERO_SUBTREES[level];
  if (!z) throw new RangeError(`no zero subtree at level ${level}`);
  return Buffer.from(z);
}

/** Depth d of the data tree of an n-element tensor: ceil(log2(ceil(n / 128))), 0 for one leaf. */
export function dataDepth(n: number): number {
  return listDepth(Math.max(1, Math.ceil(n / LEAF_ELEMENTS)));
}

/**
 * A tensor's commitment with every tree level kept for proofs. Level k holds the
 * ceil(L / 2^k) real hashes of height k in "pair layout" — a stable format: hash i sits at
 * byte `(i >> 1) · 65 + 1 + (i & 1) · 32` (each pair is preceded by the 0x01 node tag, so a
 * parent hashes one 65-byte view); nodes beyond the real ones are zero subtrees. Level
 * `depth` holds the data root. Use {@link dataTreeNode} rather than reading the layout.
 */
export interface TensorTree {
  readonly tensor: IntTensor;
  readonly n: number;
  readonly leafCount: number;
  readonly depth: number;
  readonly levels: readonly Buffer[];
  readonly dataRoot: Hash;
  readonly hash: Hash;
}

function pairOffset(i: number): number {
  return (i >> 1) * PAIR + 1 + (i & 1) * 32;
}

/** Hash number `i` of a level buffer in pair layout (real hashes only, not padding). */
function levelHash(level: Buffer, i: number): Hash {
  const o = pairOffset(i);
  return Buffer.from(level.subarray(o, o + 32));
}

function newLevel(count: number): Buffer {
  const pairs = Math.ceil(count / 2);
  const b = Buffer.allocUnsafe(pairs * PAIR);
  for (let p = 0; p < pairs; p++) b[p * PAIR] = Tag.Node;
  return b;
}

let scratch: Buffer | undefined;
let scratchView: DataView | undefined;
let scratchLeaves: Buffer[] = [];

function getScratch(): { buf: Buffer; dv: DataView; leaves: Buffer[] } {
  if (!scratch || !scratchView) {
    scratch = Buffer.alloc(CHUNK_LEAVES * STRIDE);
    scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
    scratchLeaves = [];
    for (let k = 0; k < CHUNK_LEAVES; k++) scratchLeaves.push(scratch.subarray(k * STRIDE + 3, (k + 1) * STRIDE));
  }
  return { buf: scratch, dv: scratchView, leaves: scratchLeaves };
}

/** Builds every level of the data tree. */
function buildLevels(t: IntTensor): { levels: Buffer[]; n: number; leafCount: number } {
  const n = checkTensorHeader(t);
  const leafCount = Math.max(1, Math.ceil(n / LEAF_ELEMENTS));
  const { buf, dv, leaves } = getScratch();
  const level0 = newLevel(leafCount);
  for (let l0 = 0; l0 < leafCount; l0 += CHUNK_LEAVES) {
    const nl = Math.min(CHUNK_LEAVES, leafCount - l0);
    for (let k = 0; k < nl; k++) {
      const from = (l0 + k) * LEAF_ELEMENTS;
      const to = Math.min(n, from + LEAF_ELEMENTS);
      const off = k * STRIDE + 4;
      writeElements(dv, off, t.data, from, to);
      // Zero padding of the last leaf (the tag bytes before each leaf stay 0 from alloc).
      if (to - from < LEAF_ELEMENTS) buf.fill(0, off + (to - from) * 8, off + LEAF_BYTES);
    }
    for (let k = 0; k < nl; k++) level0.write(digestLatin1(leaves[k]), pairOffset(l0 + k), "latin1");
  }
  const levels = [level0];
  let count = leafCount;
  let lvl = 0;
  while (count > 1) {
    const cur = levels[lvl];
    if (count & 1) ZERO_SUBTREES[lvl].copy(cur, pairOffset(count));
    const parents = (count + 1) >> 1;
    const next = newLevel(parents);
    for (let p = 0; p < parents; p++) next.write(digestLatin1(cur.subarray(p * PAIR, (p + 1) * PAIR)), pairOffset(p), "latin1");
    levels.push(next);
    count = parents;
    lvl++;
  }
  return { levels, n, leafCount };
}

/** tensorHash = H(0x02 ‖ u32(scale) ‖ u32(rank) ‖ u64(dim_0) ‖ … ‖ dataRoot). */
export function tensorHashFromRoot(scale: number, shape: readonly number[], dataRoot: Uint8Array): Hash {
  const pre = Buffer.alloc(9 + 8 * shape.length + 32);
  pre[0] = Tag.Tensor;
  pre.writeUInt32BE(scale, 1);
  pre.writeUInt32BE(shape.length, 5);
  for (let i = 0; i < shape.length; i++) pre.writeBigUInt64BE(BigInt(shape[i]), 9 + 8 * i);
  pre.set(dataRoot, 9 + 8 * shape.length);
  return sha256(pre);
}

/** Node (height, index) of a tensor's data tree: height 0 = leaf hashes; Z_height past the real nodes. */
export function dataTreeNode(tree: TensorTree, height: number, index: number): Hash {
  if (!Number.isSafeInteger(height) || height < 0 || height > tree.depth || !Number.isSafeInteger(index) || index < 0 || index >= 2 ** (tree.depth - height)) {
    throw new InputError("TENSOR_INDEX", `no node (height ${height}, index ${index}) in a data tree of depth ${tree.depth}`);
  }
  if (index >= Math.ceil(tree.leafCount / 2 ** height)) return zeroSubtree(height);
  return levelHash(tree.levels[height], index);
}

/** Commits a tensor and keeps the tree for proofs. */
export function tensorTree(t: IntTensor): TensorTree {
  const { levels, n, leafCount } = buildLevels(t);
  const depth = levels.length - 1;
  const dataRoot = levelHash(levels[depth], 0);
  return { tensor: t, n, leafCount, depth, levels, dataRoot, hash: tensorHashFromRoot(t.scale, t.shape, dataRoot) };
}

/** The tensor hash (binds shape, scale and data). */
export function tensorHash(t: IntTensor): Hash {
  return tensorTree(t).hash;
}

/** The data root alone (no shape or scale). */
export function dataRoot(t: IntTensor): Hash {
  return tensorTree(t).dataRoot;
}

// ------------------------------------------------------------------ element proofs

/** Opening of one element of a committed tensor (LibTensor.ElementProof). */
export interface ElementProof {
  readonly scale: number;
  readonly shape: readonly number[];
  /** Flat row-major index of the element. */
  readonly index: number;
  /** The 1024-byte leaf `index >> 7`. */
  readonly leaf: Buffer;
  /** Sibling hashes, bottom-up, exactly dataDepth(n) of them. */
  readonly path: readonly Hash[];
}

/** Proof of element `flatIndex` of a committed tensor. */
export function elementProof(tree: TensorTree, flatIndex: number): ElementProof {
  if (!Number.isSafeInteger(flatIndex) || flatIndex < 0 || flatIndex >= tree.n) {
    throw new InputError("TENSOR_INDEX", `element ${flatIndex} is outside a tensor of ${tree.n} elements`);
  }
  const leafIndex = Math.floor(flatIndex / LEAF_ELEMENTS);
  const path: Hash[] = [];
  for (let lvl = 0, i = leafIndex; lvl < tree.depth; lvl++, i >>= 1) {
    const count = Math.ceil(tree.leafCount / 2 ** lvl);
    const sib = i ^ 1;
    path.push(sib < count ? levelHash(tree.levels[lvl], sib) : zeroSubtree(lvl));
  }
  return {
    scale: tree.tensor.scale,
    shape: [...tree.tensor.shape],
    index: flatIndex,
    leaf: leafBytes(tree.tensor, leafIndex),
    path,
  };
}

function malformed(code: string, message: string, details: Record<string, unknown> = {}): IntegrityError {
  return new IntegrityError(code, message, details);
}

/**
 * Rebuilds the tensor hash an element proof commits to and decodes the element, exactly like
 * LibTensor.elementCommitment. Throws IntegrityError on a malformed proof (leaf length, index
 * range, path depth).
 */
export function elementCommitment(proof: ElementProof): { tensorHash: Hash; value: number } {
  if (proof.leaf.length !== LEAF_BYTES) {
    throw malformed("PROOF_LEAF_LENGTH", `element proof leaf is ${proof.leaf.length} bytes, expected ${LEAF_BYTES}`);
  }
  let n: number;
  try {
    n = numElements(proof.shape);
  } catch (err) {
    throw malformed("PROOF_SHAPE", `element proof shape is invalid: ${(err as Error).message}`);
  }
  if (!Number.isSafeInteger(proof.index) || proof.index < 0 || proof.index >= n) {
    throw malformed("PROOF_INDEX", `element proof index ${proof.index} is outside a tensor of ${n} elements`);
  }
  const depth = dataDepth(n);
  if (proof.path.length !== depth) {
    throw malformed("PROOF_PATH_LENGTH", `element proof path has ${proof.path.length} hashes, the shape needs ${depth}`);
  }
  let h = leafHash(proof.leaf);
  let i = Math.floor(proof.index / LEAF_ELEMENTS);
  const tag = Buffer.from([Tag.Node]);
  for (const sib of proof.path) {
    h = (i & 1) === 0 ? sha256(tag, h, sib) : sha256(tag, sib, h);
    i = Math.floor(i / 2);
  }
  return {
    tensorHash: tensorHashFromRoot(proof.scale, proof.shape, h),
    value: elementInLeaf(proof.leaf, proof.index % LEAF_ELEMENTS),
  };
}

/** Whether `proof` opens an element of the tensor committed as `hash`. Never throws. */
export function verifyElementProof(hash: Uint8Array, proof: ElementProof): boolean {
  try {
    return elementCommitment(proof).tensorHash.equals(hash);
  } catch {
    return false;
  }
}

/** Verifies an element proof against `hash` and returns the element; throws IntegrityError otherwise. */
export function openElement(hash: Uint8Array, proof: ElementProof): number {
  const { tensorHash: computed, value } = elementCommitment(proof);
  if (!computed.equals(hash)) {
    throw new IntegrityError("PROOF_MISMATCH", "element proof does not open the committed tensor", {
      expected: Buffer.from(hash).toString("hex"),
      computed: computed.toString("hex"),
    });
  }
  return value;
}
