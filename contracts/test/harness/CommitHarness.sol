// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICommitErrors} from "../../libraries/ICommitErrors.sol";
import {LibHash} from "../../libraries/LibHash.sol";
import {LibProofs} from "../../libraries/LibProofs.sol";
import {LibTensor} from "../../libraries/LibTensor.sol";

/// @title CommitHarness
/// @notice Test-only wrapper exposing the commitment libraries to the shared vector tests
///         (test/commit/vectors.sol.test.ts) and the commitment benchmark.
contract CommitHarness is ICommitErrors {
    function listRoot(bytes32[] calldata items) external pure returns (bytes32) {
        return LibHash.listRoot(items);
    }

    function leafHash(bytes calldata leaf) external pure returns (bytes32) {
        return LibTensor.leafHash(leaf);
    }

    function tensorHash(uint32 scale, uint64[] calldata shape, bytes32 dataRoot) external pure returns (bytes32) {
        return LibTensor.tensorHash(scale, shape, dataRoot);
    }

    function tensorHashMemory(uint32 scale, uint64[] memory shape, bytes32 dataRoot) external pure returns (bytes32) {
        return LibTensor.tensorHashMemory(scale, shape, dataRoot);
    }

    function dataDepth(uint256 n) external pure returns (uint256) {
        return LibTensor.dataDepth(n);
    }

    function elementCommitment(LibTensor.ElementProof calldata p) external pure returns (bytes32, int256) {
        return LibTensor.elementCommitment(p);
    }

    function verifyElement(bytes32 expected, LibTensor.ElementProof calldata p) external pure returns (int256) {
        return LibTensor.verifyElement(expected, p);
    }

    /// @notice Execution gas of {LibTensor.verifyElement} alone (no calldata or call overhead).
    function verifyElementGas(
        bytes32 expected,
        LibTensor.ElementProof calldata p
    ) external view returns (int256 value, uint256 gasUsed) {
        uint256 before = gasleft();
        value = LibTensor.verifyElement(expected, p);
        gasUsed = before - gasleft();
    }

    function stateHash(uint32 count, bytes32 root) external pure returns (bytes32) {
        return LibHash.state(count, root);
    }

    function valueTable(uint32 nSlots, bytes32 root) external pure returns (bytes32) {
        return LibHash.valueTable(nSlots, root);
    }

    function dataset(bytes32 featuresHash, bytes32 targetsHash) external pure returns (bytes32) {
        return LibHash.dataset(featuresHash, targetsHash);
    }

    function checkpointBatch(uint64 firstIndex, uint32 count, bytes32 root) external pure returns (bytes32) {
        return LibHash.checkpointBatch(firstIndex, count, root);
    }

    function verifyStateTensor(bytes32 stateHash_, bytes32 tensorHash_, LibProofs.ListProof calldata p) external pure {
        LibProofs.verifyStateTensor(stateHash_, tensorHash_, p);
    }

    function verifySlot(bytes32 root, bytes32 slotHash, LibProofs.ListProof calldata p) external pure {
        LibProofs.verifySlot(root, slotHash, p);
    }

    function verifySlotUpdate(
        bytes32 oldRoot,
        bytes32 oldSlotHash,
        bytes32 newSlotHash,
        LibProofs.ListProof calldata p
    ) external pure returns (bytes32) {
        return LibProofs.verifySlotUpdate(oldRoot, oldSlotHash, newSlotHash, p);
    }

    function checkpointBatchOf(
        bytes32 stateHash_,
        uint64 firstIndex,
        LibProofs.ListProof calldata p
    ) external pure returns (bytes32) {
        return LibProofs.checkpointBatchOf(stateHash_, firstIndex, p);
    }

    function batchSample(uint256 step, uint256 batchSize, uint256 row, uint256 nSamples) external pure returns (uint256) {
        return LibProofs.batchSample(step, batchSize, row, nSamples);
    }

    function verifyBatchElement(
        bytes32 datasetHash,
        bytes32 otherHash,
        bool isTarget,
        uint256 step,
        uint256 batchSize,
        uint256 batchIndex,
        LibTensor.ElementProof calldata p
    ) external pure returns (int256) {
        return LibProofs.verifyBatchElement(datasetHash, otherHash, isTarget, step, batchSize, batchIndex, p);
    }
}
