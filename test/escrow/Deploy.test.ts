import { expect } from "chai";
import hre from "hardhat";
import LocalMarketModule from "../../deploy/modules/LocalMarket";
import { MarketDefaults, Roles } from "../../deploy/modules/marketCore";

const { ethers, ignition } = hre;

describe("Ignition modules", function () {
  it("LocalMarket deploys TestToken, StakeManager and TaskMarket with the documented defaults and roles", async function () {
    const [deployer, other] = await ethers.getSigners();
    const d = await ignition.deploy(LocalMarketModule);
    const token = await ethers.getContractAt("TestToken", await d.token.getAddress());
    const sm = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    expect(await token.symbol()).to.equal("PINT");
    expect(await sm.token()).to.equal(await token.getAddress());
    expect(await market.stakeManager()).to.equal(await sm.getAddress());
    expect(await sm.unbondingDelay()).to.equal(MarketDefaults.unbondingDelay);
    expect(await sm.slashSink()).to.equal(deployer.address);
    expect(await sm.slashSinkBps()).to.equal(MarketDefaults.slashSinkBps);
    const c = await market.config();
    expect([
      c.minSolverStake,
      c.minChallengeWindow,
      c.defaultChallengeWindow,
      c.defaultSolveWindow,
      c.expiryPenaltyBps,
    ]).to.deep.equal([
      MarketDefaults.minSolverStake,
      BigInt(MarketDefaults.minChallengeWindow),
      BigInt(MarketDefaults.defaultChallengeWindow),
      BigInt(MarketDefaults.defaultSolveWindow),
      BigInt(MarketDefaults.expiryPenaltyBps),
    ]);
    const admin = await sm.DEFAULT_ADMIN_ROLE();
    expect(await sm.hasRole(admin, deployer.address)).to.equal(true);
    expect(await market.hasRole(admin, deployer.address)).to.equal(true);
    expect(await sm.hasRole(Roles.LOCKER, await market.getAddress())).to.equal(true);
    expect(await sm.hasRole(Roles.SLASHER, await market.getAddress())).to.equal(true);
    expect(await market.hasRole(Roles.DISPUTE, other.address)).to.equal(false);
    expect(Roles.DISPUTE).to.equal(await market.DISPUTE_ROLE());
    expect(Roles.LOCKER).to.equal(await sm.LOCKER_ROLE());
    expect(Roles.SLASHER).to.equal(await sm.SLASHER_ROLE());
  });
});
