import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  claimedTask,
  createTask,
  DAY,
  deployMarketFixture,
  E18,
  fund,
  HOUR,
  numCheckpoints,
  randomHash,
  randomHashes,
  stake,
  Status,
  streamAll,
  submittedTask,
  taskParams,
  TestConfig,
} from "../fixtures/market";

const { ethers } = hre;

describe("TaskMarket", function () {
  describe("deployment and config", function () {
    it("is wired to the StakeManager and its token with the module's configuration", async function () {
      const f = await loadFixture(deployMarketFixture);
      expect(await f.market.stakeManager()).to.equal(await f.stakeManager.getAddress());
      expect(await f.market.token()).to.equal(await f.token.getAddress());
      const c = await f.market.config();
      expect([
        c.minSolverStake,
        c.minChallengeWindow,
        c.defaultChallengeWindow,
        c.defaultSolveWindow,
        c.expiryPenaltyBps,
      ]).to.deep.equal([
        TestConfig.minSolverStake,
        BigInt(TestConfig.minChallengeWindow),
        BigInt(TestConfig.defaultChallengeWindow),
        BigInt(TestConfig.defaultSolveWindow),
        BigInt(TestConfig.expiryPenaltyBps),
      ]);
      expect(await f.market.disputeGame()).to.equal(f.dispute.address);
      expect(await f.market.defaultAdmin()).to.equal(f.admin.address);
      expect(await f.market.defaultAdminDelay()).to.equal(TestConfig.adminDelay);
      expect(await f.market.taskCount()).to.equal(0);
    });

    it("only the admin sets the config, and only a consistent one", async function () {
      const f = await loadFixture(deployMarketFixture);
      const good = {
        minSolverStake: 1n,
        minChallengeWindow: 10,
        defaultChallengeWindow: 10,
        defaultSolveWindow: 5,
        expiryPenaltyBps: 10_000,
      };
      await expect(f.market.connect(f.submitter).setConfig(good))
        .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
        .withArgs(f.submitter.address, await f.market.DEFAULT_ADMIN_ROLE());
      for (const bad of [
        { ...good, defaultSolveWindow: 0 },
        { ...good, defaultChallengeWindow: 9 },
        { ...good, expiryPenaltyBps: 10_001 },
      ]) {
        await expect(f.market.setConfig(bad))
          .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidConfig")
          .withArgs();
      }
      await expect(f.market.setConfig(good))
        .to.emit(f.market, "MarketConfigUpdated")
        .withArgs([
          good.minSolverStake,
          good.minChallengeWindow,
          good.defaultChallengeWindow,
          good.defaultSolveWindow,
          good.expiryPenaltyBps,
        ]);
      expect((await f.market.config()).defaultSolveWindow).to.equal(5);
    });

    it("rejects an inconsistent config at construction", async function () {
      const f = await loadFixture(deployMarketFixture);
      const factory = await ethers.getContractFactory("TaskMarket");
      const bad = {
        minSolverStake: 0,
        minChallengeWindow: 10,
        defaultChallengeWindow: 5,
        defaultSolveWindow: 5,
        expiryPenaltyBps: 0,
      };
      await expect(factory.deploy(await f.stakeManager.getAddress(), f.admin.address, TestConfig.adminDelay, bad))
        .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidConfig")
        .withArgs();
    });
  });

  describe("createTask", function () {
    it("validates reward, stake, schedule, batch view and challenge window", async function () {
      const f = await loadFixture(deployMarketFixture);
      await fund(f, f.submitter, 1_000n * E18);
      const m = f.market.connect(f.submitter);
      await expect(m.createTask(taskParams({ reward: 0n })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketZeroReward")
        .withArgs();
      await expect(m.createTask(taskParams({ solverStake: TestConfig.minSolverStake - 1n })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketStakeTooLow")
        .withArgs(TestConfig.minSolverStake - 1n, TestConfig.minSolverStake);
      await expect(m.createTask(taskParams({ totalSteps: 0n })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidSchedule")
        .withArgs(0, 100);
      await expect(m.createTask(taskParams({ checkpointInterval: 0n })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidSchedule")
        .withArgs(1_000, 0);
      // N = 2^24 exactly is one too many; 2^24 − 1 is accepted.
      await expect(m.createTask(taskParams({ totalSteps: 2n ** 24n, checkpointInterval: 1n })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidSchedule")
        .withArgs(2n ** 24n, 1);
      await expect(m.createTask(taskParams({ totalSteps: 2n ** 24n - 1n, checkpointInterval: 1n }))).to.emit(
        f.market,
        "TaskCreated",
      );
      const spec = { programHash: randomHash(), datasetHash: randomHash(), nSamples: 0n, batchSize: 8n };
      await expect(m.createTask(taskParams({ spec })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidView")
        .withArgs(0, 8);
      await expect(m.createTask(taskParams({ spec: { ...spec, nSamples: 10n, batchSize: 0n } })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketInvalidView")
        .withArgs(10, 0);
      await expect(m.createTask(taskParams({ challengeWindow: BigInt(HOUR - 1) })))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowTooShort")
        .withArgs(HOUR - 1, HOUR);
    });

    it("fails without allowance", async function () {
      const f = await loadFixture(deployMarketFixture);
      await f.token.mint(f.submitter.address, 100n * E18);
      await expect(f.market.connect(f.submitter).createTask(taskParams()))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.market.getAddress(), 0, 50n * E18);
    });

    it("escrows the reward, stores the task and emits TaskCreated with the work spec", async function () {
      const f = await loadFixture(deployMarketFixture);
      await fund(f, f.submitter, 100n * E18);
      const p = taskParams({
        totalSteps: 1_001n,
        checkpointInterval: 100n,
        solveWindow: 5_000n,
        challengeWindow: 7_200n,
      });
      const tx = f.market.connect(f.submitter).createTask(p);
      await expect(tx)
        .to.emit(f.market, "TaskCreated")
        .withArgs(1, f.submitter.address, [
          p.spec.programHash,
          p.spec.datasetHash,
          p.spec.nSamples,
          p.spec.batchSize,
        ]);
      await expect(tx).to.changeTokenBalances(f.token, [f.submitter, f.market], [-50n * E18, 50n * E18]);
      expect(await f.market.taskCount()).to.equal(1);
      const t = await f.market.getTask(1);
      expect(t.specHash).to.equal(await f.market.hashSpec(p.spec));
      expect(await f.market.specHashOf(1)).to.equal(t.specHash);
      expect(await f.market.specHashOf(2)).to.equal(ethers.ZeroHash);
      expect(t.specHash).to.equal(
        ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(
            ["tuple(bytes32,bytes32,uint64,uint32)"],
            [[p.spec.programHash, p.spec.datasetHash, p.spec.nSamples, p.spec.batchSize]],
          ),
        ),
      );
      expect(t.initialStateHash).to.equal(p.initialStateHash);
      expect(t.submitter).to.equal(f.submitter.address);
      expect([
        t.totalSteps,
        t.checkpointInterval,
        t.reward,
        t.solverStake,
        t.solveWindow,
        t.challengeWindow,
      ]).to.deep.equal([1_001n, 100n, 50n * E18, 20n * E18, 5_000n, 7_200n]);
      expect([
        t.solver,
        t.status,
        t.deadline,
        t.checkpointsCommitted,
        t.batchCount,
        t.openDisputes,
      ]).to.deep.equal([ethers.ZeroAddress, Status.Open, 0n, 0n, 0n, 0n]);
      expect(await f.market.numCheckpoints(1)).to.equal(11);
      expect(await f.market.verifySpec(1, p.spec)).to.equal(true);
      expect(await f.market.verifySpec(1, { ...p.spec, batchSize: 33n })).to.equal(false);
      expect(await f.market.verifySpec(2, p.spec)).to.equal(false);
    });

    it("applies the default windows when zero is given", async function () {
      const f = await loadFixture(deployMarketFixture);
      const id = await createTask(f, f.submitter);
      const t = await f.market.getTask(id);
      expect([t.solveWindow, t.challengeWindow]).to.deep.equal([
        BigInt(TestConfig.defaultSolveWindow),
        BigInt(TestConfig.defaultChallengeWindow),
      ]);
    });
  });

  describe("cancel", function () {
    it("rejects unknown tasks, other callers and tasks that are not Open", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.connect(f.submitter).cancel(7))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(7);
      const { taskId } = await claimedTask(f);
      const id2 = await createTask(f, f.submitter);
      await expect(f.market.connect(f.solver).cancel(id2))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSubmitter")
        .withArgs(id2, f.solver.address);
      await expect(f.market.connect(f.submitter).cancel(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Claimed, Status.Open);
    });

    it("refunds the submitter once", async function () {
      const f = await loadFixture(deployMarketFixture);
      const id = await createTask(f, f.submitter);
      const tx = f.market.connect(f.submitter).cancel(id);
      await expect(tx)
        .to.emit(f.market, "TaskCancelled")
        .withArgs(id, 50n * E18);
      await expect(tx).to.changeTokenBalances(f.token, [f.submitter, f.market], [50n * E18, -50n * E18]);
      expect((await f.market.getTask(id)).status).to.equal(Status.Cancelled);
      await expect(f.market.connect(f.submitter).cancel(id))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(id, Status.Cancelled, Status.Open);
      await stake(f, f.solver, 20n * E18);
      await expect(f.market.connect(f.solver).claim(id))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(id, Status.Cancelled, Status.Open);
    });
  });

  describe("claim", function () {
    it("rejects unknown tasks and tasks that are not Open", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.connect(f.solver).claim(1))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(1);
      const { taskId } = await claimedTask(f);
      await stake(f, f.solver2, 100n * E18);
      await expect(f.market.connect(f.solver2).claim(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Claimed, Status.Open);
    });

    it("requires enough free stake (pending stake does not count)", async function () {
      const f = await loadFixture(deployMarketFixture);
      const id = await createTask(f, f.submitter);
      await stake(f, f.solver, 25n * E18);
      await f.stakeManager.connect(f.solver).requestWithdrawal(10n * E18);
      await expect(f.market.connect(f.solver).claim(id))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.solver.address, 20n * E18, 15n * E18);
    });

    it("locks the stake, records the solver and deadline, emits TaskClaimed", async function () {
      const f = await loadFixture(deployMarketFixture);
      const id = await createTask(f, f.submitter);
      await stake(f, f.solver, 30n * E18);
      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      const deadline = now + BigInt(TestConfig.defaultSolveWindow);
      const tx = f.market.connect(f.solver).claim(id);
      await expect(tx)
        .to.emit(f.market, "TaskClaimed")
        .withArgs(id, f.solver.address, 20n * E18, deadline);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeLocked")
        .withArgs(f.solver.address, await f.market.getAddress(), 20n * E18);
      const t = await f.market.getTask(id);
      expect([t.solver, t.status, t.deadline]).to.deep.equal([f.solver.address, Status.Claimed, deadline]);
      const b = await f.stakeManager.balancesOf(f.solver.address);
      expect([b.free, b.locked]).to.deep.equal([10n * E18, 20n * E18]);
      expect(await f.stakeManager.lockedBy(await f.market.getAddress(), f.solver.address)).to.equal(
        20n * E18,
      );
    });
  });

  describe("commitCheckpoints", function () {
    it("rejects unknown tasks, unclaimed tasks, other callers and empty batches", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.connect(f.solver).commitCheckpoints(3, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(3);
      const open = await createTask(f, f.submitter);
      await expect(f.market.connect(f.solver).commitCheckpoints(open, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(open, Status.Open, Status.Claimed);
      const { taskId } = await claimedTask(f);
      await expect(f.market.connect(f.solver2).commitCheckpoints(taskId, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(taskId, f.solver2.address);
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, []))
        .to.be.revertedWithCustomError(f.market, "TaskMarketEmptyBatch")
        .withArgs(taskId);
    });

    it("never streams past checkpoint N − 1", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f, taskParams({ totalSteps: 1_000n, checkpointInterval: 100n }));
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(10)))
        .to.be.revertedWithCustomError(f.market, "TaskMarketTooManyCheckpoints")
        .withArgs(taskId, 10, 9);
      await f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(7));
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(3)))
        .to.be.revertedWithCustomError(f.market, "TaskMarketTooManyCheckpoints")
        .withArgs(taskId, 10, 9);
      await f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(2));
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(1)))
        .to.be.revertedWithCustomError(f.market, "TaskMarketTooManyCheckpoints")
        .withArgs(taskId, 10, 9);
    });

    it("rejects a task with a single checkpoint interval (N = 1: nothing to stream)", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f, taskParams({ totalSteps: 50n, checkpointInterval: 100n }));
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketTooManyCheckpoints")
        .withArgs(taskId, 1, 0);
    });

    it("rejects commits after the deadline", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline);
      await f.market.connect(f.solver).commitCheckpoints(taskId, [randomHash()]);
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDeadlinePassed")
        .withArgs(taskId, deadline);
    });

    it("stores one batch word per call, counts checkpoints and batches, emits the hashes", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      const a = randomHashes(3);
      const b = randomHashes(5);
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, a))
        .to.emit(f.market, "CheckpointsCommitted")
        .withArgs(taskId, 0, 1, a);
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, b))
        .to.emit(f.market, "CheckpointsCommitted")
        .withArgs(taskId, 1, 4, b);
      const t = await f.market.getTask(taskId);
      expect([t.checkpointsCommitted, t.batchCount]).to.deep.equal([8n, 2n]);
      expect(await f.market.batchCommitment(taskId, 0)).to.not.equal(ethers.ZeroHash);
      expect(await f.market.batchCommitment(taskId, 1)).to.not.equal(ethers.ZeroHash);
      expect(await f.market.batchCommitment(taskId, 2)).to.equal(ethers.ZeroHash);
    });
  });

  describe("submitFinal", function () {
    it("rejects unknown tasks, other callers and incomplete streams", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.connect(f.solver).submitFinal(9, randomHash()))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(9);
      const { taskId } = await claimedTask(f);
      await expect(f.market.connect(f.submitter).submitFinal(taskId, randomHash()))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(taskId, f.submitter.address);
      await f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(8));
      await expect(f.market.connect(f.solver).submitFinal(taskId, randomHash()))
        .to.be.revertedWithCustomError(f.market, "TaskMarketCheckpointsMissing")
        .withArgs(taskId, 8, 9);
    });

    it("rejects a submission after the deadline", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      await streamAll(f, f.solver, taskId, 10);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.market.connect(f.solver).submitFinal(taskId, randomHash()))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDeadlinePassed")
        .withArgs(taskId, deadline);
    });

    it("closes the stream, stores the final hash and starts the challenge window", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f, taskParams({ challengeWindow: 2n * BigInt(HOUR) }));
      await streamAll(f, f.solver, taskId, 10, 4);
      const h = randomHash();
      const now = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(now);
      await expect(f.market.connect(f.solver).submitFinal(taskId, h))
        .to.emit(f.market, "FinalSubmitted")
        .withArgs(taskId, h, now + 2n * BigInt(HOUR));
      const t = await f.market.getTask(taskId);
      expect([t.status, t.finalStateHash, t.deadline, t.batchCount]).to.deep.equal([
        Status.Submitted,
        h,
        now + 2n * BigInt(HOUR),
        3n,
      ]);
      await expect(f.market.connect(f.solver).submitFinal(taskId, h))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Submitted, Status.Claimed);
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, [h]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Submitted, Status.Claimed);
    });

    it("accepts a direct final submission when N = 1", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f, taskParams({ totalSteps: 100n, checkpointInterval: 100n }));
      await expect(f.market.connect(f.solver).submitFinal(taskId, randomHash())).to.emit(
        f.market,
        "FinalSubmitted",
      );
    });
  });

  describe("finalize", function () {
    it("rejects unknown tasks and tasks that are not Submitted", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.finalize(4))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(4);
      const { taskId } = await claimedTask(f);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Claimed, Status.Submitted);
    });

    it("rejects while the challenge window is open", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline - 1n);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowOpen")
        .withArgs(taskId, deadline);
    });

    it("pays the solver, unlocks its stake, and only once (anyone may call)", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline);
      const tx = f.market.connect(f.others[0]).finalize(taskId);
      await expect(tx)
        .to.emit(f.market, "TaskFinalized")
        .withArgs(taskId, f.solver.address, 50n * E18);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeUnlocked")
        .withArgs(f.solver.address, await f.market.getAddress(), 20n * E18);
      await expect(tx).to.changeTokenBalances(f.token, [f.solver, f.market], [50n * E18, -50n * E18]);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Finalized);
      const b = await f.stakeManager.balancesOf(f.solver.address);
      expect([b.free, b.locked]).to.deep.equal([20n * E18, 0n]);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Finalized, Status.Submitted);
    });
  });

  describe("expire", function () {
    it("rejects unknown tasks, tasks that are not Claimed, and a deadline not yet passed", async function () {
      const f = await loadFixture(deployMarketFixture);
      await expect(f.market.expire(5))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(5);
      const open = await createTask(f, f.submitter);
      await expect(f.market.expire(open))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(open, Status.Open, Status.Claimed);
      const { taskId } = await claimedTask(f);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.market.expire(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDeadlineNotPassed")
        .withArgs(taskId, deadline);
    });

    it("cannot expire a task whose final state was submitted in time", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await time.increase(10 * DAY);
      await expect(f.market.expire(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Submitted, Status.Claimed);
    });

    it("slashes the penalty to the submitter and sink, unlocks the rest and REOPENS the task", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      await f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(4));
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline + 1n);
      const stakeAmount = 20n * E18;
      const penalty = (stakeAmount * BigInt(TestConfig.expiryPenaltyBps)) / 10_000n;
      const toSink = (penalty * BigInt(TestConfig.slashSinkBps)) / 10_000n;
      const tx = f.market.connect(f.others[1]).expire(taskId);
      await expect(tx).to.emit(f.market, "TaskExpired").withArgs(taskId, f.solver.address, penalty);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(
          f.solver.address,
          await f.market.getAddress(),
          f.submitter.address,
          penalty,
          penalty - toSink,
          f.sink.address,
          toSink,
        );
      await expect(tx)
        .to.emit(f.stakeManager, "StakeUnlocked")
        .withArgs(f.solver.address, await f.market.getAddress(), stakeAmount - penalty);
      await expect(tx).to.changeTokenBalances(f.token, [f.market, f.stakeManager], [0, 0]);
      const t = await f.market.getTask(taskId);
      expect([t.status, t.solver, t.deadline, t.checkpointsCommitted, t.batchCount, t.reward]).to.deep.equal([
        Status.Open,
        ethers.ZeroAddress,
        0n,
        0n,
        0n,
        50n * E18,
      ]);
      expect(await f.market.batchCommitment(taskId, 0)).to.equal(ethers.ZeroHash);
      const b = await f.stakeManager.balancesOf(f.solver.address);
      expect([b.free, b.locked]).to.deep.equal([stakeAmount - penalty, 0n]);
      expect(await f.stakeManager.freeOf(f.submitter.address)).to.equal(penalty - toSink);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(toSink);

      // Reopened: another solver can claim and complete it from checkpoint 1 …
      await stake(f, f.solver2, 20n * E18);
      await f.market.connect(f.solver2).claim(taskId);
      await expect(f.market.connect(f.solver).commitCheckpoints(taskId, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(taskId, f.solver.address);
      await expect(f.market.connect(f.solver2).commitCheckpoints(taskId, randomHashes(9)))
        .to.emit(f.market, "CheckpointsCommitted")
        .withArgs(taskId, 0, 1, (hashes: string[]) => hashes.length === 9);
      await f.market.connect(f.solver2).submitFinal(taskId, randomHash());
      await time.increase(DAY);
      await expect(f.market.finalize(taskId)).to.changeTokenBalance(f.token, f.solver2, 50n * E18);
    });

    it("… or the submitter cancels the reopened task for a refund", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await claimedTask(f);
      await time.increase(TestConfig.defaultSolveWindow + 1);
      await f.market.expire(taskId);
      await expect(f.market.connect(f.submitter).cancel(taskId)).to.changeTokenBalance(
        f.token,
        f.submitter,
        50n * E18,
      );
    });

    it("with a 0% penalty only unlocks; with 100% only slashes", async function () {
      const f = await loadFixture(deployMarketFixture);
      const base = {
        minSolverStake: TestConfig.minSolverStake,
        minChallengeWindow: HOUR,
        defaultChallengeWindow: DAY,
        defaultSolveWindow: DAY,
      };
      await f.market.setConfig({ ...base, expiryPenaltyBps: 0 });
      const { taskId } = await claimedTask(f);
      await time.increase(DAY + 1);
      const tx = f.market.expire(taskId);
      await expect(tx).to.emit(f.market, "TaskExpired").withArgs(taskId, f.solver.address, 0);
      await expect(tx).to.not.emit(f.stakeManager, "StakeSlashed");
      // The penalty is copied at creation: the reopened task keeps 0 %, a new task gets 100 %.
      await f.market.setConfig({ ...base, expiryPenaltyBps: 10_000 });
      expect((await f.market.getTask(taskId)).expiryPenaltyBps).to.equal(0);
      const later = await createTask(f, f.submitter);
      expect((await f.market.getTask(later)).expiryPenaltyBps).to.equal(10_000);
      await f.market.connect(f.solver).claim(later);
      await time.increase(DAY + 1);
      const tx2 = f.market.expire(later);
      await expect(tx2)
        .to.emit(f.market, "TaskExpired")
        .withArgs(later, f.solver.address, 20n * E18);
      await expect(tx2).to.not.emit(f.stakeManager, "StakeUnlocked");
      expect((await f.stakeManager.balancesOf(f.solver.address)).free).to.equal(0);
    });
  });

  describe("numCheckpoints", function () {
    it("is ceil(T / k) and reverts for an unknown task", async function () {
      const f = await loadFixture(deployMarketFixture);
      for (const [t, k] of [
        [1n, 1n],
        [100n, 100n],
        [101n, 100n],
        [199n, 100n],
        [7n, 3n],
      ]) {
        const id = await createTask(f, f.submitter, taskParams({ totalSteps: t, checkpointInterval: k }));
        expect(await f.market.numCheckpoints(id)).to.equal(
          BigInt(numCheckpoints({ totalSteps: t, checkpointInterval: k })),
        );
      }
      await expect(f.market.numCheckpoints(99))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(99);
    });
  });
});
