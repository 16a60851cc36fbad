// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Side} from "../types/DisputeTypes.sol";

/// @notice Chess clocks of one dispute game, packed in one word. Bit layout, least significant
///         first: solver's remaining seconds (64) | challenger's remaining seconds (64) |
///         timestamp the current turn started (64) | side to move (8).
type Clock is uint256;

/// @title LibClock
/// @notice Chess clocks per side (docs/DISPUTE.md §5): only the side to move loses time; a move
///         hands the turn over (or keeps it for a side that must move twice) and tops the next
///         mover up to `extension` seconds if it has less left, so a late move never leaves the
///         opponent without time to answer.
library LibClock {
    uint256 private constant MASK64 = type(uint64).max;

    /// @notice A fresh clock: both sides have `budget` seconds and `first` moves from `now_`.
    function start(uint256 budget, Side first, uint256 now_) internal pure returns (Clock) {
        return Clock.wrap(budget | (budget << 64) | (now_ << 128) | (uint256(uint8(first)) << 192));
    }

    /// @notice The side to move.
    function toMove(Clock c) internal pure returns (Side) {
        return Side(uint8(Clock.unwrap(c) >> 192));
    }

    /// @notice Seconds `side` had left when the current turn started.
    function budgetOf(Clock c, Side side) internal pure returns (uint256) {
        uint256 w = Clock.unwrap(c);
        return side == Side.Solver ? w & MASK64 : (w >> 64) & MASK64;
    }

    /// @notice When the current turn started.
    function turnStart(Clock c) internal pure returns (uint256) {
        return (Clock.unwrap(c) >> 128) & MASK64;
    }

    /// @notice Seconds `side` has left at `now_` (the side to move loses the time since its turn started).
    function remaining(Clock c, Side side, uint256 now_) internal pure returns (uint256) {
        uint256 left = budgetOf(c, side);
        if (side != toMove(c)) return left;
        uint256 elapsed = now_ - turnStart(c);
        return elapsed >= left ? 0 : left - elapsed;
    }

    /// @notice Whether the side to move has run out of time at `now_`.
    function expired(Clock c, uint256 now_) internal pure returns (bool) {
        return remaining(c, toMove(c), now_) == 0;
    }

    /// @notice The clock after the side to move moved at `now_` and `next` is to move; `next`
    ///         is topped up to `extension` seconds if it has less. The caller checks expiry first.
    function hand(Clock c, Side next, uint256 now_, uint256 extension) internal pure returns (Clock) {
        Side mover = toMove(c);
        uint256 moverLeft = remaining(c, mover, now_);
        uint256 solverLeft = mover == Side.Solver ? moverLeft : budgetOf(c, Side.Solver);
        uint256 challengerLeft = mover == Side.Challenger ? moverLeft : budgetOf(c, Side.Challenger);
        if (next == Side.Solver && solverLeft < extension) solverLeft = extension;
        if (next == Side.Challenger && challengerLeft < extension) challengerLeft = extension;
        return Clock.wrap(solverLeft | (challengerLeft << 64) | (now_ << 128) | (uint256(uint8(next)) << 192));
    }
}
