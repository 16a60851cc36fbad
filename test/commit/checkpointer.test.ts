import { expect } from "chai";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Checkpointer, CheckpointStore, CheckpointStreamer, stateHash } from "../../src/commit";
import type { IntTensor } from "../../src/pinir/types";

/** A fake training loop whose state buffers are reused (mutated in place) every step. */
function fakeRun(steps: number, onStep: (s: { step: number; state: IntTensor[] }) => void): IntTensor[][] {
  const w: IntTensor = { shape: [3, 200], data: new Float64Array(600), scale: 16 };
  const b: IntTensor = { shape: [3], data: new Float64Array(3), scale: 16 };
  const snapshots: IntTensor[][] = [];
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < w.data.length; i++) w.data[i] = (t * 31 + i) % 2001 - 1000;
    b.data.fill(-t);
    snapshots.push([w, b].map((x) => ({ ...x, data: Float64Array.from(x.data) })));
    onStep({ step: t, state: [w, b] });
  }
  return snapshots;
}

describe("Checkpointer", function () {
  let dir: string;
  beforeEach(async function () {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "pinpoint-cp-"));
  });
  afterEach(async function () {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  for (const [T, k] of [
    [1000, 100],
    [950, 100],
    [7, 1],
  ]) {
    it(`T = ${T}, k = ${k}: stores checkpoints 1..N and streams 1..N−1 in order, each only once its file is durable`, async function () {
      const store = await CheckpointStore.open(dir, { fsync: false });
      const sent: string[] = [];
      const streamer = new CheckpointStreamer({
        maxBatch: 4,
        send: async (hs) => {
          for (const h of hs) expect(await store.has(h)).to.equal(true);
          sent.push(...hs);
        },
      });
      const cp = new Checkpointer({ store, streamer, interval: k, totalSteps: T, programHash: Buffer.alloc(32, 5) });
      const snaps = fakeRun(T, (s) => cp.onStep(s));
      const { checkpointHashes, finalStateHash } = await cp.finish();
      const N = Math.ceil(T / k);
      const expected = Array.from({ length: N - 1 }, (_, i) => stateHash(snaps[(i + 1) * k - 1]));
      expect(checkpointHashes.map((h) => h.toString("hex"))).to.deep.equal(expected.map((h) => h.toString("hex")));
      expect(sent).to.deep.equal(expected.map((h) => "0x" + h.toString("hex")));
      expect(finalStateHash?.equals(stateHash(snaps[T - 1]))).to.equal(true);
      // Files hold the state of their step even though the loop reused its buffers.
      const fin = await store.get(finalStateHash!);
      expect(fin.step).to.equal(T);
      expect(fin.programHash?.equals(Buffer.alloc(32, 5))).to.equal(true);
      expect(Array.from(fin.tensors[1].data)).to.deep.equal([-T, -T, -T]);
      expect((await store.listFiles()).checkpoints).to.have.length(N);
      expect((await store.latest()).checkpoint?.step).to.equal(T);
    });
  }

  it("surfaces a failed write from finish() and from the next onStep, and streams nothing after it", async function () {
    let writes = 0;
    const store = await CheckpointStore.open(dir, {
      fsync: false,
      beforeRename: () => {
        if (++writes === 2) throw new Error("disk full");
      },
    });
    const sent: string[] = [];
    const streamer = new CheckpointStreamer({ send: async (hs) => void sent.push(...hs) });
    const cp = new Checkpointer({ store, streamer, interval: 10 });
    fakeRun(30, (s) => cp.onStep(s));
    await cp.finish().then(
      () => expect.fail("finish should fail"),
      (e: Error) => expect(e.message).to.equal("disk full"),
    );
    expect(sent).to.have.length(1);
    expect(() => cp.onStep({ step: 40, state: [] })).to.throw("disk full");
  });

  it("works with hashes only (no store) and rejects a bad interval", async function () {
    const cp = new Checkpointer({ interval: 5 });
    const snaps = fakeRun(12, (s) => cp.onStep(s));
    const r = await cp.finish();
    expect(r.checkpointHashes.map((h) => h.toString("hex"))).to.deep.equal([snaps[4], snaps[9]].map((s) => stateHash(s).toString("hex")));
    expect(r.finalStateHash).to.equal(null);
    expect(() => new Checkpointer({ interval: 0 })).to.throw(/interval/);
  });
});
