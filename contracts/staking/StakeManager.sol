// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {Duration} from "../types/Duration.sol";

/// @title StakeManager
/// @notice ERC-20 stake with free / locked / pending balances, an unbonding delay and slashing
///         into pull-based credits. No admin: the one market allowed to lock and slash is wired once
///         by the deployer; sink, sink share and delay are immutable. See {IStakeManager}.
/// @dev Token accounting invariant: `token.balanceOf(this) == Σ_accounts (free + locked + pending)`.
///      Only {deposit} and {withdraw} move tokens; lock, unlock and slash move amounts between
///      internal balances and conserve the sum. Per account, `free + locked + pending < 2^128`
///      (checked on every credit), so moving amounts between an account's balances never overflows.
contract StakeManager is IStakeManager, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------------------------------
    // Constants and immutables
    // ------------------------------------------------------------------------------------------

    /// @notice Basis-point denominator.
    uint16 internal constant BPS = 10_000;
    /// @notice Largest sink share: a slash's beneficiary always gets at least half.
    uint16 internal constant MAX_SINK_BPS = 5_000;
    /// @notice Longest unbonding delay (30 days), so that stake can always leave.
    uint256 internal constant MAX_UNBONDING_DELAY = 30 days;

    /// @notice The stake token.
    IERC20 internal immutable TOKEN;
    /// @inheritdoc IStakeManager
    address public immutable DEPLOYER;
    /// @notice Sink of every slash's sink share.
    address internal immutable SLASH_SINK;
    /// @notice Sink share of every slash, in basis points.
    uint16 internal immutable SLASH_SINK_BPS;
    /// @notice Delay between a withdrawal request and its release.
    Duration internal immutable UNBONDING_DELAY;

    // ------------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------------

    /// @notice Balances per account (two words, see {IStakeManager.Balances}).
    mapping(address account => Balances) internal _balances;
    /// @inheritdoc IStakeManager
    address public market;

    // ------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------

    /// @param token_ The stake token (must transfer exact amounts; fee-on-transfer tokens revert on deposit).
    /// @param delay Unbonding delay (at most 30 days).
    /// @param sink Slash sink (non-zero).
    /// @param sinkBps Sink share in basis points (at most 5,000).
    constructor(IERC20 token_, Duration delay, address sink, uint16 sinkBps) {
        // INVARIANT: slashed funds always have a destination and a beneficiary gets at least half.
        if (sink == address(0) || sinkBps > MAX_SINK_BPS) revert StakeInvalidSink(sink, sinkBps);
        // INVARIANT: stake can always leave within a bounded time.
        if (delay.toSeconds() > MAX_UNBONDING_DELAY) revert StakeInvalidDelay(delay.toSeconds(), MAX_UNBONDING_DELAY);
        TOKEN = token_;
        DEPLOYER = msg.sender;
        SLASH_SINK = sink;
        SLASH_SINK_BPS = sinkBps;
        UNBONDING_DELAY = delay;
    }

    // ------------------------------------------------------------------------------------------
    // Wiring
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function wire(address market_) external {
        // INVARIANT: the market is set once, by the deployer, and never changes.
        if (msg.sender != DEPLOYER || market != address(0) || market_ == address(0)) {
            revert StakeWiring(msg.sender, market);
        }
        market = market_;
        emit StakeMarketWired(market_);
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
        uint40 releaseTime = UNBONDING_DELAY.fromNow();
        // Cannot overflow: free + pending < 2^128 (checked on every credit); checked anyway.
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
    function lock(address account, uint256 amount) external onlyMarket {
        Balances storage b = _balances[account];
        uint256 free = b.free;
        // INVARIANT: a lock never exceeds free stake (pending stake cannot be locked).
        if (free < amount) revert StakeInsufficientFree(account, amount, free);
        // Cannot overflow: amount ≤ free, and free + locked < 2^128 (enforced by {_credit}, the
        // only way a balance grows), so locked + amount < 2^128.
        unchecked {
            b.free = uint128(free - amount);
            b.locked += uint128(amount);
        }
        emit StakeLocked(account, msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function unlock(address account, uint256 amount) external onlyMarket {
        Balances storage b = _release(account, amount);
        // Cannot overflow: free + locked < 2^128 ({_credit}), and amount ≤ locked (checked in _release).
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
    ) external onlyMarket returns (uint256 toBeneficiary, uint256 toSink) {
        Balances storage b = _release(account, amount);
        // Cannot underflow: amount ≤ locked (checked in _release).
        unchecked {
            b.locked -= uint128(amount);
        }
        address sink = SLASH_SINK;
        // Cannot overflow: amount < 2^128 (it was locked) and SLASH_SINK_BPS ≤ 5,000.
        toSink = beneficiary == address(0) ? amount : (amount * SLASH_SINK_BPS) / BPS;
        toBeneficiary = amount - toSink;
        // Credits keep every account's total below 2^128 (StakeAmountOverflow otherwise).
        if (toBeneficiary != 0) _credit(beneficiary, toBeneficiary);
        if (toSink != 0) _credit(sink, toSink);
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
        return locker != address(0) && locker == market ? _balances[account].locked : 0;
    }

    /// @inheritdoc IStakeManager
    function slashSink() external view returns (address) {
        return SLASH_SINK;
    }

    /// @inheritdoc IStakeManager
    function slashSinkBps() external view returns (uint16) {
        return SLASH_SINK_BPS;
    }

    /// @inheritdoc IStakeManager
    function unbondingDelay() external view returns (Duration) {
        return UNBONDING_DELAY;
    }

    // ------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------

    /// @dev Pulls exactly `amount` from the caller and credits its free balance.
    function _deposit(uint256 amount) internal {
        // INVARIANT: every deposit moves a positive amount.
        if (amount == 0) revert StakeZeroAmount();
        // INVARIANT: an account's free + locked + pending stays below 2^128 (checked before and,
        // through {_credit}, after the transfer).
        _checkRoom(_balances[msg.sender], amount);
        uint256 before = TOKEN.balanceOf(address(this));
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = TOKEN.balanceOf(address(this)) - before;
        // INVARIANT: credited stake equals tokens received (no fee-on-transfer tokens).
        if (received != amount) revert StakeFeeOnTransfer(amount, received);
        // Effect after the interaction: the credit depends on the measured amount; nonReentrant
        // guards every token-moving entry point, and the credit re-reads the balances.
        _credit(msg.sender, amount);
        emit StakeDeposited(msg.sender, amount);
    }

    /// @dev Reverts unless the caller is the wired market.
    modifier onlyMarket() {
        // INVARIANT: only the market wired at deployment locks, unlocks or slashes stake.
        if (msg.sender != market || msg.sender == address(0)) revert StakeNotMarket(msg.sender);
        _;
    }

    /// @dev Returns `account`'s balances after checking that `amount ≤ locked`; the caller then
    ///      reduces `locked` by `amount`.
    function _release(address account, uint256 amount) internal view returns (Balances storage b) {
        b = _balances[account];
        uint256 held = b.locked;
        // INVARIANT: only locked stake is released or slashed.
        if (held < amount) revert StakeInsufficientLocked(account, msg.sender, amount, held);
    }

    /// @dev Reverts unless `amount` more keeps `b`'s free + locked + pending below 2^128.
    function _checkRoom(Balances storage b, uint256 amount) internal view {
        uint256 total = uint256(b.free) + b.locked + b.pending + amount;
        if (total > type(uint128).max) revert StakeAmountOverflow(total);
    }

    /// @dev Adds `amount` to `account`'s free balance, keeping its total below 2^128.
    function _credit(address account, uint256 amount) internal {
        Balances storage b = _balances[account];
        _checkRoom(b, amount);
        // Cannot overflow: free + amount ≤ total < 2^128 (checked above).
        b.free = uint128(uint256(b.free) + amount);
    }
}
