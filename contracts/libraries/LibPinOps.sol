// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpDesc, Opcode} from "../types/DisputeTypes.sol";
import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";

/// @title LibPinOps
/// @notice Scalar semantics, index geometry and descriptor range of PinIR ops (docs/SPEC.md §1,
///         docs/DISPUTE.md §4.1), bit for bit src/dispute/semantics.ts and src/dispute/descriptor.ts.
/// @dev Two guarantees, checked by test/dispute/OneStepVerifier.test.ts:
///      - {checkDesc} accepts exactly the descriptors the compiler can emit (the descriptor range);
///        on those, every element of a bounded program is below 2^53 and nothing below wraps.
///      - {step} is total: it returns a defined int256 for every descriptor with a known opcode and
///        every int256 operand (results wrap modulo 2^256; Rescale and Clip are defined for any shift
///        and bound), so a one-step check never panics. {reductionLength} and {operandIndices} revert
///        only with the custom errors of {IOneStepVerifier}, never with a panic.
library LibPinOps {
    // ─── Descriptor range (docs/DISPUTE.md §4.1; src/dispute/descriptor.ts DESC_LIMITS) ───

    /// @notice Largest Rescale shift (p0); the smallest is 1. Equals the compiler's MAX_BOUND_BITS.
    uint256 internal constant MAX_SHIFT = 52;
    /// @notice Smallest Rescale / Clip bound (p1).
    uint256 internal constant MIN_BOUND = 1;
    /// @notice Largest Rescale / Clip bound (p1): clip to ±(2^52 − 1). The compiler's MAX_BOUND_BITS.
    uint256 internal constant MAX_BOUND = 52;
    /// @notice Largest slot scale (fractional bits), as the compiler encodes scales (u8).
    uint256 internal constant MAX_SCALE = 255;
    /// @notice Largest |c| of MulConst: 2^53 − 1 (a safe integer).
    int256 internal constant MAX_ABS_C = 2 ** 53 - 1;
    /// @notice Largest rank of an operand or output shape.
    uint256 internal constant MAX_RANK = 16;
    /// @notice Largest number of elements of an operand or output (every dimension is ≥ 1).
    uint256 internal constant MAX_NUMEL = 0x100000000;

    // ─── Field ids of {IOneStepVerifier-OneStepBadDescriptor}: OpDesc field positions ───

    uint8 internal constant FIELD_OPCODE = 0;
    uint8 internal constant FIELD_OUT = 1;
    uint8 internal constant FIELD_A = 2;
    uint8 internal constant FIELD_B = 3;
    uint8 internal constant FIELD_OUT_SCALE = 4;
    uint8 internal constant FIELD_A_SCALE = 5;
    uint8 internal constant FIELD_B_SCALE = 6;
    uint8 internal constant FIELD_P0 = 7;
    uint8 internal constant FIELD_P1 = 8;
    uint8 internal constant FIELD_C = 9;
    uint8 internal constant FIELD_OUT_SHAPE = 10;
    uint8 internal constant FIELD_A_SHAPE = 11;
    uint8 internal constant FIELD_B_SHAPE = 12;

    // ─── Descriptor range ───

    /// @notice Reverts with {IOneStepVerifier-OneStepBadDescriptor}(opcode, field) unless `op` is
    ///         inside the descriptor range (docs/DISPUTE.md §4.1), checking in this order:
    ///         1. opcode is a PinIR opcode (1..12);
    ///         2. unary ops (all but MatMul, Add, Sub, Mul, ReluGrad) have b = 0;
    ///         3. outScale, aScale ≤ MAX_SCALE; bScale ≤ MAX_SCALE for binary ops, 0 for unary ones;
    ///         4. p0: MatMul transA ∈ {0, 1}; ReduceSum axis < rank(a); Rescale shift ∈ [1, MAX_SHIFT];
    ///            0 otherwise;
    ///         5. p1: MatMul transB ∈ {0, 1}; Rescale / Clip bound ∈ [MIN_BOUND, MAX_BOUND]; 0 otherwise;
    ///         6. c: MulConst |c| ≤ MAX_ABS_C; 0 otherwise;
    ///         7. outShape, aShape (and bShape of binary ops; [] for unary ones): rank ≤ MAX_RANK,
    ///            every dimension ≥ 1, at most MAX_NUMEL elements;
    ///         8. shapes as the op computes them: MatMul rank-2 a (aShape) and b (bShape) with equal
    ///            contracted dimensions (bShape) and out = [rows, cols]; Add/Sub/Mul operands that
    ///            broadcast (bShape) to out; ReluGrad b = a (bShape); Transpose rank-2 a (aShape) and
    ///            out = aᵀ; ReduceSum out = a without the axis; Reshape equal element counts;
    ///            MulConst/Relu/Rescale/Clip out = a (all outShape unless named).
    ///         Slot ids (out, a, b) are free: the game proves them against the slot table.
    /// @dev Inside the range {reductionLength}, {operandIndices} and {step} agree with the TypeScript
    ///      reference on every element and term, and every index and product stays far below 2^256.
    ///      Not called by {step} (kept cheap); callers that accept a descriptor call this first.
    function checkDesc(OpDesc calldata op) internal pure {
        // Head words are read raw (_word): a value outside its ABI type (never encoded by an ABI
        // encoder) fails every range check below, so what is accepted reads the same typed.
        uint256 code = _word(op, FIELD_OPCODE);
        // INVARIANT: the opcode is a PinIR op.
        if (code == 0 || code > Opcode.RESHAPE) _bad(code, FIELD_OPCODE);
        bool binary = code <= Opcode.MUL || code == Opcode.RELU_GRAD;
        // INVARIANT: a unary op names no second operand.
        if (!binary && _word(op, FIELD_B) != 0) _bad(code, FIELD_B);
        // INVARIANT: scales are the compiler's u8 scales; an absent operand has scale 0.
        if (_word(op, FIELD_OUT_SCALE) > MAX_SCALE) _bad(code, FIELD_OUT_SCALE);
        if (_word(op, FIELD_A_SCALE) > MAX_SCALE) _bad(code, FIELD_A_SCALE);
        if (binary ? _word(op, FIELD_B_SCALE) > MAX_SCALE : _word(op, FIELD_B_SCALE) != 0) _bad(code, FIELD_B_SCALE);
        uint64[] calldata o = _shapeAt(op, FIELD_OUT_SHAPE);
        uint64[] calldata a = _shapeAt(op, FIELD_A_SHAPE);
        uint64[] calldata b = _shapeAt(op, FIELD_B_SHAPE);
        _checkParams(code, _word(op, FIELD_P0), _word(op, FIELD_P1), int256(_word(op, FIELD_C)), a.length);
        // INVARIANT: shapes are small enough for exact index arithmetic and have no empty dimension.
        if (!_shapeOk(o)) _bad(code, FIELD_OUT_SHAPE);
        if (!_shapeOk(a)) _bad(code, FIELD_A_SHAPE);
        if (binary ? !_shapeOk(b) : b.length != 0) _bad(code, FIELD_B_SHAPE);
        _checkGeometry(code, _word(op, FIELD_P0), _word(op, FIELD_P1), o, a, b);
    }

    // ─── Scalar semantics ───

    /// @notice clip(a, −(2^bound − 1), 2^bound − 1) for every int256 `a` and every `bound`; a bound
    ///         ≥ 255 keeps every int256 as it is (2^255 − 1 is type(int256).max).
    function clip(int256 a, uint256 bound) internal pure returns (int256) {
        if (bound >= 255) return a;
        unchecked {
            // |a| as uint256: the wrapped negation of type(int256).min reads as 2^255, its magnitude.
            uint256 mag = a < 0 ? uint256(-a) : uint256(a);
            // |a| < 2^bound ⇔ |a| ≤ 2^bound − 1: nothing to clamp.
            if (mag >> bound == 0) return a;
            // bound ≤ 254: 2^bound − 1 fits int256.
            int256 m = int256((uint256(1) << bound) - 1);
            return a < 0 ? -m : m;
        }
    }

    /// @notice Round to nearest, ties toward +∞: clip(floor((a + 2^(shift−1)) / 2^shift), bound),
    ///         exact for every int256 `a` and every `shift` (shift 0 is clip(a, bound); a shift
    ///         ≥ 256 gives 0). Computed as (a >> shift) + bit (shift − 1) of a, which never forms
    ///         a + 2^(shift−1); `>>` on a signed integer floors toward −∞ like the reference.
    function rescale(int256 a, uint256 shift, uint256 bound) internal pure returns (int256) {
        if (shift == 0) return clip(a, bound);
        unchecked {
            // shift ≥ 1, so |a >> shift| ≤ 2^254 and adding one bit cannot overflow.
            return clip((a >> shift) + ((a >> (shift - 1)) & 1), bound);
        }
    }

    /// @notice One scalar transition (see {IOneStepVerifier-step}). Total: every result is taken
    ///         modulo 2^256 as int256, which a program inside the range never reaches (its values
    ///         are below 2^53, products below 2^106).
    function step(OpDesc calldata op, int256 a, int256 b, int256 prev) internal pure returns (int256) {
        uint8 code = op.opcode;
        // Wrapping is the defined semantics (docs/SPEC.md §1): no panic for any int256 inputs.
        unchecked {
            if (code == Opcode.MAT_MUL) return prev + a * b;
            if (code == Opcode.REDUCE_SUM) return prev + a;
            if (code == Opcode.ADD) return a + b;
            if (code == Opcode.SUB) return a - b;
            if (code == Opcode.MUL) return a * b;
            if (code == Opcode.MUL_CONST) return a * int256(op.c);
        }
        if (code == Opcode.RELU) return a > 0 ? a : int256(0);
        if (code == Opcode.RELU_GRAD) return b > 0 ? a : int256(0);
        if (code == Opcode.TRANSPOSE || code == Opcode.RESHAPE) return a;
        if (code == Opcode.RESCALE) return rescale(a, op.p0, op.p1);
        if (code == Opcode.CLIP) return clip(a, op.p1);
        revert IOneStepVerifier.OneStepUnknownOpcode(code);
    }

    // ─── Index geometry ───

    /// @notice Number of elements of a shape (1 for a scalar, 0 with an empty dimension).
    /// @dev Reverts OneStepBadDescriptor(opcode, field) past MAX_NUMEL instead of overflowing.
    function numel(uint64[] calldata shape, uint8 opcode, uint8 field) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < shape.length; ++i) {
            // n ≤ MAX_NUMEL = 2^32 and a dimension < 2^64: the product is below 2^96.
            n *= shape[i];
            if (n > MAX_NUMEL) _bad(opcode, field);
        }
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
    /// @dev Requires e < numel(outShape) ≤ MAX_NUMEL (so every output dimension is ≥ 1).
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
        uint8 code = op.opcode;
        uint256 n = numel(op.outShape, code, FIELD_OUT_SHAPE);
        if (e >= n) revert IOneStepVerifier.OneStepIndexOutOfRange(e, n);
        // From here every output dimension is ≥ 1 and e < n ≤ MAX_NUMEL.
        uint256 len = reductionLength(op);
        // INVARIANT: a reduction reads term 1..K (none when K = 0), a non-reduction term 0.
        if (isReduction(code) ? (k == 0 || k > len) : k != 0) revert IOneStepVerifier.OneStepTermOutOfRange(k, len);
        if (code == Opcode.MAT_MUL) {
            if (op.outShape.length != 2 || op.bShape.length != 2) revert IOneStepVerifier.OneStepBadShape(code);
            uint256 cols = op.outShape[1];
            uint256 rows = op.outShape[0];
            uint256 i = e / cols;
            uint256 j = e % cols;
            uint256 kk = k - 1;
            // A' = A [rows, len] or Aᵀ with A [len, rows]; B' = B [len, cols] or Bᵀ with B [cols, len].
            // Every factor is below 2^64: no product reaches 2^129.
            ia = op.p0 != 0 ? kk * rows + i : i * len + kk;
            ib = op.p1 != 0 ? j * len + kk : kk * cols + j;
            return (2, ia, ib);
        }
        if (code == Opcode.REDUCE_SUM) return (1, _reduceSumIndex(op, e, k, len), 0);
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

    /// @dev Flat index into a of term k (1-based) of output element e of a ReduceSum over axis
    ///      p0 with length len: a = [outer, len, inner], e = outer index · inner + inner index.
    function _reduceSumIndex(OpDesc calldata op, uint256 e, uint256 k, uint256 len) private pure returns (uint256) {
        uint256 inner = 1;
        for (uint256 d = uint256(op.p0) + 1; d < op.aShape.length; ++d) {
            inner *= op.aShape[d];
            // inner ≤ 2^32 before a factor below 2^64: no overflow.
            if (inner > MAX_NUMEL) _bad(op.opcode, FIELD_A_SHAPE);
        }
        if (inner == 0) _bad(op.opcode, FIELD_A_SHAPE);
        // e / inner < 2^32, len < 2^64, inner ≤ 2^32: below 2^129.
        return ((e / inner) * len + (k - 1)) * inner + (e % inner);
    }

    // ─── Internal helpers of checkDesc ───

    /// @dev Step 4–6 of {checkDesc}: p0, p1, c (`rankA` for the ReduceSum axis).
    function _checkParams(uint256 code, uint256 p0, uint256 p1, int256 c, uint256 rankA) private pure {
        bool ok0;
        bool ok1;
        if (code == Opcode.MAT_MUL) {
            ok0 = p0 <= 1;
            ok1 = p1 <= 1;
        } else if (code == Opcode.RESCALE) {
            ok0 = p0 != 0 && p0 <= MAX_SHIFT;
            ok1 = p1 >= MIN_BOUND && p1 <= MAX_BOUND;
        } else if (code == Opcode.CLIP) {
            ok0 = p0 == 0;
            ok1 = p1 >= MIN_BOUND && p1 <= MAX_BOUND;
        } else {
            ok0 = code == Opcode.REDUCE_SUM ? p0 < rankA : p0 == 0;
            ok1 = p1 == 0;
        }
        // INVARIANT: op parameters are the ones the compiler emits (transposes, axis, shift, bound).
        if (!ok0) _bad(code, FIELD_P0);
        if (!ok1) _bad(code, FIELD_P1);
        // INVARIANT: only MulConst has a constant, a safe integer.
        if (code == Opcode.MUL_CONST ? (c > MAX_ABS_C || c < -MAX_ABS_C) : c != 0) _bad(code, FIELD_C);
    }

    /// @dev Dimension i of a shape from {_shapeAt}, i < shape.length ≤ MAX_RANK (so inside the
    ///      calldata). Read as a full word without Solidity's per-element checks: a dirty value
    ///      (≥ 2^64) that no ABI encoder writes reads as a huge dimension, which {_shapeOk} refuses.
    function _dim(uint64[] calldata shape, uint256 i) private pure returns (uint256 d) {
        assembly ("memory-safe") {
            d := calldataload(add(shape.offset, shl(5, i)))
        }
    }

    /// @dev rank ≤ MAX_RANK, every dimension ≥ 1, at most MAX_NUMEL elements.
    function _shapeOk(uint64[] calldata shape) private pure returns (bool ok) {
        uint256 rank = shape.length;
        if (rank > MAX_RANK) return false;
        ok = true;
        assembly ("memory-safe") {
            // Dimensions as full words (see _dim). The loop stops at the first failure; a factor
            // above 2^32 fails on its own, so a product that wrapped never passes.
            let n := 1
            for { let i := 0 } and(ok, lt(i, rank)) { i := add(i, 1) } {
                let d := calldataload(add(shape.offset, shl(5, i)))
                n := mul(n, d)
                ok := and(and(iszero(iszero(d)), iszero(gt(d, MAX_NUMEL))), iszero(gt(n, MAX_NUMEL)))
            }
        }
    }

    /// @dev Step 8 of {checkDesc}: shapes as the op computes them. Shapes passed {_shapeOk}, so every
    ///      dimension is a clean value in [1, MAX_NUMEL].
    function _checkGeometry(
        uint256 code,
        uint256 p0,
        uint256 p1,
        uint64[] calldata o,
        uint64[] calldata a,
        uint64[] calldata b
    ) private pure {
        if (code == Opcode.MAT_MUL) {
            // INVARIANT: MatMul multiplies matrices with equal contracted dimensions into [rows, cols].
            if (a.length != 2) _bad(code, FIELD_A_SHAPE);
            if (b.length != 2) _bad(code, FIELD_B_SHAPE);
            // A' = transA ? aᵀ : a is [rows, K]; B' = transB ? bᵀ : b is [K, cols] (p0, p1 ∈ {0, 1}).
            if (_dim(a, 1 - p0) != _dim(b, p1)) _bad(code, FIELD_B_SHAPE);
            if (o.length != 2 || _dim(o, 0) != _dim(a, p0) || _dim(o, 1) != _dim(b, 1 - p1)) _bad(code, FIELD_OUT_SHAPE);
        } else if (code == Opcode.ADD || code == Opcode.SUB || code == Opcode.MUL) {
            (bool fits, bool outOk) = _broadcast(o, a, b);
            // INVARIANT: the operands broadcast, to out.
            if (!fits) _bad(code, FIELD_B_SHAPE);
            if (!outOk) _bad(code, FIELD_OUT_SHAPE);
        } else if (code == Opcode.RELU_GRAD) {
            // INVARIANT: ReluGrad reads g and x at the same index.
            if (!_same(b, a)) _bad(code, FIELD_B_SHAPE);
            if (!_same(o, a)) _bad(code, FIELD_OUT_SHAPE);
        } else if (code == Opcode.TRANSPOSE) {
            // INVARIANT: Transpose swaps the two dimensions of a matrix.
            if (a.length != 2) _bad(code, FIELD_A_SHAPE);
            if (o.length != 2 || _dim(o, 0) != _dim(a, 1) || _dim(o, 1) != _dim(a, 0)) _bad(code, FIELD_OUT_SHAPE);
        } else if (code == Opcode.REDUCE_SUM) {
            // INVARIANT: ReduceSum removes the axis (keepdims = 0); axis < rank(a) by _checkParams.
            uint256 rank = a.length;
            if (o.length + 1 != rank) _bad(code, FIELD_OUT_SHAPE);
            for (uint256 i = 0; i < rank; ++i) {
                if (i != p0 && _dim(o, i < p0 ? i : i - 1) != _dim(a, i)) _bad(code, FIELD_OUT_SHAPE);
            }
        } else if (code == Opcode.RESHAPE) {
            // INVARIANT: Reshape keeps the element count (both ≤ MAX_NUMEL by _shapeOk).
            if (_count(o) != _count(a)) _bad(code, FIELD_OUT_SHAPE);
        } else if (!_same(o, a)) {
            // INVARIANT: MulConst, Relu, Rescale and Clip are elementwise on one operand.
            _bad(code, FIELD_OUT_SHAPE);
        }
    }

    /// @dev numpy broadcasting: whether a and b broadcast (right-aligned, each dimension equal or
    ///      1) and whether out is their broadcast shape. Ranks are ≤ MAX_RANK here.
    function _broadcast(uint64[] calldata o, uint64[] calldata a, uint64[] calldata b)
        private
        pure
        returns (bool fits, bool outOk)
    {
        uint256 rank = a.length > b.length ? a.length : b.length;
        fits = true;
        outOk = o.length == rank;
        assembly ("memory-safe") {
            // Dimension d from the right of a and b (1 where missing), then of out.
            for { let d := 0 } lt(d, rank) { d := add(d, 1) } {
                let da := 1
                if lt(d, a.length) { da := calldataload(add(a.offset, shl(5, sub(sub(a.length, 1), d)))) }
                let db := 1
                if lt(d, b.length) { db := calldataload(add(b.offset, shl(5, sub(sub(b.length, 1), d)))) }
                fits := and(fits, or(eq(da, db), or(eq(da, 1), eq(db, 1))))
                // out's dimension must be max(da, db); out is read only while its rank is right.
                if outOk { outOk := eq(calldataload(add(o.offset, shl(5, sub(sub(rank, 1), d)))), xor(db, mul(xor(da, db), gt(da, db)))) }
            }
        }
    }

    /// @dev Whether two shapes are equal.
    function _same(uint64[] calldata x, uint64[] calldata y) private pure returns (bool same) {
        uint256 n = x.length;
        if (n != y.length) return false;
        same = true;
        assembly ("memory-safe") {
            for { let i := 0 } and(same, lt(i, n)) { i := add(i, 1) } {
                let at := shl(5, i)
                same := eq(calldataload(add(x.offset, at)), calldataload(add(y.offset, at)))
            }
        }
    }

    /// @dev Element count of a shape that passed {_shapeOk} (≤ MAX_NUMEL, no overflow).
    function _count(uint64[] calldata shape) private pure returns (uint256 n) {
        n = 1;
        for (uint256 i = 0; i < shape.length; ++i) n *= _dim(shape, i);
    }

    /// @dev Head word `field` of the descriptor (field ids are the head positions of OpDesc's
    ///      ABI encoding; a dynamic field's word is its offset), raw: no ABI type check.
    function _word(OpDesc calldata op, uint256 field) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(op, shl(5, field)))
        }
    }

    /// @dev The shape whose offset is head word `field`, its length as encoded. Its elements are
    ///      read only when the length is ≤ MAX_RANK ({_shapeOk}), so the length is made huge when
    ///      such a shape would leave the calldata (which Solidity's own accessor refuses too).
    function _shapeAt(OpDesc calldata op, uint256 field) private pure returns (uint64[] calldata s) {
        assembly ("memory-safe") {
            let size := calldatasize()
            let rel := calldataload(add(op, shl(5, field)))
            // op < size and rel < size: the sum cannot wrap.
            let inside := lt(rel, size)
            let p := add(op, mul(rel, inside))
            let len := calldataload(p)
            s.offset := add(p, 0x20)
            let leaves := and(iszero(gt(len, MAX_RANK)), gt(add(s.offset, shl(5, len)), size))
            s.length := or(len, mul(or(iszero(inside), leaves), not(0)))
        }
    }

    /// @dev Reverts OneStepBadDescriptor(opcode, field).
    function _bad(uint256 opcode, uint8 field) private pure {
        revert IOneStepVerifier.OneStepBadDescriptor(uint8(opcode), field);
    }

}
