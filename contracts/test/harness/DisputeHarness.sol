// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibDissection} from "../../libraries/LibDissection.sol";
import {LibClock, Clock} from "../../libraries/LibClock.sol";
import {Side} from "../../types/DisputeTypes.sol";

/// @title DisputeHarness
/// @notice Test-only wrapper exposing the dispute geometry and clock libraries.
contract DisputeHarness {
    function segments(uint256 lo, uint256 hi, uint256 degree) external pure returns (uint256) {
        return LibDissection.segments(lo, hi, degree);
    }

    function point(uint256 lo, uint256 hi, uint256 degree, uint256 i) external pure returns (uint256) {
        return LibDissection.point(lo, hi, degree, i);
    }

    function segment(uint256 lo, uint256 hi, uint256 degree, uint256 i) external pure returns (uint256, uint256) {
        return LibDissection.segment(lo, hi, degree, i);
    }

    function rollup(bytes32[] calldata nodes, uint256 first, uint256 height, uint256 listLeaves)
        external
        view
        returns (bytes32)
    {
        return LibDissection.rollup(nodes, first, height, listLeaves);
    }

    function clockStart(uint256 budget, uint256 extension, Side first, uint256 now_) external pure returns (Clock) {
        return LibClock.start(budget, extension, first, now_);
    }

    function clockReserve(Clock c, Side side) external pure returns (uint256) {
        return LibClock.reserveOf(c, side);
    }

    function clockHand(Clock c, Side next, uint256 now_, uint256 extension) external pure returns (Clock) {
        return LibClock.hand(c, next, now_, extension);
    }

    function clockRemaining(Clock c, Side side, uint256 now_) external pure returns (uint256) {
        return LibClock.remaining(c, side, now_);
    }

    function clockExpired(Clock c, uint256 now_) external pure returns (bool) {
        return LibClock.expired(c, now_);
    }

    function clockToMove(Clock c) external pure returns (Side) {
        return LibClock.toMove(c);
    }
}
