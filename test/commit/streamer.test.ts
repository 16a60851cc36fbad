import { expect } from "chai";
import { ChainError } from "../../src/errors";
import { CheckpointStreamer, isFatalSendError } from "../../src/commit";

const h = (i: number): string => "0x" + i.toString(16).padStart(64, "0");
const hashes = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => h(from + i));

/** A sender that records batches and resolves each one only when released (or after `ms`). */
function recorder(ms = 0) {
  const batches: { firstIndex: number; hashes: string[] }[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  return {
    batches,
    close() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      open();
    },
    send: async (hs: string[], info: { firstIndex: number }): Promise<void> => {
      await gate;
      if (ms) await new Promise((r) => setTimeout(r, ms));
      batches.push({ firstIndex: info.firstIndex, hashes: [...hs] });
    },
  };
}

const noSleep = async (): Promise<void> => {};

describe("CheckpointStreamer", function () {
  it("sends every hash once, in order, in batches of at most maxBatch with consecutive indices", async function () {
    const r = recorder(2);
    const s = new CheckpointStreamer({ send: r.send, maxBatch: 64 });
    const all = hashes(150);
    for (const x of all) await s.push(x);
    await s.flush();
    expect(r.batches.flatMap((b) => b.hashes)).to.deep.equal(all);
    expect(r.batches.every((b) => b.hashes.length <= 64)).to.equal(true);
    let next = 1;
    for (const b of r.batches) {
      expect(b.firstIndex).to.equal(next);
      next += b.hashes.length;
    }
    expect(s.committed).to.equal(150);
    expect(s.nextCheckpointIndex).to.equal(151);
    // Under load the queue fills while a batch is in flight, so later batches are full.
    expect(r.batches.length).to.be.at.most(5);
  });

  it("waits for minBatch before sending, and flush() sends the partial rest", async function () {
    const r = recorder();
    const s = new CheckpointStreamer({ send: r.send, maxBatch: 32, minBatch: 32, firstIndex: 11 });
    for (const x of hashes(70)) await s.push(x);
    await new Promise((res) => setTimeout(res, 10));
    expect(r.batches.map((b) => b.hashes.length)).to.deep.equal([32, 32]);
    expect(s.pending).to.equal(6);
    await s.flush();
    expect(r.batches.map((b) => [b.firstIndex, b.hashes.length])).to.deep.equal([
      [11, 32],
      [43, 32],
      [75, 6],
    ]);
  });

  it("never blocks the step loop while a send is in flight", async function () {
    const r = recorder();
    r.close();
    const s = new CheckpointStreamer({ send: r.send, maxBatch: 8 });
    const t0 = performance.now();
    for (const x of hashes(100)) await s.push(x);
    expect(performance.now() - t0).to.be.below(50);
    expect(r.batches).to.have.length(0);
    expect(s.pending).to.equal(100);
    r.release();
    await s.flush();
    expect(r.batches.flatMap((b) => b.hashes)).to.deep.equal(hashes(100));
  });

  it("applies backpressure: push() waits while more than maxQueue hashes are queued", async function () {
    const r = recorder();
    r.close();
    const s = new CheckpointStreamer({ send: r.send, maxBatch: 4, maxQueue: 8 });
    for (const x of hashes(8)) await s.push(x);
    let resolved = false;
    const p = s.push(h(9)).then(() => (resolved = true));
    await new Promise((res) => setTimeout(res, 10));
    expect(resolved).to.equal(false);
    r.release();
    await p;
    expect(resolved).to.equal(true);
    await s.flush();
    expect(r.batches.flatMap((b) => b.hashes)).to.deep.equal(hashes(9));
  });

  it("retries transient failures with the same batch and reports the attempts", async function () {
    const calls: string[][] = [];
    let failures = 2;
    const attempts: number[] = [];
    const s = new CheckpointStreamer({
      send: async (hs) => {
        calls.push([...hs]);
        if (failures-- > 0) throw Object.assign(new Error("socket hang up"), { code: "NETWORK_ERROR" });
      },
      sleep: noSleep,
      onBatch: (b) => attempts.push(b.attempts),
    });
    await s.push(h(1));
    await s.flush();
    expect(calls).to.deep.equal([[h(1)], [h(1)], [h(1)]]);
    expect(attempts).to.deep.equal([3]);
  });

  it("stops on a fatal error: flush and later pushes reject, and the unsent hashes are kept in order", async function () {
    let n = 0;
    const s = new CheckpointStreamer({
      send: async () => {
        if (++n === 2) throw Object.assign(new Error("execution reverted: TaskMarketPastLastCheckpoint"), { code: "CALL_EXCEPTION" });
      },
      maxBatch: 3,
      minBatch: 3,
      sleep: noSleep,
    });
    for (const x of hashes(7)) await s.push(x).catch(() => {});
    const err = await s.flush().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ChainError);
    expect((err as ChainError).code).to.equal("CHECKPOINT_STREAM_FAILED");
    expect((err as ChainError).message).to.match(/checkpoints 4\.\.6 failed with a fatal error/);
    expect(n).to.equal(2);
    expect(s.committed).to.equal(3);
    expect(s.unsent()).to.deep.equal({ firstIndex: 4, hashes: hashes(4, 4) });
    await s.push(h(99)).then(
      () => expect.fail("push after failure"),
      (e: unknown) => expect(e).to.equal(err),
    );
  });

  it("gives up after the configured retries", async function () {
    let calls = 0;
    const s = new CheckpointStreamer({
      send: async () => {
        calls++;
        throw new Error("timeout");
      },
      retries: 2,
      sleep: noSleep,
    });
    await s.push(h(1));
    await s.flush().then(
      () => expect.fail("flush should fail"),
      (e: ChainError) => expect(e.message).to.match(/after 3 attempts: timeout/),
    );
    expect(calls).to.equal(3);
  });

  it("rejects malformed hashes and configurations", async function () {
    const s = new CheckpointStreamer({ send: async () => {} });
    await s.push("0x1234").then(
      () => expect.fail("accepted a short hash"),
      (e: unknown) => expect(e).to.be.instanceOf(ChainError),
    );
    expect(() => new CheckpointStreamer({ send: async () => {}, maxBatch: 0 })).to.throw(ChainError);
    expect(() => new CheckpointStreamer({ send: async () => {}, maxBatch: 8, minBatch: 9 })).to.throw(ChainError);
    expect(() => new CheckpointStreamer({ send: async () => {}, maxBatch: 8, maxQueue: 4 })).to.throw(ChainError);
  });

  it("classifies reverts and our own errors as fatal, network trouble as transient", function () {
    expect(isFatalSendError({ code: "CALL_EXCEPTION" })).to.equal(true);
    expect(isFatalSendError(new ChainError("X", "x"))).to.equal(true);
    expect(isFatalSendError(new Error("VM Exception while processing transaction: reverted with custom error 'X()'"))).to.equal(true);
    expect(isFatalSendError({ message: "call failed", data: "0x08c379a0" })).to.equal(true);
    expect(isFatalSendError({ code: "NETWORK_ERROR" })).to.equal(false);
    expect(isFatalSendError(new Error("ETIMEDOUT"))).to.equal(false);
  });
});
