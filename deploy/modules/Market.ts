import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildMarket } from "./marketCore";

/**
 * StakeManager + TaskMarket on an existing ERC-20 given by the `token` parameter (the token must
 * transfer exact amounts: fee-on-transfer tokens are rejected on deposit and createTask).
 * Other parameters and defaults: see `buildMarket` in ./marketCore.ts.
 */
const MarketModule = buildModule("Market", (m) => {
  const token = m.contractAt("IERC20", m.getParameter<string>("token"));
  const { stakeManager, taskMarket } = buildMarket(m, token);
  return { token, stakeManager, taskMarket };
});

export default MarketModule;
