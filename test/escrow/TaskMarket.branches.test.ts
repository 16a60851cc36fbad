/**
 * TaskMarket guards that the other escrow tests leave untaken (docs/COVERAGE.md): wiring the
 * zero address, the zero address as caller before wiring, the 16-bit open-dispute counter at its
 * maximum, and re-entry into expire and reclaim from a token callback.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toBeHex, ZeroAddress } from "ethers";
import MarketModule from "../../deploy/modules/Market";
import {
  deployMarketFixture,
  deployMarketOn,
  E18,
  openDisputeFor,
  randomHash,
  Status,
  submittedTask,
  taskParams,
  TEST_BOND,
  TestConfig,
} from "../fixtures/market";
import type { TaskMarket } from "../../typechain-types";

const { ethers, ignition } = hre;

/** The local market fixture plus a second TaskMarket on the same token whose dispute game is not wired yet. */
async function unwiredFixture() {
  const f = await deployMarketFixture();
  const deployed = await ignition.deploy(MarketModule, {
    parameters: { Market: { ...TestConfig, token: await f.token.getAddress(), slashSink: f.sink.address } },
  });
  const unwired = await ethers.getContractAt("TaskMarket", await deployed.taskMarket.getAddress());
  return { ...f, unwired };
}

/** A signer for the zero address (Hardhat impersonation), funded for gas. */
async function zeroAddressSigner() {
  await hre.network.provider.request({ method: "hardhat_impersonateAccount", params: [ZeroAddress] });
  await setBalance(ZeroAddress, 10n ** 18n);
  return ethers.getSigner(ZeroAddress);
}

/**
 * Storage word (slot) of task `taskId` that holds its open-dispute counter, and the counter's
 * unit in that word: found by locating the task's struct (its first word is the spec hash) and
 * diffing its words around one openDispute.
 */
async function openDisputesWord(
  market: TaskMarket,
  taskId: bigint,
  specHash: string,
  open: () => Promise<void>,
) {
  const address = await market.getAddress();
  const read = (slot: bigint) => ethers.provider.getStorage(address, slot);
  let base: bigint | undefined;
  for (let s = 0n; s < 64n && base === undefined; s++) {
    const slot = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [taskId, s])));
    if ((await read(slot)) === specHash) base = slot;
  }
  if (base === undefined) throw new Error("task struct not found in storage");
  const words = async () => Promise.all(Array.from({ length: 8 }, (_, k) => read(base! + BigInt(k))));
  const before = await words();
  await open();
  const after = await words();
  const changed = after.findIndex((w, k) => w !== before[k]);
  if (changed < 0 || after.some((w, k) => k !== changed && w !== before[k]))
    throw new Error("openDispute changed no single word");
  return {
    slot: base + BigInt(changed),
    before: BigInt(before[changed]),
    unit: BigInt(after[changed]) - BigInt(before[changed]),
  };
}

describe("TaskMarket guards (branch coverage)", function () {
  describe("wire", function () {
    it("refuses the zero address even from the deployer before any game is wired, then wires once", async function () {
      const f = await loadFixture(unwiredFixture);
      expect(await f.unwired.DEPLOYER()).to.equal(f.admin.address);
      await expect(f.unwired.connect(f.admin).wire(ZeroAddress))
        .to.be.revertedWithCustomError(f.unwired, "TaskMarketWiring")
        .withArgs(f.admin.address, ZeroAddress);
      expect(await f.unwired.disputeGame()).to.equal(ZeroAddress);
      await expect(f.unwired.connect(f.admin).wire(f.dispute.address))
        .to.emit(f.unwired, "DisputeGameWired")
        .withArgs(f.dispute.address);
    });
  });

  describe("dispute hooks before wiring", function () {
    it("the zero address (which the unwired dispute game equals) may not open or resolve a dispute", async function () {
      const f = await loadFixture(unwiredFixture);
      const zero = await zeroAddressSigner();
      const m = f.unwired.connect(zero);
      for (const call of [
        () => m.openDispute(1, f.challenger.address, TEST_BOND),
        () => m.resolveForSolver(1, f.challenger.address, TEST_BOND),
        () => m.resolveForChallenger(1, f.challenger.address, TEST_BOND),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(f.unwired, "TaskMarketNotDisputeGame")
          .withArgs(ZeroAddress);
      }
    });
  });

  describe("openDispute", function () {
    it("refuses the 65,536th concurrent dispute on a task with TaskMarketTooManyDisputes(task, 65535)", async function () {
      const f = await loadFixture(deployMarketFixture);
      const params = taskParams();
      const { taskId } = await submittedTask(f, params);
      const specHash = await f.market.hashSpec(params.spec);
      // One real dispute, then the counter is set to its 16-bit maximum (65,535 real disputes
      // would each need a transaction and a bond).
      const w = await openDisputesWord(f.market, taskId, specHash, () =>
        openDisputeFor(f, taskId, f.challenger),
      );
      expect((await f.market.getTask(taskId)).openDisputes).to.equal(1n);
      await hre.network.provider.request({
        method: "hardhat_setStorageAt",
        params: [await f.market.getAddress(), toBeHex(w.slot, 32), toBeHex(w.before + 65_535n * w.unit, 32)],
      });
      expect((await f.market.getTask(taskId)).openDisputes).to.equal(65_535n);
      await expect(openDisputeFor(f, taskId, f.others[0]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketTooManyDisputes")
        .withArgs(taskId, 65_535);
      expect((await f.market.getTask(taskId)).openDisputes).to.equal(65_535n);
      expect(await f.stakeManager.lockedBy(await f.market.getAddress(), f.others[0].address)).to.equal(0n);
    });
  });

  describe("re-entry from a token callback", function () {
    async function reentrantFixture() {
      const [, dispute, sink, honest] = await ethers.getSigners();
      const token = await ethers.deployContract("ReentrantToken");
      const { stakeManager, market } = await deployMarketOn(
        await token.getAddress(),
        sink.address,
        dispute.address,
      );
      const attacker = await ethers.deployContract("Attacker");
      await token.mint(await attacker.getAddress(), 1_000n * E18);
      await attacker.exec(
        await token.getAddress(),
        token.interface.encodeFunctionData("approve", [await market.getAddress(), ethers.MaxUint256]),
      );
      await token.mint(honest.address, 1_000n * E18);
      await token.connect(honest).approve(await stakeManager.getAddress(), ethers.MaxUint256);
      // Task 1, submitted by the attacker contract.
      const create = market.interface.encodeFunctionData("createTask", [
        taskParams({ totalSteps: 100n, checkpointInterval: 100n }),
      ]);
      await attacker.exec(await market.getAddress(), create);
      return { token, market, attacker, honest, dispute };
    }

    for (const fn of ["expire", "reclaim"] as const) {
      it(`${fn} refuses re-entry while cancel pays out; the whole cancel reverts and the escrow is intact`, async function () {
        const fx = await loadFixture(reentrantFixture);
        const { token, market, attacker } = fx;
        const m = await market.getAddress();
        const reentry = attacker.interface.encodeFunctionData("exec", [
          m,
          fn === "expire"
            ? market.interface.encodeFunctionData("expire", [1])
            : market.interface.encodeFunctionData("reclaim", [1]),
        ]);
        await token.arm(await attacker.getAddress(), reentry, true);
        const cancel = market.interface.encodeFunctionData("cancel", [1]);
        await expect(attacker.exec(m, cancel)).to.be.revertedWithCustomError(
          market,
          "ReentrancyGuardReentrantCall",
        );
        expect((await market.getTask(1)).status).to.equal(Status.Open);
        expect(await token.balanceOf(m)).to.equal(50n * E18);
        // Without the re-entry the same cancel refunds the submitter.
        await token.disarm();
        await expect(attacker.exec(m, cancel)).to.changeTokenBalances(
          token,
          [attacker, market],
          [50n * E18, -50n * E18],
        );
        expect((await market.getTask(1)).status).to.equal(Status.Cancelled);
      });
    }

    it("a refused re-entry into reclaim leaves a rejected task reclaimable exactly once", async function () {
      const fx = await loadFixture(reentrantFixture);
      const { token, market, attacker, honest, dispute } = fx;
      const m = await market.getAddress();
      const sm = await ethers.getContractAt("StakeManager", await market.stakeManager());
      await sm.connect(honest).deposit(50n * E18);
      await market.connect(honest).claim(1);
      await market.connect(honest).submitFinal(1, randomHash());
      await market.connect(dispute).openDispute(1, dispute.address, 0);
      await market.connect(dispute).resolveForChallenger(1, dispute.address, 0);
      const reclaim = market.interface.encodeFunctionData("reclaim", [1]);
      await token.arm(
        await attacker.getAddress(),
        attacker.interface.encodeFunctionData("exec", [m, reclaim]),
        false,
      );
      await expect(attacker.exec(m, reclaim)).to.changeTokenBalance(token, attacker, 50n * E18);
      // The nested reclaim was refused by the guard, not by the status check.
      expect(await token.lastReentryOk()).to.equal(false);
      expect(await token.lastReentryData()).to.equal(
        ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10),
      );
      expect((await market.getTask(1)).status).to.equal(Status.Refunded);
      expect(await token.balanceOf(m)).to.equal(0n);
    });
  });
});
