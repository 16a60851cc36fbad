import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { claimedTask, createTask, deployMarketFixture } from "../fixtures/market";

const Bundle = 0;
const Checkpoints = 1;

describe("TaskMarket.announce", function () {
  describe("validations", function () {
    it("rejects an unknown task", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.connect(f.submitter).announce(9, Bundle, "file:///b"))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(9);
    });

    it("lets only the submitter announce the bundle", async function () {
      const f = await loadFixture(deployMarketFixture);
      const id = await createTask(f, f.submitter);
      await expect(f.market.connect(f.solver).announce(id, Bundle, "file:///b"))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSubmitter")
        .withArgs(id, f.solver.address);
    });

    it("lets only the current solver announce checkpoints", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      await expect(f.market.connect(f.submitter).announce(taskId, Checkpoints, "http://x"))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(taskId, f.submitter.address);
    });

    it("rejects an empty or over-long URI", async function () {
      const f = await loadFixture(deployMarketFixture);
      const id = await createTask(f, f.submitter);
      await expect(f.market.connect(f.submitter).announce(id, Bundle, ""))
        .to.be.revertedWithCustomError(f.market, "TaskMarketBadUri")
        .withArgs(0);
      await expect(f.market.connect(f.submitter).announce(id, Bundle, "x".repeat(1025)))
        .to.be.revertedWithCustomError(f.market, "TaskMarketBadUri")
        .withArgs(1025);
    });
  });

  describe("events", function () {
    it("emits TaskAnnounced for the submitter's bundle and the solver's checkpoints, storing nothing", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      const before = await f.market.getTask(taskId);
      await expect(f.market.connect(f.submitter).announce(taskId, Bundle, "file:///tmp/a.bundle.json"))
        .to.emit(f.market, "TaskAnnounced")
        .withArgs(taskId, f.submitter.address, Bundle, "file:///tmp/a.bundle.json");
      await expect(f.market.connect(f.solver).announce(taskId, Checkpoints, "http://127.0.0.1:9000"))
        .to.emit(f.market, "TaskAnnounced")
        .withArgs(taskId, f.solver.address, Checkpoints, "http://127.0.0.1:9000");
      expect(await f.market.getTask(taskId)).to.deep.equal(before);
    });
  });
});
