import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ChainError } from "../../src/errors";
import { chainCall, decodeRevertData, pinpointErrorInterface, toChainError } from "../../src/chain";
import { deployMarketFixture, taskParams } from "../fixtures/market";

describe("chain error decoding", function () {
  it("decodes a custom error from a reverted transaction with typed arguments", async function () {
    const f = await loadFixture(deployMarketFixture);
    const err = await chainCall("claim task 42", () => f.market.connect(f.solver).claim(42n)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ChainError);
    const ce = err as ChainError;
    expect(ce.code).to.equal("REVERT_TaskMarketUnknownTask");
    expect(ce.message).to.equal("claim task 42 reverted with TaskMarketUnknownTask(taskId=42)");
    expect(ce.details).to.deep.include({ action: "claim task 42", error: "TaskMarketUnknownTask" });
  });

  it("decodes a revert raised during gas estimation of a struct-argument call", async function () {
    const f = await loadFixture(deployMarketFixture);
    const err = toChainError(
      await f.market
        .connect(f.submitter)
        .createTask(taskParams({ reward: 0n }))
        .catch((e: unknown) => e),
      "create task",
    );
    expect(err.code).to.equal("REVERT_TaskMarketZeroReward");
  });

  it("knows OpenZeppelin errors and leaves unknown data undecoded", function () {
    const iface = pinpointErrorInterface();
    const data = iface.encodeErrorResult("AccessControlUnauthorizedAccount", [
      "0x0000000000000000000000000000000000000001",
      "0x" + "11".repeat(32),
    ]);
    expect(decodeRevertData(data)?.name).to.equal("AccessControlUnauthorizedAccount");
    expect(decodeRevertData("0xdeadbeef")).to.equal(undefined);
    expect(toChainError(new Error("socket hang up\nstack"), "send").code).to.equal("CHAIN_CALL_FAILED");
  });
});
