import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import TestTokenModule from "./TestToken";
import { buildMarket } from "./marketCore";

/**
 * Local deployment: a fresh TestToken, StakeManager and TaskMarket, the market wired into the StakeManager.
 * The dispute module adds the DisputeGame with
 * `wireDisputeGame(m, m.useModule(LocalMarketModule), disputeGame)` (./marketCore.ts).
 */
const LocalMarketModule = buildModule("LocalMarket", (m) => {
  const { token } = m.useModule(TestTokenModule);
  const { stakeManager, taskMarket } = buildMarket(m, token);
  return { token, stakeManager, taskMarket };
});

export default LocalMarketModule;
