import { expect } from "chai";
import hre from "hardhat";
import { deploySystem } from "../../deploy/system";
import { connectPinpoint, depositStake } from "../../src/chain";

describe("deploySystem on an existing token (System module)", function () {
  it("wires StakeManager, TaskMarket and DisputeGame to the given ERC-20 with every role", async function () {
    const [admin, staker] = await hre.ethers.getSigners();
    const token = await hre.ethers.deployContract("TestToken", ["Existing", "EXT"]);
    const addresses = await deploySystem(hre, { token: await token.getAddress() });
    expect(addresses.token).to.equal(await token.getAddress());
    const c = connectPinpoint(addresses, admin);
    expect(await c.stakeManager.token()).to.equal(await token.getAddress());
    expect(await c.taskMarket.hasRole(await c.taskMarket.DISPUTE_ROLE(), addresses.disputeGame!)).to.equal(true);
    expect(await c.stakeManager.hasRole(await c.stakeManager.SLASHER_ROLE(), addresses.disputeGame!)).to.equal(true);
    expect(await c.stakeManager.hasRole(await c.stakeManager.LOCKER_ROLE(), addresses.taskMarket)).to.equal(true);
    await token.mint(staker.address, 10n ** 18n);
    await depositStake(connectPinpoint(addresses, staker), staker, 10n ** 18n);
    expect(await c.stakeManager.freeOf(staker.address)).to.equal(10n ** 18n);
  });
});
