// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test-only account contract: forwards arbitrary calls so that a test can act as a
///         contract (e.g. a solver whose token callback re-enters the market). Anyone may drive it.
contract Attacker {
    /// @notice Calls `to` with `data` as this contract; bubbles a revert.
    function exec(address to, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = to.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
