/**
 * StakeManager guards that the other staking tests leave untaken (docs/COVERAGE.md): the zero
 * address as caller before wiring, and re-entry into depositWithPermit from a token callback.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { deployMarketFixture, deployMarketOn, E18, TestConfig } from "../fixtures/market";

const { ethers } = hre;

describe("StakeManager guards (branch coverage)", function () {
  it("before wiring, the zero address (which the unwired market equals) may not lock, unlock or slash", async function () {
    const f = await loadFixture(deployMarketFixture);
    const sm = await ethers.deployContract("StakeManager", [
      await f.token.getAddress(),
      TestConfig.unbondingDelay,
      f.sink.address,
      2_000,
    ]);
    expect(await sm.market()).to.equal(ZeroAddress);
    await hre.network.provider.request({ method: "hardhat_impersonateAccount", params: [ZeroAddress] });
    await setBalance(ZeroAddress, 10n ** 18n);
    const zero = sm.connect(await ethers.getSigner(ZeroAddress));
    for (const call of [
      () => zero.lock(f.solver.address, 0),
      () => zero.unlock(f.solver.address, 0),
      () => zero.slash(f.solver.address, 0, ZeroAddress),
    ]) {
      await expect(call()).to.be.revertedWithCustomError(sm, "StakeNotMarket").withArgs(ZeroAddress);
    }
  });

  it("depositWithPermit refuses re-entry from a token callback; the outer deposit reverts and credits nothing", async function () {
    const [, dispute, sink] = await ethers.getSigners();
    const token = await ethers.deployContract("ReentrantToken");
    const { stakeManager: sm } = await deployMarketOn(
      await token.getAddress(),
      sink.address,
      dispute.address,
    );
    const attacker = await ethers.deployContract("Attacker");
    const a = await attacker.getAddress();
    const s = await sm.getAddress();
    await token.mint(a, 100n * E18);
    await attacker.exec(
      await token.getAddress(),
      token.interface.encodeFunctionData("approve", [s, ethers.MaxUint256]),
    );
    const permitDeposit = sm.interface.encodeFunctionData("depositWithPermit", [
      E18,
      0,
      0,
      ZeroHash,
      ZeroHash,
    ]);
    await token.arm(a, attacker.interface.encodeFunctionData("exec", [s, permitDeposit]), true);
    const deposit = sm.interface.encodeFunctionData("deposit", [10n * E18]);
    await expect(attacker.exec(s, deposit)).to.be.revertedWithCustomError(sm, "ReentrancyGuardReentrantCall");
    expect(await sm.freeOf(a)).to.equal(0n);
    expect(await token.balanceOf(s)).to.equal(0n);
    // The same re-entry from inside depositWithPermit itself (its permit fails and is ignored).
    await expect(attacker.exec(s, permitDeposit)).to.be.revertedWithCustomError(
      sm,
      "ReentrancyGuardReentrantCall",
    );
    await token.disarm();
    await attacker.exec(s, permitDeposit);
    expect(await sm.freeOf(a)).to.equal(E18);
  });
});
