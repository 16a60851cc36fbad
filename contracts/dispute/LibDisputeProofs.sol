// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "../interfaces/IDisputeGame.sol";
import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {ITaskMarket} from "../interfaces/ITaskMarket.sol";
import {TaskId} from "../types/TaskId.sol";
import {LibHash} from "../libraries/LibHash.sol";
import {LibProofs} from "../libraries/LibProofs.sol";
import {LibTensor} from "../libraries/LibTensor.sol";
import {LibDissection} from "../libraries/LibDissection.sol";
import {LibPinOps} from "../libraries/LibPinOps.sol";
import {GameId, Level, OpDesc, ProgramInfo, Side, SlotDesc, SlotKindId} from "../types/DisputeTypes.sol";

/// @title LibDisputeProofs
/// @notice The proof checks of {DisputeGame}'s level links, as an external (linked) library so
///         that the game stays under the contract size limit. Every function reverts with an
///         {IDisputeGame} or ICommitErrors error when its proof does not hold.
library LibDisputeProofs {
    /// @notice Domain tag of the chain program commitment (docs/DISPUTE.md §4).
    bytes1 internal constant PROGRAM_TAG = 0x08;

    /// @notice Chain program commitment:
    ///         sha256(0x08 ‖ compilerHash ‖ u32(nOps) ‖ opsRoot ‖ u32(nSlots) ‖ slotsRoot ‖ u32(nState)).
    function programHash(ProgramInfo calldata p) public pure returns (bytes32) {
        return sha256(abi.encodePacked(PROGRAM_TAG, p.compilerHash, p.nOps, p.opsRoot, p.nSlots, p.slotsRoot, p.nState));
    }

    /// @notice {IDisputeGame-settle}: once, after the decision; marks the game Settled before the
    ///         market closes the dispute and moves the bond (and, for a challenger, the stake).
    ///         Runs by delegatecall, so the market sees the game as its caller.
    function settle(IDisputeGame.Game storage g, GameId id, ITaskMarket market) external {
        Level level = g.level;
        // INVARIANT: a game is settled exactly once, and only after a move or timeout decided it.
        if (level == Level.Settled) revert IDisputeGame.DisputeAlreadySettled(id);
        if (level != Level.Decided) {
            if (level == Level.None) revert IDisputeGame.DisputeUnknownGame(id);
            revert IDisputeGame.DisputeNotDecided(id, level);
        }
        // Effects before interactions: the game is Settled before the TaskMarket runs.
        g.level = Level.Settled;
        Side winner = g.winner;
        TaskId task = g.task;
        emit IDisputeGame.GameSettled(id, task, winner, msg.sender);
        if (winner == Side.Solver) market.resolveForSolver(task, g.challenger, g.bond);
        else market.resolveForChallenger(task, g.challenger, g.bond);
    }

    /// @notice Validates {IDisputeGame-open}'s arguments against the TaskMarket.
    /// @return lo First step position of the interval ((i − 1)·k).
    /// @return hi Last step position of the interval (min(i·k, T)).
    /// @return contextKey keccak256(abi.encode(Context)) bound to the game.
    /// @return solver The task's solver (the defender).
    function checkOpen(address marketAddress, IDisputeGame.OpenArgs calldata a)
        external
        view
        returns (uint256 lo, uint256 hi, bytes32 contextKey, address solver)
    {
        ITaskMarket market = ITaskMarket(marketAddress);
        // INVARIANT: the game binds the task's exact work spec and its chain program commitment.
        if (!market.verifySpec(a.task, a.spec)) revert IDisputeGame.DisputeBadSpec(a.task);
        bytes32 ph = programHash(a.program);
        if (ph != a.spec.programHash) revert IDisputeGame.DisputeMismatch(a.spec.programHash, ph);
        uint256 n = market.numCheckpoints(a.task);
        // INVARIANT: the interval lies between two checkpoints of the task.
        if (a.interval == 0 || a.interval > n) revert IDisputeGame.DisputeBadInterval(a.interval, n);
        // INVARIANT: both endpoints are the task's committed checkpoints.
        if (!market.verifyCheckpoint(a.task, a.interval - 1, a.prevState, a.prevProof)) {
            revert IDisputeGame.DisputeBadCheckpoint(a.task, a.interval - 1);
        }
        if (!market.verifyCheckpoint(a.task, a.interval, a.nextState, a.nextProof)) {
            revert IDisputeGame.DisputeBadCheckpoint(a.task, a.interval);
        }
        ITaskMarket.Task memory task = market.getTask(a.task);
        uint256 k = task.checkpointInterval;
        lo = (a.interval - 1) * k;
        hi = a.interval * k;
        if (hi > task.totalSteps) hi = task.totalSteps;
        solver = task.solver;
        contextKey = keccak256(abi.encode(IDisputeGame.Context(a.program, a.spec.datasetHash, a.spec.batchSize)));
    }

    /// @notice Checks that `op` is op `opIndex` (1-based) of a program with `nOps` ops under `opsRoot`.
    function checkOpDesc(bytes32 opsRoot, uint256 nOps, OpDesc calldata op, LibProofs.ListProof calldata p, uint256 opIndex)
        public
        pure
    {
        // INVARIANT: op j is the program's op j (index j − 1 of the committed op list).
        if (p.index + 1 != opIndex) revert IDisputeGame.DisputeBadIndex(p.index, opIndex - 1);
        if (p.count != nOps) revert IDisputeGame.DisputeBadCount(p.count, nOps);
        bytes32 root = LibProofs.listRootOf(sha256(abi.encode(op)), p);
        if (root != opsRoot) revert IDisputeGame.DisputeMismatch(opsRoot, root);
    }

    /// @notice Checks op j's descriptor and the output tensor's shape and scale (docs/DISPUTE.md
    ///         §2, level 2 → 3, when contested; the slot update follows in {checkOpUpdate}).
    /// @param h [opsRoot, outHash, dataRoot].
    /// @param n [nOps, j].
    /// @return numel Number of output elements.
    /// @return terms Reduction length K of each output element (0 for non-reductions).
    function checkOpOutput(
        bytes32[3] calldata h,
        uint256[2] calldata n,
        OpDesc calldata op,
        LibProofs.ListProof calldata opProof
    ) external pure returns (uint256 numel, uint256 terms) {
        checkOpDesc(h[0], n[0], op, opProof, n[1]);
        // INVARIANT: the output tensor has the op's shape and scale.
        bytes32 th = LibTensor.tensorHash(op.outScale, op.outShape, h[2]);
        if (th != h[1]) revert IDisputeGame.DisputeMismatch(h[1], th);
        return (LibTensor.numElements(op.outShape), LibPinOps.reductionLength(op));
    }

    /// @notice Checks that R_j is R_{j−1} with only slot `out` (op j's output, previously empty)
    ///         changed to `outHash`.
    /// @param h [R_{j−1}, R_j, outHash].
    function checkOpUpdate(bytes32[3] calldata h, uint256 out, LibProofs.ListProof calldata p) external pure {
        // INVARIANT: R_j is R_{j−1} with only op j's (previously empty) output slot filled.
        if (p.index != out) revert IDisputeGame.DisputeBadIndex(p.index, out);
        bytes32 newRoot = LibProofs.verifySlotUpdate(h[0], bytes32(0), h[2], p);
        if (newRoot != h[1]) revert IDisputeGame.DisputeMismatch(h[1], newRoot);
    }

    /// @notice Level 5 operands: re-proves op j and, if its descriptor is inside the defined range
    ///         (`IOneStepVerifier.checkDesc`, docs/DISPUTE.md §4.1), opens the operand elements
    ///         that output element e (term k) reads, each against its slot in the agreed root R_{j−1}.
    /// @param h [opsRoot, R_{j−1}].
    /// @param n [nOps, j, e, k].
    /// @param verifier The one-step verifier (its `checkDesc`).
    /// @return inRange False when op j's committed descriptor leaves the range: its step is not
    ///         defined, so the game cannot decide against the solver on it (operands unread).
    /// @return a First operand.
    /// @return b Second operand (0 for unary ops).
    function oneStepOperands(
        bytes32[2] calldata h,
        uint256[4] calldata n,
        OpDesc calldata op,
        LibProofs.ListProof calldata opProof,
        IDisputeGame.Operand[] calldata operands,
        address verifier
    ) external view returns (bool inRange, int256 a, int256 b) {
        checkOpDesc(h[0], n[0], op, opProof, n[1]);
        try IOneStepVerifier(verifier).checkDesc(op) {}
        catch (bytes memory reason) {
            // INVARIANT: only a proved out-of-range descriptor counts; any other failure (out of
            // gas in the call included) reverts, so no caller can fake one by starving the call.
            if (reason.length < 4 || bytes4(reason) != IOneStepVerifier.OneStepBadDescriptor.selector) {
                assembly ("memory-safe") {
                    revert(add(reason, 32), mload(reason))
                }
            }
            return (false, 0, 0);
        }
        (uint256 count, uint256 ia, uint256 ib) = LibPinOps.operandIndices(op, n[2], n[3]);
        if (operands.length != count) revert IDisputeGame.DisputeBadCount(operands.length, count);
        inRange = true;
        a = operand(h[1], operands[0], op.a, ia);
        if (count > 1) b = operand(h[1], operands[1], op.b, ib);
    }

    /// @notice Checks that `desc` is the program's descriptor of slot `slot`.
    function checkSlotDesc(
        ProgramInfo calldata program,
        SlotDesc calldata desc,
        LibProofs.ListProof calldata proof,
        uint256 slot
    ) public pure {
        if (proof.index != slot) revert IDisputeGame.DisputeBadIndex(proof.index, slot);
        if (proof.count != program.nSlots) revert IDisputeGame.DisputeBadCount(proof.count, program.nSlots);
        bytes32 root = LibProofs.listRootOf(sha256(abi.encode(desc)), proof);
        // INVARIANT: the slot descriptor is the program's.
        if (root != program.slotsRoot) revert IDisputeGame.DisputeMismatch(program.slotsRoot, root);
    }

    /// @notice Checks the link R_M → S_t for the contested state tensor (docs/DISPUTE.md §3): the
    ///         slot of R_M holding the next value of state `contested` holds `tensorHash`.
    function checkFinalState(
        ProgramInfo calldata program,
        IDisputeGame.FinalStateArgs calldata f,
        uint256 contested,
        bytes32 rootM,
        bytes32 tensorHash
    ) external pure {
        checkSlotDesc(program, f.desc, f.descProof, f.descProof.index);
        // INVARIANT: the descriptor is the contested state's and the proof opens its update slot.
        if (f.desc.kind != SlotKindId.STATE) revert IDisputeGame.DisputeBadIndex(f.desc.kind, SlotKindId.STATE);
        if (f.desc.stateIndex != contested) revert IDisputeGame.DisputeBadIndex(f.desc.stateIndex, contested);
        if (f.slotProof.index != f.desc.nextSlot) revert IDisputeGame.DisputeBadIndex(f.slotProof.index, f.desc.nextSlot);
        LibProofs.verifySlot(rootM, tensorHash, f.slotProof);
    }

    /// @notice Checks the contested slot `slot` of R_0, which holds `h` (docs/DISPUTE.md §2, level
    ///         1 → 2): its descriptor is the program's, and a state slot holds state tensor
    ///         desc.stateIndex of the agreed S_{t−1} (`prevState`), a const slot the committed
    ///         constant, a temp slot zero. For an input/target slot, `h` is the tensor hash of the
    ///         slot's shape and scale with data root `s.dataRoot`.
    /// @return numel 0 when the slot is proved (the solver wins); the batch tensor's size for an
    ///         input/target slot (a descent over it follows).
    function checkInitialSlot(
        ProgramInfo calldata program,
        IDisputeGame.SlotArgs calldata s,
        uint256 slot,
        bytes32 prevState,
        bytes32 h
    ) external pure returns (uint256 numel) {
        checkSlotDesc(program, s.desc, s.descProof, slot);
        uint8 kind = s.desc.kind;
        if (kind == SlotKindId.STATE) {
            // INVARIANT: a state slot of R_0 holds the state tensor of the agreed S_{t−1}.
            if (s.stateProof.index != s.desc.stateIndex) revert IDisputeGame.DisputeBadIndex(s.stateProof.index, s.desc.stateIndex);
            LibProofs.verifyStateTensor(prevState, h, s.stateProof);
        } else if (kind == SlotKindId.CONST) {
            // INVARIANT: a const slot holds the program's committed constant.
            if (h != s.desc.constHash) revert IDisputeGame.DisputeMismatch(s.desc.constHash, h);
        } else if (kind == SlotKindId.TEMP) {
            // INVARIANT: a temp slot is empty before op 1.
            if (h != bytes32(0)) revert IDisputeGame.DisputeMismatch(bytes32(0), h);
        } else {
            // INVARIANT: an input/target slot has the program's shape and scale.
            bytes32 th = LibTensor.tensorHash(s.desc.scale, s.desc.shape, s.dataRoot);
            if (th != h) revert IDisputeGame.DisputeMismatch(h, th);
            numel = LibTensor.numElements(s.desc.shape);
        }
    }

    /// @notice Opens the dataset element the batch view selects for batch element `element` of step `step`.
    function batchElement(
        bytes32 datasetHash,
        bytes32 otherHash,
        bool isTarget,
        uint256 step,
        uint256 batchSize,
        uint256 element,
        LibTensor.ElementProof calldata p
    ) external pure returns (int256) {
        return LibProofs.verifyBatchElement(datasetHash, otherHash, isTarget, step, batchSize, element, p);
    }

    /// @notice Element `index` of slot `slot` of value-table root `root`.
    function operand(bytes32 root, IDisputeGame.Operand calldata p, uint256 slot, uint256 index)
        public
        pure
        returns (int256 v)
    {
        // INVARIANT: the operand is element `index` of slot `slot` in the agreed root R_{j−1}.
        if (p.slot.index != slot) revert IDisputeGame.DisputeBadIndex(p.slot.index, slot);
        if (p.element.index != index) revert IDisputeGame.DisputeBadIndex(p.element.index, index);
        bytes32 th;
        (th, v) = LibTensor.elementCommitment(p.element);
        LibProofs.verifySlot(root, th, p.slot);
    }

    /// @notice Root over revealed descent nodes (see {LibDissection-rollup}); with a non-zero
    ///         `wrapTag`, the list root wrapped as H(tag ‖ u32(n) ‖ listRoot) (R_0: 0x04, S_t: 0x03).
    function descentRoot(bytes32[] calldata nodes, uint256 first, uint256 height, uint256 listLeaves, bytes1 wrapTag)
        external
        view
        returns (bytes32 root)
    {
        root = LibDissection.rollup(nodes, first, height, listLeaves);
        if (wrapTag == LibHash.VALUE_TABLE_TAG) root = LibHash.valueTable(uint32(listLeaves), root);
        else if (wrapTag == LibHash.STATE_TAG) root = LibHash.state(uint32(listLeaves), root);
    }
}
