import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import LocalMarketModule from "./LocalMarket";
import { grantDisputeRoles } from "./marketCore";

/**
 * Grants the dispute roles (DISPUTE_ROLE on TaskMarket, LOCKER_ROLE and SLASHER_ROLE on
 * StakeManager) to the address given by the `dispute` parameter, on the local market. Used by the
 * test fixtures (an EOA stands in for the dispute contract) and by operators who deploy the
 * dispute contract outside Ignition.
 */
const DisputeRolesModule = buildModule("DisputeRoles", (m) => {
  const market = m.useModule(LocalMarketModule);
  grantDisputeRoles(m, market, m.getParameter<string>("dispute"));
  return market;
});

export default DisputeRolesModule;
