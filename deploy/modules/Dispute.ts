import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import LocalMarketModule from "./LocalMarket";
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { wireDisputeGame, type MarketFutures } from "./marketCore";

/** Default dispute parameters (seconds; token base units with 18 decimals). */
export const DisputeDefaults = {
  /** Dissection degree D. */
  degree: 16,
  /** Tree levels revealed per descent round (2^4 = 16 nodes). */
  treeBits: 4,
  /** Challenger bond. */
  bond: 10n * 10n ** 18n,
  /** Chess clock per side. */
  clockBudget: 3 * 24 * 3600,
  /** Extension reserve per side: a turn starting with less is topped up towards it, from the reserve. */
  clockExtension: 3 * 3600,
} as const;

/**
 * Adds the dispute game to a deployed market's futures: OneStepVerifier, the linked
 * LibDisputeProofs library and DisputeGame, wired once into the TaskMarket (the only dispute game
 * it will ever accept). Parameters: `degree`, `treeBits`, `bond`,
 * `clockBudget`, `clockExtension` (defaults in {@link DisputeDefaults}).
 */
export function buildDispute(m: IgnitionModuleBuilder, market: MarketFutures) {
  const verifier = m.contract("OneStepVerifier");
  const proofs = m.library("LibDisputeProofs");
  const game = m.contract(
    "DisputeGame",
    [
      market.taskMarket,
      verifier,
      m.getParameter("degree", DisputeDefaults.degree),
      m.getParameter("treeBits", DisputeDefaults.treeBits),
      m.getParameter("bond", DisputeDefaults.bond),
      m.getParameter("clockBudget", DisputeDefaults.clockBudget),
      m.getParameter("clockExtension", DisputeDefaults.clockExtension),
    ],
    { libraries: { LibDisputeProofs: proofs } },
  );
  wireDisputeGame(m, market, game, "Game");
  return { verifier, game };
}

/** The local market (TestToken, StakeManager, TaskMarket) plus the dispute game. */
const DisputeModule = buildModule("Dispute", (m) => {
  const market = m.useModule(LocalMarketModule);
  return { ...market, ...buildDispute(m, market) };
});

export default DisputeModule;
