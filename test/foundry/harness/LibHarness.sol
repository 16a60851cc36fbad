// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibDissection} from "../../../contracts/libraries/LibDissection.sol";
import {LibHash} from "../../../contracts/libraries/LibHash.sol";
import {LibTensor} from "../../../contracts/libraries/LibTensor.sol";
import {LibProofs} from "../../../contracts/libraries/LibProofs.sol";

/// @notice Exposes the library functions that take calldata arguments, so fuzz tests can call
///         them with memory values (test-only, never deployed by the protocol).
contract LibHarness {
    function claimAt(bytes32 loClaim, bytes32[] calldata mids, bytes32 hiClaim, uint256 i)
        external
        pure
        returns (bytes32)
    {
        return LibDissection.claimAt(loClaim, mids, hiClaim, i);
    }

    function rollup(bytes32[] calldata nodes, uint256 first, uint256 height, uint256 listLeaves)
        external
        view
        returns (bytes32)
    {
        return LibDissection.rollup(nodes, first, height, listLeaves);
    }

    function listRoot(bytes32[] calldata items) external pure returns (bytes32) {
        return LibHash.listRoot(items);
    }

    function rootFromPath(bytes32 item, uint256 index, bytes32[] calldata path) external pure returns (bytes32) {
        return LibHash.rootFromPath(item, index, path);
    }

    function listRootOf(bytes32 item, LibProofs.ListProof calldata p) external pure returns (bytes32) {
        return LibProofs.listRootOf(item, p);
    }

    function leafHash(bytes calldata leaf) external pure returns (bytes32) {
        return LibTensor.leafHash(leaf);
    }

    function elementInLeaf(bytes calldata leaf, uint256 slot) external pure returns (int256) {
        return LibTensor.elementInLeaf(leaf, slot);
    }

    function tensorHash(uint32 scale, uint64[] calldata shape, bytes32 dataRoot) external pure returns (bytes32) {
        return LibTensor.tensorHash(scale, shape, dataRoot);
    }

    function numElements(uint64[] calldata shape) external pure returns (uint256) {
        return LibTensor.numElements(shape);
    }

    function elementCommitment(LibTensor.ElementProof calldata p) external pure returns (bytes32, int256) {
        return LibTensor.elementCommitment(p);
    }
}
