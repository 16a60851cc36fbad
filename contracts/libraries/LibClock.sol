// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Side} from "../types/DisputeTypes.sol";

/// @notice Chess clocks of one dispute game, packed in one word. Bit layout, least significant
///         first: solver's remaining seconds (48) | challenger's remaining seconds (48) | solver's
///         unused extension reserve (48) | challenger's unused extension reserve (48) | timestamp the
///         current turn started (48) | side to move (8).
type Clock is uint256;

/// @title LibClock
/// @notice Chess clocks per side (docs/DISPUTE.md §5): only the side to move loses time. Each side
///         starts with `budget` seconds and an extension reserve of `extension` seconds. When a turn
///         starts with less than `extension` seconds left, the mover is topped up towards
///         `extension` from its own reserve, never beyond it. So a side can never be given more than
///         `budget + extension` seconds in a whole game, and every game is decided (or can be timed
///         out) at most `2 · (budget + extension)` seconds after it opened: time passes on exactly
///         one side's clock at a time, and a side whose clock is empty cannot move.
library LibClock {
    uint256 private constant MASK48 = (uint256(1) << 48) - 1;
    uint256 private constant SOLVER_LEFT = 0;
    uint256 private constant CHALLENGER_LEFT = 48;
    uint256 private constant SOLVER_RESERVE = 96;
    uint256 private constant CHALLENGER_RESERVE = 144;
    uint256 private constant TURN_START = 192;
    uint256 private constant TO_MOVE = 240;
    /// @dev The four time fields (everything below the turn start).
    uint256 private constant TURN_MASK = (uint256(1) << TURN_START) - 1;

    /// @notice A fresh clock: both sides have `budget` seconds and an `extension` reserve, and
    ///         `first` moves from `now_`. The caller keeps `budget`, `extension` < 2^48.
    function start(uint256 budget, uint256 extension, Side first, uint256 now_) internal pure returns (Clock) {
        return Clock.wrap(
            (budget << SOLVER_LEFT) | (budget << CHALLENGER_LEFT) | (extension << SOLVER_RESERVE)
                | (extension << CHALLENGER_RESERVE) | (now_ << TURN_START) | (uint256(uint8(first)) << TO_MOVE)
        );
    }

    /// @notice The side to move.
    function toMove(Clock c) internal pure returns (Side) {
        return Side(uint8(Clock.unwrap(c) >> TO_MOVE));
    }

    /// @notice Seconds `side` had left when the current turn started.
    function budgetOf(Clock c, Side side) internal pure returns (uint256) {
        return (Clock.unwrap(c) >> (side == Side.Solver ? SOLVER_LEFT : CHALLENGER_LEFT)) & MASK48;
    }

    /// @notice Seconds of extension `side` can still be topped up with.
    function reserveOf(Clock c, Side side) internal pure returns (uint256) {
        return (Clock.unwrap(c) >> (side == Side.Solver ? SOLVER_RESERVE : CHALLENGER_RESERVE)) & MASK48;
    }

    /// @notice When the current turn started.
    function turnStart(Clock c) internal pure returns (uint256) {
        return (Clock.unwrap(c) >> TURN_START) & MASK48;
    }

    /// @notice Seconds `side` has left at `now_` (the side to move loses the time since its turn started).
    function remaining(Clock c, Side side, uint256 now_) internal pure returns (uint256) {
        uint256 w = Clock.unwrap(c);
        uint256 left = (w >> (side == Side.Solver ? SOLVER_LEFT : CHALLENGER_LEFT)) & MASK48;
        // Raw comparison of the side field (no enum conversion on this hot path).
        if (uint256(uint8(side)) != (w >> TO_MOVE)) return left;
        uint256 elapsed = now_ - ((w >> TURN_START) & MASK48);
        return elapsed >= left ? 0 : left - elapsed;
    }

    /// @notice Whether the side to move has run out of time at `now_`.
    function expired(Clock c, uint256 now_) internal pure returns (bool) {
        uint256 w = Clock.unwrap(c);
        uint256 left = (w >> ((w >> TO_MOVE) == uint256(uint8(Side.Solver)) ? SOLVER_LEFT : CHALLENGER_LEFT)) & MASK48;
        return now_ - ((w >> TURN_START) & MASK48) >= left;
    }

    /// @notice The clock after the side to move moved at `now_` and `next` is to move (it may be
    ///         the same side again). If `next` has less than `extension` seconds left it is topped
    ///         up towards `extension`, drawing on its reserve and never beyond it. The caller
    ///         checks expiry first.
    function hand(Clock c, Side next, uint256 now_, uint256 extension) internal pure returns (Clock) {
        uint256 w = Clock.unwrap(c);
        // The mover's remaining time after this turn (fields read in place; one word throughout).
        uint256 moverShift = (w >> TO_MOVE) == uint256(uint8(Side.Solver)) ? SOLVER_LEFT : CHALLENGER_LEFT;
        uint256 left = (w >> moverShift) & MASK48;
        uint256 elapsed = now_ - ((w >> TURN_START) & MASK48);
        left = elapsed >= left ? 0 : left - elapsed;
        w = (w & ~(MASK48 << moverShift)) | (left << moverShift);
        // The next mover's top-up towards `extension`, from its own reserve.
        uint256 nextShift = next == Side.Solver ? SOLVER_LEFT : CHALLENGER_LEFT;
        uint256 nextLeft = (w >> nextShift) & MASK48;
        if (nextLeft < extension) {
            uint256 reserveShift = nextShift + SOLVER_RESERVE;
            uint256 grant = extension - nextLeft;
            uint256 reserve = (w >> reserveShift) & MASK48;
            if (grant > reserve) grant = reserve;
            // Cannot overflow or borrow: nextLeft + grant ≤ extension < 2^48 and grant ≤ reserve,
            // so each field stays inside its 48 bits.
            unchecked {
                w = w + (grant << nextShift) - (grant << reserveShift);
            }
        }
        return Clock.wrap((w & TURN_MASK) | (now_ << TURN_START) | (uint256(uint8(next)) << TO_MOVE));
    }
}
