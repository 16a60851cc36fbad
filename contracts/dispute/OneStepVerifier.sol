// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpDesc} from "../types/DisputeTypes.sol";
import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {LibPinOps} from "../libraries/LibPinOps.sol";

/// @title OneStepVerifier
/// @notice Stateless scalar semantics of PinIR ops (docs/SPEC.md §1) for the dispute game's level 5.
contract OneStepVerifier is IOneStepVerifier {
    /// @inheritdoc IOneStepVerifier
    function checkDesc(OpDesc calldata op) external pure {
        LibPinOps.checkDesc(op);
    }

    /// @inheritdoc IOneStepVerifier
    function reductionLength(OpDesc calldata op) external pure returns (uint256 length) {
        return LibPinOps.reductionLength(op);
    }

    /// @inheritdoc IOneStepVerifier
    function operandIndices(OpDesc calldata op, uint256 element, uint256 term)
        external
        pure
        returns (uint256 count, uint256 ia, uint256 ib)
    {
        return LibPinOps.operandIndices(op, element, term);
    }

    /// @inheritdoc IOneStepVerifier
    function step(OpDesc calldata op, int256 a, int256 b, int256 prev) external pure returns (int256 value) {
        return LibPinOps.step(op, a, b, prev);
    }
}
