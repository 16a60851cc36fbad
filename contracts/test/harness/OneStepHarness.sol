// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "../../interfaces/IDisputeGame.sol";
import {LibDisputeProofs} from "../../dispute/LibDisputeProofs.sol";
import {LibProofs} from "../../libraries/LibProofs.sol";
import {OpDesc} from "../../types/DisputeTypes.sol";

/// @title OneStepHarness
/// @notice Test-only wrapper calling the linked LibDisputeProofs the way DisputeGame does (by
///         delegatecall), to check its level-5 operand step on hand-made descriptors.
contract OneStepHarness {
    function oneStepOperands(
        bytes32[2] calldata h,
        uint256[4] calldata n,
        OpDesc calldata op,
        LibProofs.ListProof calldata opProof,
        IDisputeGame.Operand[] calldata operands,
        address verifier
    ) external view returns (bool inRange, int256 a, int256 b) {
        return LibDisputeProofs.oneStepOperands(h, n, op, opProof, operands, verifier);
    }
}
