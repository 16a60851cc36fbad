// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Lifecycle of a TaskMarket task.
/// @dev Transitions (every other transition reverts):
///      Open      → Claimed   (claim: solver stake locked)
///      Open      → Cancelled (cancel by the submitter: reward refunded)
///      Claimed   → Open      (expire after the solve deadline: part of the stake slashed, task reopened)
///      Claimed   → Submitted (submitFinal once all N−1 checkpoints are committed)
///      Submitted → Finalized (finalize after the challenge window with no open dispute: solver paid)
///      Submitted → Rejected  (a dispute resolved for the challenger: solver stake slashed)
///      Rejected  → Refunded  (reclaim by anyone: reward returned to the submitter)
///      `Open` is 0 so that creating a task writes no status word; a task exists iff its
///      submitter is non-zero.
enum TaskStatus {
    Open,
    Claimed,
    Submitted,
    Finalized,
    Cancelled,
    Rejected,
    Refunded
}
