// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ICommitErrors
/// @notice Errors raised by the commitment proof libraries (LibTensor, LibProofs). A contract
///         that calls those libraries should inherit this interface (directly or through its own
///         interface) so that ethers/typechain decode the errors.
interface ICommitErrors {
    /// @notice A tensor leaf is not exactly 1024 bytes.
    error CommitLeafLength(uint256 length);
    /// @notice An element or list index is not below the number of elements/items.
    error CommitIndexOutOfRange(uint256 index, uint256 count);
    /// @notice A sibling path does not have the depth the element/item count implies.
    error CommitPathLength(uint256 length, uint256 expected);
    /// @notice The tensor hash rebuilt from an element proof differs from the expected one.
    error CommitTensorMismatch(bytes32 expected, bytes32 computed);
    /// @notice The root (state hash, value-table root, dataset hash…) rebuilt from a proof differs.
    error CommitRootMismatch(bytes32 expected, bytes32 computed);
    /// @notice A tensor shape has more than 2^32 − 1 dimensions.
    error CommitRankTooLarge(uint256 rank);
    /// @notice A dataset tensor must have rank ≥ 1 (samples along dimension 0).
    error CommitDatasetRank();
    /// @notice A batch view was asked for step 0 or a zero batch size (steps count from 1).
    error CommitBatchView(uint256 step, uint256 batchSize);
    /// @notice A dataset element proof opens another element than the batch view selects.
    error CommitBatchIndex(uint256 index, uint256 expected);
}
