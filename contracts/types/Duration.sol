// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A length of time in seconds. 32 bits (about 136 years) so that durations pack
///         next to amounts and counters in one storage word.
type Duration is uint32;

using {isZero, fromNow, toSeconds} for Duration global;

/// @notice True for a zero duration.
function isZero(Duration d) pure returns (bool) {
    return Duration.unwrap(d) == 0;
}

/// @notice `block.timestamp + d` as a 40-bit timestamp (valid until year 36812).
function fromNow(Duration d) view returns (uint40) {
    // Cannot overflow: block.timestamp < 2^40 for the next 34,000 years and d < 2^32.
    return uint40(block.timestamp) + uint40(Duration.unwrap(d));
}

/// @notice The duration in seconds as a uint256.
function toSeconds(Duration d) pure returns (uint256) {
    return Duration.unwrap(d);
}
