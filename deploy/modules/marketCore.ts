/**
 * Shared Ignition building blocks for the staking and escrow contracts. Not a module itself:
 * `Market.ts` (existing token) and `LocalMarket.ts` (fresh TestToken) call {@link buildMarket};
 * the dispute module calls {@link grantDisputeRoles} with its DisputeGame future or address.
 */
import { id } from "ethers";
import type {
  AddressResolvableFuture,
  CallableContractFuture,
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

/** AccessControl role ids (keccak256 of the role name, as in the contracts). */
export const Roles = {
  LOCKER: id("LOCKER_ROLE"),
  SLASHER: id("SLASHER_ROLE"),
  DISPUTE: id("DISPUTE_ROLE"),
} as const;

/** Default module parameters (seconds, basis points, token base units with 18 decimals). */
export const MarketDefaults = {
  unbondingDelay: 7 * 24 * 3600,
  slashSinkBps: 2_000,
  minSolverStake: 100n * 10n ** 18n,
  minChallengeWindow: 3600,
  defaultChallengeWindow: 24 * 3600,
  defaultSolveWindow: 24 * 3600,
  expiryPenaltyBps: 1_000,
} as const;

/**
 * Deploys StakeManager and TaskMarket on `token` and wires TaskMarket's roles on StakeManager
 * (LOCKER_ROLE and SLASHER_ROLE). Every value is a module parameter with a default:
 * `admin`, `unbondingDelay`, `slashSink`, `slashSinkBps`, `minSolverStake`, `minChallengeWindow`,
 * `defaultChallengeWindow`, `defaultSolveWindow`, `expiryPenaltyBps`.
 */
export function buildMarket(m: IgnitionModuleBuilder, token: ContractFuture<string>) {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const stakeManager = m.contract("StakeManager", [
    token,
    admin,
    m.getParameter("unbondingDelay", MarketDefaults.unbondingDelay),
    m.getParameter("slashSink", deployer),
    m.getParameter("slashSinkBps", MarketDefaults.slashSinkBps),
  ]);
  const taskMarket = m.contract("TaskMarket", [
    stakeManager,
    admin,
    {
      minSolverStake: m.getParameter("minSolverStake", MarketDefaults.minSolverStake),
      minChallengeWindow: m.getParameter("minChallengeWindow", MarketDefaults.minChallengeWindow),
      defaultChallengeWindow: m.getParameter("defaultChallengeWindow", MarketDefaults.defaultChallengeWindow),
      defaultSolveWindow: m.getParameter("defaultSolveWindow", MarketDefaults.defaultSolveWindow),
      expiryPenaltyBps: m.getParameter("expiryPenaltyBps", MarketDefaults.expiryPenaltyBps),
    },
  ]);
  // The deployer must hold DEFAULT_ADMIN_ROLE for these grants (the default `admin`); with another
  // admin, that account grants the roles itself.
  m.call(stakeManager, "grantRole", [Roles.LOCKER, taskMarket], { id: "GrantLockerToTaskMarket" });
  m.call(stakeManager, "grantRole", [Roles.SLASHER, taskMarket], { id: "GrantSlasherToTaskMarket" });
  return { stakeManager, taskMarket };
}

/** The futures {@link grantDisputeRoles} needs (what the market modules return). */
export interface MarketFutures {
  stakeManager: CallableContractFuture<string>;
  taskMarket: CallableContractFuture<string>;
}

/**
 * Grants the dispute contract its roles: DISPUTE_ROLE on TaskMarket, LOCKER_ROLE (challenger bonds)
 * and SLASHER_ROLE on StakeManager. Call it from the dispute module with the DisputeGame future
 * (`grantDisputeRoles(m, m.useModule(LocalMarketModule), disputeGame)`) or an address parameter.
 * Future ids are prefixed with `idPrefix` so a module can call it more than once.
 */
export function grantDisputeRoles(
  m: IgnitionModuleBuilder,
  { stakeManager, taskMarket }: MarketFutures,
  dispute: AddressResolvableFuture | ModuleParameterRuntimeValue<string> | string,
  idPrefix = "",
) {
  m.call(taskMarket, "grantRole", [Roles.DISPUTE, dispute], { id: `${idPrefix}GrantDisputeRole` });
  m.call(stakeManager, "grantRole", [Roles.LOCKER, dispute], { id: `${idPrefix}GrantLockerToDispute` });
  m.call(stakeManager, "grantRole", [Roles.SLASHER, dispute], { id: `${idPrefix}GrantSlasherToDispute` });
}
