// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpDesc} from "../types/DisputeTypes.sol";

/// @title IOneStepVerifier
/// @notice Scalar semantics of every PinIR op (docs/SPEC.md §1), identical to the TypeScript
///         reference interpreter and checked against the shared vectors in test/vectors/onestep.json.
///         Used by {IDisputeGame} at level 5 to recompute one scalar transition.
interface IOneStepVerifier {
    /// @notice The opcode is not a PinIR op.
    error OneStepUnknownOpcode(uint8 opcode);
    /// @notice A flat element index is outside its tensor.
    error OneStepIndexOutOfRange(uint256 index, uint256 size);
    /// @notice A term index is outside 1..K of the op's reduction (0 for non-reductions).
    error OneStepTermOutOfRange(uint256 term, uint256 length);
    /// @notice The descriptor's shapes do not fit the op (rank, broadcasting or reduction axis).
    error OneStepBadShape(uint8 opcode);
    /// @notice The descriptor is outside the descriptor range (docs/DISPUTE.md §4.1): no compiler
    ///         emits it, so a program holding it must be refused.
    /// @param opcode The descriptor's opcode (as given, also when unknown).
    /// @param field The first offending field, numbered in OpDesc order: 0 opcode, 1 out, 2 a, 3 b,
    ///        4 outScale, 5 aScale, 6 bScale, 7 p0, 8 p1, 9 c, 10 outShape, 11 aShape, 12 bShape
    ///        (LibPinOps.FIELD_*; src/dispute/descriptor.ts DescField).
    error OneStepBadDescriptor(uint8 opcode, uint8 field);

    /// @notice Checks that `op` is inside the descriptor range (docs/DISPUTE.md §4.1): a known
    ///         opcode, only the parameters the op uses and within their limits (MatMul transA/transB
    ///         ∈ {0, 1}, ReduceSum axis < rank, Rescale shift ∈ [1, 52], Rescale/Clip bound ∈ [1, 52],
    ///         MulConst |c| ≤ 2^53 − 1, scales ≤ 255), and shapes that fit the op (rank ≤ 16, every
    ///         dimension ≥ 1, at most 2^32 elements, consistent as the op computes them). Inside the
    ///         range {step} and {operandIndices} equal the TypeScript reference bit for bit.
    /// @dev Reverts {OneStepBadDescriptor} naming the first offending field (LibPinOps.checkDesc).
    /// @param op The op descriptor.
    function checkDesc(OpDesc calldata op) external pure;

    /// @notice Length K of the reduction computing each output element, 0 for non-reductions.
    /// @param op The op descriptor.
    /// @return length K (MatMul: contracted dimension; ReduceSum: shape[axis]).
    function reductionLength(OpDesc calldata op) external pure returns (uint256 length);

    /// @notice Flat indices of the operands that output element `element` reads (term `term`
    ///         for reductions, 1-based; 0 for non-reductions). Never panics: a descriptor outside
    ///         the range reverts with one of this interface's errors or yields indices that no
    ///         operand proof opens.
    /// @param op The op descriptor.
    /// @param element Flat output index.
    /// @param term Term index k in 1..K for reductions, 0 otherwise.
    /// @return count Number of operands read (1 or 2).
    /// @return ia Flat index into operand a.
    /// @return ib Flat index into operand b (0 when count = 1).
    function operandIndices(OpDesc calldata op, uint256 element, uint256 term)
        external
        pure
        returns (uint256 count, uint256 ia, uint256 ib);

    /// @notice Recomputes one scalar transition: the output element of a non-reduction, or the
    ///         partial sum s_k = prev + term_k of a reduction. Total: defined for every descriptor
    ///         with a known opcode (it does not check the range; see {checkDesc}) and all int256
    ///         inputs: results wrap modulo 2^256, Rescale and Clip are exact for any shift and bound
    ///         (docs/SPEC.md §1). Reverts only {OneStepUnknownOpcode}.
    /// @param op The op descriptor.
    /// @param a Operand a's element (g for ReluGrad).
    /// @param b Operand b's element (x for ReluGrad; ignored by unary ops).
    /// @param prev The agreed partial sum s_{k−1} (reductions only; ignored otherwise).
    /// @return value The output element or the partial sum s_k.
    function step(OpDesc calldata op, int256 a, int256 b, int256 prev) external pure returns (int256 value);
}
