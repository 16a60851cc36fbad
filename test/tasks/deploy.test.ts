import { expect } from "chai";
import hre from "hardhat";
import { deploySystem } from "../../deploy/system";
import { MarketDefaults } from "../../deploy/modules/marketCore";
import { connectPinpoint, depositStake } from "../../src/chain";

describe("deploySystem on an existing token (System module)", function () {
  it("wires StakeManager → TaskMarket → DisputeGame on the given ERC-20, the deployer as delayed admin", async function () {
    const [admin, staker] = await hre.ethers.getSigners();
    const token = await hre.ethers.deployContract("TestToken", ["Existing", "EXT"]);
    const addresses = await deploySystem(hre, { token: await token.getAddress() });
    expect(addresses.token).to.equal(await token.getAddress());
    const c = connectPinpoint(addresses, admin);
    expect(await c.stakeManager.token()).to.equal(await token.getAddress());
    expect(await c.taskMarket.token()).to.equal(await token.getAddress());
    expect(await c.stakeManager.market()).to.equal(addresses.taskMarket);
    expect(await c.taskMarket.stakeManager()).to.equal(addresses.stakeManager);
    expect(await c.taskMarket.disputeGame()).to.equal(addresses.disputeGame);
    expect(await c.disputeGame!.TASK_MARKET()).to.equal(addresses.taskMarket);
    expect(await c.stakeManager.DEPLOYER()).to.equal(admin.address);
    expect(await c.taskMarket.DEPLOYER()).to.equal(admin.address);
    expect(await c.taskMarket.defaultAdmin()).to.equal(admin.address);
    expect(await c.taskMarket.defaultAdminDelay()).to.equal(MarketDefaults.adminDelay);
    await token.mint(staker.address, 10n ** 18n);
    await depositStake(connectPinpoint(addresses, staker), staker, 10n ** 18n);
    expect(await c.stakeManager.freeOf(staker.address)).to.equal(10n ** 18n);
  });
});
