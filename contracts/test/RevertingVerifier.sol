// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpDesc} from "../types/DisputeTypes.sol";

/// @notice Test-only stand-in for a one-step verifier whose `checkDesc` fails with whatever revert
///         data the test sets (empty, too short, or another error than OneStepBadDescriptor), to
///         check that LibDisputeProofs.oneStepOperands treats only a proved out-of-range
///         descriptor as one.
contract RevertingVerifier {
    bytes internal _reason;

    /// @notice Sets the revert data of every later `checkDesc` call.
    function setReason(bytes calldata reason) external {
        _reason = reason;
    }

    /// @notice Reverts with the configured data.
    function checkDesc(OpDesc calldata) external view {
        bytes memory reason = _reason;
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }
}
