// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeGame} from "../interfaces/IDisputeGame.sol";
import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {ITaskMarket} from "../interfaces/ITaskMarket.sol";
import {LibHash} from "../libraries/LibHash.sol";
import {LibTensor} from "../libraries/LibTensor.sol";
import {LibDisputeProofs} from "./LibDisputeProofs.sol";
import {LibDissection} from "../libraries/LibDissection.sol";
import {LibClock, Clock} from "../libraries/LibClock.sol";
import {LibProofs} from "../libraries/LibProofs.sol";
import {GameId, Side, Level, OpDesc, SlotKindId, ProgramInfo} from "../types/DisputeTypes.sol";

/// @title DisputeGame
/// @notice Multi-level dissection games between a task's solver and a challenger (docs/DISPUTE.md).
/// @dev Must be wired into the TaskMarket (`TaskMarket.wire`, once): the market then accepts its
///      dispute hooks, through which challenger bonds are locked, slashed and unlocked.
contract DisputeGame is IDisputeGame {
    using LibClock for Clock;

    /// @notice Sentinel for "no claims pending" and for pre-filled scratch words: never zero, so
    ///         that moves rewrite non-zero words (5k gas) instead of creating them (20k).
    bytes32 internal constant CONSUMED = bytes32(uint256(1));
    /// @notice Kind tag of pending dissection midpoints or descent nodes (a `bytes32[]`).
    uint256 internal constant CLAIMS_KIND = 1;
    /// @notice Kind tag of a pending revealed tensor leaf (1024 `bytes`).
    uint256 internal constant LEAF_KIND = 2;

    /// @inheritdoc IDisputeGame
    uint256 public immutable DEGREE;
    /// @inheritdoc IDisputeGame
    uint256 public immutable TREE_BITS;
    /// @inheritdoc IDisputeGame
    uint256 public immutable BOND;
    /// @inheritdoc IDisputeGame
    uint256 public immutable CLOCK_BUDGET;
    /// @inheritdoc IDisputeGame
    uint256 public immutable CLOCK_EXTENSION;
    /// @notice The TaskMarket whose tasks are disputed.
    ITaskMarket public immutable TASK_MARKET;
    /// @notice The scalar semantics used by level 5.
    IOneStepVerifier public immutable VERIFIER;

    mapping(GameId => Game) internal _games;
    uint256 internal _gameCount;

    /// @param taskMarket The TaskMarket (which must wire this contract as its dispute game).
    /// @param verifier The one-step verifier.
    /// @param degree Dissection degree D ≥ 2.
    /// @param treeBits Descent levels per round (1..8).
    /// @param bond Challenger bond (> 0).
    /// @param clockBudget Seconds per side (> 0).
    /// @param clockExtension Minimum seconds at the start of a turn (≤ clockBudget).
    constructor(
        ITaskMarket taskMarket,
        IOneStepVerifier verifier,
        uint256 degree,
        uint256 treeBits,
        uint256 bond,
        uint256 clockBudget,
        uint256 clockExtension
    ) {
        // INVARIANT: a dissection needs ≥ 2 segments, a descent 1..8 levels per move.
        if (degree < 2 || degree > 256 || treeBits == 0 || treeBits > 8 || bond == 0 || bond > type(uint96).max) {
            revert DisputeBadConfig();
        }
        // INVARIANT: clocks fit their 64-bit fields and the extension never exceeds the budget.
        if (clockBudget == 0 || clockBudget > type(uint32).max || clockExtension == 0 || clockExtension > clockBudget) {
            revert DisputeBadConfig();
        }
        TASK_MARKET = taskMarket;
        VERIFIER = verifier;
        DEGREE = degree;
        TREE_BITS = treeBits;
        BOND = bond;
        CLOCK_BUDGET = clockBudget;
        CLOCK_EXTENSION = clockExtension;
    }

    // ------------------------------------------------------------------------------------------
    // Opening
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeGame
    function open(OpenArgs calldata a) external returns (GameId id) {
        (uint256 lo, uint256 hi, bytes32 contextKey, address solver) = LibDisputeProofs.checkOpen(address(TASK_MARKET), a);
        unchecked {
            // Cannot overflow: one id per transaction.
            id = GameId.wrap(++_gameCount);
        }
        Game storage g = _games[id];
        g.task = a.task;
        g.challenger = msg.sender;
        g.solver = solver;
        g.bond = uint96(BOND);
        g.opCount = a.program.nOps;
        g.slotCount = a.program.nSlots;
        g.stateCount = uint16(a.program.nState);
        g.clock = LibClock.start(CLOCK_BUDGET, CLOCK_EXTENSION, Side.Solver, block.timestamp);
        g.lo = uint64(lo);
        g.hi = uint64(hi);
        g.loClaim = a.prevState;
        g.hiClaim = a.nextState;
        g.contextKey = contextKey;
        g.pending = CONSUMED;
        g.prevState = a.prevState;
        g.nextState = a.nextState;
        g.lowRoot = CONSUMED;
        g.highRoot = CONSUMED;
        g.opsRoot = a.program.opsRoot;
        g.outHash = CONSUMED;
        g.numel = 1;
        g.level = Level.Steps;
        if (hi - lo == 1) _enterTables(g, id, hi, a.prevState, a.nextState);

        // Locks the bond (StakeInsufficientFree otherwise) and registers the dispute.
        TASK_MARKET.openDispute(a.task, msg.sender, BOND);
        emit GameOpened(id, a.task, msg.sender, solver, a.interval, lo, hi, BOND);
    }

    // ------------------------------------------------------------------------------------------
    // Dissection and descent moves
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeGame
    function bisect(GameId id, bytes32[] calldata claims) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        Level level = g.level;
        if (level == Level.Steps || level == Level.Ops || level == Level.Sums) {
            _postMidpoints(g, id, claims);
        } else if (_isDescent(level)) {
            _revealNodes(g, id, claims);
        } else {
            revert DisputeWrongLevel(id, level);
        }
        g.clock = g.clock.hand(Side.Challenger, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function choose(GameId id, bytes32[] calldata claims, uint256 index) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Challenger);
        Level level = g.level;
        uint256 lo = g.lo;
        uint256 hi = g.hi;
        // INVARIANT: the challenger chooses among exactly the claims the solver posted in its last
        // move, as claims (never a revealed leaf) at this level and position. Every solver move that
        // hands the turn to the challenger writes `pending` fresh.
        bytes32 pending = g.pending;
        if (pending == CONSUMED || _claimsKey(level, lo, hi, claims) != pending) revert DisputePendingMismatch(id);
        if (level == Level.Steps || level == Level.Ops || level == Level.Sums) {
            _chooseSegment(g, id, level, lo, hi, claims, index);
        } else {
            _chooseChild(g, id, level, lo, hi, claims, index);
        }
        g.clock = g.clock.hand(Side.Solver, block.timestamp, CLOCK_EXTENSION);
    }

    // ------------------------------------------------------------------------------------------
    // Level 2: value tables and their links
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeGame
    function postTables(GameId id, TablesArgs calldata t) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        _checkLevel(g, id, Level.Tables);
        g.level = Level.Ops;
        g.lo = 0;
        g.hi = g.opCount;
        g.loClaim = t.root0;
        g.hiClaim = t.rootM;
        emit TablesPosted(id, g.step, t.root0, t.rootM);
        emit LevelEntered(id, Level.Ops);
        _postMidpoints(g, id, t.mids);
        g.clock = g.clock.hand(Side.Challenger, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function contestInitial(GameId id) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Challenger);
        _checkLinkOpen(g, id);
        // Descent over R_0's slot list; the first reveal is checked against R_0 itself.
        _startDescent(g, Level.InitialSlots, g.loClaim, LibHash.listDepth(g.slotCount));
        emit LinkContested(id, Level.InitialSlots);
        emit LevelEntered(id, Level.InitialSlots);
        g.clock = g.clock.hand(Side.Solver, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function contestFinal(GameId id) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Challenger);
        _checkLinkOpen(g, id);
        g.highRoot = g.hiClaim;
        // Descent over S_t's state-tensor list; the first reveal is checked against S_t itself.
        _startDescent(g, Level.FinalState, g.nextState, LibHash.listDepth(g.stateCount));
        emit LinkContested(id, Level.FinalState);
        emit LevelEntered(id, Level.FinalState);
        g.clock = g.clock.hand(Side.Solver, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function proveInitialSlot(GameId id, Context calldata ctx, SlotArgs calldata s) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        _checkLevel(g, id, Level.InitialSlotProof);
        _checkContext(g, ctx);
        uint8 kind = s.desc.kind;
        // One library call checks the descriptor and the slot's content (state / const / temp), or
        // the batch tensor's shape and scale (input / target, numel > 0).
        uint256 numel = LibDisputeProofs.checkInitialSlot(
            ctx.program, s, g.contested, kind == SlotKindId.STATE ? g.prevState : bytes32(0), g.hiClaim
        );
        if (numel == 0) {
            _decide(g, id, Side.Solver, false);
            return;
        }
        // Input/target: its data is disputed element by element against the dataset through a descent.
        g.isTarget = kind == SlotKindId.TARGET;
        _startDescent(g, Level.BatchElement, s.dataRoot, LibTensor.dataDepth(numel));
        g.numel = uint64(numel);
        emit LevelEntered(id, Level.BatchElement);
        // The solver reveals the first descent nodes (or the leaf) in its next move, which keeps
        // this move within the per-move gas budget (as after {postOpOutput}). The clock is left
        // as it is: both moves are one turn of the solver's (docs/DISPUTE.md §5).
    }

    /// @inheritdoc IDisputeGame
    function proveBatchElement(
        GameId id,
        Context calldata ctx,
        bytes32 otherHash,
        LibTensor.ElementProof calldata p
    ) external {
        Game storage g = _game(id);
        _checkActive(g, id);
        _checkLevel(g, id, Level.BatchProof);
        _checkContext(g, ctx);
        int256 value = LibDisputeProofs.batchElement(
            ctx.datasetHash,
            otherHash,
            g.isTarget,
            g.step,
            ctx.batchSize,
            g.element,
            p
        );
        _decide(g, id, value == int256(uint256(g.hiClaim)) ? Side.Solver : Side.Challenger, false);
    }

    /// @inheritdoc IDisputeGame
    function proveFinalState(GameId id, Context calldata ctx, FinalStateArgs calldata f) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        _checkLevel(g, id, Level.FinalStateProof);
        _checkContext(g, ctx);
        LibDisputeProofs.checkFinalState(ctx.program, f, g.contested, g.highRoot, g.hiClaim);
        _decide(g, id, Side.Solver, false);
    }

    // ------------------------------------------------------------------------------------------
    // Level 3–5: op output, element, sums, one step
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeGame
    function postOpOutput(GameId id, OpOutputClaim calldata c) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        _checkLevel(g, id, Level.OpOutput);
        // INVARIANT: a tensor has at least one element (the claims are proved on demand).
        if (c.numel == 0) revert DisputeBadCount(0, 1);
        g.outHash = c.outHash;
        g.numel = c.numel;
        g.termCount = c.terms;
        emit OpOutputPosted(id, g.opIndex, c.outHash, c.dataRoot, c.numel, c.terms);
        _startDescent(g, Level.Element, c.dataRoot, LibTensor.dataDepth(c.numel));
        emit LevelEntered(id, Level.Element);
        // The solver reveals the first descent nodes (or the leaf) next, in the same turn.
    }

    /// @inheritdoc IDisputeGame
    function contestOpOutput(GameId id) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Challenger);
        // INVARIANT: the op-output claims are contested before the descent narrows (hiClaim is still the data root).
        if (g.level != Level.Element || g.lo != 0 || g.hi != LibTensor.dataDepth(g.numel)) revert DisputeLinkClosed(id);
        g.level = Level.OpOutputProof;
        emit LinkContested(id, Level.OpOutputProof);
        emit LevelEntered(id, Level.OpOutputProof);
        g.clock = g.clock.hand(Side.Solver, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function proveOpOutput(GameId id, OpOutputProof calldata p) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        _checkLevel(g, id, Level.OpOutputProof);
        (uint256 numel, uint256 terms) = LibDisputeProofs.checkOpOutput(
            [g.opsRoot, g.outHash, g.hiClaim], [uint256(g.opCount), g.opIndex], p.op, p.opProof
        );
        // INVARIANT: the posted size and reduction length are op j's.
        if (numel != g.numel) revert DisputeMismatch(bytes32(uint256(g.numel)), bytes32(numel));
        if (terms != g.termCount) revert DisputeMismatch(bytes32(uint256(g.termCount)), bytes32(terms));
        // The slot update R_{j−1} → R_j of op j's output slot is proved in the solver's next move.
        g.contested = p.op.out;
        g.level = Level.OpUpdateProof;
        emit LevelEntered(id, Level.OpUpdateProof);
        // The solver proves the slot update next, in the same turn.
    }

    /// @inheritdoc IDisputeGame
    function proveOpUpdate(GameId id, LibProofs.ListProof calldata p) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        _checkLevel(g, id, Level.OpUpdateProof);
        LibDisputeProofs.checkOpUpdate([g.lowRoot, g.highRoot, g.outHash], g.contested, p);
        _decide(g, id, Side.Solver, false);
    }

    /// @inheritdoc IDisputeGame
    function revealLeaf(GameId id, bytes calldata leaf) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Solver);
        Level level = g.level;
        // INVARIANT: a leaf is revealed only at the bottom of a tensor descent.
        if ((level != Level.Element && level != Level.BatchElement) || g.hi != 0) revert DisputeWrongLevel(id, level);
        if (leaf.length != LibTensor.LEAF_BYTES) revert DisputeBadCount(leaf.length, LibTensor.LEAF_BYTES);
        bytes32 lh = LibTensor.leafHash(leaf);
        if (lh != g.hiClaim) revert DisputeMismatch(g.hiClaim, lh);
        g.pending = _leafKey(level, g.lo, leaf);
        emit LeafRevealed(id, level, g.lo, leaf);
        g.clock = g.clock.hand(Side.Challenger, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function chooseElement(GameId id, bytes calldata leaf, uint256 slot) external {
        Game storage g = _game(id);
        _checkTurn(g, id, Side.Challenger);
        Level level = g.level;
        // INVARIANT: an element is chosen only from a leaf revealed at the bottom of a tensor descent.
        if ((level != Level.Element && level != Level.BatchElement) || g.hi != 0) revert DisputeWrongLevel(id, level);
        if (leaf.length != LibTensor.LEAF_BYTES) revert DisputeBadCount(leaf.length, LibTensor.LEAF_BYTES);
        bytes32 pending = g.pending;
        // INVARIANT: the leaf is the one the solver revealed in its last move, as a leaf (never
        // revealed nodes), at this level and position (see {choose}).
        if (pending == CONSUMED || _leafKey(level, g.lo, leaf) != pending) revert DisputePendingMismatch(id);
        if (slot >= LibTensor.LEAF_ELEMENTS) revert DisputeBadChoice(slot, LibTensor.LEAF_ELEMENTS);
        uint256 e = (uint256(g.lo) << LibTensor.LEAF_SHIFT) + slot;
        int256 value = LibTensor.elementInLeaf(leaf, slot);
        emit ElementChosen(id, level, e, value);
        if (e >= g.numel) {
            // Padding past the last element must be zero: a non-zero one is a false commitment.
            if (value == 0) revert DisputeBadChoice(e, g.numel);
            _decide(g, id, Side.Challenger, false);
            return;
        }
        g.element = uint64(e);
        g.hiClaim = bytes32(uint256(value));
        g.loClaim = bytes32(0);
        if (level == Level.BatchElement) {
            g.level = Level.BatchProof;
        } else if (g.termCount == 0) {
            g.level = Level.OneStep;
            g.lo = 0;
            g.hi = 0;
        } else {
            g.lo = 0;
            g.hi = g.termCount;
            g.level = g.termCount == 1 ? Level.OneStep : Level.Sums;
        }
        emit LevelEntered(id, g.level);
        g.clock = g.clock.hand(Side.Solver, block.timestamp, CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function oneStep(
        GameId id,
        OpDesc calldata op,
        LibProofs.ListProof calldata opProof,
        Operand[] calldata operands
    ) external {
        Game storage g = _game(id);
        _checkActive(g, id);
        _checkLevel(g, id, Level.OneStep);
        (bool inRange, int256 a, int256 b) = LibDisputeProofs.oneStepOperands(
            [g.opsRoot, g.lowRoot], [uint256(g.opCount), g.opIndex, g.element, g.hi], op, opProof, operands, address(VERIFIER)
        );
        // INVARIANT: an op whose committed descriptor leaves the defined range has no defined step,
        // so it is never decided against the solver (honest parties refuse such programs before
        // committing to them; docs/DISPUTE.md §4.1).
        if (!inRange) {
            _decide(g, id, Side.Solver, false);
            return;
        }
        int256 computed = VERIFIER.step(op, a, b, int256(uint256(g.loClaim)));
        _decide(g, id, computed == int256(uint256(g.hiClaim)) ? Side.Solver : Side.Challenger, false);
    }

    /// @inheritdoc IDisputeGame
    function timeout(GameId id) external {
        Game storage g = _game(id);
        Clock c = g.clock;
        Side mover = c.toMove();
        // INVARIANT: only a side that ran out of time loses by timeout.
        if (!c.expired(block.timestamp)) {
            revert DisputeClockRunning(id, mover, c.remaining(mover, block.timestamp));
        }
        _decide(g, id, mover == Side.Solver ? Side.Challenger : Side.Solver, true);
    }

    /// @inheritdoc IDisputeGame
    function settle(GameId id) external {
        // Checks, the Settled mark (before any external call) and the market calls live in the
        // linked library, which keeps this contract under the size limit.
        LibDisputeProofs.settle(_games[id], id, TASK_MARKET);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDisputeGame
    function getGame(GameId id) external view returns (Game memory) {
        return _games[id];
    }

    /// @inheritdoc IDisputeGame
    function MAX_GAME_DURATION() external view returns (uint256) {
        return 2 * (CLOCK_BUDGET + CLOCK_EXTENSION);
    }

    /// @inheritdoc IDisputeGame
    function gameCount() external view returns (uint256) {
        return _gameCount;
    }

    /// @inheritdoc IDisputeGame
    function clockOf(GameId id) external view returns (Side toMove, uint256 solverLeft, uint256 challengerLeft) {
        Clock c = _games[id].clock;
        return (c.toMove(), c.remaining(Side.Solver, block.timestamp), c.remaining(Side.Challenger, block.timestamp));
    }

    /// @inheritdoc IDisputeGame
    function programHashOf(ProgramInfo calldata p) external pure returns (bytes32) {
        return LibDisputeProofs.programHash(p);
    }

    // ------------------------------------------------------------------------------------------
    // Internal: geometry
    // ------------------------------------------------------------------------------------------

    function _postMidpoints(Game storage g, GameId id, bytes32[] calldata mids) internal {
        uint256 lo = g.lo;
        uint256 hi = g.hi;
        uint256 expected = LibDissection.midpointCount(lo, hi, DEGREE);
        // INVARIANT: the defender posts exactly the interior points of the dissection.
        if (mids.length != expected) revert DisputeBadCount(mids.length, expected);
        g.pending = _claimsKey(g.level, lo, hi, mids);
        emit ClaimsPosted(id, g.level, lo, hi, mids);
    }

    function _chooseSegment(
        Game storage g,
        GameId id,
        Level level,
        uint256 lo,
        uint256 hi,
        bytes32[] calldata mids,
        uint256 i
    ) internal {
        uint256 segs = LibDissection.segments(lo, hi, DEGREE);
        // INVARIANT: the chosen segment exists.
        if (i >= segs) revert DisputeBadChoice(i, segs);
        bytes32 loClaim = LibDissection.claimAt(g.loClaim, mids, g.hiClaim, i);
        bytes32 hiClaim = LibDissection.claimAt(g.loClaim, mids, g.hiClaim, i + 1);
        (uint256 newLo, uint256 newHi) = LibDissection.segment(lo, hi, DEGREE, i);
        g.lo = uint64(newLo);
        g.hi = uint64(newHi);
        emit ClaimChosen(id, level, i, newLo, newHi);
        if (newHi - newLo != 1 || level == Level.Sums) {
            g.loClaim = loClaim;
            g.hiClaim = hiClaim;
            // Term k = newHi of the reduction: s_{k−1} agreed, s_k disputed.
            if (newHi - newLo == 1) {
                g.level = Level.OneStep;
                emit LevelEntered(id, Level.OneStep);
            }
            return;
        }
        // The level ends: the pair is stored where the next level reads it (not in loClaim /
        // hiClaim, which the next level's first move overwrites), saving two storage writes.
        if (level == Level.Steps) {
            _enterTables(g, id, newHi, loClaim, hiClaim);
        } else {
            // Op j = newHi: R_{j−1} agreed, R_j disputed.
            g.opIndex = uint64(newHi);
            g.lowRoot = loClaim;
            g.highRoot = hiClaim;
            g.level = Level.OpOutput;
            emit LevelEntered(id, Level.OpOutput);
        }
    }

    /// @dev Step `step` is disputed: S_{step−1} = `prevState` agreed, S_step = `nextState` disputed.
    function _enterTables(Game storage g, GameId id, uint256 step, bytes32 prevState, bytes32 nextState) internal {
        g.step = uint64(step);
        g.prevState = prevState;
        g.nextState = nextState;
        g.level = Level.Tables;
        emit LevelEntered(id, Level.Tables);
    }

    function _startDescent(Game storage g, Level level, bytes32 node, uint256 height) internal {
        g.level = level;
        g.lo = 0;
        g.hi = uint64(height);
        g.hiClaim = node;
    }

    function _revealNodes(Game storage g, GameId id, bytes32[] calldata nodes) internal {
        uint256 height = g.hi;
        (uint256 listLeaves, bytes1 tag) = _listOf(g);
        // The top of a list descent (height = listDepth(n)) is the wrapping hash R_0 or S_t; a
        // list descent leaves its level when it reaches height 0, so this is unambiguous.
        bool wrapped = listLeaves != 0 && height == LibHash.listDepth(listLeaves);
        // INVARIANT: at a tensor leaf the solver reveals the leaf instead.
        if (height == 0 && !wrapped) revert DisputeWrongLevel(id, g.level);
        uint256 levels = LibDissection.descentLevels(height, TREE_BITS);
        uint256 expected = uint256(1) << levels;
        if (nodes.length != expected) revert DisputeBadCount(nodes.length, expected);
        bytes32 root = LibDisputeProofs.descentRoot(
            nodes, uint256(g.lo) << levels, height - levels, listLeaves, wrapped ? tag : bytes1(0)
        );
        // INVARIANT: the revealed nodes are exactly the disputed node's descendants.
        if (root != g.hiClaim) revert DisputeMismatch(g.hiClaim, root);
        g.pending = _claimsKey(g.level, g.lo, height, nodes);
        emit ClaimsPosted(id, g.level, g.lo, height, nodes);
    }

    /// @dev The list a list-tree descent runs over: its length and wrapping tag (0 for tensors).
    function _listOf(Game storage g) internal view returns (uint256 n, bytes1 tag) {
        Level level = g.level;
        if (level == Level.InitialSlots) return (g.slotCount, LibHash.VALUE_TABLE_TAG);
        if (level == Level.FinalState) return (g.stateCount, LibHash.STATE_TAG);
        return (0, bytes1(0));
    }

    function _isDescent(Level level) internal pure returns (bool) {
        return level == Level.InitialSlots || level == Level.FinalState || level == Level.Element
            || level == Level.BatchElement;
    }

    function _chooseChild(
        Game storage g,
        GameId id,
        Level level,
        uint256 lo,
        uint256 hi,
        bytes32[] calldata nodes,
        uint256 i
    ) internal {
        // INVARIANT: the chosen child exists (and, in a list tree, is not padding).
        if (i >= nodes.length) revert DisputeBadChoice(i, nodes.length);
        uint256 levels = LibDissection.descentLevels(hi, TREE_BITS);
        uint256 index = (lo << levels) + i;
        uint256 height = hi - levels;
        (uint256 listLeaves,) = _listOf(g);
        if (listLeaves != 0 && LibDissection.isListPadding(index, height, listLeaves)) {
            revert DisputeBadChoice(i, nodes.length);
        }
        g.lo = uint64(index);
        g.hi = uint64(height);
        g.hiClaim = nodes[i];
        emit ClaimChosen(id, level, i, index, height);
        if (listLeaves != 0 && height == 0) {
            g.contested = uint32(index);
            Level next = level == Level.InitialSlots ? Level.InitialSlotProof : Level.FinalStateProof;
            g.level = next;
            emit LevelEntered(id, next);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Internal: checks and decision
    // ------------------------------------------------------------------------------------------

    function _game(GameId id) internal view returns (Game storage g) {
        g = _games[id];
        // INVARIANT: the game exists and is still being played.
        if (g.level == Level.None) revert DisputeUnknownGame(id);
        if (g.level >= Level.Decided) revert DisputeGameOver(id);
    }

    function _checkActive(Game storage g, GameId id) internal view {
        // INVARIANT: nobody moves once the side to move has run out of time.
        if (g.clock.expired(block.timestamp)) revert DisputeClockExpired(id, g.clock.toMove());
    }

    function _checkTurn(Game storage g, GameId id, Side side) internal view {
        Side mover = g.clock.toMove();
        address expected = side == Side.Solver ? g.solver : g.challenger;
        // INVARIANT: only the side to move moves, and only before its clock runs out.
        if (mover != side || msg.sender != expected) revert DisputeNotYourTurn(id, mover, msg.sender);
        _checkActive(g, id);
    }

    function _checkLevel(Game storage g, GameId id, Level level) internal view {
        if (g.level != level) revert DisputeWrongLevel(id, g.level);
    }

    function _checkContext(Game storage g, Context calldata ctx) internal view {
        bytes32 key = keccak256(abi.encode(ctx));
        // INVARIANT: re-supplied context is the one bound at open.
        if (key != g.contextKey) revert DisputeMismatch(g.contextKey, key);
    }

    /// @dev What `pending` holds after the solver posted `claims` (midpoints or descent nodes) at
    ///      `level`, position (lo, hi): one hash over a tag word (kind, level, lo, hi) and the claims,
    ///      so claims can never be re-read as a leaf, or as claims of another level, position or
    ///      count (the count is fixed by the preimage length).
    function _claimsKey(Level level, uint256 lo, uint256 hi, bytes32[] calldata claims) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(_tag(CLAIMS_KIND, level, lo, hi), claims));
    }

    /// @dev What `pending` holds after the solver revealed `leaf` (leaf `leafIndex` of a tensor
    ///      descent at `level`); see {_claimsKey}.
    function _leafKey(Level level, uint256 leafIndex, bytes calldata leaf) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(_tag(LEAF_KIND, level, leafIndex, 0), leaf));
    }

    /// @dev Tag word, most significant first: kind (8) | level (8) | unused | lo (64) | hi (64).
    ///      Positions are game positions, below 2^64 (stored as uint64).
    function _tag(uint256 kind, Level level, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return (kind << 248) | (uint256(uint8(level)) << 240) | (lo << 64) | hi;
    }

    function _checkLinkOpen(Game storage g, GameId id) internal view {
        // INVARIANT: links of R_0 and R_M are contested before the op dissection narrows.
        if (g.level != Level.Ops || g.lo != 0 || g.hi != g.opCount) revert DisputeLinkClosed(id);
    }

    /// @dev The deciding move's whole effect: the winner is recorded, nothing is paid. Settlement
    ///      (TaskMarket resolution, bond slash/unlock) is {settle}'s, so that every move stays small.
    function _decide(Game storage g, GameId id, Side winner, bool byTimeout) internal {
        // INVARIANT: a decided game takes no more moves (`_game` reverts on Decided / Settled).
        g.level = Level.Decided;
        g.winner = winner;
        emit GameDecided(id, g.task, winner, byTimeout);
    }
}
