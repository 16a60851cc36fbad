// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {DisputeGame} from "../../contracts/dispute/DisputeGame.sol";
import {IDisputeGame} from "../../contracts/interfaces/IDisputeGame.sol";
import {ITaskMarket} from "../../contracts/interfaces/ITaskMarket.sol";
import {LibTensor} from "../../contracts/libraries/LibTensor.sol";
import {TaskId} from "../../contracts/types/TaskId.sol";
import {TaskStatus} from "../../contracts/types/TaskStatus.sol";
import {GameId, Level, Side} from "../../contracts/types/DisputeTypes.sol";
import {World} from "./invariant/World.sol";
import {Players} from "./invariant/Players.sol";
import {TaskMarket} from "../../contracts/escrow/TaskMarket.sol";
import {Duration} from "../../contracts/types/Duration.sol";

/// @notice Whole dispute games on real commitments (the model program of invariant/Model.sol):
///         the honest side wins whatever the other side does, moves authenticate exactly what the
///         solver revealed, and stalling cannot stretch a game past MAX_GAME_DURATION.
contract DisputeGameTest is Test {
    World internal world;
    Players internal players;
    DisputeGame internal game;

    function setUp() public {
        world = new World();
        players = new Players(world);
        game = world.game();
    }

    /// @dev A submitted task of the model program (T steps, a checkpoint every k) whose solver
    ///      committed per `mode` (World.MODE_HONEST / MODE_LYING), named by `salt`.
    function _task(uint8 mode, bytes32 salt, uint256 steps, uint256 k) internal returns (uint256 id) {
        (bytes32 s0, bytes32 s1) = world.makeTrajectory(salt);
        ITaskMarket.TaskParams memory p = ITaskMarket.TaskParams({
            spec: world.spec(true, bytes32(0)),
            initialStateHash: s0,
            totalSteps: uint32(steps),
            checkpointInterval: uint32(k),
            reward: 50e18,
            solverStake: 40e18,
            solveWindow: Duration.wrap(0),
            challengeWindow: Duration.wrap(3 days)
        });
        TaskMarket market = world.market();
        address submitter = world.submitter(0);
        vm.prank(submitter);
        id = TaskId.unwrap(market.createTask(p));
        world.recordTask(id, true, salt, s0, s1, 1_000);
        address solver = world.staker(0);
        vm.prank(solver);
        market.claim(TaskId.wrap(id));
        world.recordClaim(id, mode, 1 + (uint256(salt) >> 64) % steps, salt);
        uint256 n = world.numCheckpoints(id);
        if (n > 1) {
            bytes32[] memory hashes = new bytes32[](n - 1);
            for (uint256 i = 1; i < n; ++i) hashes[i - 1] = world.beliefAtStep(id, world.stepOf(id, i));
            vm.prank(solver);
            market.commitCheckpoints(TaskId.wrap(id), hashes);
            world.recordBatch(id, hashes);
        }
        bytes32 last = world.beliefAtStep(id, steps);
        vm.prank(solver);
        market.submitFinal(TaskId.wrap(id), last);
    }

    // ------------------------------------------------------------------------------------------
    // The honest side wins
    // ------------------------------------------------------------------------------------------

    /// @notice Against the honest solver, a challenger that picks any segment or child, contests
    ///         any link and names any element loses — by a proof, never by the solver's timeout.
    /// forge-config: default.fuzz.runs = 64
    /// forge-config: deep.fuzz.runs = 1000
    function testFuzz_honestSolverWinsWhateverTheChallengerChooses(uint256 steps, uint256 k, uint256 interval, bytes32 choices)
        public
    {
        steps = bound(steps, 1, 40);
        k = bound(k, 1, steps);
        uint256 task = _task(world.MODE_HONEST(), keccak256(abi.encode(choices)), steps, k);
        interval = bound(interval, 1, world.numCheckpoints(task));
        address challenger = world.staker(uint256(choices)); // the solver's own account sometimes
        uint256 id = _open(challenger, task, interval, true, false);
        for (uint256 turn = 0; turn < 64; ++turn) {
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level >= Level.Decided) break;
            (Side toMove,,) = game.clockOf(GameId.wrap(id));
            if (toMove == Side.Solver) {
                (bool moved, bool ok, bytes memory err) = players.solverMove(id);
                assertTrue(moved, "the honest solver always has a move");
                if (!ok) _fail("honest solver move reverted", err);
            } else {
                _arbitraryChallengerMove(id, g, uint256(keccak256(abi.encode(choices, turn))));
            }
        }
        IDisputeGame.Game memory end = world.getGame(id);
        assertTrue(end.level == Level.Decided, "decided within 64 turns");
        assertTrue(end.winner == Side.Solver, "the honest solver wins");
        _settleAndCheck(id);
    }

    /// @notice Against a solver that committed a consistent lie (one wrong element from step p*),
    ///         the honest challenger wins by the one-step check, whatever interval is wrong.
    /// forge-config: default.fuzz.runs = 64
    /// forge-config: deep.fuzz.runs = 1000
    function testFuzz_honestChallengerBeatsAConsistentLie(uint256 steps, uint256 k, bytes32 salt) public {
        steps = bound(steps, 1, 40);
        k = bound(k, 1, steps);
        uint256 task = _task(world.MODE_LYING(), salt, steps, k);
        uint256 n = world.numCheckpoints(task);
        uint256 i = 1;
        while (world.committedAt(task, i) == world.truthAtStep(task, world.stepOf(task, i))) ++i;
        assertLe(i, n, "the liar committed a wrong checkpoint");
        uint256 id = _open(world.honestChallenger(), task, i, false, true);
        bool oneStep;
        for (uint256 turn = 0; turn < 64; ++turn) {
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level >= Level.Decided) break;
            if (g.level == Level.OneStep) oneStep = true;
            (bool moved, bool ok, bytes memory err) = players.challengerMove(id);
            if (moved && !ok) _fail("honest challenger move reverted", err);
            if (!moved) {
                (moved, ok, err) = players.solverMove(id);
                assertTrue(moved, "someone moves");
            }
        }
        IDisputeGame.Game memory end = world.getGame(id);
        assertTrue(end.level == Level.Decided && end.winner == Side.Challenger, "the honest challenger wins");
        assertTrue(oneStep, "decided by the one-step check");
        _settleAndCheck(id);
    }

    // ------------------------------------------------------------------------------------------
    // Regressions (issue 9, finding 1: revealed objects re-read as another kind)
    // ------------------------------------------------------------------------------------------

    /// @notice With 32-node descents (TREE_BITS = 5) a revealed 1,024-byte leaf is byte for byte
    ///         32 nodes and vice versa. The challenger can choose only among the objects the solver
    ///         revealed, as revealed: a leaf re-read as nodes, nodes re-read as a leaf, or claims
    ///         of another level or position are refused.
    /// forge-config: default.fuzz.runs = 64
    /// forge-config: deep.fuzz.runs = 1000
    function testFuzz_revealedLeafIsNotNodes(uint256 index, uint256 slot, bytes32 salt) public {
        uint256 task = _task(world.MODE_HONEST(), salt, 4, 4);
        uint256 id = _open(world.staker(3), task, 1, true, false);
        // True moves down to the output's data tree: the solver has revealed its top nodes.
        _playTo(id, Level.Element, 0);
        bytes32[] memory nodes = world.gameGhost(id).claims;
        // (b) Revealed nodes re-read as a (short) leaf: refused.
        vm.prank(world.getGame(id).challenger);
        vm.expectRevert();
        game.chooseElement(GameId.wrap(id), abi.encodePacked(nodes), bound(slot, 0, 4 * nodes.length - 1));
        // Descend to the leaf; the solver reveals it.
        _playTo(id, Level.Element, 1);
        assertEq(world.getGame(id).hi, 0, "at the leaf");
        assertEq(world.gameGhost(id).leaf.length, LibTensor.LEAF_BYTES, "leaf revealed");
        _checkLeafBinding(id, nodes, index, slot, salt);
        // ... and the honest solver wins the one-step check on the chosen element.
        (, bool ok,) = players.solverMove(id);
        assertTrue(ok && world.getGame(id).winner == Side.Solver, "honest solver wins the one-step check");
    }

    /// @dev At a revealed leaf: the leaf re-read as 32 nodes, the claims of an earlier position
    ///      and another leaf are refused; the revealed leaf is accepted.
    function _checkLeafBinding(uint256 id, bytes32[] memory nodes, uint256 index, uint256 slot, bytes32 salt) internal {
        GameId gid = GameId.wrap(id);
        address challenger = world.getGame(id).challenger;
        bytes memory leaf = world.gameGhost(id).leaf;
        bytes memory mismatch = abi.encodeWithSelector(IDisputeGame.DisputePendingMismatch.selector, gid);
        // (a) The leaf re-read as 32 nodes: refused, whatever child is picked.
        vm.prank(challenger);
        vm.expectRevert(mismatch);
        game.choose(gid, _words(leaf), bound(index, 0, 31));
        // Claims of an earlier position (the top nodes): refused.
        vm.prank(challenger);
        vm.expectRevert(mismatch);
        game.choose(gid, nodes, bound(index, 0, nodes.length - 1));
        // Another leaf: refused. The revealed one: accepted.
        bytes memory other = abi.encodePacked(leaf);
        other[uint256(salt) % 1024] = bytes1(uint8(other[uint256(salt) % 1024]) ^ 0x01);
        slot = bound(slot, 0, 127);
        vm.prank(challenger);
        vm.expectRevert(mismatch);
        game.chooseElement(gid, other, slot);
        vm.prank(challenger);
        game.chooseElement(gid, leaf, slot);
        assertTrue(world.getGame(id).level == Level.OneStep, "element chosen");
    }

    function _words(bytes memory b) internal pure returns (bytes32[] memory w) {
        w = new bytes32[](b.length / 32);
        for (uint256 i = 0; i < w.length; ++i) {
            bytes32 x;
            assembly ("memory-safe") {
                x := mload(add(add(b, 32), shl(5, i)))
            }
            w[i] = x;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Clocks (issue 9, finding 4)
    // ------------------------------------------------------------------------------------------

    /// @notice Both sides stall every move to the last second they have: the game can still be
    ///         timed out no later than MAX_GAME_DURATION after it opened.
    /// forge-config: default.fuzz.runs = 64
    /// forge-config: deep.fuzz.runs = 1000
    function testFuzz_stallingNeverExceedsMaxGameDuration(uint256 margin, bytes32 choices) public {
        margin = bound(margin, 1, 600);
        uint256 task = _task(world.MODE_HONEST(), choices, 8, 4);
        uint256 opened = block.timestamp;
        uint256 id = _open(world.staker(3), task, 1 + (uint256(choices) % 2), true, false);
        uint256 maxDuration = game.MAX_GAME_DURATION();
        assertEq(maxDuration, 2 * (game.CLOCK_BUDGET() + game.CLOCK_EXTENSION()), "MAX_GAME_DURATION");
        for (uint256 turn = 0; turn < 64; ++turn) {
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level >= Level.Decided) break;
            (Side toMove, uint256 s, uint256 c) = game.clockOf(GameId.wrap(id));
            uint256 left = toMove == Side.Solver ? s : c;
            if (left <= margin) break; // the mover cannot stall by `margin` any more
            vm.warp(block.timestamp + left - margin); // stall to `margin` seconds before expiry
            if (toMove == Side.Solver) {
                (, bool ok,) = players.solverMove(id);
                assertTrue(ok, "solver move");
            } else {
                _arbitraryChallengerMove(id, g, uint256(keccak256(abi.encode(choices, turn))));
            }
        }
        IDisputeGame.Game memory end = world.getGame(id);
        if (end.level < Level.Decided) {
            (Side toMove, uint256 s, uint256 c) = game.clockOf(GameId.wrap(id));
            vm.warp(block.timestamp + (toMove == Side.Solver ? s : c));
            game.timeout(GameId.wrap(id));
        }
        assertLe(block.timestamp - opened, maxDuration, "decidable within MAX_GAME_DURATION");
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    function _open(address who, uint256 task, uint256 interval, bool solverHonest, bool challengerHonest)
        internal
        returns (uint256 id)
    {
        IDisputeGame.OpenArgs memory a = world.openArgs(task, interval);
        vm.prank(who);
        id = GameId.unwrap(game.open(a));
        world.recordGame(id, task, solverHonest, challengerHonest);
    }

    /// @dev A challenger move chosen by `r`: any segment or child (valid index), a link contest,
    ///      or any element of the revealed leaf.
    function _arbitraryChallengerMove(uint256 id, IDisputeGame.Game memory g, uint256 r) internal {
        World.GameGhost memory gg = world.gameGhost(id);
        GameId gid = GameId.wrap(id);
        vm.startPrank(g.challenger);
        if (g.level == Level.Ops && g.lo == 0 && g.hi == g.opCount && r % 4 == 0) {
            game.contestInitial(gid);
        } else if (g.level == Level.Ops && g.lo == 0 && g.hi == g.opCount && r % 4 == 1) {
            game.contestFinal(gid);
        } else if (g.level == Level.Element && g.lo == 0 && g.hi == LibTensor.dataDepth(g.numel) && r % 3 == 0) {
            game.contestOpOutput(gid);
        } else if (g.level == Level.Element && g.hi == 0) {
            game.chooseElement(gid, gg.leaf, (r >> 8) % 128);
        } else {
            uint256 n = gg.claims.length;
            uint256 options = g.level == Level.Steps || g.level == Level.Ops || g.level == Level.Sums ? n + 1 : n;
            uint256 i = (r >> 8) % options;
            // Never a list-padding child (the contract refuses those).
            if (g.level == Level.InitialSlots || g.level == Level.FinalState) {
                uint256 levels = g.hi < world.TREE_BITS() ? g.hi : world.TREE_BITS();
                uint256 leaves = g.level == Level.InitialSlots ? g.slotCount : g.stateCount;
                while ((((uint256(g.lo) << levels) + i) << (g.hi - levels)) >= leaves) --i;
            }
            game.choose(gid, gg.claims, i);
        }
        vm.stopPrank();
    }

    /// @dev Plays true moves on both sides until the game is at `level` with the challenger to
    ///      move: stage 0 as soon as it is, stage 1 once the descent reached its bottom (hi = 0).
    function _playTo(uint256 id, Level level, uint256 stage) internal {
        for (uint256 turn = 0; turn < 64; ++turn) {
            IDisputeGame.Game memory g = world.getGame(id);
            (Side toMove,,) = game.clockOf(GameId.wrap(id));
            if (g.level == level && toMove == Side.Challenger && (stage == 0 || g.hi == 0)) return;
            if (toMove == Side.Solver) {
                (, bool ok, bytes memory err) = players.solverMove(id);
                if (!ok) _fail("solver move", err);
            } else {
                // The first segment / child: true claims everywhere, so any choice is fine.
                World.GameGhost memory gg = world.gameGhost(id);
                vm.prank(g.challenger);
                game.choose(GameId.wrap(id), gg.claims, 0);
            }
        }
        fail("level not reached");
    }

    function _settleAndCheck(uint256 id) internal {
        IDisputeGame.Game memory g = world.getGame(id);
        uint256 before = world.stakeTotal(g.challenger);
        game.settle(GameId.wrap(id));
        if (g.winner == Side.Solver) {
            // The bond goes to the solver less the sink share (a self-challenge loses only that).
            uint256 loss = g.challenger == g.solver ? (uint256(g.bond) * world.SINK_BPS()) / 10_000 : g.bond;
            assertEq(world.stakeTotal(g.challenger), before - loss, "losing challenger's bond slashed");
        } else {
            assertEq(world.stakeTotal(g.challenger), before, "winning challenger keeps its bond");
            assertTrue(world.getTask(TaskId.unwrap(g.task)).status == TaskStatus.Rejected, "task rejected");
        }
    }

    function _fail(string memory what, bytes memory err) internal pure {
        fail(string.concat(what, ": ", _hex(err)));
    }

    function _hex(bytes memory b) internal pure returns (string memory) {
        bytes memory out = new bytes(2 * b.length);
        bytes16 digits = "0123456789abcdef";
        for (uint256 i = 0; i < b.length; ++i) {
            out[2 * i] = digits[uint8(b[i]) >> 4];
            out[2 * i + 1] = digits[uint8(b[i]) & 15];
        }
        return string(out);
    }
}
