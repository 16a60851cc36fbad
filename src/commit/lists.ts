/**
 * Commitments over lists of hashes (docs/SPEC.md §3) and their proofs, bit for bit the same as
 * contracts/libraries/LibProofs.sol: state hashes, value-table roots (with slot and slot-update
 * proofs) and checkpoint batches.
 */
import { InputError, IntegrityError } from "../errors";
import type { IntTensor } from "../pinir/types";
import { type Hash, listDepth, listProof, listRoot, nodeHash, rootFromPath, sha256, Tag, u32, u64, ZERO_HASH } from "./hash";
import { tensorHash } from "./tensor";

/** Position of one item in a hash list with its sibling path (LibProofs.ListProof). */
export interface ListProof {
  /** Number of items in the list (bound by the enclosing hash). */
  readonly count: number;
  /** Position of the item, < count. */
  readonly index: number;
  /** Bottom-up sibling hashes, exactly listDepth(count). */
  readonly path: readonly Hash[];
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) {
    throw new InputError("LIST_LENGTH", `${what} needs between 1 and 2^32 − 1 entries, got ${n}`);
  }
}

function proofOf(items: readonly Uint8Array[], index: number, what: string): ListProof {
  checkCount(items.length, what);
  if (!Number.isSafeInteger(index) || index < 0 || index >= items.length) {
    throw new InputError("LIST_INDEX", `${what} index ${index} is outside [0, ${items.length})`);
  }
  return { count: items.length, index, path: listProof(items, index) };
}

/**
 * listRoot rebuilt from one item and its proof, exactly like LibProofs.listRootOf: throws
 * IntegrityError if the index is not below the count or the path has the wrong depth.
 */
export function listRootOf(item: Uint8Array, proof: ListProof): Hash {
  if (!Number.isSafeInteger(proof.count) || proof.count < 1 || proof.count > 0xffffffff) {
    throw new IntegrityError("PROOF_COUNT", `list proof count ${proof.count} is not in [1, 2^32)`);
  }
  if (!Number.isSafeInteger(proof.index) || proof.index < 0 || proof.index >= proof.count) {
    throw new IntegrityError("PROOF_INDEX", `list proof index ${proof.index} is outside [0, ${proof.count})`);
  }
  const depth = listDepth(proof.count);
  if (proof.path.length !== depth) {
    throw new IntegrityError("PROOF_PATH_LENGTH", `list proof path has ${proof.path.length} hashes, ${proof.count} items need ${depth}`);
  }
  return rootFromPath(item, proof.index, proof.path);
}

function safely(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ state

function tensorHashes(tensors: readonly (IntTensor | Uint8Array)[]): Uint8Array[] {
  return tensors.map((t) => (t instanceof Uint8Array ? t : tensorHash(t)));
}

/** H(0x03 ‖ u32(count) ‖ root). */
export function stateHashFromRoot(count: number, root: Uint8Array): Hash {
  return sha256(Buffer.from([Tag.State]), u32(count), root);
}

/**
 * State hash of a program's state tensors (slot order), given as tensors or tensor hashes:
 * H(0x03 ‖ u32(n) ‖ listRoot(tensor hashes)).
 */
export function stateHash(tensors: readonly (IntTensor | Uint8Array)[]): Hash {
  checkCount(tensors.length, "a state");
  return stateHashFromRoot(tensors.length, listRoot(tensorHashes(tensors)));
}

/** Proof that state tensor `index` is part of the state hash (verify with the tensor's hash). */
export function stateTensorProof(tensors: readonly (IntTensor | Uint8Array)[], index: number): ListProof {
  return proofOf(tensorHashes(tensors), index, "state tensor");
}

/** State hash implied by a state tensor proof (LibProofs.stateHashOf). Throws if malformed. */
export function stateHashOf(tensorHash_: Uint8Array, proof: ListProof): Hash {
  return stateHashFromRoot(proof.count, listRootOf(tensorHash_, proof));
}

/** Whether state tensor `proof.index` of `stateHash_` has tensor hash `tensorHash_`. */
export function verifyStateTensorProof(stateHash_: Uint8Array, tensorHash_: Uint8Array, proof: ListProof): boolean {
  return safely(() => stateHashOf(tensorHash_, proof).equals(stateHash_));
}

// ------------------------------------------------------------------ value table

/** A slot hash, or null for a slot not computed yet (hashed as bytes32(0)). */
export type SlotHash = Uint8Array | null;

function slotItems(slotHashes: readonly SlotHash[]): Uint8Array[] {
  return slotHashes.map((h) => h ?? ZERO_HASH);
}

/** Slot hashes of a value table: the tensor hash of each computed value, null for the others. */
export function slotHashesOf(values: readonly (IntTensor | null | undefined)[]): SlotHash[] {
  return values.map((v) => (v ? tensorHash(v) : null));
}

/** H(0x04 ‖ u32(nSlots) ‖ root). */
export function valueTableRootFromList(nSlots: number, root: Uint8Array): Hash {
  return sha256(Buffer.from([Tag.ValueTable]), u32(nSlots), root);
}

/** Value-table root: H(0x04 ‖ u32(nSlots) ‖ listRoot(slot hashes, null → bytes32(0))). */
export function valueTableRoot(slotHashes: readonly SlotHash[]): Hash {
  checkCount(slotHashes.length, "a value table");
  return valueTableRootFromList(slotHashes.length, listRoot(slotItems(slotHashes)));
}

/** Proof of slot `index` of a value table. */
export function slotProof(slotHashes: readonly SlotHash[], index: number): ListProof {
  return proofOf(slotItems(slotHashes), index, "value-table slot");
}

/** Value-table root implied by slot `proof.index` holding `slotHash` (LibProofs.valueTableRootOf). */
export function valueTableRootOf(slotHash: SlotHash, proof: ListProof): Hash {
  return valueTableRootFromList(proof.count, listRootOf(slotHash ?? ZERO_HASH, proof));
}

/** Whether slot `proof.index` of value-table root `root` holds `slotHash`. */
export function verifySlotProof(root: Uint8Array, slotHash: SlotHash, proof: ListProof): boolean {
  return safely(() => valueTableRootOf(slotHash, proof).equals(root));
}

/** Proof that replacing slot `index` by `newHash` turns `oldRoot` into `newRoot`. */
export interface SlotUpdateProof extends ListProof {
  readonly oldRoot: Hash;
  readonly newRoot: Hash;
  readonly oldSlotHash: Hash;
  readonly newSlotHash: Hash;
}

/** Proof of updating slot `index` of a value table to `newHash` (one sibling path). */
export function slotUpdateProof(slotHashes: readonly SlotHash[], index: number, newHash: SlotHash): SlotUpdateProof {
  const proof = slotProof(slotHashes, index);
  const after = slotHashes.slice();
  after[index] = newHash;
  return {
    ...proof,
    oldRoot: valueTableRoot(slotHashes),
    newRoot: valueTableRoot(after),
    oldSlotHash: Buffer.from(slotHashes[index] ?? ZERO_HASH),
    newSlotHash: Buffer.from(newHash ?? ZERO_HASH),
  };
}

/** Old and new roots of one slot update (LibProofs.slotUpdateRoots). Throws if malformed. */
export function slotUpdateRoots(oldSlotHash: SlotHash, newSlotHash: SlotHash, proof: ListProof): { oldRoot: Hash; newRoot: Hash } {
  const oldRoot = valueTableRootOf(oldSlotHash, proof);
  const newRoot = valueTableRootFromList(proof.count, rootFromPath(newSlotHash ?? ZERO_HASH, proof.index, proof.path));
  return { oldRoot, newRoot };
}

/**
 * Checks that slot `proof.index` of `oldRoot` holds `oldSlotHash` and returns the root with it
 * replaced by `newSlotHash`; null if the proof does not verify (LibProofs.verifySlotUpdate).
 */
export function verifySlotUpdate(oldRoot: Uint8Array, oldSlotHash: SlotHash, newSlotHash: SlotHash, proof: ListProof): Hash | null {
  try {
    const roots = slotUpdateRoots(oldSlotHash, newSlotHash, proof);
    return roots.oldRoot.equals(oldRoot) ? roots.newRoot : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ checkpoints

/** Proof that checkpoint `firstIndex + index` of one committed batch is `stateHashes[index]`. */
export function checkpointProof(stateHashes: readonly Uint8Array[], index: number): ListProof {
  return proofOf(stateHashes, index, "checkpoint");
}

/** Checkpoint-batch commitment implied by a checkpoint proof (LibProofs.checkpointBatchOf). */
export function checkpointBatchOf(stateHash_: Uint8Array, firstIndex: number, proof: ListProof): Hash {
  return sha256(Buffer.from([Tag.CheckpointBatch]), u64(firstIndex), u32(proof.count), listRootOf(stateHash_, proof));
}

/** Whether checkpoint `firstIndex + proof.index` of the batch committed as `batchHash` is `stateHash_`. */
export function verifyCheckpointProof(batchHash: Uint8Array, firstIndex: number, stateHash_: Uint8Array, proof: ListProof): boolean {
  return safely(() => checkpointBatchOf(stateHash_, firstIndex, proof).equals(batchHash));
}

// ------------------------------------------------------------------ incremental list tree

/**
 * A list tree (docs/SPEC.md §3) kept level by level so one item can be replaced in O(log n)
 * hashes — e.g. a value table filled op by op (R_0 … R_M) by a dispute player.
 */
export class ListTree {
  private readonly levels: Buffer[][];

  constructor(items: readonly Uint8Array[]) {
    checkCount(items.length, "a list tree");
    this.levels = [items.map((x) => Buffer.from(x))];
    while (this.levels[this.levels.length - 1].length > 1) {
      const cur = this.levels[this.levels.length - 1];
      const next: Buffer[] = [];
      for (let i = 0; i < cur.length; i += 2) next.push(nodeHash(cur[i], cur[i + 1] ?? ZERO_HASH));
      this.levels.push(next);
    }
  }

  get count(): number {
    return this.levels[0].length;
  }

  /** listRoot of the current items. */
  get root(): Hash {
    return Buffer.from(this.levels[this.levels.length - 1][0]);
  }

  item(index: number): Hash {
    return Buffer.from(this.levels[0][index]);
  }

  /** Proof of item `index` (same as {@link listProof} on the current items). */
  proof(index: number): ListProof {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) {
      throw new InputError("LIST_INDEX", `list index ${index} is outside [0, ${this.count})`);
    }
    const path: Hash[] = [];
    for (let lvl = 0, i = index; lvl < this.levels.length - 1; lvl++, i >>= 1) {
      path.push(Buffer.from(this.levels[lvl][i ^ 1] ?? ZERO_HASH));
    }
    return { count: this.count, index, path };
  }

  /** Replaces item `index` and rehashes its path to the root. */
  set(index: number, item: Uint8Array): void {
    this.proof(index); // range check
    this.levels[0][index] = Buffer.from(item);
    for (let lvl = 0, i = index; lvl < this.levels.length - 1; lvl++, i >>= 1) {
      const cur = this.levels[lvl];
      const left = i & ~1;
      this.levels[lvl + 1][i >> 1] = nodeHash(cur[left], cur[left + 1] ?? ZERO_HASH);
    }
  }
}

/**
 * The value-table roots R_0 … R_M of a run: R_0 from `initial`, then one root per slot update
 * (docs/SPEC.md §3), with the update proof of each step (`proofs[j]` turns R_j into R_{j+1}).
 */
export function valueTableHistory(
  initial: readonly SlotHash[],
  updates: readonly { readonly slot: number; readonly hash: Uint8Array }[],
): { roots: Hash[]; proofs: SlotUpdateProof[] } {
  const tree = new ListTree(slotItems(initial));
  const n = tree.count;
  const roots = [valueTableRootFromList(n, tree.root)];
  const proofs: SlotUpdateProof[] = [];
  for (const u of updates) {
    const proof = tree.proof(u.slot);
    const oldSlotHash = tree.item(u.slot);
    tree.set(u.slot, u.hash);
    const newRoot = valueTableRootFromList(n, tree.root);
    proofs.push({ ...proof, oldRoot: roots[roots.length - 1], newRoot, oldSlotHash, newSlotHash: Buffer.from(u.hash) });
    roots.push(newRoot);
  }
  return { roots, proofs };
}
