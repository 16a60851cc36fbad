import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import LocalMarketModule from "./LocalMarket";
import { wireDisputeGame } from "./marketCore";

/**
 * Wires the address given by the `dispute` parameter into the local market as its one dispute
 * game (`TaskMarket.wire`, once). Used by the test fixtures (an EOA stands in for the dispute
 * contract) and by operators who deploy the dispute contract outside Ignition.
 */
const DisputeRolesModule = buildModule("DisputeRoles", (m) => {
  const market = m.useModule(LocalMarketModule);
  wireDisputeGame(m, market, m.getParameter<string>("dispute"));
  return market;
});

export default DisputeRolesModule;
