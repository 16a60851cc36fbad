import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployMarketFixture, E18, fund, stake, TestConfig, type MarketFixture } from "../fixtures/market";
import type { StakeManager } from "../../typechain-types";

const { ethers } = hre;

/** 2^128 − 1: the largest total (free + locked + pending) an account may hold. */
const MAX_TOTAL = 2n ** 128n - 1n;
const THIRTY_DAYS = 30 * 24 * 3600;

/** Deploys a StakeManager on the fixture's token, as `deployer`, with the test sink and delay. */
async function deployStakeManager(
  f: MarketFixture,
  deployer: HardhatEthersSigner,
  sinkBps: number = TestConfig.slashSinkBps,
): Promise<StakeManager> {
  return ethers.deployContract(
    "StakeManager",
    [await f.token.getAddress(), TestConfig.unbondingDelay, f.sink.address, sinkBps],
    deployer,
  );
}

/**
 * The Ignition market fixture (its StakeManager wired to the TaskMarket, kept as `deployed`) plus a
 * second StakeManager on the same token wired to an EOA `locker`, so that tests drive lock, unlock
 * and slash directly. `stakeManager` is the directly driven one; `fund` and `stake` approve it.
 */
async function stakeFixture() {
  const f = await deployMarketFixture();
  const [alice, bob, locker] = f.others;
  const direct = await deployStakeManager(f, f.admin);
  await direct.wire(locker.address);
  return { ...f, deployed: f.stakeManager, stakeManager: direct, locker, alice, bob };
}

type StakeFixture = Awaited<ReturnType<typeof stakeFixture>>;

/** A StakeManager with a 0 % sink share, wired to the fixture's locker. */
async function zeroSinkFixture() {
  const f = await stakeFixture();
  const direct = await deployStakeManager(f, f.admin, 0);
  await direct.wire(f.locker.address);
  return { ...f, stakeManager: direct };
}

async function balances(f: MarketFixture, who: string) {
  const b = await f.stakeManager.balancesOf(who);
  return { free: b.free, locked: b.locked, pending: b.pending, releaseTime: b.releaseTime };
}

describe("StakeManager", function () {
  describe("constructor", function () {
    it("records the token, sink, split and delay given by the Ignition module", async function () {
      const f = await loadFixture(stakeFixture);
      expect(await f.deployed.token()).to.equal(await f.token.getAddress());
      expect(await f.deployed.slashSink()).to.equal(f.sink.address);
      expect(await f.deployed.slashSinkBps()).to.equal(TestConfig.slashSinkBps);
      expect(await f.deployed.unbondingDelay()).to.equal(TestConfig.unbondingDelay);
    });

    it("rejects a zero sink", async function () {
      const f = await loadFixture(stakeFixture);
      const factory = await ethers.getContractFactory("StakeManager");
      await expect(factory.deploy(await f.token.getAddress(), 60, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(ethers.ZeroAddress, 0);
    });

    it("rejects a sink share above 50% and accepts exactly 50%", async function () {
      const f = await loadFixture(stakeFixture);
      const factory = await ethers.getContractFactory("StakeManager");
      const token = await f.token.getAddress();
      await expect(factory.deploy(token, 60, f.sink.address, 5_001))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(f.sink.address, 5_001);
      await expect(factory.deploy(token, 60, f.sink.address, 10_000))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidSink")
        .withArgs(f.sink.address, 10_000);
      const half = await factory.deploy(token, 60, f.sink.address, 5_000);
      expect(await half.slashSinkBps()).to.equal(5_000);
    });

    it("rejects an unbonding delay above 30 days and accepts exactly 30 days", async function () {
      const f = await loadFixture(stakeFixture);
      const factory = await ethers.getContractFactory("StakeManager");
      const token = await f.token.getAddress();
      await expect(factory.deploy(token, THIRTY_DAYS + 1, f.sink.address, 0))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidDelay")
        .withArgs(THIRTY_DAYS + 1, THIRTY_DAYS);
      await expect(factory.deploy(token, 2 ** 32 - 1, f.sink.address, 0))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInvalidDelay")
        .withArgs(2 ** 32 - 1, THIRTY_DAYS);
      const longest = await factory.deploy(token, THIRTY_DAYS, f.sink.address, 0);
      expect(await longest.unbondingDelay()).to.equal(THIRTY_DAYS);
    });

    it("has no function that changes the sink, the split or the delay, and no roles", async function () {
      const f = await loadFixture(stakeFixture);
      const mutating: string[] = [];
      f.stakeManager.interface.forEachFunction((fn) => {
        if (!fn.constant) mutating.push(fn.name);
      });
      mutating.sort();
      expect(mutating).to.deep.equal(
        [
          "cancelWithdrawal",
          "deposit",
          "depositWithPermit",
          "lock",
          "requestWithdrawal",
          "slash",
          "unlock",
          "withdraw",
          "wire",
        ].sort(),
      );
    });
  });

  describe("wire", function () {
    it("the Ignition module wires the TaskMarket, deployed by the same account", async function () {
      const f = await loadFixture(stakeFixture);
      expect(await f.deployed.market()).to.equal(await f.market.getAddress());
      expect(await f.deployed.DEPLOYER()).to.equal(f.admin.address);
    });

    it("rejects any caller but the deployer", async function () {
      const f = await loadFixture(stakeFixture);
      const fresh = await deployStakeManager(f, f.admin);
      await expect(fresh.connect(f.alice).wire(f.alice.address))
        .to.be.revertedWithCustomError(fresh, "StakeWiring")
        .withArgs(f.alice.address, ethers.ZeroAddress);
      expect(await fresh.market()).to.equal(ethers.ZeroAddress);
    });

    it("rejects the zero address", async function () {
      const f = await loadFixture(stakeFixture);
      const fresh = await deployStakeManager(f, f.admin);
      await expect(fresh.wire(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(fresh, "StakeWiring")
        .withArgs(f.admin.address, ethers.ZeroAddress);
    });

    it("sets the market once, emits StakeMarketWired, and never again, even for the deployer", async function () {
      const f = await loadFixture(stakeFixture);
      const fresh = await deployStakeManager(f, f.admin);
      expect(await fresh.DEPLOYER()).to.equal(f.admin.address);
      await expect(fresh.wire(f.locker.address))
        .to.emit(fresh, "StakeMarketWired")
        .withArgs(f.locker.address);
      expect(await fresh.market()).to.equal(f.locker.address);
      await expect(fresh.wire(f.bob.address))
        .to.be.revertedWithCustomError(fresh, "StakeWiring")
        .withArgs(f.admin.address, f.locker.address);
      await expect(fresh.wire(f.locker.address))
        .to.be.revertedWithCustomError(fresh, "StakeWiring")
        .withArgs(f.admin.address, f.locker.address);
      await expect(f.deployed.wire(f.admin.address))
        .to.be.revertedWithCustomError(f.deployed, "StakeWiring")
        .withArgs(f.admin.address, await f.market.getAddress());
      expect(await fresh.market()).to.equal(f.locker.address);
    });

    it("before wiring nobody, not even the deployer, can lock, unlock or slash", async function () {
      const f = await loadFixture(stakeFixture);
      const fresh = await deployStakeManager(f, f.admin);
      for (const who of [f.admin, f.locker]) {
        await expect(fresh.connect(who).lock(f.alice.address, 0))
          .to.be.revertedWithCustomError(fresh, "StakeNotMarket")
          .withArgs(who.address);
        await expect(fresh.connect(who).unlock(f.alice.address, 0))
          .to.be.revertedWithCustomError(fresh, "StakeNotMarket")
          .withArgs(who.address);
        await expect(fresh.connect(who).slash(f.alice.address, 0, who.address))
          .to.be.revertedWithCustomError(fresh, "StakeNotMarket")
          .withArgs(who.address);
      }
      expect(await fresh.lockedBy(ethers.ZeroAddress, f.alice.address)).to.equal(0);
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
      await fund(f, f.alice, MAX_TOTAL + 1n);
      await f.stakeManager.connect(f.alice).deposit(MAX_TOTAL);
      await expect(f.stakeManager.connect(f.alice).deposit(1))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + 1n);
    });

    it("counts locked stake towards the 2^128 bound, so a later lock cannot wrap (finding 6)", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 4n * E18);
      // free stays below 2^128 after this deposit, but free + locked would not.
      const tooMuch = MAX_TOTAL - 6n * E18;
      await fund(f, f.alice, tooMuch);
      await expect(f.stakeManager.connect(f.alice).deposit(tooMuch))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + 4n * E18);
      // Up to the bound is fine, and locking everything then leaves locked at exactly 2^128 − 1.
      await f.stakeManager.connect(f.alice).deposit(MAX_TOTAL - 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, MAX_TOTAL - 4n * E18);
      expect(await balances(f, f.alice.address)).to.deep.equal({
        free: 0n,
        locked: MAX_TOTAL,
        pending: 0n,
        releaseTime: 0n,
      });
      await expect(f.stakeManager.connect(f.alice).deposit(1))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + 1n);
    });

    it("counts pending stake towards the 2^128 bound, so a cancelled withdrawal cannot overflow", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.alice).requestWithdrawal(3n * E18);
      const tooMuch = MAX_TOTAL - 7n * E18;
      await fund(f, f.alice, tooMuch);
      await expect(f.stakeManager.connect(f.alice).deposit(tooMuch))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + 3n * E18);
      await f.stakeManager.connect(f.alice).deposit(MAX_TOTAL - 10n * E18);
      await f.stakeManager.connect(f.alice).cancelWithdrawal();
      expect((await balances(f, f.alice.address)).free).to.equal(MAX_TOTAL);
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
    async function signPermit(f: StakeFixture, value: bigint, deadline: bigint) {
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

    it("stake can always leave within the 30-day maximum delay", async function () {
      const f = await loadFixture(stakeFixture);
      const longest = await ethers.deployContract("StakeManager", [
        await f.token.getAddress(),
        THIRTY_DAYS,
        f.sink.address,
        0,
      ]);
      const g = { ...f, stakeManager: longest };
      await stake(g, f.alice, 10n * E18);
      await longest.connect(f.alice).requestWithdrawal(10n * E18);
      const requested = BigInt(await time.latest());
      await time.setNextBlockTimestamp(requested + BigInt(THIRTY_DAYS) - 1n);
      await expect(longest.connect(f.alice).withdraw())
        .to.be.revertedWithCustomError(longest, "StakeStillUnbonding")
        .withArgs(f.alice.address, requested + BigInt(THIRTY_DAYS));
      await time.setNextBlockTimestamp(requested + BigInt(THIRTY_DAYS));
      await expect(longest.connect(f.alice).withdraw()).to.changeTokenBalance(f.token, f.alice, 10n * E18);
    });
  });

  describe("lock and unlock", function () {
    it("only the wired market may lock or unlock, whoever deployed the contract", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 4n * E18);
      for (const who of [f.alice, f.bob, f.admin, f.dispute]) {
        await expect(f.stakeManager.connect(who).lock(f.alice.address, 1))
          .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
          .withArgs(who.address);
        await expect(f.stakeManager.connect(who).unlock(f.alice.address, 1))
          .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
          .withArgs(who.address);
      }
      const b = await balances(f, f.alice.address);
      expect([b.free, b.locked]).to.deep.equal([6n * E18, 4n * E18]);
    });

    it("the deployed StakeManager accepts locks only from the TaskMarket", async function () {
      const f = await loadFixture(stakeFixture);
      for (const who of [f.admin, f.dispute, f.locker]) {
        await expect(f.deployed.connect(who).lock(f.alice.address, 0))
          .to.be.revertedWithCustomError(f.deployed, "StakeNotMarket")
          .withArgs(who.address);
      }
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

    it("releases at most the locked stake, back to free", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 3n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 5n * E18);
      await expect(f.stakeManager.connect(f.locker).unlock(f.alice.address, 8n * E18 + 1n))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientLocked")
        .withArgs(f.alice.address, f.locker.address, 8n * E18 + 1n, 8n * E18);
      await expect(f.stakeManager.connect(f.locker).unlock(f.alice.address, 2n * E18))
        .to.emit(f.stakeManager, "StakeUnlocked")
        .withArgs(f.alice.address, f.locker.address, 2n * E18);
      const b = await balances(f, f.alice.address);
      expect([b.free, b.locked]).to.deep.equal([4n * E18, 6n * E18]);
    });

    it("lockedBy reports the locked stake for the wired market and 0 for anyone else", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 6n * E18);
      expect(await f.stakeManager.lockedBy(f.locker.address, f.alice.address)).to.equal(6n * E18);
      for (const other of [f.admin.address, f.alice.address, f.bob.address, ethers.ZeroAddress]) {
        expect(await f.stakeManager.lockedBy(other, f.alice.address)).to.equal(0);
      }
      expect(await f.stakeManager.lockedBy(f.locker.address, f.bob.address)).to.equal(0);
    });
  });

  describe("slash", function () {
    it("only the wired market may slash, whoever deployed the contract", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      for (const who of [f.alice, f.bob, f.admin, f.sink]) {
        await expect(f.stakeManager.connect(who).slash(f.alice.address, 10n * E18, who.address))
          .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
          .withArgs(who.address);
      }
      expect((await balances(f, f.alice.address)).locked).to.equal(10n * E18);
    });

    it("slashes at most the locked stake", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 4n * E18);
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 4n * E18 + 1n, f.bob.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientLocked")
        .withArgs(f.alice.address, f.locker.address, 4n * E18 + 1n, 4n * E18);
      await expect(f.stakeManager.connect(f.locker).slash(f.bob.address, 1n, f.alice.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientLocked")
        .withArgs(f.bob.address, f.locker.address, 1n, 0n);
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
      const f = await loadFixture(zeroSinkFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 10n * E18, f.bob.address))
        .to.emit(f.stakeManager, "StakeSlashed")
        .withArgs(f.alice.address, f.locker.address, f.bob.address, 10n * E18, 10n * E18, f.sink.address, 0);
      expect(await f.stakeManager.freeOf(f.bob.address)).to.equal(10n * E18);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(0);
    });

    it("rejects a slash whose beneficiary credit would take its total past 2^128 − 1", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      await stake(f, f.bob, MAX_TOTAL - 3n * E18);
      await f.stakeManager.connect(f.bob).requestWithdrawal(E18);
      // toBeneficiary = 8 E18 (20 % sink share): bob's total would be 2^128 − 1 + 5 E18.
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 10n * E18, f.bob.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + 5n * E18);
      // Exactly up to the bound is fine: 3.75 E18 slashed credits bob 3 E18 and the sink 0.75 E18.
      await f.stakeManager.connect(f.locker).slash(f.alice.address, (15n * E18) / 4n, f.bob.address);
      const b = await balances(f, f.bob.address);
      expect(b.free + b.locked + b.pending).to.equal(MAX_TOTAL);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal((3n * E18) / 4n);
    });

    it("rejects a slash whose sink credit would take the sink's total past 2^128 − 1", async function () {
      const f = await loadFixture(stakeFixture);
      await stake(f, f.alice, 10n * E18);
      await f.stakeManager.connect(f.locker).lock(f.alice.address, 10n * E18);
      await stake(f, f.sink, MAX_TOTAL - E18);
      await f.stakeManager.connect(f.locker).lock(f.sink.address, E18);
      // toSink = 2 E18 for a 10 E18 slash to bob, or 10 E18 with no beneficiary.
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 10n * E18, f.bob.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + E18);
      await expect(f.stakeManager.connect(f.locker).slash(f.alice.address, 10n * E18, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeAmountOverflow")
        .withArgs(MAX_TOTAL + 9n * E18);
      // Nothing moved: bob's credit was rolled back with the failed sink credit.
      expect(await f.stakeManager.freeOf(f.bob.address)).to.equal(0);
      expect((await balances(f, f.alice.address)).locked).to.equal(10n * E18);
      await f.stakeManager.connect(f.locker).slash(f.alice.address, 5n * E18, f.bob.address);
      const s = await balances(f, f.sink.address);
      expect(s.free + s.locked + s.pending).to.equal(MAX_TOTAL);
    });
  });
});
