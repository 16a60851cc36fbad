// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {LibClock, Clock} from "../../contracts/libraries/LibClock.sol";
import {Side} from "../../contracts/types/DisputeTypes.sol";

/// @notice Fuzzed chess clocks (docs/DISPUTE.md §5): whatever the order of moves, the time each
///         side takes and whether a side moves twice, a side never gets more than
///         budget + extension seconds in a game, and every game can be timed out at most
///         2 · (budget + extension) seconds after it opened.
contract LibClockTest is Test {
    using LibClock for Clock;

    struct Sim {
        uint256 budget;
        uint256 extension;
        uint256 opened;
        uint256 now_;
        uint256 consumedSolver;
        uint256 consumedChallenger;
        Clock c;
    }

    /// @notice Plays up to 96 moves with fuzzed think times (some stalling to the last second)
    ///         and fuzzed next movers, then lets the side to move run out of time.
    function testFuzz_clockNeverExceedsBudget(
        uint256 budget,
        uint256 extension,
        uint256 opened,
        bool challengerFirst,
        bytes32 seed
    ) public pure {
        Sim memory s;
        s.budget = bound(budget, 1, type(uint32).max);
        s.extension = bound(extension, 0, s.budget);
        s.opened = bound(opened, 0, type(uint40).max);
        s.now_ = s.opened;
        s.c = LibClock.start(s.budget, s.extension, challengerFirst ? Side.Challenger : Side.Solver, s.opened);
        _checkConserved(s);

        uint256 moves = uint256(seed) % 97;
        for (uint256 m = 0; m < moves; ++m) {
            uint256 r = uint256(keccak256(abi.encode(seed, m)));
            Side mover = s.c.toMove();
            uint256 left = s.c.remaining(mover, s.now_);
            assertEq(left, s.c.budgetOf(mover), "a turn starts with the mover's stored budget");
            if (left == 0) break; // expired at the start of its turn: only timeout remains
            // Think time: mostly stalling to the last second (the worst case), sometimes quick.
            uint256 think = r % 4 == 0 ? (r >> 8) % left : left - 1;
            s.now_ += think;
            assertFalse(s.c.expired(s.now_), "a side may move while its clock runs");
            if (mover == Side.Solver) s.consumedSolver += think;
            else s.consumedChallenger += think;
            Side next = (r >> 128) % 3 == 0 ? mover : (mover == Side.Solver ? Side.Challenger : Side.Solver);
            s.c = s.c.hand(next, s.now_, s.extension);
            assertTrue(s.c.toMove() == next, "turn handed to next");
            assertEq(s.c.turnStart(), s.now_, "turn starts now");
            _checkConserved(s);
        }

        // The side to move stalls: timeout becomes callable when its clock runs out.
        Side last = s.c.toMove();
        uint256 timeoutAt = s.now_ + s.c.remaining(last, s.now_);
        assertTrue(s.c.expired(timeoutAt), "expired when the clock reaches zero");
        if (timeoutAt > s.now_) assertFalse(s.c.expired(timeoutAt - 1), "not expired a second earlier");
        if (last == Side.Solver) s.consumedSolver += timeoutAt - s.now_;
        else s.consumedChallenger += timeoutAt - s.now_;
        uint256 perSide = s.budget + s.extension;
        assertLe(s.consumedSolver, perSide, "solver used at most budget + extension");
        assertLe(s.consumedChallenger, perSide, "challenger used at most budget + extension");
        assertLe(timeoutAt - s.opened, 2 * perSide, "game decided within 2 * (budget + extension)");
    }

    /// @notice Only the side to move loses time, exactly the elapsed time, floored at zero.
    function testFuzz_onlyTheMoverLosesTime(uint256 budget, uint256 extension, uint256 t0, uint256 dt, bool solverFirst)
        public
        pure
    {
        budget = bound(budget, 1, type(uint32).max);
        extension = bound(extension, 0, budget);
        t0 = bound(t0, 0, type(uint40).max);
        dt = bound(dt, 0, 2 * uint256(type(uint32).max));
        Side first = solverFirst ? Side.Solver : Side.Challenger;
        Side other = solverFirst ? Side.Challenger : Side.Solver;
        Clock c = LibClock.start(budget, extension, first, t0);
        assertEq(c.remaining(other, t0 + dt), budget, "the waiting side keeps its time");
        assertEq(c.remaining(first, t0 + dt), dt >= budget ? 0 : budget - dt, "the mover loses the elapsed time");
        assertEq(c.expired(t0 + dt), dt >= budget, "expired iff the mover's time is used up");
    }

    /// @dev Per side: time left + unused extension reserve + time consumed = budget + extension.
    function _checkConserved(Sim memory s) internal pure {
        uint256 perSide = s.budget + s.extension;
        assertEq(
            s.c.budgetOf(Side.Solver) + s.c.reserveOf(Side.Solver) + s.consumedSolver,
            perSide,
            "solver: left + reserve + used = budget + extension"
        );
        assertEq(
            s.c.budgetOf(Side.Challenger) + s.c.reserveOf(Side.Challenger) + s.consumedChallenger,
            perSide,
            "challenger: left + reserve + used = budget + extension"
        );
    }
}
