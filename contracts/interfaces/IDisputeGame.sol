// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICommitErrors} from "../libraries/ICommitErrors.sol";
import {LibProofs} from "../libraries/LibProofs.sol";
import {LibTensor} from "../libraries/LibTensor.sol";
import {Clock} from "../libraries/LibClock.sol";
import {ITaskMarket} from "./ITaskMarket.sol";
import {TaskId} from "../types/TaskId.sol";
import {GameId, Side, Level, OpDesc, SlotDesc, ProgramInfo} from "../types/DisputeTypes.sol";

/// @title IDisputeGame
/// @notice Many independent two-party dispute games over submitted TaskMarket tasks
///         (docs/DISPUTE.md). A staked verifier (the challenger) opens a game on one checkpoint
///         interval with a bond; the task's solver defends. Levels narrow the disagreement to one
///         scalar transition that {IOneStepVerifier} recomputes:
///         1. Steps: D-ary dissection of the interval's steps, endpoints bound to checkpoints;
///         2. Ops: the solver posts R_0, R_M (value-table roots); D-ary dissection over
///            R_0..R_M; links R_0 ← (S_{t−1}, program, batch) and R_M → S_t are proved when
///            contested ({contestInitial}, {contestFinal});
///         3. Element: the solver claims op j's output hash (proved when contested,
///            {contestOpOutput}), then a descent over the output tensor's data tree to a leaf,
///            where the challenger names an element;
///         4. Sums (reductions): D-ary dissection over partial sums s_0 = 0 .. s_K = out[e];
///         5. OneStep: operands proven against the agreed root R_{j−1}; the contract decides.
///         Chess clocks per side; {timeout} is callable by anyone.
///         Ending a game takes two transactions: the deciding move (a proof check, a link proof,
///         a padding element or {timeout}) only records the winner (level Decided, {GameDecided});
///         then anyone calls {settle} once, which settles through the TaskMarket
///         (resolveForSolver / resolveForChallenger) and the StakeManager (bond slash / unlock)
///         (level Settled, {GameSettled}). The TaskMarket counts the dispute as open until it
///         is settled, so a decided but unsettled game still blocks `finalize`.
interface IDisputeGame is ICommitErrors {
    // ----------------------------------------------------------------------------------------
    // Types
    // ----------------------------------------------------------------------------------------

    /// @notice Everything a game needs to know about the task's work, bound once at {open} by
    ///         its hash `keccak256(abi.encode(Context))` and re-supplied by moves that need it.
    struct Context {
        ProgramInfo program;
        bytes32 datasetHash;
        uint32 batchSize;
    }

    /// @notice Arguments of {open}.
    /// @param task The Submitted task.
    /// @param interval Checkpoint interval i (1 ≤ i ≤ N): steps (i−1)·k .. min(i·k, T).
    /// @param spec The task's work spec (checked with ITaskMarket.verifySpec).
    /// @param program Preimage of `spec.programHash` (chain program commitment).
    /// @param prevState Checkpoint i − 1 and its proof.
    /// @param nextState Checkpoint i (disputed) and its proof.
    struct OpenArgs {
        TaskId task;
        uint256 interval;
        ITaskMarket.WorkSpec spec;
        ProgramInfo program;
        bytes32 prevState;
        ITaskMarket.CheckpointProof prevProof;
        bytes32 nextState;
        ITaskMarket.CheckpointProof nextProof;
    }

    /// @notice Arguments of {postTables}.
    /// @param root0 R_0: value table before op 1 of step t.
    /// @param rootM R_M: value table after the last op.
    /// @param mids First midpoints of the op dissection over [0, M].
    struct TablesArgs {
        bytes32 root0;
        bytes32 rootM;
        bytes32[] mids;
    }

    /// @notice Claims of {postOpOutput} about op j (checked on demand by {contestOpOutput}).
    /// @param outHash Tensor hash op j wrote: R_j = R_{j−1} with slot op.out changed from 0 to it.
    /// @param dataRoot Data root of the output tensor: tensorHash(outScale, outShape, dataRoot) = outHash.
    /// @param numel Number of output elements (product of outShape).
    /// @param terms Reduction length K of op j (0 for non-reductions).
    struct OpOutputClaim {
        bytes32 outHash;
        bytes32 dataRoot;
        uint64 numel;
        uint64 terms;
    }

    /// @notice Arguments of {proveOpOutput}.
    /// @param op Descriptor of op j (proved at index j − 1 of the program's op list).
    /// @param opProof List proof of sha256(abi.encode(op)) in the program's op list.
    struct OpOutputProof {
        OpDesc op;
        LibProofs.ListProof opProof;
    }

    /// @notice Arguments of {proveInitialSlot}.
    /// @param desc Descriptor of the contested slot (proved in `program.slotsRoot`).
    /// @param descProof List proof of sha256(abi.encode(desc)) at the contested slot index.
    /// @param stateProof For a state slot: proof of the slot hash as state tensor desc.stateIndex of S_{t−1}.
    /// @param dataRoot For an input/target slot: the batch tensor's data root (the solver then
    ///        reveals the first descent nodes, or the leaf, in its next move).
    struct SlotArgs {
        SlotDesc desc;
        LibProofs.ListProof descProof;
        LibProofs.ListProof stateProof;
        bytes32 dataRoot;
    }

    /// @notice Arguments of {proveFinalState}.
    /// @param desc Descriptor of the state slot whose state index is contested (proved in `program.slotsRoot`).
    /// @param descProof List proof of sha256(abi.encode(desc)) in `program.slotsRoot`.
    /// @param slotProof Proof that slot desc.nextSlot of R_M holds the contested state tensor hash.
    struct FinalStateArgs {
        SlotDesc desc;
        LibProofs.ListProof descProof;
        LibProofs.ListProof slotProof;
    }

    /// @notice One operand of the one-step check: its slot in R_{j−1} and one element of it.
    struct Operand {
        LibProofs.ListProof slot;
        LibTensor.ElementProof element;
    }

    /// @notice A game as stored.
    /// @dev Position fields by level: dissections (Steps, Ops, Sums) use lo/hi and the claims at
    ///      them (loClaim agreed, hiClaim disputed); descents (InitialSlots, FinalState, Element,
    ///      BatchElement) use lo = node index, hi = node height and hiClaim = the disputed node
    ///      (at the top of a list descent, height = listDepth(n), the list's wrapping hash R_0
    ///      or S_t); OneStep uses hi = term k (0 for
    ///      non-reductions), loClaim = s_{k−1}, hiClaim = the claimed value. lowRoot/highRoot are
    ///      R_{j−1}/R_j from OpOutput on (highRoot = R_M in a FinalState contest). `contested` is
    ///      the list index a link descent reached, or op j's output slot at OpUpdateProof. Scratch words are
    ///      pre-filled at open (sentinel 1) so that moves only ever rewrite non-zero words.
    struct Game {
        TaskId task;
        address challenger;
        uint96 bond;
        address solver;
        Level level;
        Side winner;
        uint32 opCount;
        uint32 slotCount;
        uint16 stateCount;
        Clock clock;
        uint64 lo;
        uint64 hi;
        uint64 step;
        uint64 opIndex;
        bytes32 loClaim;
        bytes32 hiClaim;
        bytes32 pending;
        bytes32 contextKey;
        bytes32 prevState;
        bytes32 nextState;
        bytes32 lowRoot;
        bytes32 highRoot;
        bytes32 opsRoot;
        bytes32 outHash;
        uint64 element;
        uint64 numel;
        uint64 termCount;
        uint32 contested;
        bool isTarget;
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice `challenger` opened game `game` on checkpoint interval `interval` of `task`
    ///         (steps lo..hi, bond locked).
    event GameOpened(
        GameId indexed game,
        TaskId indexed task,
        address indexed challenger,
        address solver,
        uint256 interval,
        uint256 lo,
        uint256 hi,
        uint256 bond
    );
    /// @notice The solver posted midpoint claims (dissection levels) or descendant nodes (descents).
    event ClaimsPosted(GameId indexed game, Level level, uint256 lo, uint256 hi, bytes32[] claims);
    /// @notice The challenger picked segment / child `index`; the game now disputes lo..hi.
    event ClaimChosen(GameId indexed game, Level level, uint256 index, uint256 lo, uint256 hi);
    /// @notice The game moved to `level`.
    event LevelEntered(GameId indexed game, Level level);
    /// @notice The solver posted R_0 and R_M for step `step`.
    event TablesPosted(GameId indexed game, uint256 step, bytes32 root0, bytes32 rootM);
    /// @notice The solver claimed op `opIndex` wrote `outHash` (data root `dataRoot`, `numel`
    ///         elements, reduction length `terms`).
    event OpOutputPosted(GameId indexed game, uint256 opIndex, bytes32 outHash, bytes32 dataRoot, uint256 numel, uint256 terms);
    /// @notice The solver revealed the disputed 1024-byte leaf of a tensor descent.
    event LeafRevealed(GameId indexed game, Level level, uint256 leafIndex, bytes leaf);
    /// @notice The challenger named element `element` (claimed value `value`).
    event ElementChosen(GameId indexed game, Level level, uint256 element, int256 value);
    /// @notice The challenger contested a link of level 2 (R_0 ← S_{t−1} + batch, or R_M → S_t).
    event LinkContested(GameId indexed game, Level level);
    /// @notice The game was decided: `winner` won (`byTimeout` if the loser ran out of time). No
    ///         more moves are accepted; nothing is paid until {settle} ({GameSettled}).
    event GameDecided(GameId indexed game, TaskId indexed task, Side winner, bool byTimeout);
    /// @notice `settledBy` settled the decided game: the TaskMarket closed the dispute for
    ///         `winner` and the challenger's bond was slashed (solver won) or unlocked (challenger won).
    event GameSettled(GameId indexed game, TaskId indexed task, Side winner, address settledBy);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice No game has id `game`.
    error DisputeUnknownGame(GameId game);
    /// @notice The game is decided (or settled): no more moves.
    error DisputeGameOver(GameId game);
    /// @notice {settle} was called on a game that is still being played (at level `level`).
    error DisputeNotDecided(GameId game, Level level);
    /// @notice {settle} was already called on this game: settlement happens exactly once.
    error DisputeAlreadySettled(GameId game);
    /// @notice It is `expected`'s move and `caller` is not that side.
    error DisputeNotYourTurn(GameId game, Side expected, address caller);
    /// @notice The move does not apply at level `level`.
    error DisputeWrongLevel(GameId game, Level level);
    /// @notice The side to move, `side`, has run out of time: call {timeout}.
    error DisputeClockExpired(GameId game, Side side);
    /// @notice The side to move, `side`, still has `remaining` seconds.
    error DisputeClockRunning(GameId game, Side side, uint256 remaining);
    /// @notice `got` claims/nodes were posted, `expected` are required.
    error DisputeBadCount(uint256 got, uint256 expected);
    /// @notice The re-supplied claims or leaf are not exactly what the solver posted in its last
    ///         move (same kind, level, position and bytes).
    error DisputePendingMismatch(GameId game);
    /// @notice Index `index` is not a valid choice among `count`.
    error DisputeBadChoice(uint256 index, uint256 count);
    /// @notice The work spec does not match the task.
    error DisputeBadSpec(TaskId task);
    /// @notice A re-supplied value does not match its commitment: `expected` vs `computed`.
    error DisputeMismatch(bytes32 expected, bytes32 computed);
    /// @notice Checkpoint `index` does not verify against the task.
    error DisputeBadCheckpoint(TaskId task, uint256 index);
    /// @notice Interval `interval` is not in 1..`count`.
    error DisputeBadInterval(uint256 interval, uint256 count);
    /// @notice A proof opens index `index` where `expected` is required.
    error DisputeBadIndex(uint256 index, uint256 expected);
    /// @notice Level-2 links can be contested only at the challenger's first move of level Ops.
    error DisputeLinkClosed(GameId game);
    /// @notice The proof does not establish the contested link.
    error DisputeLinkNotProven(GameId game);
    /// @notice The deployment parameters are invalid.
    error DisputeBadConfig();

    // ----------------------------------------------------------------------------------------
    // Configuration views
    // ----------------------------------------------------------------------------------------

    /// @notice Dissection degree D (segments per round).
    function DEGREE() external view returns (uint256);
    /// @notice Tree levels revealed per descent round (2^bits nodes).
    function TREE_BITS() external view returns (uint256);
    /// @notice Challenger bond locked through the StakeManager at {open}.
    function BOND() external view returns (uint256);
    /// @notice Seconds on each side's chess clock at the start.
    function CLOCK_BUDGET() external view returns (uint256);
    /// @notice Each side's extension reserve: a turn that starts with less than this many seconds
    ///         left is topped up towards it from the mover's reserve (never beyond the reserve), so
    ///         a side gets at most CLOCK_BUDGET + CLOCK_EXTENSION seconds in a whole game.
    function CLOCK_EXTENSION() external view returns (uint256);
    /// @notice Worst-case time from {open} until the game is decided or can be timed out:
    ///         2 · (CLOCK_BUDGET + CLOCK_EXTENSION) (docs/DISPUTE.md §5).
    function MAX_GAME_DURATION() external view returns (uint256);

    // ----------------------------------------------------------------------------------------
    // Moves
    // ----------------------------------------------------------------------------------------

    /// @notice Opens a game on checkpoint interval `args.interval` of a Submitted task inside its
    ///         challenge window. Locks BOND of the caller's free stake and registers the dispute
    ///         with the TaskMarket. The solver moves first. Emits {GameOpened}.
    /// @return game The new game's id.
    function open(OpenArgs calldata args) external returns (GameId game);

    /// @notice Solver: posts the midpoints of a dissection level (Steps, Ops, Sums) or the next
    ///         descendant nodes of a descent (InitialSlots, Element, BatchElement). Emits {ClaimsPosted}.
    function bisect(GameId game, bytes32[] calldata claims) external;

    /// @notice Challenger: picks segment / child `index` of the claims posted last (re-supplied).
    ///         Emits {ClaimChosen} and, at the end of a level, {LevelEntered}.
    function choose(GameId game, bytes32[] calldata claims, uint256 index) external;

    /// @notice Solver, level Tables: posts R_0, R_M and the first op midpoints.
    ///         Emits {TablesPosted} and {ClaimsPosted}.
    function postTables(GameId game, TablesArgs calldata args) external;

    /// @notice Challenger, first move of level Ops: disputes that R_0 follows from S_{t−1}, the
    ///         program and the batch; a descent over R_0's slot list follows. Emits {LinkContested}.
    function contestInitial(GameId game) external;

    /// @notice Challenger, first move of level Ops: disputes that R_M gives S_t; a descent over
    ///         S_t's state-tensor list follows. Emits {LinkContested}.
    function contestFinal(GameId game) external;

    /// @notice Solver, level OpOutput: claims op j's output hash, data root, size and reduction
    ///         length; a descent over the output tensor starts (the solver reveals first). The
    ///         claims are proved only if the challenger contests them. Emits {OpOutputPosted}.
    function postOpOutput(GameId game, OpOutputClaim calldata claim) external;

    /// @notice Challenger, first decision of level Element: disputes the op-output claims (op j's
    ///         descriptor, R_j = R_{j−1} with the output slot filled, shape/scale, size, K).
    ///         Emits {LinkContested}.
    function contestOpOutput(GameId game) external;

    /// @notice Solver, level OpOutputProof: proves op j's descriptor and that the posted output
    ///         hash, size and reduction length are its output's. The solver then proves the slot
    ///         update in its next move ({proveOpUpdate}; level OpUpdateProof).
    function proveOpOutput(GameId game, OpOutputProof calldata proof) external;

    /// @notice Solver, level OpUpdateProof: proves R_j = R_{j−1} with op j's (previously empty)
    ///         output slot set to the posted output hash (`proof`: sibling path of that slot).
    ///         Decides the game for the solver ({GameDecided}; {settle} pays).
    function proveOpUpdate(GameId game, LibProofs.ListProof calldata proof) external;

    /// @notice Solver: reveals the disputed leaf of a tensor descent. Emits {LeafRevealed}.
    function revealLeaf(GameId game, bytes calldata leaf) external;

    /// @notice Challenger: names element `slot` (0..127) of the revealed leaf (re-supplied).
    ///         Emits {ElementChosen}. A non-zero padding element decides the game for the
    ///         challenger ({GameDecided}).
    function chooseElement(GameId game, bytes calldata leaf, uint256 slot) external;

    /// @notice Solver, level InitialSlotProof: proves the contested slot of R_0 (state: from
    ///         S_{t−1}; const: the program's hash; temp: zero; input/target: a descent over the
    ///         batch tensor follows, the solver moving first). Decides the game for the solver ({GameDecided}) unless a
    ///         batch descent follows.
    function proveInitialSlot(GameId game, Context calldata ctx, SlotArgs calldata args) external;

    /// @notice Either side, level BatchProof: opens the dataset element the batch view selects
    ///         for the named batch element. Decides the game ({GameDecided}): the solver wins iff
    ///         the values are equal.
    function proveBatchElement(
        GameId game,
        Context calldata ctx,
        bytes32 otherHash,
        LibTensor.ElementProof calldata proof
    ) external;

    /// @notice Solver, level FinalStateProof: proves that the slot of R_M holding the next value
    ///         of state tensor `contested` holds the state tensor hash the descent reached. Decides
    ///         the game for the solver ({GameDecided}).
    function proveFinalState(GameId game, Context calldata ctx, FinalStateArgs calldata args) external;

    /// @notice Either side, level OneStep: re-proves op j's descriptor and supplies operand proofs
    ///         against R_{j−1}; the contract recomputes the transition with {IOneStepVerifier} and
    ///         decides the game ({GameDecided}; solver wins iff its claim is right).
    function oneStep(
        GameId game,
        OpDesc calldata op,
        LibProofs.ListProof calldata opProof,
        Operand[] calldata operands
    ) external;

    /// @notice Anyone: decides a game whose side to move has run out of time for the other side
    ///         ({GameDecided} with `byTimeout`).
    function timeout(GameId game) external;

    /// @notice Anyone, once the game is Decided: settles it exactly once. Solver won →
    ///         TaskMarket.resolveForSolver and the bond is slashed to the solver; challenger won →
    ///         TaskMarket.resolveForChallenger and the bond is unlocked. The game becomes Settled.
    ///         Emits {GameSettled}. Reverts {DisputeNotDecided} while the game is being played,
    ///         {DisputeAlreadySettled} on a second call, {DisputeUnknownGame} for an unknown id.
    function settle(GameId game) external;

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice The stored game (all zero for an unknown id).
    function getGame(GameId game) external view returns (Game memory);

    /// @notice Number of games opened (the last id).
    function gameCount() external view returns (uint256);

    /// @notice The side to move and its remaining seconds.
    function clockOf(GameId game) external view returns (Side toMove, uint256 solverLeft, uint256 challengerLeft);

    /// @notice The chain program commitment of `program` (docs/DISPUTE.md §4).
    function programHashOf(ProgramInfo calldata program) external pure returns (bytes32);
}
