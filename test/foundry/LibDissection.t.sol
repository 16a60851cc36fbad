// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {LibDissection} from "../../contracts/libraries/LibDissection.sol";
import {LibHash} from "../../contracts/libraries/LibHash.sol";
import {LibHarness} from "./harness/LibHarness.sol";

/// @notice Fuzzed geometry of the dispute game's dissections and descents (docs/DISPUTE.md §3).
contract LibDissectionTest is Test {
    LibHarness internal h;

    function setUp() public {
        h = new LibHarness();
    }

    /// @notice The points of a dissection run from lo to hi, strictly increasing, so every
    ///         segment is non-empty, there are min(D, hi − lo) of them, and each is at most
    ///         ⌈(hi − lo) / segments⌉ long.
    function testFuzz_pointsPartitionTheRange(uint256 lo, uint256 span, uint256 degree, uint256 seed) public pure {
        lo = bound(lo, 0, type(uint64).max);
        span = bound(span, 1, type(uint64).max);
        degree = bound(degree, 2, 256);
        uint256 hi = lo + span;
        uint256 s = LibDissection.segments(lo, hi, degree);
        assertEq(s, span < degree ? span : degree, "segments = min(D, span)");
        assertEq(LibDissection.midpointCount(lo, hi, degree), s - 1, "midpoints = segments - 1");
        assertEq(LibDissection.point(lo, hi, degree, 0), lo, "point 0 is lo");
        assertEq(LibDissection.point(lo, hi, degree, s), hi, "last point is hi");
        uint256 maxLen = (span + s - 1) / s;
        // Check a few segments chosen by the seed (all of them when there are few).
        uint256 checks = s < 16 ? s : 16;
        for (uint256 k = 0; k < checks; ++k) {
            uint256 i = s < 16 ? k : uint256(keccak256(abi.encode(seed, k))) % s;
            (uint256 a, uint256 b) = LibDissection.segment(lo, hi, degree, i);
            assertEq(a, LibDissection.point(lo, hi, degree, i), "segment starts at point i");
            assertEq(b, LibDissection.point(lo, hi, degree, i + 1), "segment ends at point i+1");
            assertLt(a, b, "segment is non-empty");
            assertLe(b - a, maxLen, "segment is at most ceil(span / segments) long");
        }
    }

    /// @notice Whatever segment the challenger picks each round, a range of `span` positions
    ///         reaches one step in at most ⌈log_D(span)⌉ rounds (the bound docs/DISPUTE.md §7 uses).
    function testFuzz_dissectionRoundsAreLogarithmic(uint256 span, uint256 degree, uint256 seed) public pure {
        span = bound(span, 1, type(uint64).max);
        degree = bound(degree, 2, 256);
        uint256 bound_ = 0;
        for (uint256 p = 1; p < span; p *= degree) ++bound_;
        uint256 lo = 0;
        uint256 hi = span;
        uint256 rounds = 0;
        while (hi - lo > 1) {
            uint256 s = LibDissection.segments(lo, hi, degree);
            uint256 i = uint256(keccak256(abi.encode(seed, rounds))) % s;
            (lo, hi) = LibDissection.segment(lo, hi, degree, i);
            ++rounds;
        }
        assertLe(rounds, bound_, "rounds <= ceil(log_D span)");
    }

    /// @notice claimAt reads the agreed claim at 0, the posted midpoints inside and the disputed
    ///         claim at the end.
    function testFuzz_claimAt(bytes32 loClaim, bytes32 hiClaim, uint256 n, uint256 i, bytes32 salt) public view {
        n = bound(n, 0, 255);
        i = bound(i, 0, n + 1);
        bytes32[] memory mids = new bytes32[](n);
        for (uint256 k = 0; k < n; ++k) mids[k] = keccak256(abi.encode(salt, k));
        bytes32 expected = i == 0 ? loClaim : i > n ? hiClaim : mids[i - 1];
        assertEq(h.claimAt(loClaim, mids, hiClaim, i), expected, "claimAt");
    }

    /// @notice A descent move reveals min(bits, height) levels.
    function testFuzz_descentLevels(uint256 height, uint256 bits) public pure {
        height = bound(height, 0, 64);
        bits = bound(bits, 1, 8);
        uint256 l = LibDissection.descentLevels(height, bits);
        assertLe(l, height, "levels <= height");
        assertLe(l, bits, "levels <= bits");
        assertTrue(l == height || l == bits, "levels = min(height, bits)");
    }

    /// @notice rollup recomputes any node of a tensor tree (no padding rule) or a list tree
    ///         (padding subtrees are zero whatever was posted) from its descendants `levels` below.
    function testFuzz_rollupMatchesReferenceTree(
        uint256 treeBits,
        uint256 nLeaves,
        uint256 nodeHeight,
        uint256 levels,
        uint256 nodeIndex,
        bool list,
        bytes32 salt
    ) public view {
        treeBits = bound(treeBits, 0, 7);
        nLeaves = bound(nLeaves, 1, uint256(1) << treeBits);
        nodeHeight = bound(nodeHeight, 0, treeBits);
        levels = bound(levels, 0, nodeHeight);
        nodeIndex = bound(nodeIndex, 0, ((uint256(1) << treeBits) >> nodeHeight) - 1);
        bytes32[][] memory tree = _referenceTree(treeBits, nLeaves, list, salt);

        uint256 first = nodeIndex << levels;
        uint256 below = nodeHeight - levels;
        bytes32[] memory nodes = new bytes32[](uint256(1) << levels);
        for (uint256 i = 0; i < nodes.length; ++i) {
            nodes[i] = tree[below][first + i];
            // Garbage posted at list padding positions must not change the result.
            if (list && ((first + i) << below) >= nLeaves) nodes[i] = keccak256(abi.encode("garbage", salt, i));
        }
        assertEq(h.rollup(nodes, first, below, list ? nLeaves : 0), tree[nodeHeight][nodeIndex], "rollup = reference node");
    }

    /// @notice The reference list tree's root is LibHash.listRoot of the list (same padding rule).
    function testFuzz_referenceTreeIsListRoot(uint256 nLeaves, bytes32 salt) public view {
        nLeaves = bound(nLeaves, 1, 128);
        uint256 depth = LibHash.listDepth(nLeaves);
        bytes32[][] memory tree = _referenceTree(depth, nLeaves, true, salt);
        bytes32[] memory items = new bytes32[](nLeaves);
        for (uint256 i = 0; i < nLeaves; ++i) items[i] = tree[0][i];
        assertEq(tree[depth][0], h.listRoot(items), "reference root = LibHash.listRoot");
    }

    /// @dev Every level of a binary tree over 2^treeBits leaves, bottom up. In a list tree over
    ///      `n` items, node i at height lv is padding (zero) iff i · 2^lv ≥ n (docs/SPEC.md §3).
    function _referenceTree(uint256 treeBits, uint256 n, bool list, bytes32 salt)
        internal
        pure
        returns (bytes32[][] memory tree)
    {
        uint256 width = uint256(1) << treeBits;
        tree = new bytes32[][](treeBits + 1);
        tree[0] = new bytes32[](width);
        for (uint256 i = 0; i < width; ++i) {
            tree[0][i] = list && i >= n ? bytes32(0) : keccak256(abi.encode(salt, i));
        }
        for (uint256 lv = 1; lv <= treeBits; ++lv) {
            uint256 m = width >> lv;
            tree[lv] = new bytes32[](m);
            for (uint256 i = 0; i < m; ++i) {
                tree[lv][i] =
                    list && (i << lv) >= n ? bytes32(0) : LibHash.node(tree[lv - 1][2 * i], tree[lv - 1][2 * i + 1]);
            }
        }
    }

    /// @notice List padding: a node is padding iff its first leaf is past the list's end.
    function testFuzz_isListPadding(uint256 index, uint256 height, uint256 n) public pure {
        index = bound(index, 0, type(uint32).max);
        height = bound(height, 0, 32);
        n = bound(n, 1, type(uint64).max);
        assertEq(LibDissection.isListPadding(index, height, n), index * (uint256(1) << height) >= n, "padding rule");
    }
}
