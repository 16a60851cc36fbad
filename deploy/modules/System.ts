import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import MarketModule from "./Market";
import { buildDispute } from "./Dispute";

/**
 * The whole system on an existing ERC-20 (the `token` parameter of the Market module): StakeManager,
 * TaskMarket, OneStepVerifier and DisputeGame, wired once (StakeManager → TaskMarket → DisputeGame). Use it on real networks and
 * forks; `Dispute` (TestToken included) is the local variant.
 */
const SystemModule = buildModule("System", (m) => {
  const market = m.useModule(MarketModule);
  return { ...market, ...buildDispute(m, market) };
});

export default SystemModule;
