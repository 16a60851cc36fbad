import { expect } from "chai";
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CheckpointCode,
  CheckpointStore,
  decodeCheckpointFile,
  encodeCheckpointFile,
  encodeTensor,
  stateHash,
  type Checkpoint,
} from "../../src/commit";
import { IntegrityError } from "../../src/errors";
import type { IntTensor } from "../../src/pinir/types";
import { prng } from "../../scripts/gen-vectors";

function state(seed: number): IntTensor[] {
  const rnd = prng(seed);
  const t = (shape: number[], bound: number): IntTensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    return {
      shape,
      data: Float64Array.from({ length: n }, () => Math.round((rnd() * 2 - 1) * bound)),
      scale: 16,
    };
  };
  return [t([20, 30], 2 ** 20 - 1), t([30], 2 ** 20 - 1), t([], 2 ** 52)];
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(IntegrityError);
    return (err as IntegrityError).code;
  }
  return "resolved";
}

describe("checkpoint store", function () {
  let dir: string;
  let store: CheckpointStore;

  beforeEach(async function () {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "pinpoint-ckpt-"));
    store = await CheckpointStore.open(dir);
  });
  afterEach(async function () {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  describe("file format", function () {
    it("round-trips step, program hash and tensors bit for bit", function () {
      const cp: Checkpoint = { step: 2 ** 40 + 3, tensors: state(1), programHash: Buffer.alloc(32, 7) };
      const back = decodeCheckpointFile(encodeCheckpointFile(cp));
      expect(back.step).to.equal(cp.step);
      expect(back.programHash?.equals(cp.programHash!)).to.equal(true);
      expect(back.tensors.map((t) => [t.shape, t.scale, Array.from(t.data)])).to.deep.equal(
        cp.tensors.map((t) => [t.shape, t.scale, Array.from(t.data)]),
      );
      expect(stateHash(back.tensors).equals(stateHash(cp.tensors))).to.equal(true);
    });

    it("has exactly the byte layout of docs/SPEC.md §3", function () {
      const tensors = state(14);
      const ph = Buffer.alloc(32, 0xab);
      const u16 = (x: number) => Buffer.from([x >> 8, x & 255]);
      const u32 = (x: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(x);
        return b;
      };
      const u64 = (x: number) => {
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(BigInt(x));
        return b;
      };
      const body = Buffer.concat([
        Buffer.from("PINCKPT\0", "latin1"),
        u16(1),
        u16(1),
        u64(77),
        ph,
        u32(tensors.length),
        ...tensors.flatMap((t) => [u32(t.scale), u32(t.shape.length), ...t.shape.map(u64)]),
        ...tensors.map(encodeTensor),
      ]);
      const expected = Buffer.concat([body, createHash("sha256").update(body).digest()]);
      expect(encodeCheckpointFile({ step: 77, tensors, programHash: ph }).equals(expected)).to.equal(true);
    });

    it("reports every truncation length as CHECKPOINT_TRUNCATED and never decodes it", function () {
      const buf = encodeCheckpointFile({ step: 5, tensors: state(2) });
      for (let len = 0; len < buf.length; len += len < 80 ? 1 : 97) {
        expect(() => decodeCheckpointFile(buf.subarray(0, len)))
          .to.throw(IntegrityError)
          .with.property("code", CheckpointCode.Truncated);
      }
    });

    it("detects a flipped bit anywhere in the file", function () {
      const buf = encodeCheckpointFile({ step: 5, tensors: state(3), programHash: Buffer.alloc(32, 1) });
      for (let i = 0; i < buf.length; i += i < 200 ? 1 : 131) {
        const bad = Buffer.from(buf);
        bad[i] ^= 0x10;
        expect(() => decodeCheckpointFile(bad), `byte ${i}`).to.throw(IntegrityError);
      }
    });

    it("rejects trailing bytes and a foreign file", function () {
      const buf = encodeCheckpointFile({ step: 1, tensors: state(4) });
      expect(() => decodeCheckpointFile(Buffer.concat([buf, Buffer.from([0])]))).to.throw(
        IntegrityError,
        /after its checksum/,
      );
      expect(() => decodeCheckpointFile(Buffer.from("hello, this is not a checkpoint"))).to.throw(
        IntegrityError,
        /bad magic/,
      );
    });
  });

  describe("put and get", function () {
    it("stores under the state hash and reads back a verified copy", async function () {
      const tensors = state(5);
      const { stateHash: h, file } = await store.put({ step: 100, tensors });
      expect(h.equals(stateHash(tensors))).to.equal(true);
      expect(path.basename(file)).to.equal(h.toString("hex") + ".ckpt");
      const back = await store.get(h);
      expect(back.step).to.equal(100);
      expect(back.stateHash.equals(h)).to.equal(true);
      expect(Array.from(back.tensors[0].data)).to.deep.equal(Array.from(tensors[0].data));
      expect(await store.get("0x" + h.toString("hex"))).to.have.property("step", 100);
      expect((await store.listFiles()).temps).to.deep.equal([]);
    });

    it("reports a missing file as CHECKPOINT_MISSING", async function () {
      expect(await codeOf(store.get(Buffer.alloc(32, 9)))).to.equal(CheckpointCode.Missing);
    });

    it("reports a truncated file as CHECKPOINT_TRUNCATED", async function () {
      const { stateHash: h, file } = await store.put({ step: 1, tensors: state(6) });
      const size = (await fsp.stat(file)).size;
      await fsp.truncate(file, size - 100);
      expect(await codeOf(store.get(h))).to.equal(CheckpointCode.Truncated);
    });

    it("reports a flipped byte as CHECKPOINT_CORRUPT", async function () {
      const { stateHash: h, file } = await store.put({ step: 1, tensors: state(7) });
      const buf = await fsp.readFile(file);
      buf[buf.length >> 1] ^= 0xff;
      await fsp.writeFile(file, buf);
      expect(await codeOf(store.get(h))).to.equal(CheckpointCode.Corrupt);
    });

    it("reports a valid file under another state's name as CHECKPOINT_HASH_MISMATCH", async function () {
      const a = await store.put({ step: 1, tensors: state(8) });
      const b = await store.put({ step: 2, tensors: state(9) });
      await fsp.copyFile(a.file, b.file);
      const err = await store.get(b.stateHash).catch((e: IntegrityError) => e);
      expect(err).to.be.instanceOf(IntegrityError);
      expect((err as IntegrityError).code).to.equal(CheckpointCode.HashMismatch);
      expect((err as IntegrityError).details.actual).to.equal("0x" + a.stateHash.toString("hex"));
    });
  });

  describe("crashes and resume", function () {
    it("a crash between write and rename leaves no visible checkpoint, loses no data, and is recovered", async function () {
      await store.put({ step: 100, tensors: state(10) });
      const crashing = new CheckpointStore(dir, {
        beforeRename: () => {
          throw new Error("simulated crash");
        },
      });
      const tensors = state(11);
      await crashing.put({ step: 200, tensors }).then(
        () => expect.fail("put should have crashed"),
        (err: Error) => expect(err.message).to.equal("simulated crash"),
      );
      const h = stateHash(tensors);
      expect(await codeOf(store.get(h))).to.equal(CheckpointCode.Missing);
      expect((await store.listFiles()).temps).to.have.length(1);
      // latest() never reads the temp file as a checkpoint.
      expect((await store.latest()).checkpoint?.step).to.equal(100);
      // resume() recovers the complete temp file: step 200 is not lost.
      const r = await store.resume();
      expect(r.recovered).to.deep.equal([store.pathOf(h)]);
      expect(r.checkpoint?.step).to.equal(200);
      expect((await store.get(h)).step).to.equal(200);
    });

    it("a partially written temp file is moved aside, not used and not deleted", async function () {
      await store.put({ step: 100, tensors: state(12) });
      const tensors = state(13);
      const h = stateHash(tensors).toString("hex");
      const partial = encodeCheckpointFile({ step: 200, tensors }).subarray(0, 500);
      const tmp = path.join(dir, `.${h}.4242.deadbeef.tmp`);
      await fsp.writeFile(tmp, partial);
      const r = await store.resume();
      expect(r.recovered).to.deep.equal([]);
      expect(r.bad).to.have.length(1);
      expect(r.bad[0].error.code).to.equal(CheckpointCode.Truncated);
      expect(r.checkpoint?.step).to.equal(100);
      expect(await fsp.readFile(r.bad[0].quarantinedTo!)).to.deep.equal(partial);
    });

    it("resumes from the last good checkpoint, skipping and reporting corrupt, truncated and renamed newer ones", async function () {
      const puts = [];
      for (let s = 1; s <= 5; s++) puts.push(await store.put({ step: s * 100, tensors: state(20 + s) }));
      // 500: flipped byte, 400: truncated, 300: replaced by another (newer) state's content.
      const b5 = await fsp.readFile(puts[4].file);
      b5[200] ^= 1;
      await fsp.writeFile(puts[4].file, b5);
      await fsp.truncate(puts[3].file, 300);
      await fsp.writeFile(puts[2].file, encodeCheckpointFile({ step: 600, tensors: state(99) }));
      const before = (await store.latest()).bad.map((b) => b.error.code);
      // latest() without quarantine only reports (the 400 file's header is intact, so it is still found by step).
      expect(before).to.deep.equal([
        CheckpointCode.HashMismatch,
        CheckpointCode.Corrupt,
        CheckpointCode.Truncated,
      ]);
      const r = await store.resume();
      expect(r.checkpoint?.step).to.equal(200);
      expect(r.bad.map((b) => b.error.code)).to.deep.equal(before);
      // Nothing deleted: the three bad files are in quarantine.
      const files = await store.listFiles();
      expect(files.quarantined).to.have.length(3);
      expect(files.checkpoints).to.have.length(2);
      // A fresh put of a quarantined state rewrites it cleanly.
      await store.put({ step: 500, tensors: state(25) });
      expect((await store.resume()).checkpoint?.step).to.equal(500);
    });

    it("filters by program hash and returns null when nothing is good", async function () {
      expect((await store.latest()).checkpoint).to.equal(null);
      await store.put({ step: 10, tensors: state(30), programHash: Buffer.alloc(32, 1) });
      await store.put({ step: 20, tensors: state(31), programHash: Buffer.alloc(32, 2) });
      expect((await store.latest({ programHash: Buffer.alloc(32, 1) })).checkpoint?.step).to.equal(10);
      expect((await store.latest()).checkpoint?.step).to.equal(20);
    });

    it("is idempotent: storing the same state twice keeps one good file", async function () {
      const tensors = state(40);
      await store.put({ step: 7, tensors });
      await store.put({ step: 7, tensors });
      const files = await store.listFiles();
      expect(files.checkpoints).to.have.length(1);
      expect(files.temps).to.have.length(0);
    });
  });
});
