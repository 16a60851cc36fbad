// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title LibHash
/// @notice Domain-separated SHA-256 hashes and hash-list trees shared by every Pinpoint
///         commitment (docs/SPEC.md §2–3). SHA-256 goes through the precompile at 0x02.
library LibHash {
    /// @notice Domain tags, first byte of every hashed preimage.
    bytes1 internal constant LEAF_TAG = 0x00;
    bytes1 internal constant NODE_TAG = 0x01;
    bytes1 internal constant TENSOR_TAG = 0x02;
    bytes1 internal constant STATE_TAG = 0x03;
    bytes1 internal constant VALUE_TABLE_TAG = 0x04;
    bytes1 internal constant CHECKPOINT_BATCH_TAG = 0x05;
    bytes1 internal constant DATASET_TAG = 0x06;

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
    function rootFromPath(bytes32 item, uint256 index, bytes32[] calldata path) internal pure returns (bytes32 h) {
        h = item;
        for (uint256 i = 0; i < path.length; ++i) {
            h = (index >> i) & 1 == 0 ? node(h, path[i]) : node(path[i], h);
        }
    }

    /// @notice Commitment to one batch of streamed checkpoints (docs/SPEC.md §3).
    function checkpointBatch(uint64 firstIndex, uint32 count, bytes32 root) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(CHECKPOINT_BATCH_TAG, firstIndex, count, root));
    }
}
