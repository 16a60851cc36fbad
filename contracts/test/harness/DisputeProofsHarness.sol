// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "../../interfaces/IDisputeGame.sol";
import {LibDisputeProofs} from "../../dispute/LibDisputeProofs.sol";
import {LibProofs} from "../../libraries/LibProofs.sol";
import {OpDesc, ProgramInfo} from "../../types/DisputeTypes.sol";

/// @title DisputeProofsHarness
/// @notice Test-only wrapper calling the linked LibDisputeProofs checks the way DisputeGame does
///         (by delegatecall; the library refuses direct calls), so that each check can be given
///         exactly one wrong field (test/dispute/LibDisputeProofs.branches.test.ts).
contract DisputeProofsHarness {
    function checkOpDesc(
        bytes32 opsRoot,
        uint256 nOps,
        OpDesc calldata op,
        LibProofs.ListProof calldata p,
        uint256 opIndex
    ) external pure {
        LibDisputeProofs.checkOpDesc(opsRoot, nOps, op, p, opIndex);
    }

    function checkOpUpdate(bytes32[3] calldata h, uint256 out, LibProofs.ListProof calldata p) external pure {
        LibDisputeProofs.checkOpUpdate(h, out, p);
    }

    function checkFinalState(
        ProgramInfo calldata program,
        IDisputeGame.FinalStateArgs calldata f,
        uint256 contested,
        bytes32 rootM,
        bytes32 tensorHash
    ) external pure {
        LibDisputeProofs.checkFinalState(program, f, contested, rootM, tensorHash);
    }

    function checkInitialSlot(
        ProgramInfo calldata program,
        IDisputeGame.SlotArgs calldata s,
        uint256 slot,
        bytes32 prevState,
        bytes32 h
    ) external pure returns (uint256) {
        return LibDisputeProofs.checkInitialSlot(program, s, slot, prevState, h);
    }

    function operand(
        bytes32 root,
        IDisputeGame.Operand calldata p,
        uint256 slot,
        uint256 index
    ) external pure returns (int256) {
        return LibDisputeProofs.operand(root, p, slot, index);
    }

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
