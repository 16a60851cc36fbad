// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpDesc, Opcode} from "../types/DisputeTypes.sol";
import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";

/// @title LibPinOps
/// @notice Scalar semantics and index geometry of PinIR ops (docs/SPEC.md §1). Every element is
///         an exact integer below 2^53 in magnitude, so int256 arithmetic never overflows:
///         a product is below 2^106 and a partial sum below 2^53 by the compiler's bounds.
library LibPinOps {
    /// @notice clip(a, −(2^bound − 1), 2^bound − 1).
    function clip(int256 a, uint256 bound) internal pure returns (int256) {
        int256 m = int256((uint256(1) << bound) - 1);
        if (a > m) return m;
        if (a < -m) return -m;
        return a;
    }

    /// @notice Round to nearest: clip(floor((a + 2^(shift−1)) / 2^shift), bound). `>>` on a
    ///         signed integer floors toward −∞, exactly as the reference interpreter.
    function rescale(int256 a, uint256 shift, uint256 bound) internal pure returns (int256) {
        if (shift == 0) return clip(a, bound);
        return clip((a + int256(uint256(1) << (shift - 1))) >> shift, bound);
    }

    /// @notice Number of elements of a shape (1 for a scalar).
    function numel(uint64[] calldata shape) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < shape.length; ++i) n *= shape[i];
    }

    /// @notice Whether the op is a reduction (MatMul, ReduceSum).
    function isReduction(uint8 opcode) internal pure returns (bool) {
        return opcode == Opcode.MAT_MUL || opcode == Opcode.REDUCE_SUM;
    }

    /// @notice Length K of an op's reduction; 0 for non-reductions.
    function reductionLength(OpDesc calldata op) internal pure returns (uint256) {
        if (op.opcode == Opcode.MAT_MUL) {
            if (op.aShape.length != 2) revert IOneStepVerifier.OneStepBadShape(op.opcode);
            return op.p0 != 0 ? op.aShape[0] : op.aShape[1];
        }
        if (op.opcode == Opcode.REDUCE_SUM) {
            if (op.p0 >= op.aShape.length) revert IOneStepVerifier.OneStepBadShape(op.opcode);
            return op.aShape[op.p0];
        }
        return 0;
    }

    /// @notice numpy broadcasting: the flat index into `inShape` read by output element `e`
    ///         of `outShape` (shapes right-aligned; each input dim equals the output dim or is 1).
    function broadcastIndex(uint256 e, uint64[] calldata outShape, uint64[] calldata inShape)
        internal
        pure
        returns (uint256 idx)
    {
        uint256 outRank = outShape.length;
        uint256 inRank = inShape.length;
        if (inRank > outRank) revert IOneStepVerifier.OneStepBadShape(0);
        uint256 stride = 1;
        // Walk dimensions from the last (fastest) to the first.
        for (uint256 d = 0; d < outRank; ++d) {
            uint256 od = outShape[outRank - 1 - d];
            uint256 coord = e % od;
            e /= od;
            if (d < inRank) {
                uint256 id = inShape[inRank - 1 - d];
                if (id == od) idx += coord * stride;
                else if (id != 1) revert IOneStepVerifier.OneStepBadShape(0);
                stride *= id;
            }
        }
    }

    /// @notice Operand indices of output element `e` (term `k`, 1-based, for reductions).
    /// @return count 1 or 2 operands.
    /// @return ia Flat index into a.
    /// @return ib Flat index into b.
    function operandIndices(OpDesc calldata op, uint256 e, uint256 k)
        internal
        pure
        returns (uint256 count, uint256 ia, uint256 ib)
    {
        uint256 n = numel(op.outShape);
        if (e >= n) revert IOneStepVerifier.OneStepIndexOutOfRange(e, n);
        uint8 code = op.opcode;
        uint256 len = reductionLength(op);
        if (len == 0 ? k != 0 : (k == 0 || k > len)) revert IOneStepVerifier.OneStepTermOutOfRange(k, len);
        if (code == Opcode.MAT_MUL) {
            if (op.outShape.length != 2 || op.bShape.length != 2) revert IOneStepVerifier.OneStepBadShape(code);
            uint256 cols = op.outShape[1];
            uint256 rows = op.outShape[0];
            uint256 i = e / cols;
            uint256 j = e % cols;
            uint256 kk = k - 1;
            // A' = A [rows, len] or Aᵀ with A [len, rows]; B' = B [len, cols] or Bᵀ with B [cols, len].
            ia = op.p0 != 0 ? kk * rows + i : i * len + kk;
            ib = op.p1 != 0 ? j * len + kk : kk * cols + j;
            return (2, ia, ib);
        }
        if (code == Opcode.REDUCE_SUM) {
            uint256 axis = op.p0;
            uint256 inner = 1;
            for (uint256 d = axis + 1; d < op.aShape.length; ++d) inner *= op.aShape[d];
            ia = ((e / inner) * len + (k - 1)) * inner + (e % inner);
            return (1, ia, 0);
        }
        if (code == Opcode.ADD || code == Opcode.SUB || code == Opcode.MUL) {
            return (2, broadcastIndex(e, op.outShape, op.aShape), broadcastIndex(e, op.outShape, op.bShape));
        }
        if (code == Opcode.RELU_GRAD) return (2, e, e);
        if (code == Opcode.TRANSPOSE) {
            if (op.outShape.length != 2) revert IOneStepVerifier.OneStepBadShape(code);
            uint256 rows = op.outShape[0];
            uint256 cols = op.outShape[1];
            // out[i, j] = a[j, i] with a of shape [cols, rows].
            return (1, (e % cols) * rows + e / cols, 0);
        }
        if (
            code == Opcode.MUL_CONST || code == Opcode.RELU || code == Opcode.RESCALE || code == Opcode.CLIP
                || code == Opcode.RESHAPE
        ) return (1, e, 0);
        revert IOneStepVerifier.OneStepUnknownOpcode(code);
    }

    /// @notice One scalar transition (see {IOneStepVerifier-step}).
    function step(OpDesc calldata op, int256 a, int256 b, int256 prev) internal pure returns (int256) {
        uint8 code = op.opcode;
        if (code == Opcode.MAT_MUL) return prev + a * b;
        if (code == Opcode.REDUCE_SUM) return prev + a;
        if (code == Opcode.ADD) return a + b;
        if (code == Opcode.SUB) return a - b;
        if (code == Opcode.MUL) return a * b;
        if (code == Opcode.MUL_CONST) return a * int256(op.c);
        if (code == Opcode.RELU) return a > 0 ? a : int256(0);
        if (code == Opcode.RELU_GRAD) return b > 0 ? a : int256(0);
        if (code == Opcode.TRANSPOSE || code == Opcode.RESHAPE) return a;
        if (code == Opcode.RESCALE) return rescale(a, op.p0, op.p1);
        if (code == Opcode.CLIP) return clip(a, op.p1);
        revert IOneStepVerifier.OneStepUnknownOpcode(code);
    }
}
