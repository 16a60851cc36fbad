import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  claimedTask,
  createTask,
  deployMarketFixture,
  E18,
  randomHash,
  stake,
  Status,
  submittedTask,
  taskParams,
  TestConfig,
} from "../fixtures/market";

const { ethers } = hre;

const STAKE = 20n * E18;
const REWARD = 50n * E18;
const toSink = (STAKE * BigInt(TestConfig.slashSinkBps)) / 10_000n;

describe("TaskMarket dispute hooks", function () {
  describe("access", function () {
    it("only DISPUTE_ROLE may open or resolve disputes", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const role = await f.market.DISPUTE_ROLE();
      const m = f.market.connect(f.challenger);
      for (const call of [
        m.openDispute(taskId, f.challenger.address),
        m.resolveForSolver(taskId, f.challenger.address),
        m.resolveForChallenger(taskId, f.challenger.address),
      ]) {
        await expect(call)
          .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
          .withArgs(f.challenger.address, role);
      }
    });
  });

  describe("openDispute", function () {
    it("rejects unknown tasks and tasks that are not Submitted", async function () {
      const f = await loadFixture(deployMarketFixture);
      const d = f.market.connect(f.dispute);
      await expect(d.openDispute(42, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(42);
      const open = await createTask(f, f.submitter);
      await expect(d.openDispute(open, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(open, Status.Open, Status.Submitted);
      const { taskId } = await claimedTask(f);
      await expect(d.openDispute(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Claimed, Status.Submitted);
    });

    it("is allowed strictly before the end of the challenge window", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline - 1n);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.challenger.address))
        .to.emit(f.market, "DisputeOpened")
        .withArgs(taskId, f.challenger.address, 1);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.others[0].address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowClosed")
        .withArgs(taskId, deadline);
    });

    it("returns the solver, counts open disputes and blocks finalize", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      expect(await f.market.connect(f.dispute).openDispute.staticCall(taskId, f.challenger.address)).to.equal(
        f.solver.address,
      );
      await f.market.connect(f.dispute).openDispute(taskId, f.challenger.address);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.others[0].address))
        .to.emit(f.market, "DisputeOpened")
        .withArgs(taskId, f.others[0].address, 2);
      expect((await f.market.getTask(taskId)).openDisputes).to.equal(2);
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDisputesOpen")
        .withArgs(taskId, 2);
    });
  });

  describe("resolveForSolver", function () {
    it("rejects unknown tasks and tasks without an open dispute", async function () {
      const f = await loadFixture(deployMarketFixture);
      const d = f.market.connect(f.dispute);
      await expect(d.resolveForSolver(8, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(8);
      const { taskId } = await submittedTask(f);
      await expect(d.resolveForSolver(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoOpenDispute")
        .withArgs(taskId);
    });

    it("closes one game; a losing challenger cannot block payment beyond its own game", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      await d.openDispute(taskId, f.challenger.address);
      await d.openDispute(taskId, f.others[0].address);
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(d.resolveForSolver(taskId, f.challenger.address))
        .to.emit(f.market, "DisputeResolved")
        .withArgs(taskId, f.challenger.address, true, 1);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDisputesOpen")
        .withArgs(taskId, 1);
      await d.resolveForSolver(taskId, f.others[0].address);
      await expect(f.market.finalize(taskId)).to.changeTokenBalance(f.token, f.solver, REWARD);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Finalized);
      await expect(d.resolveForSolver(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoOpenDispute")
        .withArgs(taskId);
    });

    it("a game resolved before the window ends still waits for the window", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await f.market.connect(f.dispute).openDispute(taskId, f.challenger.address);
      await f.market.connect(f.dispute).resolveForSolver(taskId, f.challenger.address);
      const { deadline } = await f.market.getTask(taskId);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowOpen")
        .withArgs(taskId, deadline);
    });
  });

  describe("resolveForChallenger", function () {
    it("rejects unknown tasks and tasks without an open dispute", async function () {
      const f = await loadFixture(deployMarketFixture);
      const d = f.market.connect(f.dispute);
      await expect(d.resolveForChallenger(8, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(8);
      const { taskId } = await submittedTask(f);
      await expect(d.resolveForChallenger(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoOpenDispute")
        .withArgs(taskId);
    });

    it("rejects the task, slashes the whole stake to the challenger and sink, and never pays the solver", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      await d.openDispute(taskId, f.challenger.address);
      expect(await d.resolveForChallenger.staticCall(taskId, f.challenger.address)).to.equal(STAKE);
      const tx = d.resolveForChallenger(taskId, f.challenger.address);
      await expect(tx)
        .to.emit(f.market, "TaskRejected")
        .withArgs(taskId, f.solver.address, f.challenger.address, STAKE);
      await expect(tx).to.emit(f.market, "DisputeResolved").withArgs(taskId, f.challenger.address, false, 0);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(
          f.solver.address,
          await f.market.getAddress(),
          f.challenger.address,
          STAKE,
          STAKE - toSink,
          f.sink.address,
          toSink,
        );
      await expect(tx).to.changeTokenBalances(f.token, [f.market, f.stakeManager, f.submitter], [0, 0, 0]);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Rejected);
      const b = await f.stakeManager.balancesOf(f.solver.address);
      expect([b.free, b.locked]).to.deep.equal([0n, 0n]);
      expect(await f.stakeManager.freeOf(f.challenger.address)).to.equal(STAKE - toSink);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(toSink);
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Submitted);
      await expect(f.market.expire(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Claimed);
      await expect(f.market.connect(f.submitter).cancel(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Open);
    });

    it("with several games: one slash only, the others still resolve either way, the solver is never paid", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      const [c2, c3] = f.others;
      await d.openDispute(taskId, f.challenger.address);
      await d.openDispute(taskId, c2.address);
      await d.openDispute(taskId, c3.address);
      await d.resolveForChallenger(taskId, c2.address);
      // No new games on a rejected task.
      await expect(d.openDispute(taskId, f.others[2].address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Submitted);
      expect(await d.resolveForChallenger.staticCall(taskId, f.challenger.address)).to.equal(0);
      const tx = d.resolveForChallenger(taskId, f.challenger.address);
      await expect(tx).to.emit(f.market, "DisputeResolved").withArgs(taskId, f.challenger.address, false, 1);
      await expect(tx).to.not.emit(f.market, "TaskRejected");
      await expect(tx).to.not.emit(f.stakeManager, "StakeSlashed");
      await expect(d.resolveForSolver(taskId, c3.address))
        .to.emit(f.market, "DisputeResolved")
        .withArgs(taskId, c3.address, true, 0);
      expect(await f.stakeManager.freeOf(c2.address)).to.equal(STAKE - toSink);
      expect(await f.stakeManager.freeOf(f.challenger.address)).to.equal(0);
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Submitted);
    });
  });

  describe("isolation between tasks", function () {
    it("slashing a solver on one task leaves its stake on another task locked and payable", async function () {
      const f = await loadFixture(deployMarketFixture);
      const one = taskParams({ totalSteps: 100n, checkpointInterval: 100n });
      const a = await createTask(f, f.submitter, one);
      const b = await createTask(f, f.submitter, { ...one, solverStake: 30n * E18 });
      await stake(f, f.solver, 60n * E18);
      await f.market.connect(f.solver).claim(a);
      await f.market.connect(f.solver).claim(b);
      const marketAddr = await f.market.getAddress();
      expect(await f.stakeManager.lockedBy(marketAddr, f.solver.address)).to.equal(50n * E18);
      await f.market.connect(f.solver).submitFinal(a, randomHash());
      await f.market.connect(f.solver).submitFinal(b, randomHash());
      const d = f.market.connect(f.dispute);
      await d.openDispute(a, f.challenger.address);
      await d.resolveForChallenger(a, f.challenger.address);
      expect(await f.stakeManager.lockedBy(marketAddr, f.solver.address)).to.equal(30n * E18);
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(f.market.finalize(b)).to.changeTokenBalance(f.token, f.solver, REWARD);
      const bal = await f.stakeManager.balancesOf(f.solver.address);
      expect([bal.free, bal.locked]).to.deep.equal([40n * E18, 0n]);
    });
  });

  describe("reclaim", function () {
    it("rejects unknown tasks and tasks that are not Rejected", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.reclaim(11))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(11);
      const { taskId } = await submittedTask(f);
      await expect(f.market.reclaim(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Submitted, Status.Rejected);
    });

    it("returns the reward to the submitter once, even while other games are still open", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      await d.openDispute(taskId, f.challenger.address);
      await d.openDispute(taskId, f.others[0].address);
      await d.resolveForChallenger(taskId, f.challenger.address);
      const tx = f.market.connect(f.others[3]).reclaim(taskId);
      await expect(tx).to.emit(f.market, "TaskReclaimed").withArgs(taskId, f.submitter.address, REWARD);
      await expect(tx).to.changeTokenBalances(f.token, [f.submitter, f.market], [REWARD, -REWARD]);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Refunded);
      await expect(f.market.reclaim(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Refunded, Status.Rejected);
      // The remaining game still resolves (either way) without moving anything.
      const tx2 = d.resolveForChallenger(taskId, f.others[0].address);
      await expect(tx2).to.emit(f.market, "DisputeResolved").withArgs(taskId, f.others[0].address, false, 0);
      await expect(tx2).to.not.emit(f.stakeManager, "StakeSlashed");
      expect(await f.token.balanceOf(await f.market.getAddress())).to.equal(0);
    });
  });

  describe("roles wiring for the dispute contract", function () {
    it("grantDisputeRoles gives the dispute address DISPUTE_ROLE, LOCKER_ROLE and SLASHER_ROLE", async function () {
      const f = await loadFixture(deployMarketFixture);
      expect(await f.market.hasRole(ethers.id("DISPUTE_ROLE"), f.dispute.address)).to.equal(true);
      expect(await f.stakeManager.hasRole(ethers.id("LOCKER_ROLE"), f.dispute.address)).to.equal(true);
      expect(await f.stakeManager.hasRole(ethers.id("SLASHER_ROLE"), f.dispute.address)).to.equal(true);
      // A bond locked by the dispute contract is separate from the solver's task stake.
      await claimedTask(f);
      await f.stakeManager.connect(f.dispute).lock(f.solver.address, 0n);
      await expect(f.stakeManager.connect(f.dispute).slash(f.solver.address, 1n, f.challenger.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientLocked")
        .withArgs(f.solver.address, f.dispute.address, 1n, 0n);
    });
  });
});
