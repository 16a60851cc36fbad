import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  claimedTask,
  createTask,
  deployMarketFixture,
  E18,
  openDisputeFor,
  randomHash,
  stake,
  Status,
  submittedTask,
  taskParams,
  TEST_BOND,
  TestConfig,
  type MarketFixture,
} from "../fixtures/market";

const STAKE = 20n * E18;
const REWARD = 50n * E18;
const BOND = TEST_BOND;
const BPS = 10_000n;
const SINK_BPS = BigInt(TestConfig.slashSinkBps);
const sinkOf = (x: bigint) => (x * SINK_BPS) / BPS;
/** Half the solver's task stake (rounded up) is burned to the sink on the first winning game. */
const BURNED = STAKE - STAKE / 2n;
/** The other half is the winners' pot. */
const POT = STAKE / 2n;

async function balances(f: MarketFixture, who: HardhatEthersSigner) {
  const b = await f.stakeManager.balancesOf(who.address);
  return { free: b.free, locked: b.locked, total: b.free + b.locked + b.pending };
}

describe("TaskMarket dispute hooks", function () {
  describe("access", function () {
    it("only the wired dispute game may open or resolve disputes", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      expect(await f.market.disputeGame()).to.equal(f.dispute.address);
      const m = f.market.connect(f.challenger);
      // Each call is built lazily and awaited on its own (no promise is left unawaited).
      const calls = [
        () => m.openDispute(taskId, f.challenger.address, BOND),
        () => m.resolveForSolver(taskId, f.challenger.address, BOND),
        () => m.resolveForChallenger(taskId, f.challenger.address, BOND),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
          .withArgs(f.challenger.address);
      }
    });
  });

  describe("openDispute", function () {
    it("rejects unknown tasks and tasks that are not Submitted", async function () {
      const f = await loadFixture(deployMarketFixture);
      const d = f.market.connect(f.dispute);
      await expect(d.openDispute(42, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(42);
      const open = await createTask(f, f.submitter);
      await expect(d.openDispute(open, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(open, Status.Open, Status.Submitted);
      const { taskId } = await claimedTask(f);
      await expect(d.openDispute(taskId, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Claimed, Status.Submitted);
    });

    it("is allowed strictly before the end of the challenge window", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await stake(f, f.challenger, BOND);
      await stake(f, f.others[0], BOND);
      const { deadline } = await f.market.getTask(taskId);
      await time.setNextBlockTimestamp(deadline - 1n);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.challenger.address, BOND))
        .to.emit(f.market, "DisputeOpened")
        .withArgs(taskId, f.challenger.address, 1);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.others[0].address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowClosed")
        .withArgs(taskId, deadline);
    });

    it("locks the challenger's bond and refuses a challenger without it", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.challenger.address, BOND, 0);
      await stake(f, f.challenger, BOND);
      await expect(f.market.connect(f.dispute).openDispute(taskId, f.challenger.address, BOND))
        .to.emit(f.stakeManager, "StakeLocked")
        .withArgs(f.challenger.address, await f.market.getAddress(), BOND);
      expect(await balances(f, f.challenger)).to.deep.include({ free: 0n, locked: BOND });
    });

    it("returns the solver, counts open disputes and blocks finalize", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await stake(f, f.challenger, BOND);
      await stake(f, f.others[0], BOND);
      const d = f.market.connect(f.dispute);
      expect(await d.openDispute.staticCall(taskId, f.challenger.address, BOND)).to.equal(f.solver.address);
      await d.openDispute(taskId, f.challenger.address, BOND);
      await expect(d.openDispute(taskId, f.others[0].address, BOND))
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
      await expect(d.resolveForSolver(8, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(8);
      const { taskId } = await submittedTask(f);
      await expect(d.resolveForSolver(taskId, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoOpenDispute")
        .withArgs(taskId);
    });

    it("slashes the losing challenger's bond to the solver and sink", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await openDisputeFor(f, taskId, f.challenger);
      const before = await balances(f, f.solver);
      await expect(f.market.connect(f.dispute).resolveForSolver(taskId, f.challenger.address, BOND))
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(
          f.challenger.address,
          await f.market.getAddress(),
          f.solver.address,
          BOND,
          BOND - sinkOf(BOND),
          f.sink.address,
          sinkOf(BOND),
        );
      expect(await balances(f, f.challenger)).to.deep.include({ free: 0n, locked: 0n });
      expect((await balances(f, f.solver)).free).to.equal(before.free + BOND - sinkOf(BOND));
    });

    it("closes one game; a losing challenger cannot block payment beyond its own game", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      await openDisputeFor(f, taskId, f.challenger);
      await openDisputeFor(f, taskId, f.others[0]);
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(d.resolveForSolver(taskId, f.challenger.address, BOND))
        .to.emit(f.market, "DisputeResolved")
        .withArgs(taskId, f.challenger.address, true, 1);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDisputesOpen")
        .withArgs(taskId, 1);
      await d.resolveForSolver(taskId, f.others[0].address, BOND);
      await expect(f.market.finalize(taskId)).to.changeTokenBalance(f.token, f.solver, REWARD);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Finalized);
      await expect(d.resolveForSolver(taskId, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoOpenDispute")
        .withArgs(taskId);
    });

    it("a game resolved before the window ends still waits for the window", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await openDisputeFor(f, taskId, f.challenger);
      await f.market.connect(f.dispute).resolveForSolver(taskId, f.challenger.address, BOND);
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
      await expect(d.resolveForChallenger(8, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(8);
      const { taskId } = await submittedTask(f);
      await expect(d.resolveForChallenger(taskId, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoOpenDispute")
        .withArgs(taskId);
    });

    it("rejects the task, burns half the stake to the sink, returns the bond and never pays the solver", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await openDisputeFor(f, taskId, f.challenger);
      const d = f.market.connect(f.dispute);
      expect(await d.resolveForChallenger.staticCall(taskId, f.challenger.address, BOND)).to.equal(BURNED);
      const tx = d.resolveForChallenger(taskId, f.challenger.address, BOND);
      await expect(tx)
        .to.emit(f.market, "TaskRejected")
        .withArgs(taskId, f.solver.address, f.challenger.address, BURNED);
      await expect(tx).to.emit(f.market, "DisputeResolved").withArgs(taskId, f.challenger.address, false, 0);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(f.solver.address, await f.market.getAddress(), ZeroAddress, BURNED, 0, f.sink.address, BURNED);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeUnlocked")
        .withArgs(f.challenger.address, await f.market.getAddress(), BOND);
      await expect(tx).to.changeTokenBalances(f.token, [f.market, f.stakeManager, f.submitter], [0, 0, 0]);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Rejected);
      expect(await balances(f, f.solver)).to.deep.include({ free: 0n, locked: POT });
      expect(await balances(f, f.challenger)).to.deep.include({ free: BOND, locked: 0n });
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(BURNED);
      expect(await f.market.disputeTally(taskId)).to.deep.equal([1n, 0n, 0n]);
      expect(await f.market.unclaimedWins(taskId, f.challenger.address)).to.equal(1);
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
  });

  describe("claimChallengeReward", function () {
    it("pays a lone winner the whole pot (less the sink share), once, from the solver's locked stake", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await openDisputeFor(f, taskId, f.challenger);
      await f.market.connect(f.dispute).resolveForChallenger(taskId, f.challenger.address, BOND);
      // Anyone may claim for the winner; the credit goes to the winner's free stake.
      const tx = f.market.connect(f.others[5]).claimChallengeReward(taskId, f.challenger.address);
      await expect(tx)
        .to.emit(f.market, "ChallengeRewardClaimed")
        .withArgs(taskId, f.challenger.address, 1, POT, POT - sinkOf(POT));
      await expect(tx).to.changeTokenBalances(f.token, [f.market, f.stakeManager, f.others[5]], [0, 0, 0]);
      expect(await balances(f, f.challenger)).to.deep.include({ free: BOND + POT - sinkOf(POT), locked: 0n });
      expect(await balances(f, f.solver)).to.deep.include({ free: 0n, locked: 0n });
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(BURNED + sinkOf(POT));
      expect(await f.market.disputeTally(taskId)).to.deep.equal([1n, 1n, POT]);
      await expect(f.market.claimChallengeReward(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoReward")
        .withArgs(taskId, f.challenger.address);
    });

    it("waits until every game on the task is settled and refuses tasks that were not rejected", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      await expect(f.market.claimChallengeReward(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Submitted, Status.Rejected);
      await expect(f.market.claimChallengeReward(99, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketUnknownTask")
        .withArgs(99);
      await openDisputeFor(f, taskId, f.challenger);
      await openDisputeFor(f, taskId, f.others[0]);
      await f.market.connect(f.dispute).resolveForChallenger(taskId, f.challenger.address, BOND);
      await expect(f.market.claimChallengeReward(taskId, f.challenger.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDisputesOpen")
        .withArgs(taskId, 1);
      await f.market.connect(f.dispute).resolveForSolver(taskId, f.others[0].address, BOND);
      await expect(f.market.claimChallengeReward(taskId, f.others[0].address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNoReward")
        .withArgs(taskId, f.others[0].address);
      await expect(f.market.claimChallengeReward(taskId, f.challenger.address)).to.emit(f.market, "ChallengeRewardClaimed");
    });

    it("with several games: equal shares per winning game, losers pay their bond, the solver is never paid", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      const [c2, c3, c4] = f.others;
      for (const c of [f.challenger, c2, c3, c4]) await openDisputeFor(f, taskId, c);
      await d.resolveForChallenger(taskId, c2.address, BOND);
      // No new games on a rejected task.
      await stake(f, f.others[4], BOND);
      await expect(d.openDispute(taskId, f.others[4].address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Submitted);
      // A later win burns nothing more but still counts.
      expect(await d.resolveForChallenger.staticCall(taskId, f.challenger.address, BOND)).to.equal(0);
      const tx = d.resolveForChallenger(taskId, f.challenger.address, BOND);
      await expect(tx).to.emit(f.market, "DisputeResolved").withArgs(taskId, f.challenger.address, false, 2);
      await expect(tx).to.not.emit(f.market, "TaskRejected");
      await d.resolveForChallenger(taskId, c3.address, BOND);
      await d.resolveForSolver(taskId, c4.address, BOND);
      expect((await f.market.disputeTally(taskId)).winningGames).to.equal(3);
      const share = POT / 3n;
      for (const c of [c2, f.challenger]) {
        await expect(f.market.claimChallengeReward(taskId, c.address))
          .to.emit(f.market, "ChallengeRewardClaimed")
          .withArgs(taskId, c.address, 1, share, share - sinkOf(share));
      }
      // The last claim takes the rounding remainder: the whole pot leaves the solver.
      const last = POT - 2n * share;
      await expect(f.market.claimChallengeReward(taskId, c3.address))
        .to.emit(f.market, "ChallengeRewardClaimed")
        .withArgs(taskId, c3.address, 1, last, last - sinkOf(last));
      expect(await balances(f, f.solver)).to.deep.include({ free: BOND - sinkOf(BOND), locked: 0n });
      expect(await balances(f, c4)).to.deep.include({ free: 0n, locked: 0n });
      for (const c of [f.challenger, c2]) expect((await balances(f, c)).free).to.equal(BOND + share - sinkOf(share));
      await time.increase(TestConfig.defaultChallengeWindow);
      await expect(f.market.finalize(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Rejected, Status.Submitted);
    });

    // Finding 2 (self-challenge): a caught cheater opens games against itself from puppet
    // accounts before the honest verifier and lets them win. Whatever it does, it loses at least
    // half its stake and the honest verifier gets its bond back and a positive reward.
    for (const puppets of [1, 2, 5]) {
      it(`a cheater with ${puppets} puppet account(s) opening first loses at least half its stake; the honest verifier is paid`, async function () {
        const f = await loadFixture(deployMarketFixture);
        const { taskId } = await submittedTask(f);
        const d = f.market.connect(f.dispute);
        const cheater = f.solver;
        const puppetAccounts = f.others.slice(0, puppets);
        const honest = f.challenger;
        // The cheater funds its puppets' bonds itself.
        for (const p of puppetAccounts) await openDisputeFor(f, taskId, p);
        await openDisputeFor(f, taskId, honest);
        const cheaterBefore = (await balances(f, cheater)).total;
        const puppetsBefore = await Promise.all(puppetAccounts.map(async (p) => (await balances(f, p)).total));
        const honestBefore = (await balances(f, honest)).total;
        // The puppets' games are conceded at once and settled first.
        for (const p of puppetAccounts) await d.resolveForChallenger(taskId, p.address, BOND);
        await d.resolveForChallenger(taskId, honest.address, BOND);
        for (const p of [...puppetAccounts, honest]) await f.market.claimChallengeReward(taskId, p.address);
        const cheaterLoss =
          cheaterBefore -
          (await balances(f, cheater)).total -
          (
            await Promise.all(puppetAccounts.map(async (p, i) => (await balances(f, p)).total - puppetsBefore[i]))
          ).reduce((a, b) => a + b, 0n);
        const honestGain = (await balances(f, honest)).total - honestBefore;
        const share = POT / BigInt(puppets + 1);
        // Exact: the burned half, the sink share of the pot and the honest verifier's share.
        const honestShare = POT - share * BigInt(puppets);
        expect(cheaterLoss).to.equal(BURNED + sinkOf(share) * BigInt(puppets) + honestShare);
        expect(cheaterLoss * 2n).to.be.gte(STAKE);
        expect(honestGain).to.equal(honestShare - sinkOf(honestShare));
        expect(honestGain).to.be.gt(0n);
        expect(await balances(f, honest)).to.deep.include({ locked: 0n });
      });
    }
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
      await openDisputeFor(f, a, f.challenger);
      await f.market.connect(f.dispute).resolveForChallenger(a, f.challenger.address, BOND);
      await f.market.claimChallengeReward(a, f.challenger.address);
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

    it("returns the reward to the submitter once, even while other games are still open; rewards stay claimable", async function () {
      const f = await loadFixture(deployMarketFixture);
      const { taskId } = await submittedTask(f);
      const d = f.market.connect(f.dispute);
      await openDisputeFor(f, taskId, f.challenger);
      await openDisputeFor(f, taskId, f.others[0]);
      await d.resolveForChallenger(taskId, f.challenger.address, BOND);
      const tx = f.market.connect(f.others[3]).reclaim(taskId);
      await expect(tx).to.emit(f.market, "TaskReclaimed").withArgs(taskId, f.submitter.address, REWARD);
      await expect(tx).to.changeTokenBalances(f.token, [f.submitter, f.market], [REWARD, -REWARD]);
      expect((await f.market.getTask(taskId)).status).to.equal(Status.Refunded);
      await expect(f.market.reclaim(taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(taskId, Status.Refunded, Status.Rejected);
      // The remaining game still resolves and counts; both winners are paid from the stake.
      const tx2 = d.resolveForChallenger(taskId, f.others[0].address, BOND);
      await expect(tx2).to.emit(f.market, "DisputeResolved").withArgs(taskId, f.others[0].address, false, 0);
      await expect(tx2).to.not.emit(f.market, "TaskRejected");
      await f.market.claimChallengeReward(taskId, f.challenger.address);
      await f.market.claimChallengeReward(taskId, f.others[0].address);
      expect(await balances(f, f.solver)).to.deep.include({ locked: 0n });
      expect(await f.token.balanceOf(await f.market.getAddress())).to.equal(0);
    });
  });
});
