import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { UNDER_COVERAGE } from "../support/coverage";
import { deployMarketFixture } from "../fixtures/market";
import { GasBudget, measureGas } from "../fixtures/gas";

describe("gas budgets (issue #2)", function () {
  it("createTask ≤ 150k, claim ≤ 100k, finalize ≤ 80k, ≤ 3k per checkpoint in batches of 64", async function () {
    if (UNDER_COVERAGE) this.skip();
    const f = await loadFixture(deployMarketFixture);
    const g = await measureGas(f);
    if (process.env.REPORT_GAS === "true" || process.env.GAS_VERBOSE) {
      console.log(
        Object.entries(g)
          .map(([k, v]) => `      ${k}: ${v}`)
          .join("\n"),
      );
    }
    expect(g.createTask, "createTask").to.be.lessThanOrEqual(GasBudget.createTask);
    expect(g.claim, "claim").to.be.lessThanOrEqual(GasBudget.claim);
    expect(g.finalize, "finalize (solver wallet empty: worst case)").to.be.lessThanOrEqual(
      GasBudget.finalize,
    );
    expect(g.finalizeFundedSolver, "finalize").to.be.lessThanOrEqual(GasBudget.finalize);
    expect(g.perCheckpointIn64, "commitCheckpoints(64) / 64").to.be.lessThanOrEqual(
      GasBudget.perCheckpointIn64,
    );
  });
});
