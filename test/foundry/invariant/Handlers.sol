// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {TestToken} from "../../../contracts/tokens/TestToken.sol";
import {StakeManager} from "../../../contracts/staking/StakeManager.sol";
import {TaskMarket} from "../../../contracts/escrow/TaskMarket.sol";
import {DisputeGame} from "../../../contracts/dispute/DisputeGame.sol";
import {IStakeManager} from "../../../contracts/interfaces/IStakeManager.sol";
import {ITaskMarket} from "../../../contracts/interfaces/ITaskMarket.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";
import {LibDissection} from "../../../contracts/libraries/LibDissection.sol";
import {LibProofs} from "../../../contracts/libraries/LibProofs.sol";
import {LibTensor} from "../../../contracts/libraries/LibTensor.sol";
import {Duration} from "../../../contracts/types/Duration.sol";
import {TaskId} from "../../../contracts/types/TaskId.sol";
import {TaskStatus} from "../../../contracts/types/TaskStatus.sol";
import {GameId, Level, Side, OpDesc} from "../../../contracts/types/DisputeTypes.sol";
import {World} from "./World.sol";
import {Model} from "./Model.sol";
import {Players} from "./Players.sol";

/// @notice Shared plumbing of the actor handlers: input shaping and the stake accounting of
///         every action. Each action snapshots free + locked + pending of every account, runs,
///         and records a violation for any account whose total fell by more than the action
///         allows it (its own withdrawal, an expiry it caused, a game it lost).
abstract contract HandlerBase {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    World internal immutable world;
    TestToken internal immutable token;
    StakeManager internal immutable sm;
    TaskMarket internal immutable market;
    DisputeGame internal immutable game;
    Model internal immutable model;
    Players internal immutable players;

    uint256[] private _before;
    string private _action;

    constructor(World w, Players p) {
        world = w;
        token = w.token();
        sm = w.sm();
        market = w.market();
        game = w.game();
        model = w.model();
        players = p;
    }

    modifier tracked(string memory action) {
        _before = world.stakeTotals();
        _action = action;
        world.clearAllowances();
        _;
        _settleAccounts();
    }

    function _settleAccounts() internal {
        uint256 n = world.accountCount();
        for (uint256 i = 0; i < n; ++i) {
            address a = world.accounts(i);
            uint256 after_ = world.stakeTotal(a);
            if (after_ >= _before[i]) continue;
            uint256 loss = _before[i] - after_;
            if (loss > world.allowance(a)) {
                world.recordViolation(
                    string.concat(
                        _action, ": ", vm.toString(a), " lost ", vm.toString(loss), " allowed ", vm.toString(world.allowance(a))
                    )
                );
            }
        }
    }

    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (x >= min && x <= max) return x;
        return min + (x % (max - min + 1));
    }

    function _count(string memory what) internal {
        world.bump(keccak256(bytes(what)));
    }

    /// @dev Lets every honest party answer the games where it is to move (an honest party is live:
    ///      it never lets its clock run out), then returns.
    function _honestRespond() internal {
        uint256 n = game.gameCount();
        for (uint256 id = 1; id <= n; ++id) {
            World.GameGhost memory gg = world.gameGhost(id);
            if (!gg.solverHonest && !gg.challengerHonest) continue;
            for (uint256 k = 0; k < 16; ++k) {
                bool moved;
                bool ok;
                bytes memory err;
                if (gg.solverHonest) (moved, ok, err) = players.solverMove(id);
                else (moved, ok, err) = players.challengerMove(id);
                if (!moved) break;
                if (!ok) {
                    world.recordHonestFailure(abi.encode(id, world.getGame(id).level, err));
                    break;
                }
                _count(gg.solverHonest ? "honest solver move" : "honest challenger move");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Solver moves shared by the handlers that drive games
    // ------------------------------------------------------------------------------------------

    /// @dev One solver move in game `id`: from its trajectory (honest always; a liar mostly),
    ///      otherwise an arbitrary one.
    function _solverAct(uint256 id, uint256 r) internal {
        World.GameGhost memory gg = world.gameGhost(id);
        uint8 mode = world.taskGhost(gg.task).mode;
        if (gg.solverHonest || (mode == world.MODE_LYING() && r % 5 != 0)) {
            (bool moved, bool ok, bytes memory err) = players.solverMove(id);
            if (moved && ok) _count("solver play");
            if (moved && !ok && gg.solverHonest) world.recordHonestFailure(abi.encode(id, world.getGame(id).level, err));
            return;
        }
        uint256 kind = (r >> 8) % 8;
        bytes32 salt = keccak256(abi.encode(r));
        if (kind < 3) _bisectArbitrary(id, r >> 16, salt);
        else if (kind == 3) _postTablesArbitrary(id, salt, keccak256(abi.encode(salt)), r >> 16);
        else if (kind == 4) _postOpOutputArbitrary(id, r >> 16, r >> 32, salt);
        else if (kind == 5) _revealLeafArbitrary(id, (r >> 16) % 4 == 0);
        else if (kind == 6) _oneStepArbitrary(id, r >> 16, r >> 32);
        else {
            (bool moved, bool ok,) = players.solverMove(id);
            if (moved && ok) _count("solver play");
        }
    }

    /// @dev A solver that is not honest posts arbitrary claims (right count or not).
    function _bisectArbitrary(uint256 id, uint256 n, bytes32 salt) internal {
        if (world.gameGhost(id).solverHonest) return;
        IDisputeGame.Game memory g = world.getGame(id);
        n = n % 4 == 0 || g.hi <= g.lo ? n % 21 : LibDissection.segments(g.lo, g.hi, world.DEGREE()) - 1;
        if (g.level != Level.Steps && g.level != Level.Ops && g.level != Level.Sums) n = uint256(1) << (g.hi < 2 ? g.hi : 2);
        bytes32[] memory claims = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) claims[i] = keccak256(abi.encode(salt, i));
        vm.prank(g.solver);
        try game.bisect(GameId.wrap(id), claims) {
            world.recordClaims(id, claims);
            _count("solver bisect arbitrary");
        } catch {}
    }

    function _postTablesArbitrary(uint256 id, bytes32 r0, bytes32 rM, uint256 n) internal {
        if (world.gameGhost(id).solverHonest) return;
        IDisputeGame.Game memory g = world.getGame(id);
        bytes32[] memory mids = new bytes32[](n % 3);
        for (uint256 i = 0; i < mids.length; ++i) mids[i] = keccak256(abi.encode(r0, i));
        vm.prank(g.solver);
        try game.postTables(GameId.wrap(id), IDisputeGame.TablesArgs(r0, rM, mids)) {
            world.recordClaims(id, mids);
            _count("postTables arbitrary");
        } catch {}
    }

    /// @dev Arbitrary op-output claims; sometimes a one-leaf tensor (numel ≤ 128) whose padding is
    ///      non-zero, a leaf the solver can then reveal.
    function _postOpOutputArbitrary(uint256 id, uint256 numel, uint256 terms, bytes32 salt) internal {
        if (world.gameGhost(id).solverHonest) return;
        IDisputeGame.Game memory g = world.getGame(id);
        numel = numel % 1025;
        bytes32 dataRoot = salt;
        if (numel <= 128 && uint256(salt) % 2 == 0) {
            bytes memory leaf = _junkLeaf(salt);
            dataRoot = sha256(abi.encodePacked(bytes1(0x00), leaf));
            world.recordLeaf(id, leaf);
        }
        uint64[] memory shape = new uint64[](1);
        shape[0] = uint64(numel);
        bytes32 outHash = LibTensor.tensorHashMemory(16, shape, dataRoot);
        vm.prank(g.solver);
        try game.postOpOutput(GameId.wrap(id), IDisputeGame.OpOutputClaim(outHash, dataRoot, uint64(numel), uint64(terms % 3))) {
            _count("postOpOutput arbitrary");
        } catch {}
    }

    /// @dev Reveals the leaf recorded by {_postOpOutputArbitrary}, or zeros.
    function _revealLeafArbitrary(uint256 id, bool junk) internal {
        World.GameGhost memory gg = world.gameGhost(id);
        if (gg.solverHonest) return;
        bytes memory leaf = junk || gg.leaf.length == 0 ? new bytes(1024) : gg.leaf;
        address solver = world.getGame(id).solver;
        vm.prank(solver);
        try game.revealLeaf(GameId.wrap(id), leaf) {
            world.recordLeaf(id, leaf);
            _count("revealLeaf arbitrary");
        } catch {}
    }

    /// @dev The solver (not honest) tries the one-step check with the model's operands of some
    ///      element of some op.
    function _oneStepArbitrary(uint256 id, uint256 e, uint256 j) internal {
        if (world.gameGhost(id).solverHonest) return;
        IDisputeGame.Game memory g = world.getGame(id);
        if (!model.isState(g.prevState)) return;
        j = 1 + (j % 2);
        OpDesc memory op = model.opDesc(j);
        IDisputeGame.Operand[] memory operands = new IDisputeGame.Operand[](1);
        bytes32[] memory before = model.slots(g.prevState, g.prevState, j - 1);
        operands[0] = IDisputeGame.Operand(
            LibProofs.ListProof(5, op.a, model.path(before, op.a)),
            model.elementProof(model.stateTensors(g.prevState)[op.a], e % 3 == 0 ? g.element : e % 512)
        );
        vm.prank(g.solver);
        try game.oneStep(GameId.wrap(id), op, model.opDescProof(j), operands) {
            _count("solver oneStep arbitrary");
        } catch {}
    }

    function _junkLeaf(bytes32 salt) internal pure returns (bytes memory leaf) {
        leaf = new bytes(1024);
        for (uint256 w = 0; w < 32; ++w) {
            bytes32 x = keccak256(abi.encode(salt, w));
            assembly ("memory-safe") {
                mstore(add(add(leaf, 32), shl(5, w)), x)
            }
        }
    }
}

/// @notice Submitters: create tasks (the model's program, or another program / a malformed
///         schedule) and cancel them.
contract SubmitterHandler is HandlerBase {
    constructor(World w, Players p) HandlerBase(w, p) {}

    function createTask(
        uint256 who,
        uint256 steps,
        uint256 interval,
        uint256 reward,
        uint256 stake,
        uint256 windows,
        bytes32 salt
    ) external tracked("createTask") {
        address a = world.submitter(who);
        bool modelled = uint256(salt) % 5 != 0;
        steps = bound(steps, 1, 12);
        interval = bound(interval, 1, steps);
        reward = bound(reward, 1, 500e18);
        stake = bound(stake, 5e18, 300e18); // below the minimum sometimes
        (bytes32 s0, bytes32 s1) = world.makeTrajectory(salt);
        ITaskMarket.TaskParams memory p = ITaskMarket.TaskParams({
            spec: world.spec(modelled, salt),
            initialStateHash: s0,
            totalSteps: uint32(steps),
            checkpointInterval: uint32(interval),
            reward: uint96(reward),
            solverStake: uint96(stake),
            solveWindow: Duration.wrap(uint32(windows % 3 == 0 ? 0 : bound(windows >> 8, 1 hours, 3 days))),
            challengeWindow: Duration.wrap(uint32(windows % 5 == 0 ? 0 : bound(windows >> 40, 30 minutes, 3 days)))
        });
        uint16 bps = market.config().expiryPenaltyBps;
        vm.prank(a);
        try market.createTask(p) returns (TaskId id) {
            world.recordTask(TaskId.unwrap(id), modelled, salt, s0, s1, bps);
            if (!modelled) world.recordSpecHash(TaskId.unwrap(id), salt);
            _count("createTask");
        } catch {}
    }

    function cancel(uint256 who, uint256 taskSeed) external tracked("cancel") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Open);
        address a = who % 4 == 0 ? world.anyAccount(who) : world.getTask(id).submitter;
        vm.prank(a);
        try market.cancel(TaskId.wrap(id)) {
            _count("cancel");
        } catch {}
    }
}

/// @notice Stakers: deposit (also with a permit), request and cancel withdrawals, withdraw.
contract StakerHandler is HandlerBase {
    constructor(World w, Players p) HandlerBase(w, p) {}

    function deposit(uint256 who, uint256 amount) external tracked("deposit") {
        address a = world.anyAccount(who);
        amount = bound(amount, 0, 600e18);
        vm.prank(a);
        try sm.deposit(amount) {
            _count("deposit");
        } catch {}
    }

    function depositWithPermit(uint256 who, uint256 amount, bool badSig) external tracked("depositWithPermit") {
        address a = world.anyAccount(who);
        uint256 key = world.keyOf(a);
        if (key == 0) return;
        amount = bound(amount, 1, 600e18);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                token.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                        a,
                        address(sm),
                        amount,
                        token.nonces(a),
                        deadline
                    )
                )
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(badSig ? key + 1 : key, digest);
        vm.prank(a);
        try sm.depositWithPermit(amount, deadline, v, r, s) {
            _count("depositWithPermit");
        } catch {}
    }

    function requestWithdrawal(uint256 who, uint256 amount) external tracked("requestWithdrawal") {
        address a = world.anyAccount(who);
        uint256 free = sm.freeOf(a);
        amount = amount % 8 == 0 ? amount : bound(amount, 0, free);
        vm.prank(a);
        try sm.requestWithdrawal(amount) {
            _count("requestWithdrawal");
        } catch {}
    }

    function cancelWithdrawal(uint256 who) external tracked("cancelWithdrawal") {
        address a = world.anyAccount(who);
        vm.prank(a);
        try sm.cancelWithdrawal() {
            _count("cancelWithdrawal");
        } catch {}
    }

    function withdraw(uint256 who, bool wait) external tracked("withdraw") {
        address a = world.anyAccount(who);
        uint256 release = sm.balancesOf(a).releaseTime;
        if (wait && release > block.timestamp) {
            _honestRespond();
            vm.warp(release);
        }
        world.allow(a, sm.balancesOf(a).pending);
        vm.prank(a);
        try sm.withdraw() {
            _count("withdraw");
        } catch {}
    }
}

/// @notice Solvers: claim tasks (committing honestly, a consistent lie, or garbage), stream
///         checkpoints, submit, and play games — from their trajectory, or (solvers that are not
///         honest) with arbitrary claims and proofs.
contract SolverHandler is HandlerBase {
    constructor(World w, Players p) HandlerBase(w, p) {}

    function claim(uint256 who, uint256 taskSeed, uint256 mode, bytes32 salt) external tracked("claim") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Open);
        address a = world.staker(who);
        World.TaskGhost memory t = world.taskGhost(id);
        uint8 m = uint8(bound(mode, 1, 3));
        if (!t.modelled) m = world.MODE_GARBAGE();
        vm.prank(a);
        try market.claim(TaskId.wrap(id)) {
            uint256 steps = world.getTask(id).totalSteps;
            world.recordClaim(id, m, bound(uint256(salt) >> 64, 1, steps), salt);
            _count(m == 1 ? "claim honest" : m == 2 ? "claim lying" : "claim garbage");
        } catch {}
    }

    /// @notice The task's solver commits its next checkpoints (1..4 of them) as it believes them.
    function commitCheckpoints(uint256 taskSeed, uint256 n, bytes32 salt, bool asOther) external tracked("commitCheckpoints") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Claimed);
        ITaskMarket.Task memory t = world.getTask(id);
        World.TaskGhost memory g = world.taskGhost(id);
        uint256 N = t.checkpointInterval == 0 ? 1 : world.numCheckpoints(id);
        uint256 next = g.committed.length + 1;
        n = n % 4 == 0 ? bound(n, 1, 12) : (N > next ? N - next : 1); // usually the rest of the stream
        if (next + n > N && N > next) n = N - next;
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            hashes[i] = g.mode == world.MODE_GARBAGE()
                ? keccak256(abi.encode(salt, i))
                : world.beliefAtStep(id, world.stepOf(id, next + i));
        }
        vm.prank(asOther ? world.staker(uint256(salt)) : t.solver);
        try market.commitCheckpoints(TaskId.wrap(id), hashes) {
            world.recordBatch(id, hashes);
            _count("commitCheckpoints");
        } catch {}
    }

    function submitFinal(uint256 taskSeed, bytes32 salt) external tracked("submitFinal") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Claimed);
        ITaskMarket.Task memory t = world.getTask(id);
        World.TaskGhost memory g = world.taskGhost(id);
        bytes32 h = g.mode == world.MODE_GARBAGE() || t.checkpointInterval == 0
            ? salt
            : world.beliefAtStep(id, t.totalSteps);
        vm.prank(t.solver);
        try market.submitFinal(TaskId.wrap(id), h) {
            _count("submitFinal");
        } catch {}
    }

    /// @notice Solvers move in up to `k` games: from their trajectories (honest or lying), or
    ///         (solvers that are not honest) arbitrarily.
    function play(uint256 gameSeed, uint256 k) external tracked("solver play") {
        k = bound(k, 1, 8);
        for (uint256 i = 0; i < k; ++i) {
            uint256 r = uint256(keccak256(abi.encode(gameSeed, i)));
            _solverAct(world.pickGameIn(r, false), r >> 8);
        }
    }

    function bisectArbitrary(uint256 gameSeed, uint256 n, bytes32 salt) external tracked("solver bisect arbitrary") {
        _bisectArbitrary(world.pickGameIn(gameSeed, false), n, salt);
    }

    function postTablesArbitrary(uint256 gameSeed, bytes32 r0, bytes32 rM, uint256 n) external tracked("postTables arbitrary") {
        _postTablesArbitrary(world.pickGameIn(gameSeed, false), r0, rM, n);
    }

    function postOpOutputArbitrary(uint256 gameSeed, uint256 numel, uint256 terms, bytes32 salt)
        external
        tracked("postOpOutput arbitrary")
    {
        _postOpOutputArbitrary(world.pickGameIn(gameSeed, false), numel, terms, salt);
    }

    function revealLeafArbitrary(uint256 gameSeed, bool junk) external tracked("revealLeaf arbitrary") {
        _revealLeafArbitrary(world.pickGameIn(gameSeed, false), junk);
    }

    function oneStepArbitrary(uint256 gameSeed, uint256 e, uint256 j) external tracked("solver oneStep arbitrary") {
        _oneStepArbitrary(world.pickGameIn(gameSeed, false), e, j);
    }
}

/// @notice Challengers: the honest verifier (opens only where the committed trajectory is wrong,
///         then plays from the truth) and the adversary (any staker, the task's solver included:
///         opens anything, picks any segment, re-reads revealed objects as other kinds, contests
///         any link, calls the one-step check with whatever it likes).
contract ChallengerHandler is HandlerBase {
    constructor(World w, Players p) HandlerBase(w, p) {}

    /// @notice The honest verifier opens a game at the first committed checkpoint that differs
    ///         from the truth (if any), then plays up to `k` turns against the solver.
    function openHonest(uint256 taskSeed, uint256 k, bytes32 salt) external tracked("open honest") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Submitted);
        World.TaskGhost memory t = world.taskGhost(id);
        if (!t.modelled || t.honestOpened) return;
        ITaskMarket.Task memory task = world.getTask(id);
        if (task.status != TaskStatus.Submitted || block.timestamp >= task.deadline) return;
        address hc = world.honestChallenger();
        if (sm.freeOf(hc) < world.BOND()) return; // it withdrew its stake
        uint256 n = world.numCheckpoints(id);
        uint256 i = 1;
        while (i <= n && world.committedAt(id, i) == world.truthAtStep(id, world.stepOf(id, i))) ++i;
        if (i > n) return; // nothing wrong to dispute
        IDisputeGame.OpenArgs memory a = world.openArgs(id, i);
        vm.prank(hc);
        try game.open(a) returns (GameId gid) {
            world.recordGame(GameId.unwrap(gid), id, false, true);
            world.setHonestOpened(id);
            _count("open honest");
            _playHonest(GameId.unwrap(gid), k, salt);
        } catch (bytes memory err) {
            // The honest verifier can always open where the trajectory is wrong.
            world.recordHonestFailure(abi.encode("open", id, i, err));
        }
    }

    /// @notice Up to `k` turns of an honest verifier's game (the solver answering as it does).
    function playHonest(uint256 gameSeed, uint256 k, bytes32 salt) external tracked("challenger play honest") {
        uint256 id = world.pickGameIn(gameSeed, false);
        if (!world.gameGhost(id).challengerHonest) return;
        _playHonest(id, k, salt);
    }

    function _playHonest(uint256 id, uint256 k, bytes32 salt) internal {
        k = bound(k, 1, 24);
        for (uint256 i = 0; i < k; ++i) {
            (bool moved, bool ok, bytes memory err) = players.challengerMove(id);
            if (moved && !ok) {
                world.recordHonestFailure(abi.encode(id, world.getGame(id).level, err));
                return;
            }
            if (moved) _count("honest challenger move");
            _solverAct(id, uint256(keccak256(abi.encode(salt, i))));
        }
    }

    /// @notice The adversary opens a game on any interval, with the committed checkpoints or junk.
    function open(uint256 who, uint256 taskSeed, uint256 interval, bool junk) external tracked("open") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Submitted);
        address a = world.staker(who);
        uint256 n = world.getTask(id).checkpointInterval == 0 ? 1 : world.numCheckpoints(id);
        interval = interval % 8 == 0 ? interval % (n + 2) : bound(interval, 1, n);
        IDisputeGame.OpenArgs memory args;
        if (interval >= 1 && interval <= n) args = world.openArgs(id, interval);
        else args.task = TaskId.wrap(id);
        args.interval = interval;
        if (junk) args.nextState = keccak256(abi.encode(args.nextState));
        World.TaskGhost memory t = world.taskGhost(id);
        vm.prank(a);
        try game.open(args) returns (GameId gid) {
            world.recordGame(GameId.unwrap(gid), id, t.mode == world.MODE_HONEST(), false);
            _count(a == world.getTask(id).solver ? "open self-challenge" : "open");
        } catch {}
    }

    /// @notice The adversary plays up to `k` turns of random games: a (valid) segment or child
    ///         chosen at random, a random link contest, a random element, or the one-step check;
    ///         the solver answers from its trajectory when it has one.
    function adversary(uint256 gameSeed, uint256 k, bytes32 salt) external tracked("adversary") {
        uint256 id = world.pickGameIn(gameSeed, false);
        World.GameGhost memory gg = world.gameGhost(id);
        if (gg.challengerHonest) return;
        k = bound(k, 1, 24);
        for (uint256 i = 0; i < k; ++i) {
            uint256 r = uint256(keccak256(abi.encode(salt, i)));
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level == Level.None || g.level >= Level.Decided) return;
            _adversaryMove(id, g, world.gameGhost(id), r);
            _solverAct(id, r >> 128);
        }
    }

    function _adversaryMove(uint256 id, IDisputeGame.Game memory g, World.GameGhost memory gg, uint256 r) internal {
        GameId gid = GameId.wrap(id);
        uint256 kind = r % 20;
        if (kind == 19) {
            (bool moved, bool ok,) = players.challengerMove(id); // a move an honest verifier would make
            if (moved && ok) _count("adversary plays a true move");
            return;
        }
        if (kind >= 17) {
            _confuse(gid, g, gg, r >> 8);
            return;
        }
        vm.prank(g.challenger);
        if (kind < 11) {
            try game.choose(gid, gg.claims, gg.claims.length == 0 ? 0 : (r >> 8) % (gg.claims.length + 1)) {
                _count("choose");
            } catch {}
        } else if (kind < 14) {
            try game.chooseElement(gid, gg.leaf, (r >> 8) % 128) {
                _count("chooseElement");
            } catch {}
        } else if (kind == 14) {
            try game.contestInitial(gid) {
                _count("contestInitial");
            } catch {}
        } else if (kind == 15) {
            try game.contestFinal(gid) {
                _count("contestFinal");
            } catch {}
        } else {
            try game.contestOpOutput(gid) {
                _count("contestOpOutput");
            } catch {}
        }
    }

    /// @dev Type confusion (issue 9, finding 1): the revealed leaf re-read as 32 nodes, or the
    ///      revealed nodes re-read as a leaf. Must never be accepted.
    function _confuse(GameId gid, IDisputeGame.Game memory g, World.GameGhost memory gg, uint256 r) internal {
        if (g.level == Level.Element && g.hi == 0 && gg.leaf.length == 1024) {
            bytes32[] memory words = _asWords(gg.leaf);
            vm.prank(g.challenger);
            try game.choose(gid, words, r % 32) {
                _count("choose other object");
            } catch {}
        } else {
            bytes memory packed = abi.encodePacked(gg.claims);
            vm.prank(g.challenger);
            try game.chooseElement(gid, packed, packed.length == 0 ? 0 : r % (packed.length / 8)) {
                _count("chooseElement other object");
            } catch {}
        }
    }

    /// @notice Picks any index among the pending claims, or re-supplies other objects as claims:
    ///         the revealed leaf as 32 nodes, claims of another game, arbitrary words.
    function choose(uint256 gameSeed, uint256 index, uint256 variant, bytes32 salt) external tracked("choose") {
        uint256 id = world.pickGameIn(gameSeed, false);
        World.GameGhost memory gg = world.gameGhost(id);
        if (gg.challengerHonest) return;
        IDisputeGame.Game memory g = world.getGame(id);
        bytes32[] memory claims = gg.claims;
        variant %= 8;
        if (variant == 5) claims = _asWords(gg.leaf);
        else if (variant == 6) claims = world.gameGhost(world.pickGame(uint256(salt))).claims;
        else if (variant == 7) {
            claims = new bytes32[](index % 17);
            for (uint256 i = 0; i < claims.length; ++i) claims[i] = keccak256(abi.encode(salt, i));
        }
        index = variant == 4 ? index : bound(index, 0, claims.length);
        vm.prank(g.challenger);
        try game.choose(GameId.wrap(id), claims, index) {
            _count(variant < 5 ? "choose" : "choose other object");
        } catch {}
    }

    /// @notice Names an element of the revealed leaf, or of other bytes (revealed nodes as a leaf).
    function chooseElement(uint256 gameSeed, uint256 slot, uint256 variant) external tracked("chooseElement") {
        uint256 id = world.pickGameIn(gameSeed, false);
        World.GameGhost memory gg = world.gameGhost(id);
        if (gg.challengerHonest) return;
        bytes memory leaf = gg.leaf;
        variant %= 4;
        if (variant == 1) leaf = abi.encodePacked(gg.claims);
        else if (variant == 2) leaf = new bytes(1024);
        slot = variant == 3 ? slot : bound(slot, 0, 127);
        vm.prank(world.getGame(id).challenger);
        try game.chooseElement(GameId.wrap(id), leaf, slot) {
            _count(variant == 0 ? "chooseElement" : "chooseElement other object");
        } catch {}
    }

    function contest(uint256 gameSeed, uint256 which) external tracked("contest") {
        uint256 id = world.pickGameIn(gameSeed, false);
        if (world.gameGhost(id).challengerHonest) return;
        GameId gid = GameId.wrap(id);
        vm.prank(world.getGame(id).challenger);
        which %= 3;
        if (which == 0) {
            try game.contestInitial(gid) {
                _count("contestInitial");
            } catch {}
        } else if (which == 1) {
            try game.contestFinal(gid) {
                _count("contestFinal");
            } catch {}
        } else {
            try game.contestOpOutput(gid) {
                _count("contestOpOutput");
            } catch {}
        }
    }

    /// @notice Anyone calls the one-step check with the model's operands of some element of
    ///         some op (right or wrong ones).
    function oneStep(uint256 who, uint256 gameSeed, uint256 e, uint256 j) external tracked("oneStep") {
        uint256 id = world.pickGameIn(gameSeed, false);
        IDisputeGame.Game memory g = world.getGame(id);
        if (!model.isState(g.prevState) || !model.isState(g.nextState)) return;
        j = bound(j, 1, 2);
        OpDesc memory op = model.opDesc(j);
        IDisputeGame.Operand[] memory operands = new IDisputeGame.Operand[](1);
        bytes32[] memory before = model.slots(g.prevState, g.nextState, j - 1);
        operands[0] = IDisputeGame.Operand(
            LibProofs.ListProof(5, op.a, model.path(before, op.a)),
            model.elementProof(model.stateTensors(g.prevState)[op.a], e % 3 == 0 ? g.element : bound(e, 0, 511))
        );
        vm.prank(world.anyAccount(who));
        try game.oneStep(GameId.wrap(id), op, model.opDescProof(j), operands) {
            _count("oneStep");
        } catch {}
    }

    function _asWords(bytes memory b) internal pure returns (bytes32[] memory w) {
        w = new bytes32[](b.length / 32);
        for (uint256 i = 0; i < w.length; ++i) {
            bytes32 x;
            assembly ("memory-safe") {
                x := mload(add(add(b, 32), shl(5, i)))
            }
            w[i] = x;
        }
    }
}

/// @notice Anyone: time passes (honest parties answer first), timeouts, settlement, finalize,
///         expire, reclaim, reward claims, announcements; the admin changes the configuration.
contract KeeperHandler is HandlerBase {
    constructor(World w, Players p) HandlerBase(w, p) {}

    function warp(uint256 dt) external tracked("warp") {
        _honestRespond();
        // Mostly minutes to hours (moves, clocks); sometimes days (windows, unbonding).
        dt = dt % 4 == 0 ? bound(dt >> 2, 1, 4 days) : bound(dt >> 2, 1, 2 hours);
        vm.warp(block.timestamp + dt);
        _count("warp");
    }

    function respond() external tracked("respond") {
        _honestRespond();
    }

    /// @dev With `wait`, time passes until `when` (honest parties answering first).
    function _waitUntil(bool wait, uint256 when) internal {
        if (!wait || when <= block.timestamp || when > block.timestamp + 30 days) return;
        _honestRespond();
        vm.warp(when);
    }

    /// @notice Anyone times a game out; with `wait`, time first passes until the side to move
    ///         runs out of time (honest parties having answered).
    function timeout(uint256 who, uint256 gameSeed, bool wait) external tracked("timeout") {
        uint256 id = world.pickExpiredGame(gameSeed);
        if (wait && world.getGame(id).level != Level.None) {
            _honestRespond();
            (Side toMove, uint256 s, uint256 c) = game.clockOf(GameId.wrap(id));
            vm.warp(block.timestamp + (toMove == Side.Solver ? s : c));
        }
        vm.prank(world.anyAccount(who));
        try game.timeout(GameId.wrap(id)) {
            _count("timeout");
        } catch {}
    }

    function settle(uint256 who, uint256 gameSeed) external tracked("settle") {
        uint256 id = world.pickGameIn(gameSeed, true);
        IDisputeGame.Game memory g = world.getGame(id);
        if (g.level == Level.Decided) {
            // The loser of the game may lose stake: a losing challenger its bond, a rejected
            // solver half its task stake.
            if (g.winner == Side.Solver) {
                world.allow(g.challenger, g.bond);
            } else {
                ITaskMarket.Task memory t = world.getTask(TaskId.unwrap(g.task));
                if (t.status == TaskStatus.Submitted) world.allow(t.solver, t.solverStake - t.solverStake / 2);
            }
        }
        vm.prank(world.anyAccount(who));
        try game.settle(GameId.wrap(id)) {
            _count(g.winner == Side.Solver ? "settle solver won" : "settle challenger won");
        } catch {}
    }

    /// @notice Anyone finalizes a task; with `wait`, once its challenge window has passed.
    function finalize(uint256 who, uint256 taskSeed, bool wait) external tracked("finalize") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Submitted);
        _waitUntil(wait, world.getTask(id).deadline);
        vm.prank(world.anyAccount(who));
        try market.finalize(TaskId.wrap(id)) {
            _count("finalize");
        } catch {}
    }

    /// @notice Anyone expires a task; with `wait`, once its solver's deadline has passed.
    function expire(uint256 who, uint256 taskSeed, bool wait) external tracked("expire") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Claimed);
        ITaskMarket.Task memory t = world.getTask(id);
        _waitUntil(wait, uint256(t.deadline) + 1);
        // An expiry the solver caused: at most the penalty of the configuration it claimed under.
        world.allow(t.solver, (uint256(t.solverStake) * world.taskGhost(id).penaltyBps) / 10_000);
        vm.prank(world.anyAccount(who));
        try market.expire(TaskId.wrap(id)) {
            world.resetClaim(id);
            _count("expire");
        } catch {}
    }

    function reclaim(uint256 who, uint256 taskSeed) external tracked("reclaim") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Rejected);
        vm.prank(world.anyAccount(who));
        try market.reclaim(TaskId.wrap(id)) {
            _count("reclaim");
        } catch {}
    }

    function claimChallengeReward(uint256 who, uint256 taskSeed, uint256 challengerSeed) external tracked("claimChallengeReward") {
        uint256 id = world.pickTaskIn(taskSeed, TaskStatus.Rejected);
        ITaskMarket.Task memory t = world.getTask(id);
        address c = challengerSeed % 5 == 0 ? world.honestChallenger() : world.anyAccount(challengerSeed);
        // The rejected solver pays the winners' pot (the other half of its task stake).
        world.allow(t.solver, t.solverStake / 2);
        vm.prank(world.anyAccount(who));
        try market.claimChallengeReward(TaskId.wrap(id), c) returns (uint256 amount) {
            _count("claimChallengeReward");
            if (amount == 0) world.recordUnpaidWin();
        } catch {}
    }

    function announce(uint256 who, uint256 taskSeed, bool bundle, uint256 len) external tracked("announce") {
        uint256 id = world.pickTask(taskSeed);
        ITaskMarket.Task memory t = world.getTask(id);
        address a = who % 3 == 0 ? world.anyAccount(who) : (bundle ? t.submitter : t.solver);
        vm.prank(a);
        try market.announce(
            TaskId.wrap(id), bundle ? ITaskMarket.Announcement.Bundle : ITaskMarket.Announcement.Checkpoints, new string(len % 1100)
        ) {
            _count("announce");
        } catch {}
    }

    /// @notice The admin (or someone else) changes the market configuration; it applies only to
    ///         tasks created afterwards.
    function setConfig(uint256 who, uint256 minStake, uint256 windows, uint256 bps) external tracked("setConfig") {
        address a = who % 4 == 0 ? world.anyAccount(who) : world.admin();
        ITaskMarket.MarketConfig memory c = ITaskMarket.MarketConfig({
            minSolverStake: uint96(bound(minStake, 0, 200e18)),
            minChallengeWindow: Duration.wrap(uint32(bound(windows, 0, 1 days))),
            defaultChallengeWindow: Duration.wrap(uint32(bound(windows >> 32, 1 days, 3 days))),
            defaultSolveWindow: Duration.wrap(uint32(bound(windows >> 64, 0, 3 days))),
            expiryPenaltyBps: uint16(bound(bps, 0, 10_001))
        });
        vm.prank(a);
        try market.setConfig(c) {
            if (a != world.admin()) world.recordPrivilegedSuccess("setConfig by a non-admin");
            _count("setConfig");
        } catch {}
    }
}

/// @notice An outsider calls the privileged entry points (lock, unlock, slash, wire, dispute
///         hooks) with arbitrary arguments, and any function with arbitrary calldata. None of
///         the privileged calls may succeed.
contract AttackerHandler is HandlerBase {
    constructor(World w, Players p) HandlerBase(w, p) {}

    function stakeManagerCall(uint256 who, uint256 fn, uint256 victimSeed, uint256 amount, uint256 benSeed)
        external
        tracked("attacker stakeManager")
    {
        address a = world.anyAccount(who);
        address victim = world.anyAccount(victimSeed);
        address ben = world.anyAccount(benSeed);
        amount = bound(amount, 0, 2_000e18);
        fn %= 4;
        vm.prank(a);
        if (fn == 0) {
            try sm.lock(victim, amount) {
                world.recordPrivilegedSuccess("StakeManager.lock by an outsider");
            } catch {}
        } else if (fn == 1) {
            try sm.unlock(victim, amount) {
                world.recordPrivilegedSuccess("StakeManager.unlock by an outsider");
            } catch {}
        } else if (fn == 2) {
            try sm.slash(victim, amount, ben) {
                world.recordPrivilegedSuccess("StakeManager.slash by an outsider");
            } catch {}
        } else {
            try sm.wire(a) {
                world.recordPrivilegedSuccess("StakeManager.wire again");
            } catch {}
        }
    }

    function marketHook(uint256 who, uint256 fn, uint256 taskSeed, uint256 victimSeed, uint256 amount)
        external
        tracked("attacker market")
    {
        address a = world.anyAccount(who);
        TaskId id = TaskId.wrap(world.pickTask(taskSeed));
        address victim = world.anyAccount(victimSeed);
        amount = bound(amount, 0, 2_000e18);
        fn %= 4;
        vm.prank(a);
        if (fn == 0) {
            try market.openDispute(id, victim, amount) {
                world.recordPrivilegedSuccess("TaskMarket.openDispute by an outsider");
            } catch {}
        } else if (fn == 1) {
            try market.resolveForSolver(id, victim, amount) {
                world.recordPrivilegedSuccess("TaskMarket.resolveForSolver by an outsider");
            } catch {}
        } else if (fn == 2) {
            try market.resolveForChallenger(id, victim, amount) {
                world.recordPrivilegedSuccess("TaskMarket.resolveForChallenger by an outsider");
            } catch {}
        } else {
            try market.wire(a) {
                world.recordPrivilegedSuccess("TaskMarket.wire again");
            } catch {}
        }
    }

    /// @notice Arbitrary calldata to any of the three contracts from any account.
    function raw(uint256 who, uint256 target, bytes calldata data) external tracked("attacker raw") {
        address t = target % 3 == 0 ? address(sm) : target % 3 == 1 ? address(market) : address(game);
        vm.prank(world.anyAccount(who));
        (bool ok,) = t.call(data);
        if (ok) _count("raw call succeeded");
    }
}
