import { expect } from "chai";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { connectPinpoint, getTask, loadAddresses } from "../../src/chain";

const E18 = 10n ** 18n;

/** Runs `npx hardhat pin <task>` in-process with output captured. */
async function pin(task: string, args: Record<string, unknown>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await hre.run({ scope: "pin", task }, args);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

describe("pin tasks: the honest story", function () {
  it("deploy → mint → stake → create → solve → finalize pays the solver and unlocks its stake", async function () {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pin-tasks-"));
    process.env.PINPOINT_DEPLOYMENTS = path.join(dir, "deployments");
    try {
      const deployed = JSON.parse(await pin("deploy", { json: true }));
      expect(deployed.disputeGame).to.match(/^0x[0-9a-fA-F]{40}$/);
      await pin("mint", { amount: "1000", account: 0 });
      await pin("mint", { amount: "1000", account: 1 });
      await pin("stake", { amount: "150", account: 1 });
      const created = JSON.parse(
        await pin("create", { json: true, reward: "40", stake: "100", steps: 24, interval: 5, bundles: path.join(dir, "bundles"), account: 0 }),
      );
      expect(created.taskId).to.equal("1");
      const solved = JSON.parse(
        await pin("solve", { id: 1, checkpoints: path.join(dir, "ckpt"), account: 1, json: true }),
      );
      // The verifier finds bundle and checkpoints through the chain's announcements.
      const verified = JSON.parse(await pin("verify", { id: 1, all: true, account: 2, json: true }));
      expect(verified.mismatch).to.equal(null);
      expect(verified.checks).to.have.length(5);
      expect(solved.status).to.equal("submitted");
      expect(solved.stepsRun).to.equal(24);

      const [, solver] = await hre.ethers.getSigners();
      const c = connectPinpoint(loadAddresses(process.env.PINPOINT_DEPLOYMENTS, "hardhat"), solver);
      // Too early: the window is open, and the error is decoded into one line.
      const early = await pin("finalize", { id: 1, account: 2 });
      expect(early).to.equal("");
      expect((await getTask(c, 1n)).status).to.equal("Submitted");
      await time.increase(24 * 3600 + 1);
      const before = await c.token.balanceOf(solver.address);
      expect(await pin("finalize", { id: 1, account: 2 })).to.equal("task 1 finalized; status Finalized");
      expect((await c.token.balanceOf(solver.address)) - before).to.equal(40n * E18);
      const balances = JSON.parse(await pin("balances", { account: 1, json: true }));
      expect(balances).to.include({ free: (150n * E18).toString(), locked: "0" });
      const listed = JSON.parse(await pin("tasks", { json: true }));
      expect(listed[0]).to.include({ status: "Finalized", checkpointsCommitted: 4 });
    } finally {
      delete process.env.PINPOINT_DEPLOYMENTS;
      process.exitCode = 0;
    }
  });
});
