// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Duration} from "../types/Duration.sol";

/// @title IStakeManager
/// @notice ERC-20 stake for Pinpoint solvers and verifiers.
///
///         Every account has three balances: `free` (lockable, withdrawable after unbonding),
///         `locked` (held by the market: a solver's task stake per claimed task, a challenger's
///         bond per dispute game) and `pending` (unbonding: cannot be locked, withdrawable once its
///         release time passes). `free + locked + pending < 2^128` for every account.
///
///         No admin, no roles: exactly one contract, the TaskMarket, may lock, unlock and slash.
///         It is wired once by the deployer ({wire}) and can never be changed; before wiring
///         nobody can. The sink, its share and the unbonding delay are immutable. The TaskMarket
///         slashes only (a) a solver's task stake when its dispute game resolves a dispute for a
///         challenger, (b) the expiry penalty of a solver that missed its deadline and (c) the bond
///         of a challenger that lost its game (docs/ECONOMICS.md).
///
///         Slashed stake is never pushed: the beneficiary share and the sink share are credited to
///         the beneficiary's and the sink's `free` balances (pull over push), withdrawable through
///         the normal unbonding path or re-lockable as stake.
interface IStakeManager {
    // ----------------------------------------------------------------------------------------
    // Types
    // ----------------------------------------------------------------------------------------

    /// @notice Balances of one account.
    /// @dev Storage layout, least significant bits first: word 0 = free (128) | locked (128);
    ///      word 1 = pending (128) | releaseTime (40).
    struct Balances {
        uint128 free;
        uint128 locked;
        uint128 pending;
        uint40 releaseTime;
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice `account` deposited `amount` tokens into its free balance.
    event StakeDeposited(address indexed account, uint256 amount);
    /// @notice `amount` moved from free to pending; the whole pending balance `pending` unlocks at `releaseTime`.
    event StakeWithdrawalRequested(
        address indexed account,
        uint256 amount,
        uint256 pending,
        uint256 releaseTime
    );
    /// @notice The pending balance `amount` moved back to free.
    event StakeWithdrawalCancelled(address indexed account, uint256 amount);
    /// @notice `amount` pending tokens were transferred to `account`.
    event StakeWithdrawn(address indexed account, uint256 amount);
    /// @notice `locker` locked `amount` of `account`'s free stake.
    event StakeLocked(address indexed account, address indexed locker, uint256 amount);
    /// @notice `locker` released `amount` of `account`'s stake it had locked.
    event StakeUnlocked(address indexed account, address indexed locker, uint256 amount);
    /// @notice `slasher` slashed `amount` of `account`'s stake it had locked: `toBeneficiary` was
    ///         credited to `beneficiary`'s free balance and `toSink` to `sink`'s free balance.
    event StakeSlashed(
        address indexed account,
        address indexed slasher,
        address indexed beneficiary,
        uint256 amount,
        uint256 toBeneficiary,
        address sink,
        uint256 toSink
    );
    /// @notice The deployer wired `market`, the one contract that may lock, unlock and slash stake.
    event StakeMarketWired(address indexed market);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice An amount argument was zero.
    error StakeZeroAmount();
    /// @notice The token moved `received` instead of `expected` (fee-on-transfer or rebasing tokens are not supported).
    error StakeFeeOnTransfer(uint256 expected, uint256 received);
    /// @notice A balance would exceed 2^128 − 1.
    error StakeAmountOverflow(uint256 amount);
    /// @notice `account` has only `free` free stake, `requested` was needed.
    error StakeInsufficientFree(address account, uint256 requested, uint256 free);
    /// @notice `locker` holds only `locked` of `account`'s stake, `requested` was needed.
    error StakeInsufficientLocked(address account, address locker, uint256 requested, uint256 locked);
    /// @notice `account` has no pending withdrawal.
    error StakeNothingPending(address account);
    /// @notice `account`'s pending withdrawal unlocks at `releaseTime`.
    error StakeStillUnbonding(address account, uint256 releaseTime);
    /// @notice The slash sink must be a non-zero address and its share at most 5,000 bps (so that
    ///         a beneficiary always gets at least half of a slash).
    error StakeInvalidSink(address sink, uint16 sinkBps);
    /// @notice The unbonding delay `delay` exceeds the maximum `maximum` (seconds).
    error StakeInvalidDelay(uint256 delay, uint256 maximum);
    /// @notice Only the deployer wires the market, exactly once, to a non-zero address; `caller`
    ///         tried (or the market is already `market`).
    error StakeWiring(address caller, address market);
    /// @notice Only the wired market may lock, unlock and slash; `caller` is not it.
    error StakeNotMarket(address caller);

    // ----------------------------------------------------------------------------------------
    // Roles and configuration
    // ----------------------------------------------------------------------------------------

    /// @notice Sets the one contract allowed to lock, unlock and slash stake. Only the deployer,
    ///         once, to a non-zero address (reverts with {StakeWiring} otherwise). Emits {StakeMarketWired}.
    /// @param market_ The TaskMarket.
    function wire(address market_) external;

    /// @notice The wired TaskMarket (zero before {wire}).
    function market() external view returns (address);

    /// @notice The account that deployed this contract: the only one that may {wire} it.
    function DEPLOYER() external view returns (address);

    /// @notice The stake token, fixed at deployment.
    function token() external view returns (IERC20);

    /// @notice Delay between {requestWithdrawal} and {withdraw}, fixed at deployment (at most 30 days).
    function unbondingDelay() external view returns (Duration);

    /// @notice Where the sink share of every slash is credited, fixed at deployment.
    function slashSink() external view returns (address);

    /// @notice The sink's share of every slash in basis points (≤ 5,000, fixed at deployment); the
    ///         beneficiary gets the rest.
    function slashSinkBps() external view returns (uint16);

    // ----------------------------------------------------------------------------------------
    // Staker functions
    // ----------------------------------------------------------------------------------------

    /// @notice Pulls `amount` tokens from the caller (after `approve`) into its free balance.
    ///         Reverts with {StakeFeeOnTransfer} if the contract receives a different amount.
    ///         Emits {StakeDeposited}.
    /// @param amount Tokens to pull and credit (> 0).
    function deposit(uint256 amount) external;

    /// @notice {deposit} after an EIP-2612 `permit` for `amount` signed by the caller.
    ///         A permit that was already used (front-run) is tolerated if the allowance suffices.
    /// @param amount Tokens to pull and credit (> 0); also the permit value.
    /// @param deadline Permit deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Moves `amount` from free to pending. The release time of the whole pending balance
    ///         becomes `now + unbondingDelay`. Pending stake cannot be locked.
    ///         Emits {StakeWithdrawalRequested}.
    /// @param amount Free stake to unbond (> 0, at most the free balance).
    function requestWithdrawal(uint256 amount) external;

    /// @notice Moves the whole pending balance back to free. Emits {StakeWithdrawalCancelled}.
    function cancelWithdrawal() external;

    /// @notice Transfers the whole pending balance to the caller once its release time has passed.
    ///         Emits {StakeWithdrawn}.
    /// @return amount The amount transferred.
    function withdraw() external returns (uint256 amount);

    // ----------------------------------------------------------------------------------------
    // Market functions
    // ----------------------------------------------------------------------------------------

    /// @notice Locks `amount` of `account`'s free stake. Only the wired market.
    ///         Reverts with {StakeInsufficientFree}. Emits {StakeLocked}.
    /// @param account Whose free stake to lock.
    /// @param amount Amount to lock (may be 0).
    function lock(address account, uint256 amount) external;

    /// @notice Releases `amount` of `account`'s locked stake back to free. Only the wired market.
    ///         Reverts with {StakeInsufficientLocked}. Emits {StakeUnlocked}.
    /// @param account Whose stake to release.
    /// @param amount Amount to release, at most the locked stake.
    function unlock(address account, uint256 amount) external;

    /// @notice Slashes `amount` of `account`'s locked stake. The sink gets
    ///         `amount * slashSinkBps / 10_000` (rounded down), `beneficiary` the rest; both are credited
    ///         to free balances. A zero `beneficiary` sends everything to the sink.
    ///         Only the wired market. Reverts with {StakeInsufficientLocked}. Emits {StakeSlashed}.
    /// @param account Whose stake to slash.
    /// @param amount Amount to slash, at most `account`'s locked stake.
    /// @param beneficiary Credited with the non-sink share (zero: all to the sink).
    /// @return toBeneficiary Amount credited to `beneficiary`.
    /// @return toSink Amount credited to the sink.
    function slash(
        address account,
        uint256 amount,
        address beneficiary
    ) external returns (uint256 toBeneficiary, uint256 toSink);

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice All balances of `account`.
    /// @param account Any account.
    /// @return Its free, locked and pending balances and the pending release time.
    function balancesOf(address account) external view returns (Balances memory);

    /// @notice Free (lockable) stake of `account`.
    /// @param account Any account.
    /// @return Its free balance.
    function freeOf(address account) external view returns (uint256);

    /// @notice Stake of `account` locked by `locker`: its locked balance for the wired market, 0 otherwise.
    /// @param locker Any address.
    /// @param account Any account.
    /// @return The part of `account`'s locked stake held by `locker`.
    function lockedBy(address locker, address account) external view returns (uint256);
}
