import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { checkpointBatchHash, listProof, nodeHash } from "../../src/commit/hash";
import {
  claimedTask,
  deployMarketFixture,
  numCheckpoints,
  randomHash,
  randomHashes,
  stake,
  taskParams,
  TestConfig,
  type MarketFixture,
} from "../fixtures/market";

const { ethers } = hre;

const hex = (b: Uint8Array): string => ethers.hexlify(b);
const buf = (h: string): Buffer => Buffer.from(ethers.getBytes(h));

interface Batch {
  batchIndex: number;
  firstIndex: number;
  hashes: string[];
}

/** Streams checkpoints 1..N−1 with the given batch sizes (cycled) and returns the batches. */
async function streamBatches(
  f: MarketFixture,
  taskId: bigint,
  n: number,
  sizes: number[],
  solver = f.solver,
): Promise<Batch[]> {
  const batches: Batch[] = [];
  let next = 1;
  for (let b = 0; next <= n - 1; b++) {
    const size = Math.min(sizes[b % sizes.length], n - next);
    const hashes = randomHashes(size);
    await f.market.connect(solver).commitCheckpoints(taskId, hashes);
    batches.push({ batchIndex: b, firstIndex: next, hashes });
    next += size;
  }
  return batches;
}

/** The proof of checkpoint `index` inside `batch` (TypeScript reference, src/commit/hash.ts). */
function proofFor(batch: Batch, index: number) {
  const path = listProof(batch.hashes.map(buf), index - batch.firstIndex).map(hex);
  return { batchIndex: batch.batchIndex, firstIndex: batch.firstIndex, count: batch.hashes.length, path };
}

const noProof = { batchIndex: 0, firstIndex: 0, count: 0, path: [] as string[] };

describe("TaskMarket checkpoint commitments", function () {
  it("stores exactly LibHash.checkpointBatch(firstIndex, count, listRoot) per batch (matches the TypeScript reference)", async function () {
    const f = await loadFixture(deployMarketFixture);
    const params = taskParams({ totalSteps: 10_000n, checkpointInterval: 100n });
    const { taskId } = await claimedTask(f, params);
    const batches = await streamBatches(f, taskId, numCheckpoints(params), [1, 2, 3, 5, 8, 13, 64, 3]);
    for (const b of batches) {
      expect(await f.market.batchCommitment(taskId, b.batchIndex)).to.equal(
        hex(checkpointBatchHash(b.firstIndex, b.hashes.map(buf))),
      );
    }
    expect((await f.market.getTask(taskId)).batchCount).to.equal(BigInt(batches.length));
  });

  it("verifies every checkpoint 0..N against the initial hash, the batches and the final hash", async function () {
    const f = await loadFixture(deployMarketFixture);
    const params = taskParams({ totalSteps: 2_050n, checkpointInterval: 100n });
    const { taskId } = await claimedTask(f, params);
    const n = numCheckpoints(params);
    expect(n).to.equal(21);
    const batches = await streamBatches(f, taskId, n, [7, 1, 4, 8]);
    expect(await f.market.verifyCheckpoint(taskId, 0, params.initialStateHash, noProof)).to.equal(true);
    expect(await f.market.verifyCheckpoint(taskId, 0, randomHash(), noProof)).to.equal(false);
    for (const b of batches) {
      for (let i = b.firstIndex; i < b.firstIndex + b.hashes.length; i++) {
        const proof = proofFor(b, i);
        const h = b.hashes[i - b.firstIndex];
        expect(await f.market.verifyCheckpoint(taskId, i, h, proof), `checkpoint ${i}`).to.equal(true);
        expect(await f.market.verifyCheckpoint(taskId, i, randomHash(), proof)).to.equal(false);
      }
    }
    const finalHash = randomHash();
    // Checkpoint N is unknown until submitFinal.
    expect(await f.market.verifyCheckpoint(taskId, n, finalHash, noProof)).to.equal(false);
    expect(await f.market.verifyCheckpoint(taskId, n, ethers.ZeroHash, noProof)).to.equal(false);
    await f.market.connect(f.solver).submitFinal(taskId, finalHash);
    expect(await f.market.verifyCheckpoint(taskId, n, finalHash, noProof)).to.equal(true);
    expect(await f.market.verifyCheckpoint(taskId, n, randomHash(), noProof)).to.equal(false);
    expect(await f.market.verifyCheckpoint(taskId, n + 1, finalHash, noProof)).to.equal(false);
    // Still provable after finalization (the dispute game may need it for late evidence).
    await time.increase(TestConfig.defaultChallengeWindow);
    await f.market.finalize(taskId);
    expect(await f.market.verifyCheckpoint(taskId, n, finalHash, noProof)).to.equal(true);
    expect(
      await f.market.verifyCheckpoint(taskId, 5, batches[0].hashes[4], proofFor(batches[0], 5)),
    ).to.equal(true);
  });

  it("rejects malformed proofs: wrong batch, wrong bounds, wrong path length, internal nodes", async function () {
    const f = await loadFixture(deployMarketFixture);
    const params = taskParams({ totalSteps: 1_000n, checkpointInterval: 10n });
    const { taskId } = await claimedTask(f, params);
    const batches = await streamBatches(f, taskId, 60, [8, 8, 5]);
    const [b0, b1] = batches;
    const i = 11; // second item of batch 1 (checkpoints 9..16)
    const h = b1.hashes[i - b1.firstIndex];
    const good = proofFor(b1, i);
    expect(await f.market.verifyCheckpoint(taskId, i, h, good)).to.equal(true);
    const cases: [string, typeof good, number][] = [
      ["other batch index", { ...good, batchIndex: 0 }, i],
      ["uncommitted batch index", { ...good, batchIndex: batches.length }, i],
      ["shifted firstIndex", { ...good, firstIndex: good.firstIndex + 1 }, i],
      ["wrong count", { ...good, count: good.count + 1 }, i],
      ["index below the batch", good, b1.firstIndex - 1],
      ["index past the batch", good, b1.firstIndex + b1.hashes.length],
      ["path too long", { ...good, path: [...good.path, ethers.ZeroHash] }, i],
      ["path too short", { ...good, path: good.path.slice(0, -1) }, i],
    ];
    for (const [name, proof, index] of cases) {
      expect(await f.market.verifyCheckpoint(taskId, index, h, proof), name).to.equal(false);
    }
    // An internal node of the batch tree is not a checkpoint, even with a consistent shorter path.
    const internal = hex(nodeHash(buf(b0.hashes[0]), buf(b0.hashes[1])));
    const full = proofFor(b0, 1);
    expect(
      await f.market.verifyCheckpoint(taskId, 1, internal, { ...full, path: full.path.slice(1) }),
    ).to.equal(false);
    // Past the committed prefix.
    expect(await f.market.verifyCheckpoint(taskId, 30, randomHash(), { ...good, firstIndex: 30 })).to.equal(
      false,
    );
    // Unknown task.
    expect(await f.market.verifyCheckpoint(99, 0, params.initialStateHash, noProof)).to.equal(false);
  });

  it("after expiry and reopening, the previous solver's batches are no longer provable", async function () {
    const f = await loadFixture(deployMarketFixture);
    const params = taskParams({ totalSteps: 1_000n, checkpointInterval: 10n });
    const { taskId } = await claimedTask(f, params);
    const old = await streamBatches(f, taskId, 40, [4, 4, 4]);
    await time.increase(TestConfig.defaultSolveWindow + 1);
    await f.market.expire(taskId);
    for (const b of old) {
      expect(await f.market.batchCommitment(taskId, b.batchIndex)).to.equal(ethers.ZeroHash);
      expect(
        await f.market.verifyCheckpoint(taskId, b.firstIndex, b.hashes[0], proofFor(b, b.firstIndex)),
      ).to.equal(false);
    }
    await stake(f, f.solver2, params.solverStake as bigint);
    await f.market.connect(f.solver2).claim(taskId);
    const fresh: Batch = { batchIndex: 0, firstIndex: 1, hashes: randomHashes(2) };
    await f.market.connect(f.solver2).commitCheckpoints(taskId, fresh.hashes);
    expect(await f.market.verifyCheckpoint(taskId, 1, fresh.hashes[0], proofFor(fresh, 1))).to.equal(true);
    // Old batches 1 and 2 are still in storage (stale) but at or beyond batchCount (1).
    expect(await f.market.batchCommitment(taskId, 2)).to.equal(ethers.ZeroHash);
    expect(await f.market.verifyCheckpoint(taskId, 5, old[1].hashes[0], proofFor(old[1], 5))).to.equal(false);
    expect(await f.market.verifyCheckpoint(taskId, 9, old[2].hashes[0], proofFor(old[2], 9))).to.equal(false);
    expect(await f.market.verifyCheckpoint(taskId, 1, old[0].hashes[0], proofFor(old[0], 1))).to.equal(false);
  });
});
