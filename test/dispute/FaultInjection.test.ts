import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Side } from "../../src/dispute";
import { deploySystem, irisWorkload, playFaultScenario } from "./fixture";

/** CI sample of scripts/fault-injection.ts (which plays ≥ 200 seeded games). */
const SEEDS = Number(process.env.PINPOINT_FAULT_SEEDS ?? 24);

describe("DisputeGame: seeded fault injection (CI sample)", () => {
  it(`the honest side wins all ${SEEDS} random games with exact balances`, async () => {
    const s = await loadFixture(deploySystem);
    const w = irisWorkload();
    const sides = new Set<Side>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const g = await playFaultScenario(s, w, seed);
      expect(g.winner, g.label).to.equal(g.honest);
      expect(g.balancesOk, g.label).to.equal(true);
      sides.add(g.honest);
    }
    expect(sides.size).to.equal(2);
  });
});
