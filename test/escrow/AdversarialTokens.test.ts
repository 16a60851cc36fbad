import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, deployMarketOn, E18, randomHash, taskParams, TestConfig } from "../fixtures/market";
import type { Attacker, ReentrantToken, StakeManager, TaskMarket } from "../../typechain-types";

const { ethers } = hre;

/** StakeManager + TaskMarket on a ReentrantToken; an Attacker contract acts as submitter and solver. */
async function reentrantFixture() {
  const [admin, dispute, sink, honest] = await ethers.getSigners();
  const token = await ethers.deployContract("ReentrantToken");
  const { stakeManager, market } = await deployMarketOn(
    await token.getAddress(),
    sink.address,
    dispute.address,
  );
  const attacker = await ethers.deployContract("Attacker");
  const a = await attacker.getAddress();
  await token.mint(a, 1_000n * E18);
  await token.mint(honest.address, 1_000n * E18);
  for (const spender of [await stakeManager.getAddress(), await market.getAddress()]) {
    await attacker.exec(
      await token.getAddress(),
      token.interface.encodeFunctionData("approve", [spender, ethers.MaxUint256]),
    );
    await token.connect(honest).approve(spender, ethers.MaxUint256);
  }
  return { admin, dispute, sink, honest, token, stakeManager, market, attacker };
}

type Fx = Awaited<ReturnType<typeof reentrantFixture>>;

/** Runs `call` (as the attacker) with the token armed to re-enter `reentry` (as the attacker). */
function arm(fx: Fx, target: StakeManager | TaskMarket, reentry: string, bubble: boolean) {
  return fx.token.arm(
    fx.attacker.getAddress(),
    fx.attacker.interface.encodeFunctionData("exec", [target.target as string, reentry]),
    bubble,
  );
}

function exec(attacker: Attacker, target: StakeManager | TaskMarket | ReentrantToken, data: string) {
  return attacker.exec(target.target as string, data);
}

/** Everything the two contracts owe, from their own state. */
async function owed(fx: Fx, accounts: string[]): Promise<{ stake: bigint; escrow: bigint }> {
  let stake = 0n;
  for (const acc of accounts) {
    const b = await fx.stakeManager.balancesOf(acc);
    stake += b.free + b.locked + b.pending;
  }
  let escrow = 0n;
  const n = await fx.market.taskCount();
  for (let id = 1n; id <= n; id++) {
    const t = await fx.market.getTask(id);
    if ([0n, 1n, 2n, 5n].includes(t.status)) escrow += t.reward;
  }
  return { stake, escrow };
}

async function expectSolvent(fx: Fx) {
  const accounts = [await fx.attacker.getAddress(), fx.honest.address, fx.sink.address, fx.dispute.address];
  const { stake, escrow } = await owed(fx, accounts);
  expect(await fx.token.balanceOf(fx.stakeManager.target)).to.equal(stake);
  expect(await fx.token.balanceOf(fx.market.target)).to.equal(escrow);
}

const REENTRANT = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

describe("adversarial tokens", function () {
  describe("a token that re-enters on transfer", function () {
    it("cannot withdraw stake twice (re-entrant withdraw is refused; bubbling reverts the whole call)", async function () {
      const fx = await loadFixture(reentrantFixture);
      const sm = fx.stakeManager;
      await exec(fx.attacker, sm, sm.interface.encodeFunctionData("deposit", [100n * E18]));
      await exec(fx.attacker, sm, sm.interface.encodeFunctionData("requestWithdrawal", [60n * E18]));
      await time.increase(TestConfig.unbondingDelay);
      const withdraw = sm.interface.encodeFunctionData("withdraw");
      await arm(fx, sm, withdraw, true);
      await expect(exec(fx.attacker, sm, withdraw)).to.be.revertedWithCustomError(
        sm,
        "ReentrancyGuardReentrantCall",
      );
      await arm(fx, sm, withdraw, false);
      await expect(exec(fx.attacker, sm, withdraw)).to.changeTokenBalances(
        fx.token,
        [fx.attacker, sm],
        [60n * E18, -60n * E18],
      );
      expect(await fx.token.lastReentryOk()).to.equal(false);
      expect(await fx.token.lastReentryData()).to.equal(REENTRANT);
      expect((await sm.balancesOf(fx.attacker.target)).pending).to.equal(0);
      await expectSolvent(fx);
    });

    it("cannot deposit re-entrantly (credit equals tokens received)", async function () {
      const fx = await loadFixture(reentrantFixture);
      const sm = fx.stakeManager;
      const dep = sm.interface.encodeFunctionData("deposit", [10n * E18]);
      await arm(fx, sm, dep, true);
      await expect(exec(fx.attacker, sm, dep)).to.be.revertedWithCustomError(
        sm,
        "ReentrancyGuardReentrantCall",
      );
      await arm(fx, sm, dep, false);
      await exec(fx.attacker, sm, dep);
      expect(await sm.freeOf(fx.attacker.target)).to.equal(10n * E18);
      await expectSolvent(fx);
    });

    it("cannot be paid twice on finalize", async function () {
      const fx = await loadFixture(reentrantFixture);
      const { market: m, stakeManager: sm } = fx;
      await m.connect(fx.honest).createTask(taskParams({ totalSteps: 100n, checkpointInterval: 100n }));
      await exec(fx.attacker, sm, sm.interface.encodeFunctionData("deposit", [50n * E18]));
      await exec(fx.attacker, m, m.interface.encodeFunctionData("claim", [1]));
      await exec(fx.attacker, m, m.interface.encodeFunctionData("submitFinal", [1, randomHash()]));
      await time.increase(DAY);
      const finalize = m.interface.encodeFunctionData("finalize", [1]);
      await arm(fx, m, finalize, true);
      await expect(exec(fx.attacker, m, finalize)).to.be.revertedWithCustomError(
        m,
        "ReentrancyGuardReentrantCall",
      );
      await arm(fx, m, finalize, false);
      await expect(exec(fx.attacker, m, finalize)).to.changeTokenBalances(
        fx.token,
        [fx.attacker, m],
        [50n * E18, -50n * E18],
      );
      expect(await fx.token.lastReentryData()).to.equal(REENTRANT);
      await expect(exec(fx.attacker, m, finalize))
        .to.be.revertedWithCustomError(m, "TaskMarketWrongStatus")
        .withArgs(1, 3, 2);
      await expectSolvent(fx);
    });

    it("cannot be refunded twice on cancel or reclaim, nor re-enter createTask", async function () {
      const fx = await loadFixture(reentrantFixture);
      const { market: m, stakeManager: sm } = fx;
      const create = m.interface.encodeFunctionData("createTask", [
        taskParams({ totalSteps: 100n, checkpointInterval: 100n }),
      ]);
      await arm(fx, m, create, true);
      await expect(exec(fx.attacker, m, create)).to.be.revertedWithCustomError(
        m,
        "ReentrancyGuardReentrantCall",
      );
      await fx.token.disarm();
      await exec(fx.attacker, m, create); // task 1
      await exec(fx.attacker, m, create); // task 2
      const cancel = m.interface.encodeFunctionData("cancel", [1]);
      await arm(fx, m, cancel, false);
      await expect(exec(fx.attacker, m, cancel)).to.changeTokenBalance(fx.token, fx.attacker, 50n * E18);
      expect(await fx.token.lastReentryData()).to.equal(REENTRANT);
      await expectSolvent(fx);

      // Task 2: an honest solver is proven wrong; the attacker (submitter) reclaims.
      await sm.connect(fx.honest).deposit(50n * E18);
      await m.connect(fx.honest).claim(2);
      await m.connect(fx.honest).submitFinal(2, randomHash());
      await m.connect(fx.dispute).openDispute(2, fx.dispute.address, 0);
      await m.connect(fx.dispute).resolveForChallenger(2, fx.dispute.address, 0);
      const reclaim = m.interface.encodeFunctionData("reclaim", [2]);
      // Re-entering a different guarded function (cancel of a fresh task) is refused too.
      await exec(fx.attacker, m, create); // task 3
      await arm(fx, m, m.interface.encodeFunctionData("cancel", [3]), false);
      await expect(exec(fx.attacker, m, reclaim)).to.changeTokenBalance(fx.token, fx.attacker, 50n * E18);
      expect(await fx.token.lastReentryData()).to.equal(REENTRANT);
      expect((await m.getTask(3)).status).to.equal(0);
      await expectSolvent(fx);
    });
  });

  describe("a fee-on-transfer token", function () {
    async function feeFixture() {
      const [admin, dispute, sink, user] = await ethers.getSigners();
      const token = await ethers.deployContract("FeeOnTransferToken", [100]); // 1 %
      const { stakeManager, market } = await deployMarketOn(
        await token.getAddress(),
        sink.address,
        dispute.address,
      );
      await token.mint(user.address, 1_000n * E18);
      await token.connect(user).approve(stakeManager.target, ethers.MaxUint256);
      await token.connect(user).approve(market.target, ethers.MaxUint256);
      return { admin, user, token, stakeManager, market };
    }

    it("is rejected on deposit with StakeFeeOnTransfer(expected, received)", async function () {
      const { user, stakeManager } = await loadFixture(feeFixture);
      await expect(stakeManager.connect(user).deposit(100n * E18))
        .to.be.revertedWithCustomError(stakeManager, "StakeFeeOnTransfer")
        .withArgs(100n * E18, 99n * E18);
    });

    it("is rejected on createTask with TaskMarketFeeOnTransfer(expected, received)", async function () {
      const { user, market } = await loadFixture(feeFixture);
      await expect(market.connect(user).createTask(taskParams()))
        .to.be.revertedWithCustomError(market, "TaskMarketFeeOnTransfer")
        .withArgs(50n * E18, 49_500_000_000_000_000_000n);
      expect(await market.taskCount()).to.equal(0);
    });

    it("a fee switched on later cannot make the contracts insolvent: they send exact amounts", async function () {
      const { user, token, stakeManager, market } = await loadFixture(feeFixture);
      await token.setFeeBps(0);
      await stakeManager.connect(user).deposit(100n * E18);
      await market.connect(user).createTask(taskParams());
      await token.setFeeBps(100);
      await market.connect(user).cancel(1);
      await stakeManager.connect(user).requestWithdrawal(100n * E18);
      await time.increase(TestConfig.unbondingDelay);
      await stakeManager.connect(user).withdraw();
      expect(await token.balanceOf(stakeManager.target)).to.equal(0);
      expect(await token.balanceOf(market.target)).to.equal(0);
    });
  });
});
