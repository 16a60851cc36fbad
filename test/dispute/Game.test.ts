import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Side } from "../../src/dispute";
import { deploySystem, irisWorkload, runScenario } from "./fixture";

describe("DisputeGame full games (Iris MLP train step)", () => {
  it("a solver wrong at one MatMul output element loses at the one-step check", async () => {
    const s = await loadFixture(deploySystem);
    const w = irisWorkload();
    const { result } = await runScenario(s, w, {
      totalSteps: 8,
      interval: 4,
      solverFaults: [{ kind: "output", step: 6, op: 0, element: 5, delta: 1 << 30 }],
    });
    console.log(result.moves.map((m) => `${m.move}:${m.gas}`).join(" "));
    expect(result.rejected).to.deep.equal([]);
    expect(result.winner).to.equal(Side.Challenger);
    expect(result.byTimeout).to.equal(false);
  });
});
