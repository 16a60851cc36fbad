// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "./Vm.sol";

/// @notice Minimal forge-std style base for Pinpoint's property tests: the cheatcode handle,
///         `bound`, assertions (Foundry's assertion cheatcodes, which revert on failure) and the
///         invariant-target functions forge queries (`targetContracts`, `targetSelectors`,
///         `targetSenders`, `excludeSenders`, `excludeContracts`).
abstract contract Test {
    /// @notice Foundry's cheatcode address: address(uint160(uint256(keccak256("hevm cheat code")))).
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @notice Marks this contract as a test suite for tools that look for it.
    bool public IS_TEST = true;

    uint256 private constant UINT256_MAX = type(uint256).max;

    // ------------------------------------------------------------------------------------------
    // Invariant targets
    // ------------------------------------------------------------------------------------------

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetContracts;
    address[] private _excludeContracts;
    address[] private _targetSenders;
    address[] private _excludeSenders;
    FuzzSelector[] private _targetSelectors;

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function excludeContract(address target) internal {
        _excludeContracts.push(target);
    }

    function targetSender(address sender) internal {
        _targetSenders.push(sender);
    }

    function excludeSender(address sender) internal {
        _excludeSenders.push(sender);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludeContracts;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetSenders;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludeSenders;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    // ------------------------------------------------------------------------------------------
    // Input shaping
    // ------------------------------------------------------------------------------------------

    /// @notice Maps `x` into [min, max] (inclusive). Values already in range are kept, so the
    ///         fuzzer's dictionary values stay meaningful; 0..3 and MAX−3..MAX map to the ends.
    function bound(uint256 x, uint256 min, uint256 max) internal pure virtual returns (uint256) {
        require(min <= max, "bound: max < min");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (x <= 3 && size > x) return min + x;
        if (x >= UINT256_MAX - 3 && size > UINT256_MAX - x) return max - (UINT256_MAX - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            return rem == 0 ? max : min + rem - 1;
        }
        uint256 r = (min - x) % size;
        return r == 0 ? min : max - r + 1;
    }

    /// @notice `bound` for signed values.
    function bound(int256 x, int256 min, int256 max) internal pure virtual returns (int256) {
        require(min <= max, "bound: max < min");
        // Shift to unsigned: int256.min → 0.
        uint256 ux = uint256(x) ^ (uint256(1) << 255);
        uint256 umin = uint256(min) ^ (uint256(1) << 255);
        uint256 umax = uint256(max) ^ (uint256(1) << 255);
        return int256(bound(ux, umin, umax) ^ (uint256(1) << 255));
    }

    // ------------------------------------------------------------------------------------------
    // Assertions
    // ------------------------------------------------------------------------------------------

    function assertTrue(bool c, string memory err) internal pure {
        vm.assertTrue(c, err);
    }

    function assertTrue(bool c) internal pure {
        vm.assertTrue(c, "assertion failed");
    }

    function assertFalse(bool c, string memory err) internal pure {
        vm.assertFalse(c, err);
    }

    function assertEq(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        vm.assertEq(a, b, "values differ");
    }

    function assertEq(int256 a, int256 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(int256 a, int256 b) internal pure {
        vm.assertEq(a, b, "values differ");
    }

    function assertEq(bytes32 a, bytes32 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        vm.assertEq(a, b, "values differ");
    }

    function assertEq(address a, address b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bool a, bool b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bytes memory a, bytes memory b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertNotEq(bytes32 a, bytes32 b, string memory err) internal pure {
        vm.assertNotEq(a, b, err);
    }

    function assertNotEq(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertNotEq(a, b, err);
    }

    function assertLe(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertLe(a, b, err);
    }

    function assertLt(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertLt(a, b, err);
    }

    function assertGe(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertGe(a, b, err);
    }

    function assertGt(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertGt(a, b, err);
    }

    function fail(string memory err) internal pure {
        vm.assertTrue(false, err);
    }
}
