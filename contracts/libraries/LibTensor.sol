// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICommitErrors} from "./ICommitErrors.sol";
import {LibHash} from "./LibHash.sol";

/// @title LibTensor
/// @notice Tensor commitments and element proofs (docs/SPEC.md §2), bit for bit the same as
///         src/commit/tensor.ts.
/// @dev Layout: elements are int64 big-endian, row-major, 128 per 1024-byte leaf (last leaf
///      zero-padded); leafHash = H(0x00 ‖ leaf); the data tree is padded to 2^d leaves with
///      zero-subtree hashes; tensorHash = H(0x02 ‖ u32(scale) ‖ u32(rank) ‖ u64(dim)… ‖ dataRoot).
library LibTensor {
    /// @notice Bytes per leaf.
    uint256 internal constant LEAF_BYTES = 1024;
    /// @notice Elements per leaf (8 bytes each).
    uint256 internal constant LEAF_ELEMENTS = 128;
    /// @notice log2(LEAF_ELEMENTS): flat element index >> LEAF_SHIFT is the leaf index.
    uint256 internal constant LEAF_SHIFT = 7;

    /// @notice Opening of one element of a committed tensor.
    /// @param scale Fractional bits of the tensor (bound by the tensor hash).
    /// @param shape Dimensions, row-major (bound by the tensor hash); [] is a scalar.
    /// @param index Flat row-major index of the opened element; must be < product(shape).
    /// @param leaf The 1024-byte leaf `index >> 7` (elements i64 big-endian).
    /// @param path Sibling hashes from the leaf up to the data root, exactly
    ///        dataDepth(product(shape)) of them.
    struct ElementProof {
        uint32 scale;
        uint64[] shape;
        uint256 index;
        bytes leaf;
        bytes32[] path;
    }

    /// @notice Number of elements of a tensor: the product of its dimensions (1 for a scalar).
    function numElements(uint64[] calldata shape) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < shape.length; ++i) n *= shape[i];
    }

    /// @notice Depth of the data tree of an `n`-element tensor: ceil(log2(ceil(n / 128))).
    function dataDepth(uint256 n) internal pure returns (uint256) {
        return LibHash.listDepth((n + LEAF_ELEMENTS - 1) >> LEAF_SHIFT);
    }

    /// @notice leafHash(leaf) = H(0x00 ‖ leaf). Does not check the leaf length.
    function leafHash(bytes calldata leaf) internal pure returns (bytes32) {
        uint256 ptr;
        assembly ("memory-safe") {
            // Preimage 0x00 ‖ leaf in scratch memory past the free pointer (used at once).
            ptr := mload(0x40)
            mstore8(ptr, 0x00)
            calldatacopy(add(ptr, 1), leaf.offset, leaf.length)
        }
        return LibHash.sha256Memory(ptr, leaf.length + 1);
    }

    /// @notice tensorHash = H(0x02 ‖ u32(scale) ‖ u32(rank) ‖ u64(dim_0) ‖ … ‖ dataRoot).
    function tensorHash(uint32 scale, uint64[] calldata shape, bytes32 dataRoot) internal pure returns (bytes32) {
        uint256 rank = shape.length;
        // INVARIANT: the rank is encoded as u32.
        if (rank > type(uint32).max) revert ICommitErrors.CommitRankTooLarge(rank);
        bytes memory pre = _tensorHeader(scale, rank);
        for (uint256 i = 0; i < rank; ++i) _putDim(pre, i, shape[i]);
        return _finishTensorHash(pre, rank, dataRoot);
    }

    /// @notice {tensorHash} for a shape held in memory.
    function tensorHashMemory(uint32 scale, uint64[] memory shape, bytes32 dataRoot) internal pure returns (bytes32) {
        uint256 rank = shape.length;
        // INVARIANT: the rank is encoded as u32.
        if (rank > type(uint32).max) revert ICommitErrors.CommitRankTooLarge(rank);
        bytes memory pre = _tensorHeader(scale, rank);
        for (uint256 i = 0; i < rank; ++i) _putDim(pre, i, shape[i]);
        return _finishTensorHash(pre, rank, dataRoot);
    }

    /// @notice Element `slot` (0..127) of a leaf, decoded from i64 big-endian.
    function elementInLeaf(bytes calldata leaf, uint256 slot) internal pure returns (int256 value) {
        // INVARIANT: the element lies inside the leaf.
        if (slot >= LEAF_ELEMENTS || (slot << 3) + 8 > leaf.length) {
            revert ICommitErrors.CommitIndexOutOfRange(slot, leaf.length >> 3);
        }
        assembly ("memory-safe") {
            // The top 8 bytes of the word at the element, sign-extended from bit 63.
            value := signextend(7, shr(192, calldataload(add(leaf.offset, shl(3, slot)))))
        }
    }

    /// @notice Rebuilds the tensor hash an element proof commits to and decodes the element.
    ///         Reverts on a malformed proof (leaf length, index range, path depth); a
    ///         well-formed proof of the wrong data simply yields another tensor hash.
    /// @return tensorHash_ The tensor hash implied by the proof.
    /// @return value The opened element, as a signed integer.
    function elementCommitment(ElementProof calldata p) internal pure returns (bytes32 tensorHash_, int256 value) {
        // INVARIANT: a leaf is exactly 1024 bytes.
        if (p.leaf.length != LEAF_BYTES) revert ICommitErrors.CommitLeafLength(p.leaf.length);
        uint64[] calldata shape = p.shape;
        uint256 n = numElements(shape);
        // INVARIANT: only real elements can be opened, never the zero padding of the last leaf.
        if (p.index >= n) revert ICommitErrors.CommitIndexOutOfRange(p.index, n);
        uint256 depth = dataDepth(n);
        // INVARIANT: the path length is fixed by the shape, so the index bits pick the position.
        if (p.path.length != depth) revert ICommitErrors.CommitPathLength(p.path.length, depth);
        bytes32 root = LibHash.rootFromPath(leafHash(p.leaf), p.index >> LEAF_SHIFT, p.path);
        tensorHash_ = tensorHash(p.scale, shape, root);
        value = elementInLeaf(p.leaf, p.index & (LEAF_ELEMENTS - 1));
    }

    /// @notice Verifies an element proof against a committed tensor hash and returns the element.
    /// @dev Reverts with CommitTensorMismatch when the proof does not open `expected`.
    function verifyElement(bytes32 expected, ElementProof calldata p) internal pure returns (int256 value) {
        bytes32 computed;
        (computed, value) = elementCommitment(p);
        // INVARIANT: the opened element belongs to the committed tensor.
        if (computed != expected) revert ICommitErrors.CommitTensorMismatch(expected, computed);
    }

    /// @dev Allocates the preimage and writes 0x02 ‖ u32(scale) ‖ u32(rank) (9 bytes).
    function _tensorHeader(uint32 scale, uint256 rank) private pure returns (bytes memory pre) {
        pre = new bytes(9 + 8 * rank + 32);
        assembly ("memory-safe") {
            // One word, left-aligned: tag in byte 0, scale in bytes 1..4, rank in bytes 5..8.
            mstore(add(pre, 32), or(shl(248, 0x02), or(shl(216, scale), shl(184, rank))))
        }
    }

    /// @dev Writes u64(dim) at byte 9 + 8·i of the preimage. The 32-byte store spills into
    ///      bytes that later stores overwrite (the data root always follows the dims).
    function _putDim(bytes memory pre, uint256 i, uint64 dim) private pure {
        assembly ("memory-safe") {
            mstore(add(add(pre, 41), shl(3, i)), shl(192, dim))
        }
    }

    /// @dev Writes the data root after the dims and hashes the preimage.
    function _finishTensorHash(bytes memory pre, uint256 rank, bytes32 dataRoot) private pure returns (bytes32) {
        assembly ("memory-safe") {
            mstore(add(add(pre, 41), shl(3, rank)), dataRoot)
        }
        uint256 ptr;
        uint256 len = pre.length;
        assembly ("memory-safe") {
            ptr := add(pre, 32)
        }
        return LibHash.sha256Memory(ptr, len);
    }
}
