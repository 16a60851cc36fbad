import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployMarketFixture, E18, fund, stake, TestConfig, type MarketFixture } from "../fixtures/market";

const { ethers } = hre;

/** Market fixture plus an EOA `locker` holding LOCKER_ROLE and SLASHER_ROLE (as the dispute contract will). */
async function stakeFixture() {
  const f = await deployMarketFixture();
  const [alice, bob, locker2] = f.others;
  await f.stakeManager.grantRole(await f.stakeManager.LOCKER_ROLE(), locker2.address);
  await f.stakeManager.grantRole(await f.stakeManager.SLASHER_ROLE(), locker2.address);
  return { ...f, locker: f.dispute, locker2, alice, bob };
}

async function balances(f: MarketFixture, who: string) {
  const b = await f.stakeManager.balancesOf(who);
  return { free: b.free, locked: b.locked, pending: b.pending, releaseTime: b.releaseTime };
}

describe("StakeManager", function () {
  describe("deployment", function () {
    it("records the token, sink, split, delay and roles from the Ignition module", async function () {
      const f = await loadFixture(stakeFixture);
      expect(await f.stakeManager.token()).to.equal(await f.token.getAddress());
      expect(await f.stakeManager.slashSink()).to.equal(f.sink.address);
      expect(await f.stakeManager.slashSinkBps()).to.equal(TestConfig.slashSinkBps);
      expect(await f.stakeManager.unbondingDelay()).to.equal(TestConfig.unbondingDelay);
      const market = await f.market.getAddress();
      expect(
        await f.stakeManager.hasRole(await f.stakeManager.DEFAULT_ADMIN_ROLE(), f.admin.address),
      ).to.equal(true);
      expect(await f.stakeManager.hasRole(await f.stakeManager.LOCKER_ROLE(), market)).to.equal(true);
      expect(await f.stakeManager.hasRole(await f.stakeManager.SLASHER_ROLE(), market)).to.equal(true);
      expect(await f.stakeManager.hasRole(await f.stakeManager.LOCKER_ROLE(), f.dispute.address)).to.equal(
        true,
      );
      expect(await f.stakeManager.hasRole(await f.stakeManager.SLASHER_ROLE(), f.dispute.address)).to.equal(
        true,
      );
      expect(await f.stakeManager.LOCKER_ROLE()).to.equal(ethers.id("LOCKER_ROLE"));
      expect(await f.stakeManager.SLASHER_ROLE()).to.equal(ethers.id("SLASHER_ROLE"));
    });

    it("rejects a zero sink or a share above 100% at construction", async function () {
      const f = await loadFixture(stakeFixture);
      const factory = await ethers.getContractFactory("StakeManager");
      const token = await f.token.getAddress();
      await expect(factory.deploy(token, f.admin.address, 60, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(ethers.ZeroAddress, 0);
      await expect(factory.deploy(token, f.admin.address, 60, f.sink.address, 10_001))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(f.sink.address, 10_001);
    });
  });

  describe("deposit", function () {
    it("rejects a zero amount", async function () {
      const f = await loadFixture(stakeFixture);
      await expect(f.stakeManager.connect(f.alice).deposit(0))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeZeroAmount")
        .withArgs();
    });

    it("fails without allowance and credits nothing", async function () {
      const f = await loadFixture(stakeFixture);
      await f.token.mint(f.alice.address, E18);
      await expect(f.stakeManager.connect(f.alice).deposit(E18))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.stakeManager.getAddress(), 0, E18);
      expect(await f.stakeManager.freeOf(f.alice.address)).to.equal(0);
    });

    it("rejects a deposit that would overflow a 128-bit balance", async function () {
      const f = await loadFixture(stakeFixture);
      const max = 2n ** 128n - 1n;
      await fund(f, f.alice, max + 1n);
      await f.stakeManager.connect(f.alice).deposit(max);
      await expect(f.stakeManager.connect(f.alice).deposit(1))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(max + 1n);
    });

    it("pulls the tokens, credits free stake and emits StakeDeposited", async function () {
      const f = await loadFixture(stakeFixture);
      await fund(f, f.alice, 5n * E18);
      const tx = f.stakeManager.connect(f.alice).deposit(3n * E18);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeDeposited")
        .withArgs(f.alice.address, 3n * E18);
      await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.stakeManager], [-3n * E18, 3n * E18]);
      await f.stakeManager.connect(f.alice).deposit(2n * E18);
      expect(await balances(f, f.alice.address)).to.deep.equal({
        free: 5n * E18,
        locked: 0n,
        pending: 0n,
        releaseTime: 0n,
      });
    });
  });

  describe("depositWithPermit", function () {
    async function signPermit(f: Awaited<ReturnType<typeof stakeFixture>>, value: bigint, deadline: bigint) {
      const owner = f.alice;
      const domain = {
        name: await f.token.name(),
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await f.token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const message = {
        owner: owner.address,
        spender: await f.stakeManager.getAddress(),
        value,
        nonce: await f.token.nonces(owner.address),
        deadline,
      };
      return ethers.Signature.from(await owner.signTypedData(domain, types, message));
    }

    it("deposits in one transaction with an EIP-2612 signature", async function () {
      const f = await loadFixture(stakeFixture);
      await f.token.mint(f.alice.address, 4n * E18);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signPermit(f, 4n * E18, deadline);
      await expect(f.stakeManager.connect(f.alice).depositWithPermit(4n * E18, deadline, sig.v, sig.r, sig.s))
        .to.emit(f.stakeManager, "StakeDeposited")
        .withArgs(f.alice.address, 4n * E18);
      expect(await f.stakeManager.freeOf(f.alice.address)).to.equal(4n * E18);
    });

    it("still deposits when the permit was front-run (allowance already set)", async function () {
      const f = await loadFixture(stakeFixture);
      await f.token.mint(f.alice.address, 4n * E18);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signPermit(f, 4n * E18, deadline);
      await f.token.permit(
        f.alice.address,
        await f.stakeManager.getAddress(),
        4n * E18,
        deadline,
        sig.v,
        sig.r,
        sig.s,
      );
      await expect(f.stakeManager.connect(f.alice).depositWithPermit(4n * E18, deadline, sig.v, sig.r, sig.s))
        .to.emit(f.stakeManager, "StakeDeposited")
        .withArgs(f.alice.address, 4n * E18);
    });

    it("rejects a zero amount", async function () {
      const f = await loadFixture(stakeFixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signPermit(f, 0n, deadline);
      await expect(f.stakeManager.connect(f.alice).depositWithPermit(0, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeZeroAmount")
        .withArgs();
    });

    it("fails on a bad signature without allowance", async function () {
      const f = await loadFixture(stakeFixture);
      await f.token.mint(f.alice.address, 4n * E18);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signPermit(f, 1n, deadline);
      await expect(f.stakeManager.connect(f.alice).depositWithPermit(4n * E18, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.stakeManager.getAddress(), 0, 4n * E18);
    });
  });

  describe("requestWithdrawal", function () {
    it("rejects zero and more than the free stake", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await expect(f.stakeManager.connect(f.alice).requestWithdrawal(0))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeZeroAmount")
        .withArgs();
      await expect(f.stakeManager.connect(f.alice).requestWithdrawal(10n * E18 + 1n))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.alice.address, 10n * E18 + 1n, 10n * E18);
    });

    it("cannot unbond locked stake", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 7n * E18);
      await expect(f.stakeManager.connect(f.alice).requestWithdrawal(4n * E18))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.alice.address, 4n * E18, 3n * E18);
    });

    it("moves free to pending and restarts the release time of the whole pending balance", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      const t1 = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t1);
      await expect(f.stakeManager.connect(f.alice).requestWithdrawal(4n * E18))
        .to.emit(f.stakeManager, "StakeWithdrawalRequested")
        .withArgs(f.alice.address, 4n * E18, 4n * E18, t1 + BigInt(TestConfig.unbondingDelay));
      const t2 = t1 + 1000n;
      await time.setNextBlockTimestamp(t2);
      await expect(f.stakeManager.connect(f.alice).requestWithdrawal(1n * E18))
        .to.emit(f.stakeManager, "StakeWithdrawalRequested")
        .withArgs(f.alice.address, 1n * E18, 5n * E18, t2 + BigInt(TestConfig.unbondingDelay));
      expect(await balances(f, f.alice.address)).to.deep.equal({
        free: 5n * E18,
        locked: 0n,
        pending: 5n * E18,
        releaseTime: t2 + BigInt(TestConfig.unbondingDelay),
      });
    });
  });

  describe("cancelWithdrawal", function () {
    it("rejects when nothing is pending", async function () {
      const f = await loadFixture(stakeFixture);
      await expect(f.stakeManager.connect(f.alice).cancelWithdrawal())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNothingPending")
        .withArgs(f.alice.address);
    });

    it("returns the pending balance to free", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.alice).requestWithdrawal(6n * E18);
      await expect(f.stakeManager.connect(f.alice).cancelWithdrawal())
        .to.emit(f.stakeManager, "StakeWithdrawalCancelled")
        .withArgs(f.alice.address, 6n * E18);
      expect(await balances(f, f.alice.address)).to.deep.equal({
        free: 10n * E18,
        locked: 0n,
        pending: 0n,
        releaseTime: 0n,
      });
    });
  });

  describe("withdraw", function () {
    it("rejects when nothing is pending", async function () {
      const f = await loadFixture(stakeFixture);
      await expect(f.stakeManager.connect(f.alice).withdraw())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNothingPending")
        .withArgs(f.alice.address);
    });

    it("rejects before the release time, pays exactly the pending balance after it", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.alice).requestWithdrawal(6n * E18);
      const { releaseTime } = await balances(f, f.alice.address);
      await time.setNextBlockTimestamp(releaseTime - 1n);
      await expect(f.stakeManager.connect(f.alice).withdraw())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeStillUnbonding")
        .withArgs(f.alice.address, releaseTime);
      await time.setNextBlockTimestamp(releaseTime);
      const tx = f.stakeManager.connect(f.alice).withdraw();
      await expect(tx)
        .to.emit(f.stakeManager, "StakeWithdrawn")
        .withArgs(f.alice.address, 6n * E18);
      await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.stakeManager], [6n * E18, -6n * E18]);
      expect(await balances(f, f.alice.address)).to.deep.equal({
        free: 4n * E18,
        locked: 0n,
        pending: 0n,
        releaseTime: 0n,
      });
      await expect(f.stakeManager.connect(f.alice).withdraw())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNothingPending")
        .withArgs(f.alice.address);
    });

    it("uses the delay in force when the request was made", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.alice).requestWithdrawal(E18);
      await expect(f.stakeManager.setUnbondingDelay(60))
        .to.emit(f.stakeManager, "UnbondingDelayUpdated")
        .withArgs(60);
      const { releaseTime } = await balances(f, f.alice.address);
      await time.increase(120);
      await expect(f.stakeManager.connect(f.alice).withdraw())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeStillUnbonding")
        .withArgs(f.alice.address, releaseTime);
      await f.stakeManager.connect(f.alice).requestWithdrawal(E18);
      await time.increase(60);
      await expect(f.stakeManager.connect(f.alice).withdraw())
        .to.emit(f.stakeManager, "StakeWithdrawn")
        .withArgs(f.alice.address, 2n * E18);
    });
  });

  describe("lock and unlock", function () {
    it("only LOCKER_ROLE may lock or unlock", async function () {
      const f = await loadFixture(stakeFixture);
      const role = await f.stakeManager.LOCKER_ROLE();
      await expect(f.stakeManager.connect(f.alice).lock(f.alice.address, 1))
        .to.be.revertedWithCustomError(f.stakeManager, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, role);
      await expect(f.stakeManager.connect(f.alice).unlock(f.alice.address, 0))
        .to.be.revertedWithCustomError(f.stakeManager, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, role);
    });

    it("locks free stake only, never pending stake", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.alice).requestWithdrawal(4n * E18);
      await expect(f.stakeManager.connect(f.locker).lock(f.alice.address, 7n * E18))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.alice.address, 7n * E18, 6n * E18);
      await expect(f.stakeManager.connect(f.locker).lock(f.alice.address, 6n * E18))
        .to.emit(f.stakeManager, "StakeLocked")
        .withArgs(f.alice.address, f.locker.address, 6n * E18);
      expect(await f.stakeManager.lockedBy(f.locker.address, f.alice.address)).to.equal(6n * E18);
      const b = await balances(f, f.alice.address);
      expect([b.free, b.locked, b.pending]).to.deep.equal([0n, 6n * E18, 4n * E18]);
    });

    it("a locker releases only what it locked itself", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 3n * E18);
      await f.stakeManager.connect(f.locker2).lock(f.alice.address, 5n * E18);
      await expect(f.stakeManager.connect(f.locker2).unlock(f.alice.address, 6n * E18))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientLocked")
        .withArgs(f.alice.address, f.locker2.address, 6n * E18, 5n * E18);
      await expect(f.stakeManager.connect(f.locker).unlock(f.alice.address, 2n * E18))
        .to.emit(f.stakeManager, "StakeUnlocked")
        .withArgs(f.alice.address, f.locker.address, 2n * E18);
      expect(await f.stakeManager.lockedBy(f.locker.address, f.alice.address)).to.equal(1n * E18);
      expect(await f.stakeManager.lockedBy(f.locker2.address, f.alice.address)).to.equal(5n * E18);
      const b = await balances(f, f.alice.address);
      expect([b.free, b.locked]).to.deep.equal([4n * E18, 6n * E18]);
    });
  });

  describe("slash", function () {
    it("only SLASHER_ROLE may slash", async function () {
      const f = await loadFixture(stakeFixture);
      const role = await f.stakeManager.SLASHER_ROLE();
      await f.stakeManager.grantRole(await f.stakeManager.LOCKER_ROLE(), f.bob.address);
      await expect(f.stakeManager.connect(f.bob).slash(f.alice.address, 0, f.bob.address))
        .to.be.revertedWithCustomError(f.stakeManager, "AccessControlUnauthorizedAccount")
        .withArgs(f.bob.address, role);
    });

    it("slashes only stake the slasher locked", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 4n * E18);
      await expect(f.stakeManager.connect(f.locker2).slash(f.alice.address, 1n, f.bob.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientLocked")
        .withArgs(f.alice.address, f.locker2.address, 1n, 0n);
    });

    it("splits between the beneficiary and the sink as free-balance credits", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      const amount = 7n * E18 + 3n;
      const toSink = (amount * BigInt(TestConfig.slashSinkBps)) / 10_000n;
      const tx = f.stakeManager.connect(f.locker).slash(f.alice.address, amount, f.bob.address);
      await expect(tx)
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(
          f.alice.address,
          f.locker.address,
          f.bob.address,
          amount,
          amount - toSink,
          f.sink.address,
          toSink,
        );
      await expect(tx).to.changeTokenBalances(f.token, [f.stakeManager, f.bob, f.sink], [0, 0, 0]);
      const a = await balances(f, f.alice.address);
      expect([a.free, a.locked]).to.deep.equal([0n, 10n * E18 - amount]);
      expect(await f.stakeManager.freeOf(f.bob.address)).to.equal(amount - toSink);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(toSink);
      expect(await f.stakeManager.lockedBy(f.locker.address, f.alice.address)).to.equal(10n * E18 - amount);
      // The credit is real stake: it can be locked and withdrawn after unbonding.
      await f.stakeManager.connect(f.bob).requestWithdrawal(amount - toSink);
      await time.increase(TestConfig.unbondingDelay);
      await expect(f.stakeManager.connect(f.bob).withdraw()).to.changeTokenBalance(
        f.token,
        f.bob,
        amount - toSink,
      );
    });

    it("sends everything to the sink for a zero beneficiary", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 5n * E18, ethers.ZeroAddress))
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(
          f.alice.address,
          f.locker.address,
          ethers.ZeroAddress,
          5n * E18,
          0,
          f.sink.address,
          5n * E18,
        );
      expect(await f.stakeManager.freeOf(ethers.ZeroAddress)).to.equal(0);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(5n * E18);
    });

    it("credits everything to the beneficiary with a 0% sink share", async function () {
      const f = await loadFixture(stakeFixture);
      await f.stakeManager.setSlashSink(f.sink.address, 0);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 10n * E18, f.bob.address))
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(f.alice.address, f.locker.address, f.bob.address, 10n * E18, 10n * E18, f.sink.address, 0);
    });
  });

  describe("admin", function () {
    it("only DEFAULT_ADMIN_ROLE sets the sink and the delay", async function () {
      const f = await loadFixture(stakeFixture);
      const admin = await f.stakeManager.DEFAULT_ADMIN_ROLE();
      await expect(f.stakeManager.connect(f.alice).setSlashSink(f.alice.address, 1))
        .to.be.revertedWithCustomError(f.stakeManager, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, admin);
      await expect(f.stakeManager.connect(f.alice).setUnbondingDelay(1))
        .to.be.revertedWithCustomError(f.stakeManager, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, admin);
    });

    it("validates and emits sink updates", async function () {
      const f = await loadFixture(stakeFixture);
      await expect(f.stakeManager.setSlashSink(ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(ethers.ZeroAddress, 1);
      await expect(f.stakeManager.setSlashSink(f.bob.address, 10_001))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(f.bob.address, 10_001);
      await expect(f.stakeManager.setSlashSink(f.bob.address, 10_000))
        .to.emit(f.stakeManager, "SlashSinkUpdated")
        .withArgs(f.bob.address, 10_000);
      expect(await f.stakeManager.slashSink()).to.equal(f.bob.address);
      expect(await f.stakeManager.slashSinkBps()).to.equal(10_000);
    });
  });
});
