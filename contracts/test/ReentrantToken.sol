// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only ERC-20 that, once armed, calls `target` with `data` from inside a transfer
///         (after balances are updated), as a malicious token or an ERC-777 style hook would.
///         With `bubble` set, a failing re-entrant call reverts the whole transfer; otherwise its
///         failure is recorded in `lastReentryOk` / `lastReentryData` and the transfer completes.
contract ReentrantToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public bubble;
    bool public armed;
    uint256 public reentries;
    bool public lastReentryOk;
    bytes public lastReentryData;

    constructor() ERC20("Reentrant Token", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms one re-entrant call on the next transfer or transferFrom.
    function arm(address target_, bytes calldata data_, bool bubble_) external {
        hookTarget = target_;
        hookData = data_;
        bubble = bubble_;
        armed = true;
    }

    /// @notice Cancels an armed re-entry (a bubbled revert leaves the token armed).
    function disarm() external {
        armed = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from != address(0) && to != address(0)) {
            armed = false;
            reentries += 1;
            (bool ok, bytes memory ret) = hookTarget.call(hookData);
            lastReentryOk = ok;
            lastReentryData = ret;
            if (!ok && bubble) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }
}
