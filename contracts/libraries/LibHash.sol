// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title LibHash
/// @notice Domain-separated SHA-256 hashes and hash-list trees shared by every Pinpoint
///         commitment (docs/SPEC.md §2–3). SHA-256 goes through the precompile at 0x02: tree
///         nodes and paths call it directly on scratch memory ({sha256Memory}), the one-off
///         wrappers through Solidity's `sha256` builtin. Every function is `pure`.
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
        uint256 ptr;
        assembly ("memory-safe") {
            // Preimage in scratch memory past the free pointer (not allocated: used at once).
            ptr := mload(0x40)
            mstore8(ptr, 0x01)
            mstore(add(ptr, 1), left)
            mstore(add(ptr, 33), right)
        }
        return sha256Memory(ptr, 65);
    }

    /// @notice SHA-256 of memory [ptr, ptr + len) through the precompile at 0x02, without the
    ///         copy and allocation that the `sha256(bytes)` builtin makes (about half the gas
    ///         per tree node).
    /// @dev The compiler treats every `staticcall` as reading state, so the call lives in a
    ///      `view` helper that is cast to `pure` (the pattern forge-std's console uses). This is
    ///      sound: the precompile is a pure function of its input.
    function sha256Memory(uint256 ptr, uint256 len) internal pure returns (bytes32) {
        function(uint256, uint256) internal view returns (bytes32) viewFn = _sha256Precompile;
        function(uint256, uint256) internal pure returns (bytes32) pureFn;
        assembly ("memory-safe") {
            pureFn := viewFn
        }
        return pureFn(ptr, len);
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
        function(bytes32, uint256, uint256, uint256) internal view returns (bytes32) viewFn = _rootFromPathPrecompile;
        function(bytes32, uint256, uint256, uint256) internal pure returns (bytes32) pureFn;
        assembly ("memory-safe") {
            pureFn := viewFn
        }
        uint256 offset;
        assembly ("memory-safe") {
            offset := path.offset
        }
        return pureFn(item, index, offset, path.length);
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

    /// @dev See {sha256Memory}. Reverts (with no data) only if the precompile call fails, which
    ///      happens only when it runs out of gas.
    function _sha256Precompile(uint256 ptr, uint256 len) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), 0x02, ptr, len, 0x00, 0x20)) {
                revert(0, 0)
            }
            h := mload(0x00)
        }
    }

    /// @dev {rootFromPath} in one assembly loop (see {sha256Memory} for the view → pure cast).
    ///      `offset`/`length` describe a calldata bytes32 array already bounds-checked by the ABI
    ///      decoder. The preimage 0x01 ‖ left ‖ right lives in scratch memory past the free pointer.
    function _rootFromPathPrecompile(
        bytes32 item,
        uint256 index,
        uint256 offset,
        uint256 length
    ) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            h := item
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            let end := add(offset, shl(5, length))
            for {} lt(offset, end) { offset := add(offset, 32) } {
                let sibling := calldataload(offset)
                // The low bit of the (shifted) index says whether h is a right child.
                switch and(index, 1)
                case 0 {
                    mstore(add(ptr, 1), h)
                    mstore(add(ptr, 33), sibling)
                }
                default {
                    mstore(add(ptr, 1), sibling)
                    mstore(add(ptr, 33), h)
                }
                if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) {
                    revert(0, 0)
                }
                h := mload(0x00)
                index := shr(1, index)
            }
        }
    }
}
