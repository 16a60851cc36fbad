// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStakeManager} from "./IStakeManager.sol";
import {TaskId} from "../types/TaskId.sol";
import {Duration} from "../types/Duration.sol";
import {TaskStatus} from "../types/TaskStatus.sol";

/// @title ITaskMarket
/// @notice Escrow for Pinpoint compute tasks (docs/SPEC.md §4).
///
///         A submitter escrows a reward (in the StakeManager's token) for a task. A solver with
///         enough free stake claims it (its stake is locked), streams proof-of-learning checkpoint
///         commitments in batches, and submits the final state hash. After the challenge window,
///         with no dispute open, anyone can finalize: the solver is paid and its stake unlocked.
///
///         Checkpoints: with `totalSteps` T and `checkpointInterval` k the task has
///         N = ceil(T / k) checkpoints after the initial one. Checkpoint 0 is `initialStateHash`,
///         checkpoint N the hash given to {submitFinal}; the solver streams 1..N−1 in order with
///         {commitCheckpoints}, one storage word per call:
///         `LibHash.checkpointBatch(firstIndex, count, listRoot(stateHashes))`.
///
///         Work spec: the program commitment, dataset commitment and batch view (samples, batch
///         size) are needed only by the dispute game, so the task stores their hash
///         `keccak256(abi.encode(WorkSpec))` (see {specHashOf}); the full spec is in {TaskCreated}.
///         The dispute game takes the spec as calldata and checks it with {verifySpec}. This keeps
///         `createTask` within four new storage words.
///
///         Expiry: a solver that misses its solve deadline loses `expiryPenaltyBps` of its task
///         stake (credited to the submitter and the slash sink by the StakeManager split) and the
///         task REOPENS (status Open, no solver, no checkpoints); the submitter may then cancel it
///         for a refund or let another solver claim it.
///
///         Disputes: the dispute game wired once at deployment ({wire}; no other address, ever)
///         opens disputes on a submitted task during its challenge window, locking the challenger's
///         bond, and resolves them. Each open dispute blocks {finalize}. A dispute the solver wins
///         slashes that challenger's bond to the solver (sink share to the sink). A dispute a
///         challenger wins unlocks its bond and counts one winning game; the first one REJECTS the
///         task: half the solver's task stake (rounded up) is slashed to the sink at once, the solver
///         is never paid, and the reward becomes reclaimable by the submitter ({reclaim}). Once every
///         game on the task is settled, each winning game's challenger pulls an equal share of the
///         other half ({claimChallengeReward}; sink share applies). A solver that challenges itself
///         through any number of puppet accounts therefore still loses at least half its stake, and
///         every winning challenger gets its bond back plus a positive reward (docs/ECONOMICS.md).
///
///         Parameters: a task's windows and expiry penalty are copied from the configuration when
///         it is created; {setConfig} (the admin's only power; admin transfers are delayed by
///         AccessControlDefaultAdminRules) applies to tasks created afterwards.
///
///         Token movements: rewards are pulled on {createTask} (the received amount is measured;
///         fee-on-transfer tokens revert with {TaskMarketFeeOnTransfer}) and pushed on {finalize}
///         (to the solver), {cancel} and {reclaim} (to the submitter). Dispute hooks move no tokens
///         to external accounts, so a recipient can never block a dispute resolution.
///         A solver that cannot receive the token (e.g. blocklisted by the token) cannot be
///         finalized: its reward stays escrowed and its stake locked; only the solver is harmed.
interface ITaskMarket {
    // ----------------------------------------------------------------------------------------
    // Types
    // ----------------------------------------------------------------------------------------

    /// @notice What an {announce} points at.
    enum Announcement {
        Bundle,
        Checkpoints
    }

    /// @notice What the solver must compute, as needed by the dispute game.
    /// @param programHash Chain program commitment of the PinIR train-step program: sha256 over the
    ///        compiler's program hash and the op- and slot-descriptor list roots (docs/DISPUTE.md §4).
    /// @param datasetHash Dataset commitment (docs/SPEC.md §3, tag 0x06).
    /// @param nSamples Number of samples in the dataset; row r of batch t is sample ((t−1)·batchSize + r) mod nSamples.
    /// @param batchSize Rows per step.
    struct WorkSpec {
        bytes32 programHash;
        bytes32 datasetHash;
        uint64 nSamples;
        uint32 batchSize;
    }

    /// @notice Arguments of {createTask}.
    /// @param spec The work spec; stored as its hash.
    /// @param initialStateHash State hash of checkpoint 0.
    /// @param totalSteps T, number of train steps (> 0).
    /// @param checkpointInterval k, steps between checkpoints (> 0); N = ceil(T / k) must be < 2^24.
    /// @param reward Paid to the solver on {finalize}; escrowed now (> 0).
    /// @param solverStake Stake locked from the solver on {claim}; at least the configured minimum.
    /// @param solveWindow Time from {claim} to the solver's deadline for {submitFinal}; 0 = default.
    /// @param challengeWindow Time after {submitFinal} during which disputes may open; 0 = default;
    ///        otherwise at least the configured minimum.
    struct TaskParams {
        WorkSpec spec;
        bytes32 initialStateHash;
        uint32 totalSteps;
        uint32 checkpointInterval;
        uint96 reward;
        uint96 solverStake;
        Duration solveWindow;
        Duration challengeWindow;
    }

    /// @notice A task as stored.
    /// @dev Six storage words (createTask writes words 0–3; claim, commits and expiry update word 4;
    ///      submitFinal writes word 5). Bit layout, least significant first:
    ///      word 0 specHash; word 1 initialStateHash;
    ///      word 2 submitter (160) | totalSteps (32) | checkpointInterval (32) | challengeWindow (32);
    ///      word 3 reward (96) | solverStake (96) | solveWindow (32) | openDisputes (16) |
    ///      expiryPenaltyBps (16, copied from the configuration at creation);
    ///      word 4 solver (160) | status (8) | deadline (40) | checkpointsCommitted (24) | batchCount (24);
    ///      word 5 finalStateHash.
    ///      Grouped by use so that each hot path touches two words: claim and finalize read words 3
    ///      and 4, commitCheckpoints and submitFinal words 2 and 4. A task exists iff its reward is
    ///      non-zero. `deadline` is the solve deadline while Claimed and the end of the challenge
    ///      window from Submitted on.
    struct Task {
        bytes32 specHash;
        bytes32 initialStateHash;
        address submitter;
        uint32 totalSteps;
        uint32 checkpointInterval;
        Duration challengeWindow;
        uint96 reward;
        uint96 solverStake;
        Duration solveWindow;
        uint16 openDisputes;
        uint16 expiryPenaltyBps;
        address solver;
        TaskStatus status;
        uint40 deadline;
        uint24 checkpointsCommitted;
        uint24 batchCount;
        bytes32 finalStateHash;
    }

    /// @notice Challenger wins on one task (one storage word).
    /// @param winningGames Games on the task settled for their challenger.
    /// @param claimedWins Winning games whose reward share was claimed.
    /// @param paid Reward paid out of the pot (half the solver's task stake) so far.
    struct DisputeTally {
        uint32 winningGames;
        uint32 claimedWins;
        uint96 paid;
    }

    /// @notice Market parameters set by the admin; each task copies what it uses at creation.
    /// @param minSolverStake Lower bound for `TaskParams.solverStake`.
    /// @param minChallengeWindow Lower bound for an explicit `TaskParams.challengeWindow`.
    /// @param defaultChallengeWindow Used when `TaskParams.challengeWindow` is 0; at least the minimum.
    /// @param defaultSolveWindow Used when `TaskParams.solveWindow` is 0; non-zero.
    /// @param expiryPenaltyBps Share of the solver stake slashed on {expire}, in basis points (≤ 10,000).
    // solhint-disable-next-line gas-struct-packing
    struct MarketConfig {
        uint96 minSolverStake;
        Duration minChallengeWindow;
        Duration defaultChallengeWindow;
        Duration defaultSolveWindow;
        uint16 expiryPenaltyBps;
    }

    /// @notice Location of checkpoint i inside a committed batch, for {verifyCheckpoint}.
    /// @param batchIndex Batch number (0-based, in commit order).
    /// @param firstIndex Checkpoint index of the batch's first hash.
    /// @param count Number of hashes in the batch.
    /// @param path Bottom-up sibling path of item `i − firstIndex` in the batch's list tree
    ///        (exactly ceil(log2 count) hashes).
    struct CheckpointProof {
        uint256 batchIndex;
        uint64 firstIndex;
        uint32 count;
        bytes32[] path;
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice A task was created and its reward escrowed. The event carries the work spec (stored
    ///         only as a hash); every other parameter is in {getTask}.
    event TaskCreated(TaskId indexed taskId, address indexed submitter, WorkSpec spec);
    /// @notice The submitter cancelled an unclaimed task and was refunded `refund`.
    event TaskCancelled(TaskId indexed taskId, uint256 refund);
    /// @notice `solver` claimed the task; its stake is locked until `deadline` at least.
    event TaskClaimed(TaskId indexed taskId, address indexed solver, uint256 stake, uint256 deadline);
    /// @notice Batch `batchIndex` of checkpoints `firstIndex .. firstIndex + stateHashes.length − 1` was committed.
    event CheckpointsCommitted(
        TaskId indexed taskId,
        uint256 indexed batchIndex,
        uint256 firstIndex,
        bytes32[] stateHashes
    );
    /// @notice The solver submitted the final state hash; disputes may open until `challengeEnd`.
    event FinalSubmitted(TaskId indexed taskId, bytes32 finalStateHash, uint256 challengeEnd);
    /// @notice The task was finalized: `solver` was paid `reward` and its stake unlocked.
    event TaskFinalized(TaskId indexed taskId, address indexed solver, uint256 reward);
    /// @notice `solver` missed its deadline: `penalty` of its stake was slashed and the task reopened.
    event TaskExpired(TaskId indexed taskId, address indexed solver, uint256 penalty);
    /// @notice A dispute by `challenger` was opened; `openDisputes` are now open on the task.
    event DisputeOpened(TaskId indexed taskId, address indexed challenger, uint256 openDisputes);
    /// @notice A dispute by `challenger` was resolved (`solverWon`); `openDisputes` remain open.
    event DisputeResolved(
        TaskId indexed taskId,
        address indexed challenger,
        bool solverWon,
        uint256 openDisputes
    );
    /// @notice The solver was proven wrong (first winning game, by `challenger`): the task is
    ///         rejected and `burned` (half its task stake, rounded up) was slashed to the sink.
    event TaskRejected(
        TaskId indexed taskId,
        address indexed solver,
        address indexed challenger,
        uint256 burned
    );
    /// @notice `challenger` was paid for `wins` winning games: `amount` of the solver's stake was
    ///         slashed, `toChallenger` of it credited to the challenger's free stake.
    event ChallengeRewardClaimed(
        TaskId indexed taskId,
        address indexed challenger,
        uint256 wins,
        uint256 amount,
        uint256 toChallenger
    );
    /// @notice The deployer wired the dispute game, once.
    event DisputeGameWired(address indexed disputeGame);
    /// @notice The reward of a rejected task was returned to the submitter.
    event TaskReclaimed(TaskId indexed taskId, address indexed submitter, uint256 refund);
    /// @notice `by` published where off-chain data of the task can be fetched: the task bundle
    ///         (program, initial state, dataset descriptor; by the submitter) or the solver's
    ///         checkpoint files (by the solver). Content is always checked against the commitments.
    event TaskAnnounced(TaskId indexed taskId, address indexed by, Announcement indexed kind, string uri);
    /// @notice The admin changed the market configuration.
    event MarketConfigUpdated(MarketConfig config);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice No task has id `taskId`.
    error TaskMarketUnknownTask(TaskId taskId);
    /// @notice The task is in status `actual`; the call needs `expected`.
    error TaskMarketWrongStatus(TaskId taskId, TaskStatus actual, TaskStatus expected);
    /// @notice Only the task's submitter may call this; `caller` is not.
    error TaskMarketNotSubmitter(TaskId taskId, address caller);
    /// @notice Only the task's solver may call this; `caller` is not.
    error TaskMarketNotSolver(TaskId taskId, address caller);
    /// @notice An announcement needs a non-empty URI of at most 1,024 bytes; got `length`.
    error TaskMarketBadUri(uint256 length);
    /// @notice The solver's deadline `deadline` has passed.
    error TaskMarketDeadlinePassed(TaskId taskId, uint256 deadline);
    /// @notice The solver's deadline `deadline` has not passed yet.
    error TaskMarketDeadlineNotPassed(TaskId taskId, uint256 deadline);
    /// @notice The challenge window is open until `challengeEnd`.
    error TaskMarketChallengeWindowOpen(TaskId taskId, uint256 challengeEnd);
    /// @notice The challenge window closed at `challengeEnd`.
    error TaskMarketChallengeWindowClosed(TaskId taskId, uint256 challengeEnd);
    /// @notice `openDisputes` disputes are still open on the task.
    error TaskMarketDisputesOpen(TaskId taskId, uint256 openDisputes);
    /// @notice No dispute is open on the task.
    error TaskMarketNoOpenDispute(TaskId taskId);
    /// @notice {commitCheckpoints} was called with no hashes.
    error TaskMarketEmptyBatch(TaskId taskId);
    /// @notice Committing would reach checkpoint `wouldReach`, past the last streamed one `last` (= N − 1).
    error TaskMarketTooManyCheckpoints(TaskId taskId, uint256 wouldReach, uint256 last);
    /// @notice Only `committed` of the `required` (= N − 1) checkpoints are committed.
    error TaskMarketCheckpointsMissing(TaskId taskId, uint256 committed, uint256 required);
    /// @notice The reward must be non-zero.
    error TaskMarketZeroReward();
    /// @notice `stake` is below the minimum solver stake `minimum`.
    error TaskMarketStakeTooLow(uint256 stake, uint256 minimum);
    /// @notice Steps and interval must be non-zero and give fewer than 2^24 checkpoints.
    error TaskMarketInvalidSchedule(uint256 totalSteps, uint256 checkpointInterval);
    /// @notice The batch view needs non-zero `nSamples` and `batchSize`.
    error TaskMarketInvalidView(uint256 nSamples, uint256 batchSize);
    /// @notice The challenge window `window` is below the minimum `minimum`.
    error TaskMarketChallengeWindowTooShort(uint256 window, uint256 minimum);
    /// @notice The token moved `received` instead of `expected` (fee-on-transfer tokens are not supported).
    error TaskMarketFeeOnTransfer(uint256 expected, uint256 received);
    /// @notice Only the deployer wires the dispute game, once, to a non-zero address; `caller`
    ///         tried (the game is `current`).
    error TaskMarketWiring(address caller, address current);
    /// @notice Only the wired dispute game may call this; `caller` is not it.
    error TaskMarketNotDisputeGame(address caller);
    /// @notice `open` disputes are already open on the task (the counter has 16 bits).
    error TaskMarketTooManyDisputes(TaskId taskId, uint256 open);
    /// @notice `challenger` has no unclaimed winning game on the task.
    error TaskMarketNoReward(TaskId taskId, address challenger);
    /// @notice The configuration is inconsistent (zero default solve window, default challenge
    ///         window below the minimum, or penalty above 10,000 bps).
    error TaskMarketInvalidConfig();

    // ----------------------------------------------------------------------------------------
    // Roles and configuration
    // ----------------------------------------------------------------------------------------

    /// @notice The dispute game: the only caller of {openDispute}, {resolveForSolver} and
    ///         {resolveForChallenger} (zero before {wire}).
    function disputeGame() external view returns (address);

    /// @notice The account that deployed the market: the only one that may {wire} it.
    function DEPLOYER() external view returns (address);

    /// @notice Sets the dispute game. Only the deployer, once, to a non-zero address (reverts with
    ///         {TaskMarketWiring} otherwise). Emits {DisputeGameWired}.
    /// @param disputeGame_ The DisputeGame.
    function wire(address disputeGame_) external;

    /// @notice The StakeManager holding solver stake.
    function stakeManager() external view returns (IStakeManager);

    /// @notice The reward token (the StakeManager's token).
    function token() external view returns (IERC20);

    /// @notice Current market configuration.
    function config() external view returns (MarketConfig memory);

    /// @notice Replaces the market configuration. Only `DEFAULT_ADMIN_ROLE`; applies only to tasks
    ///         created afterwards (each task copies its windows and penalty at creation).
    ///         Emits {MarketConfigUpdated}.
    /// @param newConfig The new configuration (see {MarketConfig}).
    function setConfig(MarketConfig calldata newConfig) external;

    // ----------------------------------------------------------------------------------------
    // Submitter and solver functions
    // ----------------------------------------------------------------------------------------

    /// @notice Creates a task and pulls `params.reward` from the caller (after `approve`).
    ///         Emits {TaskCreated}.
    /// @return taskId The new task's id (ids are sequential from 1).
    /// @param params Task parameters (see {TaskParams}).
    function createTask(TaskParams calldata params) external returns (TaskId taskId);

    /// @notice Cancels an Open task and refunds the reward to the submitter. Only the submitter.
    ///         Emits {TaskCancelled}.
    /// @param taskId An Open task of the caller.
    function cancel(TaskId taskId) external;

    /// @notice Claims an Open task: locks `solverStake` of the caller's free stake (reverts with
    ///         `IStakeManager.StakeInsufficientFree` otherwise) and starts the solve window.
    ///         Emits {TaskClaimed}.
    /// @param taskId An Open task.
    function claim(TaskId taskId) external;

    /// @notice Appends checkpoints `checkpointsCommitted + 1 ..` to the stream as one batch. Only the
    ///         solver, while Claimed and before the deadline, never past checkpoint N − 1.
    ///         Stores one word and emits {CheckpointsCommitted} with the hashes.
    /// @param taskId A Claimed task of the caller.
    /// @param stateHashes State hashes of checkpoints `checkpointsCommitted + 1 ..`, in order (non-empty).
    function commitCheckpoints(TaskId taskId, bytes32[] calldata stateHashes) external;

    /// @notice Closes the stream with checkpoint N and starts the challenge window. Only the solver,
    ///         while Claimed, before the deadline, once all N − 1 checkpoints are committed.
    ///         Emits {FinalSubmitted}.
    /// @param taskId A Claimed task of the caller.
    /// @param finalStateHash State hash of checkpoint N (after step T).
    function submitFinal(TaskId taskId, bytes32 finalStateHash) external;

    /// @notice Pays the reward to the solver and unlocks its stake. Anyone, once the challenge
    ///         window has passed with no dispute open. Emits {TaskFinalized}.
    /// @param taskId A Submitted task.
    function finalize(TaskId taskId) external;

    /// @notice Penalizes a Claimed task's solver that missed its deadline (`expiryPenaltyBps` of its
    ///         stake slashed to the submitter and the sink, the rest unlocked) and reopens the task.
    ///         Anyone, strictly after the deadline. Emits {TaskExpired}.
    /// @param taskId A Claimed task whose solve deadline has passed.
    function expire(TaskId taskId) external;

    /// @notice Returns the reward of a Rejected task to its submitter. Anyone. Emits {TaskReclaimed}.
    /// @param taskId A Rejected task.
    function reclaim(TaskId taskId) external;

    /// @notice Publishes where a task's off-chain data is served; stores nothing. The submitter
    ///         announces the Bundle, the current solver its Checkpoints. Emits {TaskAnnounced}.
    /// @param taskId An existing task.
    /// @param kind Bundle (submitter only) or Checkpoints (the task's solver only).
    /// @param uri Where to fetch it (file://, http(s)://, …), 1 to 1,024 bytes.
    function announce(TaskId taskId, Announcement kind, string calldata uri) external;

    // ----------------------------------------------------------------------------------------
    // Dispute hooks (the wired dispute game) and challenger rewards
    // ----------------------------------------------------------------------------------------

    /// @notice Registers a dispute by `challenger` on a Submitted task while its challenge window
    ///         is open (`block.timestamp < challengeEnd`) and locks `bond` of the challenger's free
    ///         stake; {finalize} is blocked until every open dispute is resolved. Only the dispute
    ///         game. Emits {DisputeOpened}.
    /// @return solver The task's solver (the defender).
    /// @param taskId A Submitted task inside its challenge window.
    /// @param challenger The account that opened the game.
    /// @param bond The challenger's bond (reverts with `IStakeManager.StakeInsufficientFree`).
    function openDispute(TaskId taskId, address challenger, uint256 bond) external returns (address solver);

    /// @notice Closes one open dispute that the solver won: the challenger's `bond` is slashed to
    ///         the solver (sink share to the sink). Only the dispute game. Emits {DisputeResolved}.
    /// @param taskId A task with an open dispute.
    /// @param challenger The losing challenger.
    /// @param bond Its bond, locked by {openDispute}.
    function resolveForSolver(TaskId taskId, address challenger, uint256 bond) external;

    /// @notice Closes one open dispute that `challenger` won: its bond is unlocked and the win is
    ///         counted. On the first such resolution the task becomes Rejected and half the solver's
    ///         task stake (rounded up) is slashed to the sink; the reward becomes reclaimable by the
    ///         submitter. Only the dispute game. Emits {DisputeResolved} and, on the first,
    ///         {TaskRejected}.
    /// @return burned The stake burned by this call (0 after the first).
    /// @param taskId A task with an open dispute.
    /// @param challenger The winning challenger.
    /// @param bond Its bond, locked by {openDispute}.
    function resolveForChallenger(TaskId taskId, address challenger, uint256 bond) external returns (uint256 burned);

    /// @notice Pays `challenger` for its winning games on a rejected task once every game on the
    ///         task is settled: `pot · wins / winningGames` of the solver's remaining stake
    ///         (pot = solverStake / 2; the last claim takes the rounding remainder) is slashed to the
    ///         challenger (sink share to the sink). Anyone may call it for any challenger (credits go
    ///         to the challenger's free stake). Emits {ChallengeRewardClaimed}.
    /// @param taskId A Rejected or Refunded task with no open dispute.
    /// @param challenger A challenger with unclaimed winning games on it.
    /// @return amount Stake slashed from the solver for this challenger.
    function claimChallengeReward(TaskId taskId, address challenger) external returns (uint256 amount);

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice The task with id `taskId` (all zero for an unknown id).
    /// @param taskId Any id.
    /// @return The stored task (see {Task} for the layout).
    function getTask(TaskId taskId) external view returns (Task memory);

    /// @notice Winning games and reward payouts of a task.
    /// @param taskId Any id.
    /// @return The tally (all zero while no challenger has won).
    function disputeTally(TaskId taskId) external view returns (DisputeTally memory);

    /// @notice Winning games of `challenger` on the task whose reward is not yet claimed.
    /// @param taskId Any id.
    /// @param challenger Any account.
    /// @return Its unclaimed winning games.
    function unclaimedWins(TaskId taskId, address challenger) external view returns (uint256);

    /// @notice Number of tasks created; the last id.
    function taskCount() external view returns (uint256);

    /// @notice N = ceil(totalSteps / checkpointInterval), the index of the final checkpoint.
    /// @param taskId An existing task (reverts with {TaskMarketUnknownTask} otherwise).
    /// @return N, the index of the final checkpoint.
    function numCheckpoints(TaskId taskId) external view returns (uint256);

    /// @notice The stored commitment of batch `batchIndex`, or 0 if no such batch is committed.
    /// @param taskId Any id.
    /// @param batchIndex Batch number, 0-based in commit order.
    /// @return The batch commitment, or 0 past `batchCount`.
    function batchCommitment(TaskId taskId, uint256 batchIndex) external view returns (bytes32);

    /// @notice The task's work spec hash `keccak256(abi.encode(spec))`.
    /// @param taskId Any id.
    /// @return The spec hash (0 for an unknown task).
    function specHashOf(TaskId taskId) external view returns (bytes32);

    /// @notice `keccak256(abi.encode(spec))`.
    /// @param spec A work spec.
    /// @return Its hash as stored in a task.
    function hashSpec(WorkSpec calldata spec) external pure returns (bytes32);

    /// @notice True iff `spec` is the task's work spec.
    /// @param taskId Any id (false for an unknown task).
    /// @param spec The claimed work spec.
    /// @return True iff it hashes to the task's spec hash.
    function verifySpec(TaskId taskId, WorkSpec calldata spec) external view returns (bool);

    /// @notice True iff `stateHash` is checkpoint `index` of the task: index 0 against the initial
    ///         state hash, index N against the submitted final hash (false before {submitFinal}),
    ///         otherwise against committed batch `proof.batchIndex`, rebuilt with
    ///         `LibHash.checkpointBatch(firstIndex, count, LibHash.rootFromPath(stateHash, index − firstIndex, path))`.
    ///         Never reverts on a bad proof; returns false instead.
    /// @param taskId Any id (false for an unknown task).
    /// @param index Checkpoint index, 0..N.
    /// @param stateHash The claimed state hash of checkpoint `index`.
    /// @param proof Batch location and sibling path (ignored for indices 0 and N).
    /// @return True iff `stateHash` is the committed checkpoint `index`.
    function verifyCheckpoint(
        TaskId taskId,
        uint256 index,
        bytes32 stateHash,
        CheckpointProof calldata proof
    ) external view returns (bool);
}
