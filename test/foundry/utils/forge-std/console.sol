// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The two console.log signatures Pinpoint's property tests print with (forge shows
///         them with -vv); calls go to Foundry's console address, as forge-std's console does.
library console {
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory s) internal view {
        _send(abi.encodeWithSignature("log(string)", s));
    }

    function log(string memory s, uint256 v) internal view {
        _send(abi.encodeWithSignature("log(string,uint256)", s, v));
    }

    function logBytes(bytes memory b) internal view {
        _send(abi.encodeWithSignature("logBytes(bytes)", b));
    }

    function _send(bytes memory payload) private view {
        address c = CONSOLE;
        assembly ("memory-safe") {
            pop(staticcall(gas(), c, add(payload, 32), mload(payload), 0, 0))
        }
    }
}
