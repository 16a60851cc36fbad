// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICommitErrors} from "./ICommitErrors.sol";
import {LibHash} from "./LibHash.sol";
import {LibTensor} from "./LibTensor.sol";

/// @title LibProofs
/// @notice Membership and update proofs over hash lists (docs/SPEC.md §3–4): a state tensor in
///         a state hash, a slot in a value-table root, one slot update, a checkpoint in a
///         checkpoint batch, and a batch element in a dataset. Mirrors src/commit/lists.ts and
///         src/commit/dataset.ts.
/// @dev Every "…Of" function rebuilds the commitment a proof implies (reverting only on a
///      malformed proof); every "verify…" function compares it with the expected commitment and
///      reverts with ICommitErrors.CommitRootMismatch when they differ.
library LibProofs {
    /// @notice Position of one item in a hash list, with its sibling path.
    /// @param count Number of items in the list (bound by the enclosing hash).
    /// @param index Position of the item; must be < count.
    /// @param path Bottom-up sibling hashes, exactly LibHash.listDepth(count) of them.
    struct ListProof {
        uint32 count;
        uint256 index;
        bytes32[] path;
    }

    /// @notice listRoot of a list, rebuilt from one item and its proof (checks index and depth).
    function listRootOf(bytes32 item, ListProof calldata p) internal pure returns (bytes32) {
        // INVARIANT: only real items can be opened, never padding (this also rejects count 0).
        if (p.index >= p.count) revert ICommitErrors.CommitIndexOutOfRange(p.index, p.count);
        uint256 depth = LibHash.listDepth(p.count);
        // INVARIANT: the path length is fixed by the count, so the index bits pick the position.
        if (p.path.length != depth) revert ICommitErrors.CommitPathLength(p.path.length, depth);
        return LibHash.rootFromPath(item, p.index, p.path);
    }

    // ---------------------------------------------------------------- state

    /// @notice State hash implied by state tensor `p.index` having tensor hash `tensorHash`.
    function stateHashOf(bytes32 tensorHash, ListProof calldata p) internal pure returns (bytes32) {
        return LibHash.state(p.count, listRootOf(tensorHash, p));
    }

    /// @notice Reverts unless state tensor `p.index` of `stateHash` has tensor hash `tensorHash`.
    function verifyStateTensor(bytes32 stateHash, bytes32 tensorHash, ListProof calldata p) internal pure {
        _check(stateHash, stateHashOf(tensorHash, p));
    }

    // ---------------------------------------------------------------- value table

    /// @notice Value-table root implied by slot `p.index` holding `slotHash` (bytes32(0) = not computed).
    function valueTableRootOf(bytes32 slotHash, ListProof calldata p) internal pure returns (bytes32) {
        return LibHash.valueTable(p.count, listRootOf(slotHash, p));
    }

    /// @notice Reverts unless slot `p.index` of value-table root `root` holds `slotHash`.
    function verifySlot(bytes32 root, bytes32 slotHash, ListProof calldata p) internal pure {
        _check(root, valueTableRootOf(slotHash, p));
    }

    /// @notice Old and new value-table roots of one slot update proved by one sibling path.
    function slotUpdateRoots(
        bytes32 oldSlotHash,
        bytes32 newSlotHash,
        ListProof calldata p
    ) internal pure returns (bytes32 oldRoot, bytes32 newRoot) {
        oldRoot = valueTableRootOf(oldSlotHash, p);
        newRoot = LibHash.valueTable(p.count, LibHash.rootFromPath(newSlotHash, p.index, p.path));
    }

    /// @notice Checks that slot `p.index` of `oldRoot` holds `oldSlotHash` and returns the root
    ///         with that slot replaced by `newSlotHash` (every other slot unchanged).
    function verifySlotUpdate(
        bytes32 oldRoot,
        bytes32 oldSlotHash,
        bytes32 newSlotHash,
        ListProof calldata p
    ) internal pure returns (bytes32 newRoot) {
        bytes32 computedOld;
        (computedOld, newRoot) = slotUpdateRoots(oldSlotHash, newSlotHash, p);
        _check(oldRoot, computedOld);
    }

    // ---------------------------------------------------------------- checkpoints

    /// @notice Checkpoint-batch commitment implied by checkpoint number `firstIndex + p.index`
    ///         being `stateHash` (the word TaskMarket stores per commitCheckpoints call).
    function checkpointBatchOf(
        bytes32 stateHash,
        uint64 firstIndex,
        ListProof calldata p
    ) internal pure returns (bytes32) {
        return LibHash.checkpointBatch(firstIndex, p.count, listRootOf(stateHash, p));
    }

    // ---------------------------------------------------------------- dataset and batch views

    /// @notice Dataset sample of row `row` of the batch of step `step` (docs/SPEC.md §4):
    ///         ((step − 1) · batchSize + row) mod nSamples. Steps count from 1.
    function batchSample(uint256 step, uint256 batchSize, uint256 row, uint256 nSamples) internal pure returns (uint256) {
        // INVARIANT: steps count from 1 and a batch has at least one row.
        if (step == 0 || batchSize == 0) revert ICommitErrors.CommitBatchView(step, batchSize);
        // INVARIANT: the row lies inside the batch.
        if (row >= batchSize) revert ICommitErrors.CommitIndexOutOfRange(row, batchSize);
        return ((step - 1) * batchSize + row) % nSamples;
    }

    /// @notice Opens element `batchIndex` (flat, row-major) of the input (`isTarget` false) or
    ///         target batch tensor of step `step` under batch view (datasetHash, step, batchSize),
    ///         through an element proof into the dataset's features or targets tensor.
    /// @param datasetHash The committed dataset hash H(0x06 ‖ featuresHash ‖ targetsHash).
    /// @param otherHash The tensor hash of the other dataset tensor (targets when opening features).
    /// @param isTarget Whether `p` opens the targets tensor.
    /// @param step The step t ≥ 1 whose batch is viewed.
    /// @param batchSize Rows per batch.
    /// @param batchIndex Flat index into the batch tensor [batchSize, …row shape].
    /// @param p Element proof into the dataset tensor [nSamples, …row shape].
    /// @return value The element.
    function verifyBatchElement(
        bytes32 datasetHash,
        bytes32 otherHash,
        bool isTarget,
        uint256 step,
        uint256 batchSize,
        uint256 batchIndex,
        LibTensor.ElementProof calldata p
    ) internal pure returns (int256 value) {
        // INVARIANT: dataset tensors hold samples along dimension 0.
        if (p.shape.length == 0) revert ICommitErrors.CommitDatasetRank();
        bytes32 th;
        (th, value) = LibTensor.elementCommitment(p);
        _check(datasetHash, isTarget ? LibHash.dataset(otherHash, th) : LibHash.dataset(th, otherHash));
        uint256 nSamples = p.shape[0];
        uint256 rowSize = LibTensor.numElements(p.shape) / nSamples;
        uint256 expected = batchSample(step, batchSize, batchIndex / rowSize, nSamples) * rowSize + (batchIndex % rowSize);
        // INVARIANT: the opened dataset element is the one the batch view selects.
        if (p.index != expected) revert ICommitErrors.CommitBatchIndex(p.index, expected);
    }

    function _check(bytes32 expected, bytes32 computed) private pure {
        // INVARIANT: the proof opens the committed root.
        if (computed != expected) revert ICommitErrors.CommitRootMismatch(expected, computed);
    }
}
