/**
 * Shared Ignition building blocks for the staking and escrow contracts. Not a module itself:
 * `Market.ts` (existing token) and `LocalMarket.ts` (fresh TestToken) call {@link buildMarket};
 * the dispute module calls {@link wireDisputeGame} with its DisputeGame future or address.
 *
 * There are no roles to grant: the StakeManager accepts exactly one market and the TaskMarket
 * exactly one dispute game, each wired once by the deployer (account 0) and never again.
 */
import type {
  AddressResolvableFuture,
  CallableContractFuture,
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

/** Default module parameters (seconds, basis points, token base units with 18 decimals). */
export const MarketDefaults = {
  unbondingDelay: 7 * 24 * 3600,
  /** Delay of a TaskMarket admin transfer (AccessControlDefaultAdminRules). */
  adminDelay: 2 * 24 * 3600,
  slashSinkBps: 2_000,
  minSolverStake: 100n * 10n ** 18n,
  minChallengeWindow: 3600,
  defaultChallengeWindow: 24 * 3600,
  defaultSolveWindow: 24 * 3600,
  expiryPenaltyBps: 1_000,
} as const;

/**
 * Deploys StakeManager and TaskMarket on `token` and wires the TaskMarket into the StakeManager
 * (`StakeManager.wire`, once, by account 0, the deployer). Every value is a module parameter with
 * a default: `admin`, `adminDelay`, `unbondingDelay`, `slashSink`, `slashSinkBps`, `minSolverStake`,
 * `minChallengeWindow`, `defaultChallengeWindow`, `defaultSolveWindow`, `expiryPenaltyBps`.
 */
export function buildMarket(m: IgnitionModuleBuilder, token: ContractFuture<string>) {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const stakeManager = m.contract("StakeManager", [
    token,
    m.getParameter("unbondingDelay", MarketDefaults.unbondingDelay),
    m.getParameter("slashSink", deployer),
    m.getParameter("slashSinkBps", MarketDefaults.slashSinkBps),
  ]);
  const taskMarket = m.contract("TaskMarket", [
    stakeManager,
    admin,
    m.getParameter("adminDelay", MarketDefaults.adminDelay),
    {
      minSolverStake: m.getParameter("minSolverStake", MarketDefaults.minSolverStake),
      minChallengeWindow: m.getParameter("minChallengeWindow", MarketDefaults.minChallengeWindow),
      defaultChallengeWindow: m.getParameter("defaultChallengeWindow", MarketDefaults.defaultChallengeWindow),
      defaultSolveWindow: m.getParameter("defaultSolveWindow", MarketDefaults.defaultSolveWindow),
      expiryPenaltyBps: m.getParameter("expiryPenaltyBps", MarketDefaults.expiryPenaltyBps),
    },
  ]);
  // The only account that can lock, unlock and slash stake, set once and for good.
  m.call(stakeManager, "wire", [taskMarket], { id: "WireTaskMarket" });
  return { stakeManager, taskMarket };
}

/** The futures {@link wireDisputeGame} needs (what the market modules return). */
export interface MarketFutures {
  stakeManager: CallableContractFuture<string>;
  taskMarket: CallableContractFuture<string>;
}

/**
 * Wires the dispute game into the TaskMarket (`TaskMarket.wire`, once, by account 0, the
 * deployer): it becomes the only caller of the dispute hooks, and through them of challenger bond
 * locks and slashes. Call it from the dispute module with the DisputeGame future or an address
 * parameter. Future ids are prefixed with `idPrefix` so a module can call it more than once.
 */
export function wireDisputeGame(
  m: IgnitionModuleBuilder,
  { taskMarket }: MarketFutures,
  dispute: AddressResolvableFuture | ModuleParameterRuntimeValue<string> | string,
  idPrefix = "",
) {
  m.call(taskMarket, "wire", [dispute], { id: `${idPrefix}WireDisputeGame` });
}
