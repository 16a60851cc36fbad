import { expect } from "chai";
import hre from "hardhat";
import DisputeModule from "../../deploy/modules/Dispute";
import DisputeRolesModule from "../../deploy/modules/DisputeRoles";
import LocalMarketModule from "../../deploy/modules/LocalMarket";
import { MarketDefaults } from "../../deploy/modules/marketCore";

const { ethers, ignition } = hre;

describe("Ignition modules", function () {
  it("LocalMarket deploys TestToken, StakeManager and TaskMarket with the documented defaults", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await ignition.deploy(LocalMarketModule);
    const token = await ethers.getContractAt("TestToken", await d.token.getAddress());
    const sm = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    expect(await token.symbol()).to.equal("PINT");
    expect(await sm.token()).to.equal(await token.getAddress());
    expect(await market.stakeManager()).to.equal(await sm.getAddress());
    expect(await market.token()).to.equal(await token.getAddress());
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
  });

  it("LocalMarket wires the TaskMarket into the StakeManager and leaves the dispute game unwired", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await ignition.deploy(LocalMarketModule);
    const sm = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    expect(await sm.market()).to.equal(await market.getAddress());
    expect(await sm.DEPLOYER()).to.equal(deployer.address);
    expect(await market.DEPLOYER()).to.equal(deployer.address);
    expect(await market.disputeGame()).to.equal(ethers.ZeroAddress);
  });

  it("LocalMarket makes account 0 the TaskMarket's only admin, behind the default admin delay", async function () {
    const [deployer, other] = await ethers.getSigners();
    const d = await ignition.deploy(LocalMarketModule);
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    expect(await market.defaultAdmin()).to.equal(deployer.address);
    expect(await market.defaultAdminDelay()).to.equal(MarketDefaults.adminDelay);
    expect(await market.hasRole(await market.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(true);
    expect(await market.hasRole(await market.DEFAULT_ADMIN_ROLE(), other.address)).to.equal(false);
    const [pending, schedule] = await market.pendingDefaultAdmin();
    expect([pending, schedule]).to.deep.equal([ethers.ZeroAddress, 0n]);
  });

  it("the admin and adminDelay parameters set the TaskMarket's admin; account 0 still deploys and wires", async function () {
    const [deployer, admin] = await ethers.getSigners();
    const d = await ignition.deploy(LocalMarketModule, {
      parameters: { LocalMarket: { admin: admin.address, adminDelay: 5 * 24 * 3600 } },
    });
    const sm = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    expect(await market.defaultAdmin()).to.equal(admin.address);
    expect(await market.defaultAdminDelay()).to.equal(5 * 24 * 3600);
    expect(await market.hasRole(await market.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
    expect(await market.DEPLOYER()).to.equal(deployer.address);
    expect(await sm.DEPLOYER()).to.equal(deployer.address);
    expect(await sm.market()).to.equal(await market.getAddress());
  });

  it("Dispute wires the DisputeGame into the TaskMarket, once and for good", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await ignition.deploy(DisputeModule);
    const sm = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    const game = await ethers.getContractAt("DisputeGame", await d.game.getAddress());
    expect(await sm.market()).to.equal(await market.getAddress());
    expect(await market.disputeGame()).to.equal(await game.getAddress());
    expect(await game.TASK_MARKET()).to.equal(await market.getAddress());
    expect(await market.defaultAdmin()).to.equal(deployer.address);
    expect(await market.defaultAdminDelay()).to.equal(MarketDefaults.adminDelay);
    await expect(market.wire(deployer.address))
      .to.be.revertedWithCustomError(market, "TaskMarketWiring")
      .withArgs(deployer.address, await game.getAddress());
    await expect(sm.wire(deployer.address))
      .to.be.revertedWithCustomError(sm, "StakeWiring")
      .withArgs(deployer.address, await market.getAddress());
  });

  it("DisputeRoles wires the given address as the TaskMarket's dispute game", async function () {
    const [, dispute] = await ethers.getSigners();
    const d = await ignition.deploy(DisputeRolesModule, {
      parameters: { DisputeRoles: { dispute: dispute.address } },
    });
    const sm = await ethers.getContractAt("StakeManager", await d.stakeManager.getAddress());
    const market = await ethers.getContractAt("TaskMarket", await d.taskMarket.getAddress());
    expect(await market.disputeGame()).to.equal(dispute.address);
    expect(await sm.market()).to.equal(await market.getAddress());
  });
});
