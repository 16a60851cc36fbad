// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Identifier of a TaskMarket task. Ids start at 1; `TaskId.wrap(0)` means "no task".
type TaskId is uint256;

using {eqTaskId as ==, neqTaskId as !=, isNone} for TaskId global;

/// @notice `a == b` for task ids.
function eqTaskId(TaskId a, TaskId b) pure returns (bool) {
    return TaskId.unwrap(a) == TaskId.unwrap(b);
}

/// @notice `a != b` for task ids.
function neqTaskId(TaskId a, TaskId b) pure returns (bool) {
    return TaskId.unwrap(a) != TaskId.unwrap(b);
}

/// @notice True for the reserved id 0 ("no task").
function isNone(TaskId id) pure returns (bool) {
    return TaskId.unwrap(id) == 0;
}
