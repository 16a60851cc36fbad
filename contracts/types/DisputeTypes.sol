// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Identifier of one two-party dispute game inside {DisputeGame}; games are numbered from 1.
type GameId is uint256;

/// @notice A side of a dispute game. `None` means nobody (an open game's winner, or no turn).
enum Side {
    None,
    Solver,
    Challenger
}

/// @notice Level of a dispute game (docs/DISPUTE.md §2). Each level narrows the disagreement.
enum Level {
    /// Not a game (unused storage).
    None,
    /// Level 1: D-ary dissection over the steps of one checkpoint interval.
    Steps,
    /// Level 2 setup: the solver must post R_0, R_M and the first op midpoints.
    Tables,
    /// Level 2: D-ary dissection over the value-table roots R_0..R_M of the disputed step.
    Ops,
    /// Level 2 → 3: the solver must post op j's output hash, data root, size and reduction length.
    OpOutput,
    /// Level 3: descent over the output tensor's data tree to one leaf, then one element.
    Element,
    /// Level 4: D-ary dissection over the partial sums s_0..s_K of a reduction element.
    Sums,
    /// Level 5: the solver must supply operand proofs; the contract recomputes and decides.
    OneStep,
    /// Link contest: descent over R_0's value-table list tree to one slot.
    InitialSlots,
    /// Link contest: the solver must prove one slot of R_0 (state/const/temp/batch hash).
    InitialSlotProof,
    /// Link contest: descent over one batch tensor (input/target slot of R_0) to one element.
    BatchElement,
    /// Link contest: the solver must open one batch element against the dataset commitment.
    BatchProof,
    /// Link contest: descent over S_t's state-tensor list tree to one state tensor.
    FinalState,
    /// Link contest: the solver must prove that slot of R_M holding that state's next value equals it.
    FinalStateProof,
    /// Link contest: the solver must prove op j's descriptor and the posted output hash's shape
    /// and scale, size and reduction length.
    OpOutputProof,
    /// Link contest: the solver must prove op j's output slot update R_{j−1} → R_j.
    OpUpdateProof,
    /// The game is decided (see `winner`): no more moves; {IDisputeGame.settle} is due.
    Decided,
    /// The decided game is settled: TaskMarket resolution and the bond's slash/unlock are done.
    Settled
}

/// @notice PinIR opcodes as numbered on chain (docs/DISPUTE.md §4, src/dispute/descriptor.ts).
library Opcode {
    uint8 internal constant MAT_MUL = 1;
    uint8 internal constant ADD = 2;
    uint8 internal constant SUB = 3;
    uint8 internal constant MUL = 4;
    uint8 internal constant MUL_CONST = 5;
    uint8 internal constant RELU = 6;
    uint8 internal constant RELU_GRAD = 7;
    uint8 internal constant TRANSPOSE = 8;
    uint8 internal constant REDUCE_SUM = 9;
    uint8 internal constant RESCALE = 10;
    uint8 internal constant CLIP = 11;
    uint8 internal constant RESHAPE = 12;
}

/// @notice Slot kinds as numbered on chain (same order as src/pinir/types.ts SlotKind).
library SlotKindId {
    uint8 internal constant STATE = 0;
    uint8 internal constant INPUT = 1;
    uint8 internal constant TARGET = 2;
    uint8 internal constant CONST = 3;
    uint8 internal constant TEMP = 4;
}

/// @notice Fixed-layout descriptor of one PinIR op, committed per op in the chain program
///         commitment (docs/DISPUTE.md §4). Operands absent for an op have slot 0, scale 0 and
///         an empty shape. For ReluGrad `a` is g and `b` is x.
/// @dev Parameters: MatMul p0 = transA (0/1), p1 = transB; ReduceSum p0 = axis; Rescale
///      p0 = shift, p1 = bound; Clip p1 = bound; MulConst uses `c`. Unused parameters are 0.
///      The descriptor range (shift, bound ∈ [1, 52], |c| ≤ 2^53 − 1, shapes that fit the op;
///      docs/DISPUTE.md §4.1) is checked by LibPinOps.checkDesc.
struct OpDesc {
    uint8 opcode;
    uint32 out;
    uint32 a;
    uint32 b;
    uint32 outScale;
    uint32 aScale;
    uint32 bScale;
    uint32 p0;
    uint32 p1;
    int64 c;
    uint64[] outShape;
    uint64[] aShape;
    uint64[] bShape;
}

/// @notice Fixed-layout descriptor of one value-table slot (docs/DISPUTE.md §4).
/// @dev `constHash` is the tensor hash of a const slot's data (0 otherwise); `stateIndex`
///      and `nextSlot` are the state index and the slot holding the next value of a state
///      slot (0 otherwise).
struct SlotDesc {
    uint8 kind;
    uint32 scale;
    uint32 stateIndex;
    uint32 nextSlot;
    bytes32 constHash;
    uint64[] shape;
}

/// @notice The chain program commitment's preimage (docs/DISPUTE.md §4):
///         programHash = sha256(0x08 ‖ compilerHash ‖ u32(nOps) ‖ opsRoot ‖ u32(nSlots) ‖ slotsRoot ‖ u32(nState)).
struct ProgramInfo {
    bytes32 compilerHash;
    bytes32 opsRoot;
    bytes32 slotsRoot;
    uint32 nOps;
    uint32 nSlots;
    uint32 nState;
}
