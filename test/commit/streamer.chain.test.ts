import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { claimedTask, deployMarketFixture, numCheckpoints, randomHashes, taskParams } from "../fixtures/market";
import { checkpointBatchHash, checkpointProof, CheckpointStreamer } from "../../src/commit";
import { ChainError } from "../../src/errors";

describe("CheckpointStreamer against TaskMarket", function () {
  it("streams every checkpoint in order; stored batch words and proofs match the TypeScript tree", async function () {
    const f = await loadFixture(deployMarketFixture);
    const params = taskParams({ totalSteps: 1_000n, checkpointInterval: 10n });
    const { taskId } = await claimedTask(f, params);
    const n = numCheckpoints(params); // 100: stream 1..99
    const market = f.market.connect(f.solver);
    const sent: { firstIndex: number; hashes: string[] }[] = [];
    const streamer = new CheckpointStreamer({
      maxBatch: 16,
      send: async (hashes, { firstIndex }) => {
        await (await market.commitCheckpoints(taskId, hashes)).wait();
        sent.push({ firstIndex, hashes });
      },
    });
    const hashes = randomHashes(n - 1);
    for (const h of hashes) await streamer.push(h);
    await streamer.flush();
    expect(sent.flatMap((b) => b.hashes)).to.deep.equal(hashes);
    expect(sent.every((b) => b.hashes.length <= 16)).to.equal(true);
    expect((await market.getTask(taskId)).checkpointsCommitted).to.equal(BigInt(n - 1));
    for (const [batchIndex, b] of sent.entries()) {
      const word = await market.batchCommitment(taskId, batchIndex);
      expect(word).to.equal("0x" + checkpointBatchHash(b.firstIndex, b.hashes.map((x) => Buffer.from(x.slice(2), "hex"))).toString("hex"));
      const i = b.hashes.length - 1;
      const p = checkpointProof(b.hashes.map((x) => Buffer.from(x.slice(2), "hex")), i);
      const proof = { batchIndex, firstIndex: b.firstIndex, count: b.hashes.length, path: p.path.map((x) => "0x" + x.toString("hex")) };
      expect(await market.verifyCheckpoint(taskId, b.firstIndex + i, b.hashes[i], proof)).to.equal(true);
      expect(await market.verifyCheckpoint(taskId, b.firstIndex + i, hashes[0] === b.hashes[i] ? hashes[1] : hashes[0], proof)).to.equal(false);
    }
    await market.submitFinal(taskId, randomHashes(1)[0]);
  });

  it("surfaces a revert as a fatal stream error without retrying", async function () {
    const f = await loadFixture(deployMarketFixture);
    const params = taskParams({ totalSteps: 30n, checkpointInterval: 10n }); // N = 3: only 1..2 may be streamed
    const { taskId } = await claimedTask(f, params);
    const market = f.market.connect(f.solver);
    let calls = 0;
    const streamer = new CheckpointStreamer({
      minBatch: 3,
      maxBatch: 3,
      send: async (hashes) => {
        calls++;
        await (await market.commitCheckpoints(taskId, hashes)).wait();
      },
      sleep: async () => {},
    });
    for (const h of randomHashes(3)) await streamer.push(h).catch(() => {});
    const err = await streamer.flush().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ChainError);
    expect((err as ChainError).code).to.equal("CHECKPOINT_STREAM_FAILED");
    expect(calls).to.equal(1);
    expect((await market.getTask(taskId)).checkpointsCommitted).to.equal(0n);
  });
});
