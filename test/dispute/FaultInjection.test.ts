import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Side } from "../../src/dispute";
import { deploySystem, irisWorkload, playFaultScenario } from "./fixture";
import { ADVERSARIES, playAdversaryScenario } from "./adversaries";

/** CI sample of scripts/fault-injection.ts (which plays ≥ 200 seeded games and the adversaries). */
const SEEDS = Number(process.env.PINPOINT_FAULT_SEEDS ?? 24);
const ADVERSARY_SEEDS = Number(process.env.PINPOINT_ADVERSARY_SEEDS ?? 6);

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

  it(`the honest side wins ${ADVERSARY_SEEDS} games against the audit's adversaries (type confusion, puppets, stalling)`, async () => {
    const s = await loadFixture(deploySystem);
    const w = irisWorkload();
    const kinds = new Set<string>();
    let confusions = 0;
    for (let seed = 1; seed <= ADVERSARY_SEEDS; seed++) {
      const g = await playAdversaryScenario(s, w, seed);
      expect(g.winner, `${g.label} ${JSON.stringify(g.detail)}`).to.equal(g.honest);
      expect(g.ok, `${g.label} ${JSON.stringify(g.detail)}`).to.equal(true);
      kinds.add(g.kind);
      if (g.kind === "confuse") confusions += Number(g.detail.tried);
    }
    expect([...kinds].sort()).to.deep.equal([...ADVERSARIES].sort());
    expect(confusions).to.be.greaterThan(0);
  });
});
