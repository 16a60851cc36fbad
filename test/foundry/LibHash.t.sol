// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {LibHash} from "../../contracts/libraries/LibHash.sol";
import {LibTensor} from "../../contracts/libraries/LibTensor.sol";
import {LibProofs} from "../../contracts/libraries/LibProofs.sol";
import {LibHarness} from "./harness/LibHarness.sol";

/// @notice Fuzzed commitments (docs/SPEC.md §2–3): the assembly fast paths equal their plain
///         definitions, and proofs open exactly the committed position.
contract LibHashTest is Test {
    LibHarness internal h;

    function setUp() public {
        h = new LibHarness();
    }

    /// @notice node(l, r) = sha256(0x01 ‖ l ‖ r), whatever the free memory pointer holds.
    function testFuzz_nodeIsTaggedSha256(bytes32 l, bytes32 r) public pure {
        assertEq(LibHash.node(l, r), sha256(abi.encodePacked(bytes1(0x01), l, r)), "node hash");
    }

    /// @notice listDepth(n) is the smallest d with 2^d ≥ n.
    function testFuzz_listDepth(uint256 n) public pure {
        n = bound(n, 1, uint256(1) << 200);
        uint256 d = LibHash.listDepth(n);
        assertGe(uint256(1) << d, n, "2^d >= n");
        if (d > 0) assertLt(uint256(1) << (d - 1), n, "2^(d-1) < n");
    }

    /// @notice Every item of a list opens against the list root with its sibling path, and only
    ///         at its own index (another index of the same depth gives another root).
    function testFuzz_listProofOpensExactlyItsItem(uint256 n, uint256 index, uint256 other, bytes32 salt) public view {
        n = bound(n, 1, 100);
        index = bound(index, 0, n - 1);
        bytes32[] memory items = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) items[i] = keccak256(abi.encode(salt, i));
        bytes32 root = h.listRoot(items);
        bytes32[] memory path = _path(items, index);
        assertEq(path.length, LibHash.listDepth(n), "path length = depth");
        assertEq(h.rootFromPath(items[index], index, path), root, "item opens at its index");
        assertEq(h.listRootOf(items[index], LibProofs.ListProof(uint32(n), index, path)), root, "listRootOf");
        other = bound(other, 0, n - 1);
        if (other != index) {
            assertNotEq(h.rootFromPath(items[index], other, path), root, "item does not open elsewhere");
        }
    }

    /// @notice listRootOf refuses an index past the list or a path of the wrong depth.
    function testFuzz_listProofShapeChecked(uint256 n, uint256 index, uint256 depth) public {
        n = bound(n, 1, 1 << 20);
        index = bound(index, 0, 1 << 21);
        depth = bound(depth, 0, 24);
        bool ok = index < n && depth == LibHash.listDepth(n);
        LibProofs.ListProof memory p = LibProofs.ListProof(uint32(n), index, new bytes32[](depth));
        if (!ok) vm.expectRevert();
        h.listRootOf(bytes32(uint256(1)), p);
    }

    /// @notice Elements decode as int64 big-endian two's complement.
    function testFuzz_elementInLeaf(int64 v, uint256 slot, bytes32 salt) public view {
        slot = bound(slot, 0, LibTensor.LEAF_ELEMENTS - 1);
        bytes memory leaf = _leafWith(salt);
        _put(leaf, slot, v);
        assertEq(h.elementInLeaf(leaf, slot), int256(v), "decoded element");
    }

    /// @notice tensorHash = sha256(0x02 ‖ u32(scale) ‖ u32(rank) ‖ u64(dim)… ‖ dataRoot).
    function testFuzz_tensorHashEncoding(uint32 scale, uint64[] memory shape, bytes32 root) public view {
        vm.assume(shape.length <= 8);
        bytes memory pre = abi.encodePacked(bytes1(0x02), scale, uint32(shape.length));
        for (uint256 i = 0; i < shape.length; ++i) pre = abi.encodePacked(pre, shape[i]);
        pre = abi.encodePacked(pre, root);
        assertEq(h.tensorHash(scale, shape, root), sha256(pre), "tensor hash");
    }

    /// @notice An element proof built from a committed tensor opens that element's value, and
    ///         its tensor hash is the committed one.
    function testFuzz_elementProofRoundTrip(uint256 rows, uint256 cols, uint256 index, uint32 scale, bytes32 salt)
        public
        view
    {
        rows = bound(rows, 1, 24);
        cols = bound(cols, 1, 40);
        index = bound(index, 0, rows * cols - 1);
        (bytes[] memory leaves, bytes32[] memory leafHashes) = _tensor(rows * cols, salt);
        uint64[] memory shape = new uint64[](2);
        shape[0] = uint64(rows);
        shape[1] = uint64(cols);
        LibTensor.ElementProof memory p =
            LibTensor.ElementProof(scale, shape, index, leaves[index >> 7], _path(leafHashes, index >> 7));
        (bytes32 th, int256 value) = h.elementCommitment(p);
        assertEq(th, h.tensorHash(scale, shape, h.listRoot(leafHashes)), "tensor hash of the proof");
        assertEq(value, int256(_value(salt, index)), "opened value");
        assertEq(LibTensor.dataDepth(rows * cols), LibHash.listDepth(leaves.length), "data depth");
    }

    /// @dev A tensor of `n` pseudo-random int64 elements: 1024-byte leaves of 128 (the last
    ///      zero-padded) and their leaf hashes sha256(0x00 ‖ leaf).
    function _tensor(uint256 n, bytes32 salt) internal view returns (bytes[] memory leaves, bytes32[] memory hashes) {
        uint256 nLeaves = (n + 127) / 128;
        leaves = new bytes[](nLeaves);
        hashes = new bytes32[](nLeaves);
        for (uint256 l = 0; l < nLeaves; ++l) {
            leaves[l] = new bytes(1024);
            for (uint256 s = 0; s < 128 && l * 128 + s < n; ++s) _put(leaves[l], s, _value(salt, l * 128 + s));
            hashes[l] = sha256(abi.encodePacked(bytes1(0x00), leaves[l]));
            assertEq(h.leafHash(leaves[l]), hashes[l], "leaf hash");
        }
    }

    // ------------------------------------------------------------------------------------------

    function _value(bytes32 salt, uint256 i) internal pure returns (int64) {
        return int64(uint64(uint256(keccak256(abi.encode(salt, i)))));
    }

    function _leafWith(bytes32 salt) internal pure returns (bytes memory leaf) {
        leaf = new bytes(1024);
        for (uint256 s = 0; s < 128; ++s) _put(leaf, s, _value(salt, s));
    }

    function _put(bytes memory leaf, uint256 slot, int64 v) internal pure {
        uint64 u = uint64(v);
        for (uint256 b = 0; b < 8; ++b) leaf[slot * 8 + b] = bytes1(uint8(u >> (56 - 8 * b)));
    }

    /// @dev Bottom-up sibling path of item `index` in the list tree of `items` (padding = 0).
    function _path(bytes32[] memory items, uint256 index) internal pure returns (bytes32[] memory path) {
        uint256 depth = LibHash.listDepth(items.length);
        path = new bytes32[](depth);
        bytes32[] memory level = new bytes32[](items.length);
        for (uint256 i = 0; i < items.length; ++i) level[i] = items[i];
        uint256 n = items.length;
        for (uint256 d = 0; d < depth; ++d) {
            uint256 sib = index ^ 1;
            path[d] = sib < n ? level[sib] : bytes32(0);
            uint256 half = (n + 1) >> 1;
            for (uint256 i = 0; i < half; ++i) {
                bytes32 right = 2 * i + 1 < n ? level[2 * i + 1] : bytes32(0);
                level[i] = LibHash.node(level[2 * i], right);
            }
            n = half;
            index >>= 1;
        }
    }
}
