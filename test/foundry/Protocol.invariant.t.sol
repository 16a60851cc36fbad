// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";
import {ITaskMarket} from "../../contracts/interfaces/ITaskMarket.sol";
import {IDisputeGame} from "../../contracts/interfaces/IDisputeGame.sol";
import {TaskId} from "../../contracts/types/TaskId.sol";
import {TaskStatus} from "../../contracts/types/TaskStatus.sol";
import {GameId, Level, Side} from "../../contracts/types/DisputeTypes.sol";
import {World} from "./invariant/World.sol";
import {Players} from "./invariant/Players.sol";
import {
    SubmitterHandler,
    StakerHandler,
    SolverHandler,
    ChallengerHandler,
    KeeperHandler,
    AttackerHandler
} from "./invariant/Handlers.sol";

/// @notice Protocol invariants under arbitrary interleavings of every actor's actions
///         (docs/DESIGN.md §4 "Soundness rules", issue 9): submitters, stakers, solvers (honest,
///         lying consistently, or posting garbage), the honest verifier, an adversarial challenger
///         (any staker, the solver's own accounts included), keepers that warp time, time out,
///         settle, finalize, expire and pay out, the admin, and an outsider calling privileged
///         entry points and raw calldata. Each invariant states one property.
contract ProtocolInvariantTest is Test {
    World internal world;
    Players internal players;

    function setUp() public {
        world = new World();
        players = new Players(world);
        SubmitterHandler submitters = new SubmitterHandler(world, players);
        SolverHandler solvers = new SolverHandler(world, players);
        targetContract(address(submitters));
        targetContract(address(new StakerHandler(world, players)));
        targetContract(address(solvers));
        targetContract(address(new ChallengerHandler(world, players)));
        targetContract(address(new KeeperHandler(world, players)));
        targetContract(address(new AttackerHandler(world, players)));

        // Start from three submitted tasks of the model's program, in their challenge windows:
        // one solved honestly, one with a consistent lie, one with garbage commitments.
        for (uint256 i = 0; i < 3; ++i) {
            // Default solve window, 3-day challenge window (see SubmitterHandler.createTask).
            submitters.createTask(i, 6 + i, 2, 50e18, 40e18, (3 days << 40) | 3, keccak256(abi.encode("task", i)));
        }
        uint256[3] memory seeds = [uint256(3), 1, 2]; // tasks 1, 2, 3 (see World.pickTaskIn)
        for (uint256 i = 0; i < 3; ++i) solvers.claim(i, seeds[i], 1 + i, keccak256(abi.encode("claim", i)));
        for (uint256 i = 0; i < 3; ++i) {
            solvers.commitCheckpoints(seeds[i], 1, keccak256(abi.encode("commit", i)), false);
            solvers.submitFinal(seeds[i], keccak256(abi.encode("final", i)));
        }
        for (uint256 id = 1; id <= 3; ++id) {
            require(world.getTask(id).status == TaskStatus.Submitted, "bootstrap: task not submitted");
        }
    }

    /// @notice Every token is where the books say: the StakeManager holds exactly the stake of
    ///         all accounts, the TaskMarket exactly the rewards it still owes, the DisputeGame
    ///         nothing, and the supply is spread over actors and contracts only.
    function invariant_tokensConserved() public view {
        uint256 stakes;
        uint256 wallets;
        uint256 n = world.accountCount();
        for (uint256 i = 0; i < n; ++i) {
            address a = world.accounts(i);
            stakes += world.stakeTotal(a);
            wallets += world.token().balanceOf(a);
        }
        assertEq(world.token().balanceOf(address(world.sm())), stakes, "StakeManager balance = sum of stake");
        uint256 owed;
        uint256 tasks = world.taskCount();
        for (uint256 id = 1; id <= tasks; ++id) {
            ITaskMarket.Task memory t = world.getTask(id);
            if (
                t.status == TaskStatus.Open || t.status == TaskStatus.Claimed || t.status == TaskStatus.Submitted
                    || t.status == TaskStatus.Rejected
            ) owed += t.reward;
        }
        assertEq(world.token().balanceOf(address(world.market())), owed, "TaskMarket balance = rewards owed");
        assertEq(world.token().balanceOf(address(world.game())), 0, "DisputeGame holds no tokens");
        assertEq(
            wallets + world.token().balanceOf(address(world.sm())) + world.token().balanceOf(address(world.market())),
            world.token().totalSupply(),
            "supply = wallets + StakeManager + TaskMarket"
        );
    }

    /// @notice A staker's free + locked + pending decreases only through its own withdrawal, an
    ///         expiry it caused (at most the penalty fixed when the task was created) or a game it
    ///         lost (a losing challenger's bond; a rejected solver's task stake).
    function invariant_stakeLeavesOnlyByLossOrExpiry() public view {
        assertEq(world.violations(), 0, world.lastViolation());
    }

    /// @notice A solver that committed the true trajectory and answers every move in time never
    ///         loses a game, whatever the challenger sends (any account, its own puppets included).
    function invariant_honestSolverNeverLoses() public view {
        uint256 n = world.game().gameCount();
        for (uint256 id = 1; id <= n; ++id) {
            if (!world.gameGhost(id).solverHonest) continue;
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level >= Level.Decided) {
                assertTrue(g.winner == Side.Solver, string.concat("honest solver lost game ", vm.toString(id)));
            }
        }
    }

    /// @notice A challenger that disputes a wrong claim and plays from the truth never loses,
    ///         whatever the solver sends.
    function invariant_honestChallengerNeverLoses() public view {
        uint256 n = world.game().gameCount();
        for (uint256 id = 1; id <= n; ++id) {
            if (!world.gameGhost(id).challengerHonest) continue;
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level >= Level.Decided) {
                assertTrue(g.winner == Side.Challenger, string.concat("honest challenger lost game ", vm.toString(id)));
            }
        }
    }

    /// @notice Honest parties can always make their move: the contracts accept every move an
    ///         honest solver or verifier makes from real commitments (and the honest verifier can
    ///         always open where the trajectory is wrong).
    function invariant_honestMovesAccepted() public view {
        assertEq(world.honestMoveFailures(), 0, string.concat("honest move reverted: ", vm.toString(world.lastHonestFailure())));
    }

    /// @notice Every game can be decided (timed out) at most MAX_GAME_DURATION =
    ///         2 · (budget + extension) after it opened.
    function invariant_gamesDecidableWithinMaxDuration() public view {
        uint256 n = world.game().gameCount();
        uint256 maxDuration = world.game().MAX_GAME_DURATION();
        for (uint256 id = 1; id <= n; ++id) {
            IDisputeGame.Game memory g = world.getGame(id);
            if (g.level >= Level.Decided) continue;
            if (block.timestamp < world.gameGhost(id).openedAt + maxDuration) continue;
            (Side toMove, uint256 solverLeft, uint256 challengerLeft) = world.game().clockOf(GameId.wrap(id));
            assertEq(toMove == Side.Solver ? solverLeft : challengerLeft, 0, "undecided past MAX_GAME_DURATION with time left");
        }
    }

    /// @notice No outsider can lock, unlock or slash stake, open or resolve disputes, rewire a
    ///         contract or change the configuration.
    function invariant_onlyWiredContractsMoveStake() public view {
        assertEq(world.privilegedSuccesses(), 0, world.lastPrivilegedSuccess());
    }

    /// @notice Every challenger that wins a game is paid a positive reward when it claims.
    function invariant_winnersPaid() public view {
        assertEq(world.challengerWinsWithoutReward(), 0, "a winning challenger claimed a zero reward");
    }

    /// @notice Coverage of the run (shown with -vv).
    function afterInvariant() public view {
        string[25] memory keys = [
            "createTask", "claim honest", "claim lying", "claim garbage", "commitCheckpoints", "submitFinal",
            "open honest", "open", "open self-challenge", "honest challenger move", "solver play", "choose",
            "chooseElement", "contestInitial", "contestFinal", "contestOpOutput", "choose other object",
            "chooseElement other object", "timeout", "settle solver won", "settle challenger won", "finalize",
            "expire", "withdraw", "claimChallengeReward"
        ];
        for (uint256 i = 0; i < keys.length; ++i) console.log(keys[i], world.count(keccak256(bytes(keys[i]))));
        console.log("games", world.game().gameCount());
        console.log("tasks", world.taskCount());
    }
}
