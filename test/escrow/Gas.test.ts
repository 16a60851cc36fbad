import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  createTask,
  deployMarketFixture,
  fund,
  gasOf,
  numCheckpoints,
  randomHash,
  randomHashes,
  stake,
  taskParams,
} from "../fixtures/market";

/** Gas budgets of issue #2 (total transaction gas, including the 21,000 intrinsic). */
const Budget = { createTask: 150_000n, claim: 100_000n, finalize: 80_000n, perCheckpoint64: 3_000n } as const;

describe("TaskMarket gas budgets", function () {
  it("createTask, claim, a 64-checkpoint batch and finalize stay within budget", async function () {
    const f = await loadFixture(deployMarketFixture);
    // Warm-up task so counters and balances are non-zero, as on a live market.
    await createTask(f, f.submitter);
    const params = taskParams({ totalSteps: 6_500n, checkpointInterval: 100n });
    await stake(f, f.solver, 100n * 10n ** 18n);
    await fund(f, f.submitter, 2n * BigInt(params.reward));
    const createGas = await gasOf(f.market.connect(f.submitter).createTask(params));
    const taskId = await f.market.taskCount();
    const claimGas = await gasOf(f.market.connect(f.solver).claim(taskId));
    expect(numCheckpoints(params)).to.equal(65);
    const batchGas = await gasOf(f.market.connect(f.solver).commitCheckpoints(taskId, randomHashes(64)));
    await f.market.connect(f.solver).submitFinal(taskId, randomHash());
    await time.increase(24 * 3600);
    const finalizeGas = await gasOf(f.market.finalize(taskId));
    const perCheckpoint = batchGas / 64n;
    console.log(
      `      gas: createTask ${createGas}, claim ${claimGas}, commitCheckpoints(64) ${batchGas} (${perCheckpoint}/checkpoint), finalize ${finalizeGas}`,
    );
    expect(createGas).to.be.lessThanOrEqual(Budget.createTask);
    expect(claimGas).to.be.lessThanOrEqual(Budget.claim);
    expect(perCheckpoint).to.be.lessThanOrEqual(Budget.perCheckpoint64);
    expect(finalizeGas).to.be.lessThanOrEqual(Budget.finalize);
  });
});
