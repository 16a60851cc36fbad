// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibTensor} from "../../libraries/LibTensor.sol";
import {LibClock, Clock} from "../../libraries/LibClock.sol";
import {Side} from "../../types/DisputeTypes.sol";
import {TaskId} from "../../types/TaskId.sol";

/// @title LibraryEdgeHarness
/// @notice Test-only wrapper exposing the library functions and guards that no protocol contract
///         reaches with arbitrary input (test/libraries/Libraries.branches.test.ts, docs/COVERAGE.md):
///         LibTensor's element decoder with any leaf and slot, LibClock's field readers and
///         TaskId's global operators.
contract LibraryEdgeHarness {
    function elementInLeaf(bytes calldata leaf, uint256 slot) external pure returns (int256) {
        return LibTensor.elementInLeaf(leaf, slot);
    }

    function clockBudgetOf(Clock c, Side side) external pure returns (uint256) {
        return LibClock.budgetOf(c, side);
    }

    function clockTurnStart(Clock c) external pure returns (uint256) {
        return LibClock.turnStart(c);
    }

    function taskIdEq(TaskId a, TaskId b) external pure returns (bool) {
        return a == b;
    }

    function taskIdNeq(TaskId a, TaskId b) external pure returns (bool) {
        return a != b;
    }

    function taskIdIsNone(TaskId id) external pure returns (bool) {
        return id.isNone();
    }
}
