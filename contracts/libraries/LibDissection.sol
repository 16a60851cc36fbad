// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title LibDissection
/// @notice Geometry of the dispute game's moves (docs/DISPUTE.md §3).
///
///         Dissection of a position range [lo, hi] with `degree` D: the defender posts the claims
///         at the D − 1 interior points (fewer when hi − lo < D), the challenger picks segment i,
///         whose left end it agrees with and whose right end it disputes. Point i of the range is
///         lo + ⌊(hi − lo) · i / s⌋ with s = min(D, hi − lo) segments, so every segment is
///         non-empty and the range shrinks by a factor ≥ D each round until hi − lo = 1.
///
///         Descent of a binary hash tree: the defender reveals the 2^g descendants `g` levels
///         below the disputed node (g = min(bits, height)), the challenger picks one.
library LibDissection {
    /// @notice Number of segments a dissection of [lo, hi] has: min(degree, hi − lo).
    function segments(uint256 lo, uint256 hi, uint256 degree) internal pure returns (uint256) {
        uint256 span = hi - lo;
        return span < degree ? span : degree;
    }

    /// @notice Number of midpoint claims the defender posts for [lo, hi].
    function midpointCount(uint256 lo, uint256 hi, uint256 degree) internal pure returns (uint256) {
        return segments(lo, hi, degree) - 1;
    }

    /// @notice Position of point `i` (0 ≤ i ≤ segments) of the dissection of [lo, hi].
    function point(uint256 lo, uint256 hi, uint256 degree, uint256 i) internal pure returns (uint256) {
        return lo + ((hi - lo) * i) / segments(lo, hi, degree);
    }

    /// @notice Bounds of segment `i` of the dissection of [lo, hi].
    function segment(uint256 lo, uint256 hi, uint256 degree, uint256 i)
        internal
        pure
        returns (uint256 newLo, uint256 newHi)
    {
        return (point(lo, hi, degree, i), point(lo, hi, degree, i + 1));
    }

    /// @notice Claim at point `i`: `loClaim` at 0, `mids[i − 1]` inside, `hiClaim` at the end.
    function claimAt(bytes32 loClaim, bytes32[] calldata mids, bytes32 hiClaim, uint256 i)
        internal
        pure
        returns (bytes32)
    {
        if (i == 0) return loClaim;
        if (i > mids.length) return hiClaim;
        return mids[i - 1];
    }

    /// @notice Number of levels the next descent move reveals below a node at `height`.
    function descentLevels(uint256 height, uint256 bits) internal pure returns (uint256) {
        return height < bits ? height : bits;
    }

    /// @notice Whether node `index` at `height` of a list tree over `n` items is padding
    ///         (docs/SPEC.md §3: a padding subtree hashes to bytes32(0)).
    function isListPadding(uint256 index, uint256 height, uint256 n) internal pure returns (bool) {
        return (index << height) >= n;
    }

    /// @notice Root of the subtree whose descendants `levels` below are `nodes` (2^levels of them,
    ///         starting at index `first` at height `height`). For a list tree (`listLeaves` > 0)
    ///         padding nodes count as bytes32(0) whatever was posted; for a tensor data tree
    ///         (`listLeaves` = 0) every node is hashed as posted. `view` only because node hashes
    ///         call the SHA-256 precompile from assembly.
    function rollup(bytes32[] calldata nodes, uint256 first, uint256 height, uint256 listLeaves)
        internal
        view
        returns (bytes32)
    {
        uint256 n = nodes.length;
        bytes32[] memory level = new bytes32[](n);
        // Cannot overflow: n ≤ 2^8 nodes, indices and heights below 2^64 (positions of a game).
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                level[i] = listLeaves != 0 && ((first + i) << height) >= listLeaves ? bytes32(0) : nodes[i];
            }
            uint256 h = height;
            uint256 idx = first;
            while (n > 1) {
                n >>= 1;
                for (uint256 i = 0; i < n; ++i) {
                    level[i] = listLeaves != 0 && ((idx + 2 * i) << h) >= listLeaves
                        ? bytes32(0)
                        : _node(level[2 * i], level[2 * i + 1]);
                }
                idx >>= 1;
                ++h;
            }
        }
        return level[0];
    }

    /// @dev nodeHash(l, r) = sha256(0x01 ‖ l ‖ r) (LibHash.node) hashed in scratch memory.
    function _node(bytes32 left, bytes32 right) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0x01)
            mstore(add(p, 1), left)
            mstore(add(p, 33), right)
            if iszero(staticcall(gas(), 0x02, p, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }
}
