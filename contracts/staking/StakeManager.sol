// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {Duration} from "../types/Duration.sol";

/// @title StakeManager
/// @notice ERC-20 stake with free / locked / pending balances, per-locker locks, an unbonding
///         delay and slashing into pull-based credits. See {IStakeManager}.
/// @dev Token accounting invariant: `token.balanceOf(this) == Σ_accounts (free + locked + pending)`.
///      Only {deposit} and {withdraw} move tokens; lock, unlock and slash move amounts between
///      internal balances and conserve the sum.
contract StakeManager is IStakeManager, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------------------------------
    // Constants and immutables
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    bytes32 public constant LOCKER_ROLE = keccak256("LOCKER_ROLE");
    /// @inheritdoc IStakeManager
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice Basis-point denominator.
    uint16 internal constant BPS = 10_000;

    /// @notice The stake token.
    IERC20 internal immutable TOKEN;

    // ------------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------------

    /// @notice Balances per account (two words, see {IStakeManager.Balances}).
    mapping(address account => Balances) internal _balances;
    /// @notice Stake of an account locked by a locker.
    mapping(address locker => mapping(address account => uint256)) internal _lockedBy;

    /// @inheritdoc IStakeManager
    address public slashSink;
    /// @inheritdoc IStakeManager
    uint16 public slashSinkBps;
    /// @inheritdoc IStakeManager
    Duration public unbondingDelay;

    // ------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------

    /// @param token_ The stake token (must transfer exact amounts; fee-on-transfer tokens revert on deposit).
    /// @param admin Receives `DEFAULT_ADMIN_ROLE`.
    /// @param delay Initial unbonding delay.
    /// @param sink Initial slash sink.
    /// @param sinkBps Initial sink share in basis points.
    constructor(IERC20 token_, address admin, Duration delay, address sink, uint16 sinkBps) {
        TOKEN = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setSlashSink(sink, sinkBps);
        unbondingDelay = delay;
        emit UnbondingDelayUpdated(delay);
    }

    // ------------------------------------------------------------------------------------------
    // Admin
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function setSlashSink(address sink, uint16 sinkBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setSlashSink(sink, sinkBps);
    }

    /// @inheritdoc IStakeManager
    function setUnbondingDelay(Duration delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        unbondingDelay = delay;
        emit UnbondingDelayUpdated(delay);
    }

    // ------------------------------------------------------------------------------------------
    // Stakers
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function deposit(uint256 amount) external nonReentrant {
        _deposit(amount);
    }

    /// @inheritdoc IStakeManager
    function depositWithPermit(
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        // A front-run permit makes this call revert although the allowance is in place; ignore
        // the failure and let transferFrom decide.
        try
            IERC20Permit(address(TOKEN)).permit(msg.sender, address(this), amount, deadline, v, r, s)
        {} catch {}
        _deposit(amount);
    }

    /// @inheritdoc IStakeManager
    function requestWithdrawal(uint256 amount) external {
        // INVARIANT: every request moves a positive amount.
        if (amount == 0) revert StakeZeroAmount();
        Balances storage b = _balances[msg.sender];
        uint256 free = b.free;
        // INVARIANT: pending stake comes only from free stake; locked stake never unbonds.
        if (free < amount) revert StakeInsufficientFree(msg.sender, amount, free);
        uint40 releaseTime = unbondingDelay.fromNow();
        // Cannot overflow: amount ≤ free < 2^128 and free + pending ≤ total deposits < 2^128 in practice;
        // checked arithmetic below reverts otherwise.
        uint128 pending = b.pending + uint128(amount);
        b.free = uint128(free - amount);
        b.pending = pending;
        b.releaseTime = releaseTime;
        emit StakeWithdrawalRequested(msg.sender, amount, pending, releaseTime);
    }

    /// @inheritdoc IStakeManager
    function cancelWithdrawal() external {
        Balances storage b = _balances[msg.sender];
        uint128 pending = b.pending;
        // INVARIANT: only an existing request can be cancelled.
        if (pending == 0) revert StakeNothingPending(msg.sender);
        b.free += pending;
        b.pending = 0;
        b.releaseTime = 0;
        emit StakeWithdrawalCancelled(msg.sender, pending);
    }

    /// @inheritdoc IStakeManager
    function withdraw() external nonReentrant returns (uint256 amount) {
        Balances storage b = _balances[msg.sender];
        amount = b.pending;
        // INVARIANT: only pending stake leaves the contract.
        if (amount == 0) revert StakeNothingPending(msg.sender);
        uint256 releaseTime = b.releaseTime;
        // INVARIANT: pending stake stays slashable-in-time (unbonding) until its release time.
        if (block.timestamp < releaseTime) revert StakeStillUnbonding(msg.sender, releaseTime);
        b.pending = 0;
        b.releaseTime = 0;
        emit StakeWithdrawn(msg.sender, amount);
        TOKEN.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Lockers and slashers
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function lock(address account, uint256 amount) external onlyRole(LOCKER_ROLE) {
        Balances storage b = _balances[account];
        uint256 free = b.free;
        // INVARIANT: a lock never exceeds free stake (pending stake cannot be locked).
        if (free < amount) revert StakeInsufficientFree(account, amount, free);
        // Cannot overflow: amount ≤ free < 2^128, and locked + free ≤ 2^128 − 1 (checked on credit).
        unchecked {
            b.free = uint128(free - amount);
            b.locked += uint128(amount);
            _lockedBy[msg.sender][account] += amount;
        }
        emit StakeLocked(account, msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function unlock(address account, uint256 amount) external onlyRole(LOCKER_ROLE) {
        Balances storage b = _release(account, amount);
        // Cannot overflow: the amount was free before it was locked (free + locked < 2^128), and
        // amount ≤ locked (checked in _release).
        unchecked {
            (b.free, b.locked) = (b.free + uint128(amount), b.locked - uint128(amount));
        }
        emit StakeUnlocked(account, msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function slash(
        address account,
        uint256 amount,
        address beneficiary
    ) external onlyRole(SLASHER_ROLE) returns (uint256 toBeneficiary, uint256 toSink) {
        Balances storage b = _release(account, amount);
        // Cannot underflow: amount ≤ locked (checked in _release).
        unchecked {
            b.locked -= uint128(amount);
        }
        address sink = slashSink;
        // Cannot overflow: amount < 2^128 (it was locked) and slashSinkBps ≤ 10,000.
        toSink = beneficiary == address(0) ? amount : (amount * slashSinkBps) / BPS;
        toBeneficiary = amount - toSink;
        // Checked: a credit that overflows 2^128 − 1 reverts (impossible while total supply < 2^128).
        if (toBeneficiary != 0) _balances[beneficiary].free += uint128(toBeneficiary);
        if (toSink != 0) _balances[sink].free += uint128(toSink);
        emit StakeSlashed(account, msg.sender, beneficiary, amount, toBeneficiary, sink, toSink);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function token() external view returns (IERC20) {
        return TOKEN;
    }

    /// @inheritdoc IStakeManager
    function balancesOf(address account) external view returns (Balances memory) {
        return _balances[account];
    }

    /// @inheritdoc IStakeManager
    function freeOf(address account) external view returns (uint256) {
        return _balances[account].free;
    }

    /// @inheritdoc IStakeManager
    function lockedBy(address locker, address account) external view returns (uint256) {
        return _lockedBy[locker][account];
    }

    // ------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------

    /// @dev Pulls exactly `amount` from the caller and credits its free balance.
    function _deposit(uint256 amount) internal {
        // INVARIANT: every deposit moves a positive amount.
        if (amount == 0) revert StakeZeroAmount();
        Balances storage b = _balances[msg.sender];
        uint256 newFree = uint256(b.free) + amount;
        // INVARIANT: balances fit in 128 bits.
        if (newFree > type(uint128).max) revert StakeAmountOverflow(newFree);
        uint256 before = TOKEN.balanceOf(address(this));
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = TOKEN.balanceOf(address(this)) - before;
        // INVARIANT: credited stake equals tokens received (no fee-on-transfer tokens).
        if (received != amount) revert StakeFeeOnTransfer(amount, received);
        // Effect after the interaction: the credit depends on the measured amount; nonReentrant
        // guards every token-moving entry point, and the credit is re-read here.
        b.free = uint128(uint256(b.free) + amount);
        emit StakeDeposited(msg.sender, amount);
    }

    /// @dev Removes `amount` from the caller's lock on `account` and returns `account`'s balances,
    ///      whose `locked` (≥ the caller's lock ≥ amount) the caller then reduces by `amount`.
    function _release(address account, uint256 amount) internal returns (Balances storage b) {
        uint256 held = _lockedBy[msg.sender][account];
        // INVARIANT: a locker only releases or slashes stake it locked itself.
        if (held < amount) revert StakeInsufficientLocked(account, msg.sender, amount, held);
        // Cannot underflow: amount ≤ held.
        unchecked {
            _lockedBy[msg.sender][account] = held - amount;
        }
        return _balances[account];
    }

    /// @dev Sets the slash sink after validating it.
    function _setSlashSink(address sink, uint16 sinkBps) internal {
        // INVARIANT: slashed funds always have a destination and shares sum to the slashed amount.
        if (sink == address(0) || sinkBps > BPS) revert StakeInvalidSink(sink, sinkBps);
        slashSink = sink;
        slashSinkBps = sinkBps;
        emit SlashSinkUpdated(sink, sinkBps);
    }
}
