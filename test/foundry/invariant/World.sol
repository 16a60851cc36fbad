// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {TestToken} from "../../../contracts/tokens/TestToken.sol";
import {StakeManager} from "../../../contracts/staking/StakeManager.sol";
import {TaskMarket} from "../../../contracts/escrow/TaskMarket.sol";
import {DisputeGame} from "../../../contracts/dispute/DisputeGame.sol";
import {OneStepVerifier} from "../../../contracts/dispute/OneStepVerifier.sol";
import {IStakeManager} from "../../../contracts/interfaces/IStakeManager.sol";
import {ITaskMarket} from "../../../contracts/interfaces/ITaskMarket.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";
import {IOneStepVerifier} from "../../../contracts/interfaces/IOneStepVerifier.sol";
import {LibHash} from "../../../contracts/libraries/LibHash.sol";
import {Duration} from "../../../contracts/types/Duration.sol";
import {TaskId} from "../../../contracts/types/TaskId.sol";
import {TaskStatus} from "../../../contracts/types/TaskStatus.sol";
import {GameId, Level, Side} from "../../../contracts/types/DisputeTypes.sol";
import {Model} from "./Model.sol";

/// @notice The system under test (deployed in the documented order) and the ghost state every
///         handler shares: actors, what each task's solver committed and believes, what each game's
///         solver last revealed, and the stake-accounting record that
///         `invariant_stakeLeavesOnlyByLossOrExpiry` reads. Not a fuzz target.
contract World {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    // Deployment parameters (small clocks and windows so that warps interleave with games).
    uint256 public constant DEGREE = 4;
    uint256 public constant TREE_BITS = 2;
    uint256 public constant BOND = 10e18;
    uint256 public constant CLOCK_BUDGET = 6 hours;
    uint256 public constant CLOCK_EXTENSION = 1 hours;
    uint16 public constant SINK_BPS = 2_000;
    uint256 public constant FUNDS = 10_000e18;
    uint256 public constant INITIAL_STAKE = 1_000e18;
    bytes32 public constant DATASET = keccak256("pinpoint.model.dataset");
    uint32 public constant BATCH = 2;

    TestToken public token;
    StakeManager public sm;
    TaskMarket public market;
    DisputeGame public game;
    OneStepVerifier public verifier;
    Model public model;

    address public deployer;
    address public admin;
    address public sink;
    address public honestChallenger;
    address[] public submitters;
    address[] public stakers;
    /// @notice Every account that can hold tokens or stake (actors, sink, admin).
    address[] public accounts;
    mapping(address => uint256) public keyOf;

    // ------------------------------------------------------------------------------------------
    // Ghost state
    // ------------------------------------------------------------------------------------------

    uint8 public constant MODE_NONE = 0;
    uint8 public constant MODE_HONEST = 1;
    uint8 public constant MODE_LYING = 2;
    uint8 public constant MODE_GARBAGE = 3;

    struct TaskGhost {
        bool modelled; // program and initial state are the model's: games can be played for real
        bytes32 salt; // names the task's true tensors (see {makeTrajectory})
        bytes32 s0;
        bytes32 s1;
        uint16 penaltyBps; // expiry penalty of the configuration when the task was created
        uint8 mode; // what the current solver commits
        uint256 pStar; // lying: first step whose state is wrong
        bytes32 sStar; // lying: the wrong state
        bool honestOpened;
        bytes32[] committed; // checkpoint hashes 1..N−1 as committed
        uint256[] batchFirst;
        uint256[] batchCount;
    }

    struct GameGhost {
        uint256 task;
        bool solverHonest;
        bool challengerHonest;
        uint256 openedAt;
        bytes32[] claims; // the solver's last posted claims (midpoints or nodes)
        bytes leaf; // the solver's last revealed leaf
    }

    mapping(uint256 => TaskGhost) internal _tasks;
    mapping(uint256 => GameGhost) internal _games;

    // Stake accounting of the action being run.
    mapping(address => uint256) public allowance;
    uint256 public violations;
    string public lastViolation;
    uint256 public privilegedSuccesses;
    string public lastPrivilegedSuccess;
    uint256 public honestMoveFailures;
    bytes public lastHonestFailure;
    uint256 public challengerWinsWithoutReward;
    // Coverage counters (reported by the test's afterInvariant).
    mapping(bytes32 => uint256) public count;

    constructor() {
        deployer = address(this);
        admin = vm.addr(0xAD);
        sink = vm.addr(0x5116);
        token = new TestToken("Pinpoint Test", "PIN");
        // Deployment order: StakeManager → TaskMarket → wire → OneStepVerifier → DisputeGame → wire.
        sm = new StakeManager(token, Duration.wrap(7 days), sink, SINK_BPS);
        market = new TaskMarket(
            sm,
            admin,
            2 days,
            ITaskMarket.MarketConfig({
                minSolverStake: 10e18,
                minChallengeWindow: Duration.wrap(1 hours),
                defaultChallengeWindow: Duration.wrap(1 days),
                defaultSolveWindow: Duration.wrap(1 days),
                expiryPenaltyBps: 1_000
            })
        );
        sm.wire(address(market));
        verifier = new OneStepVerifier();
        game = new DisputeGame(market, verifier, DEGREE, TREE_BITS, BOND, CLOCK_BUDGET, CLOCK_EXTENSION);
        market.wire(address(game));
        model = new Model();

        for (uint256 i = 0; i < 2; ++i) submitters.push(_actor(0x5B00 + i));
        for (uint256 i = 0; i < 4; ++i) stakers.push(_actor(0x57A0 + i));
        honestChallenger = _actor(0x40E5);
        accounts.push(sink);
        accounts.push(admin);
        for (uint256 i = 0; i < submitters.length; ++i) accounts.push(submitters[i]);
        for (uint256 i = 0; i < stakers.length; ++i) accounts.push(stakers[i]);
        accounts.push(honestChallenger);
        for (uint256 i = 0; i < stakers.length; ++i) _stake(stakers[i]);
        _stake(honestChallenger);
    }

    function _actor(uint256 key) internal returns (address a) {
        a = vm.addr(key);
        keyOf[a] = key;
        token.mint(a, FUNDS);
        vm.startPrank(a);
        token.approve(address(sm), type(uint256).max);
        token.approve(address(market), type(uint256).max);
        vm.stopPrank();
    }

    function _stake(address a) internal {
        vm.prank(a);
        sm.deposit(INITIAL_STAKE);
    }

    // ------------------------------------------------------------------------------------------
    // Actors
    // ------------------------------------------------------------------------------------------

    function submitterCount() external view returns (uint256) {
        return submitters.length;
    }

    function stakerCount() external view returns (uint256) {
        return stakers.length;
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function submitter(uint256 seed) external view returns (address) {
        return submitters[seed % submitters.length];
    }

    function staker(uint256 seed) external view returns (address) {
        return stakers[seed % stakers.length];
    }

    function anyAccount(uint256 seed) external view returns (address) {
        return accounts[seed % accounts.length];
    }

    /// @notice free + locked + pending of `a`.
    function stakeTotal(address a) public view returns (uint256) {
        IStakeManager.Balances memory b = sm.balancesOf(a);
        return uint256(b.free) + b.locked + b.pending;
    }

    function stakeTotals() external view returns (uint256[] memory t) {
        t = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) t[i] = stakeTotal(accounts[i]);
    }

    // ------------------------------------------------------------------------------------------
    // Tasks and games
    // ------------------------------------------------------------------------------------------

    function taskCount() public view returns (uint256) {
        return market.taskCount();
    }

    /// @notice A task id from a seed (0 when there is none yet); sometimes one past the last.
    function pickTask(uint256 seed) external view returns (uint256) {
        uint256 n = taskCount();
        if (n == 0) return seed % 2;
        return 1 + (seed % (n + (seed % 16 == 0 ? 1 : 0)));
    }

    /// @notice Mostly a task in status `want` (when there is one), sometimes any id.
    function pickTaskIn(uint256 seed, TaskStatus want) external view returns (uint256) {
        uint256 n = taskCount();
        if (n == 0 || seed % 16 == 0) return this.pickTask(seed >> 4);
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = 1 + ((start + k) % n);
            if (getTask(id).status == want) return id;
        }
        return 1 + start;
    }

    /// @notice Mostly a game being played (`decided` false) or decided but unsettled (true).
    function pickGameIn(uint256 seed, bool decided) external view returns (uint256) {
        uint256 n = game.gameCount();
        if (n == 0 || seed % 16 == 0) return this.pickGame(seed >> 4);
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = 1 + ((start + k) % n);
            Level l = getGame(id).level;
            if (decided ? l == Level.Decided : l < Level.Decided) return id;
        }
        return 1 + start;
    }

    /// @notice Mostly a game whose side to move has run out of time (when there is one).
    function pickExpiredGame(uint256 seed) external view returns (uint256) {
        uint256 n = game.gameCount();
        if (n == 0 || seed % 8 == 0) return this.pickGameIn(seed >> 3, false);
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = 1 + ((start + k) % n);
            if (getGame(id).level >= Level.Decided) continue;
            (Side toMove, uint256 s, uint256 c) = game.clockOf(GameId.wrap(id));
            if ((toMove == Side.Solver ? s : c) == 0) return id;
        }
        return this.pickGameIn(seed >> 3, false);
    }

    function pickGame(uint256 seed) external view returns (uint256) {
        uint256 n = game.gameCount();
        if (n == 0) return seed % 2;
        return 1 + (seed % (n + (seed % 16 == 0 ? 1 : 0)));
    }

    function getTask(uint256 id) public view returns (ITaskMarket.Task memory) {
        return market.getTask(TaskId.wrap(id));
    }

    function getGame(uint256 id) public view returns (IDisputeGame.Game memory) {
        return game.getGame(GameId.wrap(id));
    }

    function taskGhost(uint256 id) external view returns (TaskGhost memory) {
        return _tasks[id];
    }

    function gameGhost(uint256 id) external view returns (GameGhost memory) {
        return _games[id];
    }

    function spec(bool modelled, bytes32 salt) public view returns (ITaskMarket.WorkSpec memory) {
        bytes32 ph = modelled ? game.programHashOf(model.program()) : salt;
        return ITaskMarket.WorkSpec(ph, DATASET, 16, BATCH);
    }

    function context() public view returns (IDisputeGame.Context memory) {
        return IDisputeGame.Context(model.program(), DATASET, BATCH);
    }

    /// @notice Builds S_0 = (A, B) and S_1 = (relu A, relu B) for a new task.
    function makeTrajectory(bytes32 salt) external returns (bytes32 s0, bytes32 s1) {
        bytes32 a = model.tensor(Model.TensorSpec(keccak256(abi.encode(salt, 0)), false, false, 0, 0));
        bytes32 b = model.tensor(Model.TensorSpec(keccak256(abi.encode(salt, 1)), false, false, 0, 0));
        bytes32 ra = model.tensor(Model.TensorSpec(keccak256(abi.encode(salt, 0)), true, false, 0, 0));
        bytes32 rb = model.tensor(Model.TensorSpec(keccak256(abi.encode(salt, 1)), true, false, 0, 0));
        s0 = model.state(a, b);
        s1 = model.state(ra, rb);
    }

    function recordTask(uint256 id, bool modelled, bytes32 salt, bytes32 s0, bytes32 s1, uint16 penaltyBps) external {
        TaskGhost storage t = _tasks[id];
        t.modelled = modelled;
        t.salt = salt;
        t.s0 = s0;
        t.s1 = s1;
        t.penaltyBps = penaltyBps;
    }

    /// @notice A claim: the solver commits per `mode`; a liar's state turns wrong at step pStar
    ///         (one element of one tensor raised: a fixed point of relu, so later steps are consistent).
    function recordClaim(uint256 id, uint8 mode, uint256 pStar, bytes32 salt) external {
        TaskGhost storage t = _tasks[id];
        t.mode = mode;
        delete t.committed;
        delete t.batchFirst;
        delete t.batchCount;
        t.honestOpened = false;
        if (mode == MODE_LYING) {
            t.pStar = pStar;
            bytes32[2] memory s1 = model.stateTensors(t.s1);
            uint256 which = uint256(salt) % 2;
            uint256 e = (uint256(salt) >> 8) % 512;
            int64 wrong = model.valueOf(s1[which], e) + 1 + int64(uint64((uint256(salt) >> 32) % 100));
            bytes32 badId = model.tensor(Model.TensorSpec(keccak256(abi.encode(t.salt, which)), true, true, uint16(e), wrong));
            t.sStar = which == 0 ? model.state(badId, s1[1]) : model.state(s1[0], badId);
        }
    }

    function resetClaim(uint256 id) external {
        TaskGhost storage t = _tasks[id];
        t.mode = MODE_NONE;
        delete t.committed;
        delete t.batchFirst;
        delete t.batchCount;
    }

    function recordBatch(uint256 id, bytes32[] calldata hashes) external {
        TaskGhost storage t = _tasks[id];
        t.batchFirst.push(t.committed.length + 1);
        t.batchCount.push(hashes.length);
        for (uint256 i = 0; i < hashes.length; ++i) t.committed.push(hashes[i]);
    }

    function setHonestOpened(uint256 id) external {
        _tasks[id].honestOpened = true;
    }

    /// @notice The true state after step p.
    function truthAtStep(uint256 task, uint256 p) public view returns (bytes32) {
        TaskGhost storage t = _tasks[task];
        return p == 0 ? t.s0 : t.s1;
    }

    /// @notice The state after step p as the task's current solver believes it.
    function beliefAtStep(uint256 task, uint256 p) public view returns (bytes32) {
        TaskGhost storage t = _tasks[task];
        if (t.mode != MODE_LYING || p < t.pStar) return truthAtStep(task, p);
        return t.sStar;
    }

    /// @notice Step of checkpoint i.
    function stepOf(uint256 task, uint256 i) public view returns (uint256) {
        ITaskMarket.Task memory t = getTask(task);
        if (t.checkpointInterval == 0) return 0;
        uint256 s = i * t.checkpointInterval;
        return s > t.totalSteps ? t.totalSteps : s;
    }

    function numCheckpoints(uint256 task) public view returns (uint256) {
        ITaskMarket.Task memory t = getTask(task);
        if (t.checkpointInterval == 0) return 1;
        return (uint256(t.totalSteps) + t.checkpointInterval - 1) / t.checkpointInterval;
    }

    /// @notice Checkpoint i as committed (0: initial, N: final).
    function committedAt(uint256 task, uint256 i) public view returns (bytes32) {
        ITaskMarket.Task memory t = getTask(task);
        if (i == 0) return t.initialStateHash;
        if (i >= numCheckpoints(task)) return t.finalStateHash;
        TaskGhost storage g = _tasks[task];
        return i <= g.committed.length ? g.committed[i - 1] : bytes32(0);
    }

    /// @notice Proof of committed checkpoint i (empty for 0 and N).
    function checkpointProof(uint256 task, uint256 i) public view returns (ITaskMarket.CheckpointProof memory p) {
        TaskGhost storage g = _tasks[task];
        if (i == 0 || i > g.committed.length) return p;
        for (uint256 b = 0; b < g.batchFirst.length; ++b) {
            uint256 first = g.batchFirst[b];
            uint256 n = g.batchCount[b];
            if (i < first || i >= first + n) continue;
            bytes32[] memory items = new bytes32[](n);
            for (uint256 k = 0; k < n; ++k) items[k] = g.committed[first - 1 + k];
            return ITaskMarket.CheckpointProof(b, uint64(first), uint32(n), model.path(items, i - first));
        }
    }

    /// @notice Arguments of `open` for interval i as committed (valid proofs).
    function openArgs(uint256 task, uint256 i) external view returns (IDisputeGame.OpenArgs memory a) {
        TaskGhost storage g = _tasks[task];
        a.task = TaskId.wrap(task);
        a.interval = i;
        if (getTask(task).reward == 0) return a; // no such task
        a.spec = spec(g.modelled, bytes32(0));
        if (!g.modelled) a.spec.programHash = _randomSpecHash[task];
        a.program = model.program();
        a.prevState = committedAt(task, i - 1);
        a.prevProof = checkpointProof(task, i - 1);
        a.nextState = committedAt(task, i);
        a.nextProof = checkpointProof(task, i);
    }

    mapping(uint256 => bytes32) internal _randomSpecHash;

    function recordSpecHash(uint256 task, bytes32 h) external {
        _randomSpecHash[task] = h;
    }

    function recordGame(uint256 id, uint256 task, bool solverHonest, bool challengerHonest) external {
        GameGhost storage g = _games[id];
        g.task = task;
        g.solverHonest = solverHonest;
        g.challengerHonest = challengerHonest;
        g.openedAt = block.timestamp;
    }

    function recordClaims(uint256 id, bytes32[] calldata claims) external {
        _games[id].claims = claims;
    }

    function recordLeaf(uint256 id, bytes calldata leaf) external {
        _games[id].leaf = leaf;
    }

    // ------------------------------------------------------------------------------------------
    // Accounting of the running action
    // ------------------------------------------------------------------------------------------

    function clearAllowances() external {
        for (uint256 i = 0; i < accounts.length; ++i) allowance[accounts[i]] = 0;
    }

    /// @notice `a` may lose up to `amount` more stake in the running action (a withdrawal, an
    ///         expiry it caused or a game it lost).
    function allow(address a, uint256 amount) external {
        allowance[a] += amount;
    }

    function recordViolation(string calldata what) external {
        ++violations;
        lastViolation = what;
    }

    function recordPrivilegedSuccess(string calldata what) external {
        ++privilegedSuccesses;
        lastPrivilegedSuccess = what;
    }

    function recordHonestFailure(bytes calldata why) external {
        ++honestMoveFailures;
        lastHonestFailure = why;
    }

    function recordUnpaidWin() external {
        ++challengerWinsWithoutReward;
    }

    function bump(bytes32 key) external {
        ++count[key];
    }
}
