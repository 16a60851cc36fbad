// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {ITaskMarket} from "../interfaces/ITaskMarket.sol";
import {LibHash} from "../libraries/LibHash.sol";
import {TaskId} from "../types/TaskId.sol";
import {Duration} from "../types/Duration.sol";
import {TaskStatus} from "../types/TaskStatus.sol";

/// @title TaskMarket
/// @notice Escrow for Pinpoint compute tasks: rewards, solver stake locks, streamed checkpoint
///         commitments, challenge window and dispute hooks. See {ITaskMarket}.
/// @dev Token accounting invariant: `token.balanceOf(this) == Σ reward of tasks whose status is
///      Open, Claimed, Submitted or Rejected`. Rewards enter only in {createTask} and leave only in
///      {cancel} (Open → Cancelled), {finalize} (Submitted → Finalized) and {reclaim}
///      (Rejected → Refunded), each a one-way transition out of the owing statuses.
///      Stake stays in the StakeManager, where this contract is the one wired market: it locks a
///      solver's task stake (claim) and a challenger's bond (openDispute), and slashes only the
///      expiry penalty, a losing challenger's bond and a rejected solver's task stake
///      (docs/ECONOMICS.md). The admin (AccessControlDefaultAdminRules: transfers behind a delay)
///      can only {setConfig}, which applies to tasks created afterwards.
contract TaskMarket is ITaskMarket, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------------------------------
    // Constants and immutables
    // ------------------------------------------------------------------------------------------

    /// @notice Basis-point denominator.
    uint256 internal constant BPS = 10_000;
    /// @notice Exclusive bound on N (checkpoint counters are 24-bit).
    uint256 internal constant MAX_CHECKPOINTS = 1 << 24;

    /// @notice The StakeManager holding solver stake.
    IStakeManager internal immutable STAKE_MANAGER;
    /// @notice The reward token (the StakeManager's token).
    IERC20 internal immutable TOKEN;
    /// @inheritdoc ITaskMarket
    address public immutable DEPLOYER;

    // ------------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------------

    /// @notice Tasks by id (layout in {ITaskMarket.Task}).
    mapping(TaskId => Task) internal _tasks;
    /// @notice Checkpoint batch commitments by task and batch number.
    mapping(TaskId => mapping(uint256 batchIndex => bytes32)) internal _batches;
    /// @notice The id the next task gets. Starts at 1 (set in the constructor) so that creating a
    ///         task always updates a non-zero word (5k gas) instead of initializing one (22k).
    uint256 internal _nextTaskId;
    /// @notice Market configuration.
    MarketConfig internal _config;
    /// @inheritdoc ITaskMarket
    address public disputeGame;
    /// @notice Won games per task (see {DisputeTally}).
    mapping(TaskId => DisputeTally) internal _tallies;
    /// @notice Won games per task and challenger whose reward is not yet claimed.
    mapping(TaskId => mapping(address challenger => uint256)) internal _unclaimedWins;

    // ------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------

    /// @param stakeManager_ StakeManager whose token is the reward token; its deployer must wire
    ///        this contract as its market (`StakeManager.wire`).
    /// @param admin Receives `DEFAULT_ADMIN_ROLE` (may only {setConfig}).
    /// @param adminDelay Seconds an admin transfer waits (AccessControlDefaultAdminRules).
    /// @param initialConfig Market configuration.
    constructor(IStakeManager stakeManager_, address admin, uint48 adminDelay, MarketConfig memory initialConfig)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        STAKE_MANAGER = stakeManager_;
        TOKEN = stakeManager_.token();
        DEPLOYER = msg.sender;
        _setConfig(initialConfig);
        _nextTaskId = 1;
    }

    // ------------------------------------------------------------------------------------------
    // Admin
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskMarket
    function setConfig(MarketConfig calldata newConfig) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setConfig(newConfig);
    }

    /// @inheritdoc ITaskMarket
    function wire(address disputeGame_) external {
        // INVARIANT: the dispute game is set once, by the deployer, and never changes.
        if (msg.sender != DEPLOYER || disputeGame != address(0) || disputeGame_ == address(0)) {
            revert TaskMarketWiring(msg.sender, disputeGame);
        }
        disputeGame = disputeGame_;
        emit DisputeGameWired(disputeGame_);
    }

    // ------------------------------------------------------------------------------------------
    // Submitter and solver
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskMarket
    function createTask(TaskParams calldata params) external nonReentrant returns (TaskId taskId) {
        (Duration solveWindow, Duration challengeWindow) = _validate(params);

        // Ids are sequential from 1; cannot overflow 2^256.
        uint256 id = _nextTaskId;
        unchecked {
            _nextTaskId = id + 1;
        }
        taskId = TaskId.wrap(id);
        Task storage t = _tasks[taskId];
        t.specHash = keccak256(abi.encode(params.spec));
        t.initialStateHash = params.initialStateHash;
        t.submitter = msg.sender;
        t.reward = params.reward;
        t.solverStake = params.solverStake;
        t.totalSteps = params.totalSteps;
        t.checkpointInterval = params.checkpointInterval;
        t.solveWindow = solveWindow;
        t.challengeWindow = challengeWindow;
        t.expiryPenaltyBps = _config.expiryPenaltyBps;
        emit TaskCreated(taskId, msg.sender, params.spec);

        uint256 before = TOKEN.balanceOf(address(this));
        TOKEN.safeTransferFrom(msg.sender, address(this), params.reward);
        uint256 received = TOKEN.balanceOf(address(this)) - before;
        // INVARIANT: the escrow holds exactly the rewards it owes (no fee-on-transfer tokens).
        if (received != params.reward) revert TaskMarketFeeOnTransfer(params.reward, received);
    }

    /// @inheritdoc ITaskMarket
    function cancel(TaskId taskId) external nonReentrant {
        Task storage t = _existing(taskId);
        _expectStatus(taskId, t, TaskStatus.Open);
        address submitter = t.submitter;
        // INVARIANT: only the submitter gets its escrow back.
        if (msg.sender != submitter) revert TaskMarketNotSubmitter(taskId, msg.sender);
        t.status = TaskStatus.Cancelled;
        uint256 refund = t.reward;
        emit TaskCancelled(taskId, refund);
        TOKEN.safeTransfer(submitter, refund);
    }

    /// @inheritdoc ITaskMarket
    function claim(TaskId taskId) external {
        Task storage t = _existing(taskId);
        _expectStatus(taskId, t, TaskStatus.Open);
        uint40 deadline = t.solveWindow.fromNow();
        t.solver = msg.sender;
        t.status = TaskStatus.Claimed;
        t.deadline = deadline;
        uint256 stake = t.solverStake;
        emit TaskClaimed(taskId, msg.sender, stake, deadline);
        // Reverts with StakeInsufficientFree unless the solver has `stake` free.
        STAKE_MANAGER.lock(msg.sender, stake);
    }

    /// @inheritdoc ITaskMarket
    function commitCheckpoints(TaskId taskId, bytes32[] calldata stateHashes) external {
        Task storage t = _tasks[taskId];
        _expectActiveSolver(taskId, t);
        uint256 count = stateHashes.length;
        // INVARIANT: every stored batch covers at least one checkpoint.
        if (count == 0) revert TaskMarketEmptyBatch(taskId);
        uint256 committed = t.checkpointsCommitted;
        uint256 reach = committed + count;
        uint256 last = _ceilDiv(t.totalSteps, t.checkpointInterval) - 1;
        // INVARIANT: the stream never passes checkpoint N − 1 (N is given by submitFinal).
        if (reach > last) revert TaskMarketTooManyCheckpoints(taskId, reach, last);

        bytes32[] memory scratch = stateHashes;
        uint256 batchIndex = t.batchCount;
        // Casts are safe: reach ≤ last < 2^24, so count, committed + 1 and batchIndex + 1 fit.
        _batches[taskId][batchIndex] = LibHash.checkpointBatch(
            uint64(committed + 1),
            uint32(count),
            LibHash.listRootInPlace(scratch)
        );
        t.checkpointsCommitted = uint24(reach);
        t.batchCount = uint24(batchIndex + 1);
        emit CheckpointsCommitted(taskId, batchIndex, committed + 1, stateHashes);
    }

    /// @inheritdoc ITaskMarket
    function submitFinal(TaskId taskId, bytes32 finalStateHash) external {
        Task storage t = _tasks[taskId];
        _expectActiveSolver(taskId, t);
        uint256 required = _ceilDiv(t.totalSteps, t.checkpointInterval) - 1;
        uint256 committed = t.checkpointsCommitted;
        // INVARIANT: the final hash closes a complete stream (checkpoints 1..N−1 all committed).
        if (committed != required) revert TaskMarketCheckpointsMissing(taskId, committed, required);
        uint40 challengeEnd = t.challengeWindow.fromNow();
        t.finalStateHash = finalStateHash;
        t.status = TaskStatus.Submitted;
        t.deadline = challengeEnd;
        emit FinalSubmitted(taskId, finalStateHash, challengeEnd);
    }

    /// @inheritdoc ITaskMarket
    function finalize(TaskId taskId) external nonReentrant {
        Task storage t = _tasks[taskId];
        _expectStatus(taskId, t, TaskStatus.Submitted);
        uint256 challengeEnd = t.deadline;
        // INVARIANT: the solver is paid only after the whole challenge window.
        if (block.timestamp < challengeEnd) revert TaskMarketChallengeWindowOpen(taskId, challengeEnd);
        uint256 open = t.openDisputes;
        // INVARIANT: the solver is paid only when no dispute against it is open.
        if (open != 0) revert TaskMarketDisputesOpen(taskId, open);
        t.status = TaskStatus.Finalized;
        address solver = t.solver;
        uint256 reward = t.reward;
        emit TaskFinalized(taskId, solver, reward);
        STAKE_MANAGER.unlock(solver, t.solverStake);
        TOKEN.safeTransfer(solver, reward);
    }

    /// @inheritdoc ITaskMarket
    function expire(TaskId taskId) external nonReentrant {
        Task storage t = _tasks[taskId];
        _expectStatus(taskId, t, TaskStatus.Claimed);
        uint256 deadline = t.deadline;
        // INVARIANT: a solver is penalized only strictly after its deadline.
        if (block.timestamp <= deadline) revert TaskMarketDeadlineNotPassed(taskId, deadline);
        address solver = t.solver;
        uint256 stake = t.solverStake;
        // The penalty is the task's own, fixed when it was created.
        uint256 penalty = (stake * t.expiryPenaltyBps) / BPS;
        // Reopen: solver, status (Open), deadline and checkpoint counters are all cleared. Stale
        // batch words stay in storage but are unreachable: views check batchIndex < batchCount.
        t.solver = address(0);
        t.status = TaskStatus.Open;
        t.deadline = 0;
        t.checkpointsCommitted = 0;
        t.batchCount = 0;
        emit TaskExpired(taskId, solver, penalty);
        if (penalty != 0) STAKE_MANAGER.slash(solver, penalty, t.submitter);
        if (stake != penalty) STAKE_MANAGER.unlock(solver, stake - penalty);
    }

    /// @inheritdoc ITaskMarket
    function reclaim(TaskId taskId) external nonReentrant {
        Task storage t = _tasks[taskId];
        _expectStatus(taskId, t, TaskStatus.Rejected);
        t.status = TaskStatus.Refunded;
        address submitter = t.submitter;
        uint256 refund = t.reward;
        emit TaskReclaimed(taskId, submitter, refund);
        TOKEN.safeTransfer(submitter, refund);
    }

    /// @inheritdoc ITaskMarket
    function announce(TaskId taskId, Announcement kind, string calldata uri) external {
        Task storage t = _existing(taskId);
        uint256 length = bytes(uri).length;
        // INVARIANT: announcements are bounded, non-empty strings (events only, nothing stored).
        if (length == 0 || length > 1024) revert TaskMarketBadUri(length);
        if (kind == Announcement.Bundle) {
            // INVARIANT: only the submitter says where its task's bundle is.
            if (msg.sender != t.submitter) revert TaskMarketNotSubmitter(taskId, msg.sender);
        } else {
            // INVARIANT: only the task's current solver says where its checkpoints are.
            if (msg.sender != t.solver) revert TaskMarketNotSolver(taskId, msg.sender);
        }
        emit TaskAnnounced(taskId, msg.sender, kind, uri);
    }

    // ------------------------------------------------------------------------------------------
    // Dispute hooks
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskMarket
    function openDispute(
        TaskId taskId,
        address challenger,
        uint256 bond
    ) external onlyDisputeGame returns (address solver) {
        Task storage t = _tasks[taskId];
        _expectStatus(taskId, t, TaskStatus.Submitted);
        uint256 challengeEnd = t.deadline;
        // INVARIANT: disputes open only inside the challenge window.
        if (block.timestamp >= challengeEnd) revert TaskMarketChallengeWindowClosed(taskId, challengeEnd);
        uint256 open = uint256(t.openDisputes) + 1;
        // INVARIANT: the open-dispute counter fits its 16 bits.
        if (open > type(uint16).max) revert TaskMarketTooManyDisputes(taskId, open - 1);
        t.openDisputes = uint16(open);
        solver = t.solver;
        emit DisputeOpened(taskId, challenger, open);
        // Reverts with StakeInsufficientFree unless the challenger has `bond` free.
        STAKE_MANAGER.lock(challenger, bond);
    }

    /// @inheritdoc ITaskMarket
    function resolveForSolver(TaskId taskId, address challenger, uint256 bond) external onlyDisputeGame {
        Task storage t = _existing(taskId);
        uint256 open = _closeDispute(taskId, t);
        emit DisputeResolved(taskId, challenger, true, open);
        // The losing challenger's bond goes to the solver (less the sink share).
        STAKE_MANAGER.slash(challenger, bond, t.solver);
    }

    /// @inheritdoc ITaskMarket
    function resolveForChallenger(
        TaskId taskId,
        address challenger,
        uint256 bond
    ) external onlyDisputeGame returns (uint256 burned) {
        Task storage t = _existing(taskId);
        uint256 open = _closeDispute(taskId, t);
        DisputeTally storage tally = _tallies[taskId];
        // Cannot overflow: at most one win per opened game, and games per task are far below 2^32
        // (each costs a transaction and a bond).
        unchecked {
            tally.winningGames += 1;
            _unclaimedWins[taskId][challenger] += 1;
        }
        address solver = t.solver;
        // INVARIANT: the solver is rejected and its stake burned at most once per task.
        if (t.status == TaskStatus.Submitted) {
            t.status = TaskStatus.Rejected;
            uint256 stake = t.solverStake;
            // Half (rounded up) goes to the sink whoever challenged: a solver that challenges
            // itself through puppets still loses it. The rest is the winners' pot.
            burned = stake - stake / 2;
            emit TaskRejected(taskId, solver, challenger, burned);
            STAKE_MANAGER.slash(solver, burned, address(0));
        }
        emit DisputeResolved(taskId, challenger, false, open);
        // Every winning challenger gets its bond back.
        STAKE_MANAGER.unlock(challenger, bond);
    }

    /// @inheritdoc ITaskMarket
    function claimChallengeReward(TaskId taskId, address challenger) external returns (uint256 amount) {
        Task storage t = _existing(taskId);
        TaskStatus status = t.status;
        // INVARIANT: rewards exist only for a rejected task, once every game on it is settled.
        if (status != TaskStatus.Rejected && status != TaskStatus.Refunded) {
            revert TaskMarketWrongStatus(taskId, status, TaskStatus.Rejected);
        }
        uint256 open = t.openDisputes;
        if (open != 0) revert TaskMarketDisputesOpen(taskId, open);
        uint256 wins = _unclaimedWins[taskId][challenger];
        // INVARIANT: only a challenger with an unpaid winning game is paid, once per game.
        if (wins == 0) revert TaskMarketNoReward(taskId, challenger);
        DisputeTally storage tally = _tallies[taskId];
        uint256 total = tally.winningGames;
        uint256 claimed = tally.claimedWins + wins;
        uint256 pot = t.solverStake / 2;
        // Equal shares per winning game; the last claim takes the rounding remainder, so the
        // whole pot leaves the solver's locked stake.
        amount = claimed == total ? pot - tally.paid : (pot * wins) / total;
        _unclaimedWins[taskId][challenger] = 0;
        tally.claimedWins = uint32(claimed);
        tally.paid += uint96(amount);
        (uint256 toChallenger, ) = STAKE_MANAGER.slash(t.solver, amount, challenger);
        emit ChallengeRewardClaimed(taskId, challenger, wins, amount, toChallenger);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskMarket
    function stakeManager() external view returns (IStakeManager) {
        return STAKE_MANAGER;
    }

    /// @inheritdoc ITaskMarket
    function token() external view returns (IERC20) {
        return TOKEN;
    }

    /// @inheritdoc ITaskMarket
    function config() external view returns (MarketConfig memory) {
        return _config;
    }

    /// @inheritdoc ITaskMarket
    function getTask(TaskId taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @inheritdoc ITaskMarket
    function disputeTally(TaskId taskId) external view returns (DisputeTally memory) {
        return _tallies[taskId];
    }

    /// @inheritdoc ITaskMarket
    function unclaimedWins(TaskId taskId, address challenger) external view returns (uint256) {
        return _unclaimedWins[taskId][challenger];
    }

    /// @inheritdoc ITaskMarket
    function taskCount() external view returns (uint256) {
        return _nextTaskId - 1;
    }

    /// @inheritdoc ITaskMarket
    function numCheckpoints(TaskId taskId) external view returns (uint256) {
        Task storage t = _existing(taskId);
        return _ceilDiv(t.totalSteps, t.checkpointInterval);
    }

    /// @inheritdoc ITaskMarket
    function batchCommitment(TaskId taskId, uint256 batchIndex) external view returns (bytes32) {
        return batchIndex < _tasks[taskId].batchCount ? _batches[taskId][batchIndex] : bytes32(0);
    }

    /// @inheritdoc ITaskMarket
    function specHashOf(TaskId taskId) external view returns (bytes32) {
        return _tasks[taskId].specHash;
    }

    /// @inheritdoc ITaskMarket
    function hashSpec(WorkSpec calldata spec) external pure returns (bytes32) {
        return keccak256(abi.encode(spec));
    }

    /// @inheritdoc ITaskMarket
    function verifySpec(TaskId taskId, WorkSpec calldata spec) external view returns (bool) {
        Task storage t = _tasks[taskId];
        return t.reward != 0 && t.specHash == keccak256(abi.encode(spec));
    }

    /// @inheritdoc ITaskMarket
    function verifyCheckpoint(
        TaskId taskId,
        uint256 index,
        bytes32 stateHash,
        CheckpointProof calldata proof
    ) external view returns (bool) {
        Task storage t = _tasks[taskId];
        if (t.reward == 0) return false;
        if (index == 0) return stateHash == t.initialStateHash;
        uint256 n = _ceilDiv(t.totalSteps, t.checkpointInterval);
        if (index == n) {
            TaskStatus status = t.status;
            bool submitted =
                status == TaskStatus.Submitted ||
                    status == TaskStatus.Finalized ||
                    status == TaskStatus.Rejected ||
                    status == TaskStatus.Refunded;
            return submitted && stateHash == t.finalStateHash;
        }
        if (index > t.checkpointsCommitted) return false;
        if (proof.batchIndex >= t.batchCount) return false;
        uint256 first = proof.firstIndex;
        uint256 count = proof.count;
        if (index < first || index - first >= count) return false;
        if (proof.path.length != _listDepth(count)) return false;
        bytes32 root = LibHash.rootFromPath(stateHash, index - first, proof.path);
        return
            LibHash.checkpointBatch(proof.firstIndex, proof.count, root) ==
            _batches[taskId][proof.batchIndex];
    }

    // ------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------

    /// @dev The task `taskId`, reverting for an unknown id. Reads only the word holding
    ///      `reward`, which its callers need anyway.
    function _existing(TaskId taskId) internal view returns (Task storage t) {
        t = _tasks[taskId];
        // INVARIANT: every created task has a non-zero reward (checked in createTask).
        if (t.reward == 0) revert TaskMarketUnknownTask(taskId);
    }

    /// @dev Reverts unless the task is in status `expected`. An unknown task has status Open (0),
    ///      so callers expecting Open check existence first; for any other expected status the
    ///      existence check only runs on the failure path, to pick the error.
    function _expectStatus(TaskId taskId, Task storage t, TaskStatus expected) internal view {
        TaskStatus actual = t.status;
        // INVARIANT: every transition starts from its one allowed status.
        if (actual != expected) {
            if (t.reward == 0) revert TaskMarketUnknownTask(taskId);
            revert TaskMarketWrongStatus(taskId, actual, expected);
        }
    }

    /// @dev Checks that the caller is the solver of a Claimed task whose deadline has not passed.
    function _expectActiveSolver(TaskId taskId, Task storage t) internal view {
        _expectStatus(taskId, t, TaskStatus.Claimed);
        // INVARIANT: only the claiming solver streams commitments for its task.
        if (msg.sender != t.solver) revert TaskMarketNotSolver(taskId, msg.sender);
        uint256 deadline = t.deadline;
        // INVARIANT: nothing is accepted from a solver past its deadline (it can only be expired).
        if (block.timestamp > deadline) revert TaskMarketDeadlinePassed(taskId, deadline);
    }

    /// @dev Reverts unless the caller is the wired dispute game.
    modifier onlyDisputeGame() {
        // INVARIANT: only the dispute game wired at deployment opens and resolves disputes.
        if (msg.sender != disputeGame || msg.sender == address(0)) revert TaskMarketNotDisputeGame(msg.sender);
        _;
    }

    /// @dev Decrements the open-dispute counter, reverting if none is open.
    function _closeDispute(TaskId taskId, Task storage t) internal returns (uint16 open) {
        open = t.openDisputes;
        // INVARIANT: each resolution closes exactly one opened dispute.
        if (open == 0) revert TaskMarketNoOpenDispute(taskId);
        // Cannot underflow: open > 0.
        unchecked {
            open -= 1;
        }
        t.openDisputes = open;
    }

    /// @dev Checks task parameters against the configuration; returns the effective windows.
    function _validate(
        TaskParams calldata params
    ) internal view returns (Duration solveWindow, Duration challengeWindow) {
        MarketConfig memory cfg = _config;
        // INVARIANT: an escrowed task always pays something.
        if (params.reward == 0) revert TaskMarketZeroReward();
        // INVARIANT: solver stake is at least the market minimum.
        if (params.solverStake < cfg.minSolverStake) {
            revert TaskMarketStakeTooLow(params.solverStake, cfg.minSolverStake);
        }
        uint256 totalSteps = params.totalSteps;
        uint256 interval = params.checkpointInterval;
        // INVARIANT: N ≥ 1 and fits the 24-bit checkpoint counters.
        if (totalSteps == 0 || interval == 0 || _ceilDiv(totalSteps, interval) >= MAX_CHECKPOINTS) {
            revert TaskMarketInvalidSchedule(totalSteps, interval);
        }
        // INVARIANT: the batch view (sample index mod nSamples) is well defined.
        if (params.spec.nSamples == 0 || params.spec.batchSize == 0) {
            revert TaskMarketInvalidView(params.spec.nSamples, params.spec.batchSize);
        }
        challengeWindow =
            params.challengeWindow.isZero() ? cfg.defaultChallengeWindow : params.challengeWindow;
        // INVARIANT: verifiers always get at least the minimum time to challenge.
        if (challengeWindow.toSeconds() < cfg.minChallengeWindow.toSeconds()) {
            revert TaskMarketChallengeWindowTooShort(
                challengeWindow.toSeconds(),
                cfg.minChallengeWindow.toSeconds()
            );
        }
        solveWindow = params.solveWindow.isZero() ? cfg.defaultSolveWindow : params.solveWindow;
    }

    /// @dev Validates and stores a configuration.
    function _setConfig(MarketConfig memory cfg) internal {
        // INVARIANT: defaults are usable and the penalty is a share of the stake.
        if (
            cfg.defaultSolveWindow.isZero() ||
            cfg.defaultChallengeWindow.toSeconds() < cfg.minChallengeWindow.toSeconds() ||
            cfg.expiryPenaltyBps > BPS
        ) revert TaskMarketInvalidConfig();
        _config = cfg;
        emit MarketConfigUpdated(cfg);
    }

    /// @dev ceil(a / b) for b > 0.
    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a + b - 1) / b;
    }

    /// @dev ceil(log2 n) for n ≥ 1: the depth of a list tree over n items.
    function _listDepth(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) ++d;
    }
}
