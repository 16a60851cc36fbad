// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title LibHash
/// @notice Domain-separated SHA-256 hashes and hash-list trees shared by every Pinpoint
///         commitment (docs/SPEC.md §2–3). SHA-256 goes through the precompile at 0x02
///         (Solidity's `sha256` builtin, which keeps these functions `pure`).
/// @dev Mirrored bit for bit by src/commit/hash.ts; shared vectors in test/vectors/commit.json.
library LibHash {
    /// @notice Domain tags, first byte of every hashed preimage.
    bytes1 internal constant LEAF_TAG = 0x00;
    bytes1 internal constant NODE_TAG = 0x01;
    bytes1 internal constant TENSOR_TAG = 0x02;
    bytes1 internal constant STATE_TAG = 0x03;
    bytes1 internal constant VALUE_TABLE_TAG = 0x04;
    bytes1 internal constant CHECKPOINT_BATCH_TAG = 0x05;
    bytes1 internal constant DATASET_TAG = 0x06;
    bytes1 internal constant PROGRAM_TAG = 0x07;

    /// @notice nodeHash(l, r) = sha256(0x01 ‖ l ‖ r).
    function node(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        return sha256(abi.encodePacked(NODE_TAG, left, right));
    }

    /// @notice Root of a list of hashes (docs/SPEC.md §3): leaves are the items, padded to a
    ///         power of two; padding subtrees are bytes32(0) at every level. Hashes in place: `items` is clobbered.
    /// @param items The list; must not be empty.
    /// @return root The list root (the item itself for a one-item list).
    function listRootInPlace(bytes32[] memory items) internal pure returns (bytes32 root) {
        uint256 n = items.length;
        while (n > 1) {
            uint256 half = (n + 1) >> 1;
            for (uint256 i = 0; i < half; ++i) {
                uint256 li = i << 1;
                bytes32 right = li + 1 < n ? items[li + 1] : bytes32(0);
                items[i] = node(items[li], right);
            }
            n = half;
        }
        return items[0];
    }

    /// @notice Root of a calldata list of hashes; see {listRootInPlace}.
    function listRoot(bytes32[] calldata items) internal pure returns (bytes32 root) {
        bytes32[] memory copy = items;
        return listRootInPlace(copy);
    }

    /// @notice Recomputes a list root from item `index` and its bottom-up sibling path.
    /// @dev Checks nothing about `index` or the path length: callers that know the list length
    ///      must check `index < n` and `path.length == listDepth(n)` (see LibProofs).
    function rootFromPath(bytes32 item, uint256 index, bytes32[] calldata path) internal pure returns (bytes32 h) {
        h = item;
        for (uint256 i = 0; i < path.length; ++i) {
            h = (index >> i) & 1 == 0 ? node(h, path[i]) : node(path[i], h);
        }
    }

    /// @notice Depth of a list tree over `n` items: ceil(log2 n), 0 for one item (docs/SPEC.md §3).
    ///         Also the depth of a tensor data tree over `n` leaves (docs/SPEC.md §2).
    function listDepth(uint256 n) internal pure returns (uint256 d) {
        // Smallest d with 2^d ≥ n; n ≤ 2^255 in practice, so the shift cannot overflow.
        while ((uint256(1) << d) < n) ++d;
    }

    /// @notice Commitment to one batch of streamed checkpoints (docs/SPEC.md §3).
    function checkpointBatch(uint64 firstIndex, uint32 count, bytes32 root) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(CHECKPOINT_BATCH_TAG, firstIndex, count, root));
    }

    /// @notice State hash H(0x03 ‖ u32(count) ‖ listRoot(tensor hashes)) (docs/SPEC.md §3).
    function state(uint32 count, bytes32 root) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(STATE_TAG, count, root));
    }

    /// @notice Value-table root H(0x04 ‖ u32(nSlots) ‖ listRoot(slot hashes)) (docs/SPEC.md §3).
    function valueTable(uint32 nSlots, bytes32 root) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(VALUE_TABLE_TAG, nSlots, root));
    }

    /// @notice Dataset hash H(0x06 ‖ tensorHash(features) ‖ tensorHash(targets)) (docs/SPEC.md §3).
    function dataset(bytes32 featuresHash, bytes32 targetsHash) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(DATASET_TAG, featuresHash, targetsHash));
    }
}
