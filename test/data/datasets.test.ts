import { expect } from "chai";
import { batchSample } from "../../src/commit";
import {
  batchAt,
  batchInto,
  batchRowSample,
  loadIris,
  loadMnist,
  makeDataset,
  MNIST_PIXELS,
  Prng,
  toFixed,
} from "../../src/data";
import { InputError } from "../../src/errors";

const F = 16;

describe("Prng", function () {
  it("is deterministic per seed and differs across seeds", function () {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).to.deep.equal(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).to.not.deep.equal(sa);
    // pinned: changing the generator would change every committed dataset
    const p = new Prng(1);
    expect([p.nextU32(), p.nextU32(), p.nextU32()]).to.deep.equal([2442144158, 3238099751, 3819917871]);
    expect(sa.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).to.equal(true);
  });

  it("below(n) stays in range and is roughly uniform; permutation is a permutation", function () {
    const r = new Prng(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[r.below(6)]++;
    for (const c of counts) expect(c).to.be.within(850, 1150);
    const p = new Prng(9).permutation(1000);
    expect([...p].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    expect(() => r.below(0)).to.throw(RangeError);
    for (let i = 0; i < 100; i++) expect(r.nextFloat()).to.be.within(0, 1 - 2 ** -53);
  });
});

describe("batch view (docs/SPEC.md §4)", function () {
  const ds = makeDataset(
    "tiny",
    Array.from({ length: 5 }, (_, i) => [i, -i]),
    [0, 1, 0, 1, 0],
    2,
    F,
  );

  it("row r of batch t is sample ((t − 1)·B + r) mod n, wrapping around", function () {
    const b1 = batchAt(ds, 1, 3);
    expect([...b1.samples]).to.deep.equal([0, 1, 2]);
    const b2 = batchAt(ds, 2, 3);
    expect([...b2.samples]).to.deep.equal([3, 4, 0]);
    expect([...b2.x.data]).to.deep.equal([3, -3, 4, -4, 0, 0].map((v) => toFixed(v, F)));
    expect([...b2.y.data]).to.deep.equal([0, 2 ** F, 2 ** F, 0, 2 ** F, 0]);
    expect([...b2.labels]).to.deep.equal([1, 0, 0]);
    expect(b2.x.shape).to.deep.equal([3, 2]);
    expect(batchAt(ds, 3, 7).samples[6]).to.equal((2 * 7 + 6) % 5);
  });

  it("agrees with src/commit's batchSample, also for huge steps", function () {
    const r = new Prng(3);
    for (let i = 0; i < 300; i++) {
      const n = r.int(1, 70000);
      const B = r.int(1, 512);
      const t = i % 3 === 0 ? r.int(1, Number.MAX_SAFE_INTEGER) : r.int(1, 100000);
      const row = r.below(B);
      expect(batchRowSample(n, t, B, row), `n=${n} B=${B} t=${t} r=${row}`).to.equal(
        batchSample(t, B, row, n),
      );
    }
  });

  it("batchInto writes the same batch into preallocated buffers", function () {
    const x = new Float64Array(8);
    const y = new Float64Array(8);
    batchInto(ds, 4, 4, x, y);
    const b = batchAt(ds, 4, 4);
    expect([...x]).to.deep.equal([...b.x.data]);
    expect([...y]).to.deep.equal([...b.y.data]);
    expect(() => batchInto(ds, 1, 4, new Float64Array(7), y)).to.throw(InputError, /batch buffers/);
  });

  it("rejects step 0, batch size 0 and bad rows", function () {
    expect(() => batchAt(ds, 0, 2)).to.throw(InputError, /1-based/);
    expect(() => batchAt(ds, 1, 0)).to.throw(InputError, /batch size/);
    expect(() => batchRowSample(5, 1, 2, 2)).to.throw(InputError, /batch row/);
  });
});

describe("datasets", function () {
  it("fixed point: round(x·2^F), never −0, one-hot targets at 2^F, labels kept", function () {
    expect(toFixed(0.5, 4)).to.equal(8);
    expect(toFixed(-0.01, 4)).to.equal(0);
    expect(Object.is(toFixed(-0.01, 4), 0)).to.equal(true);
    expect(() => makeDataset("bad", [[1]], [3], 2)).to.throw(InputError, /label 3/);
    expect(() => makeDataset("bad", [[1], [1, 2]], [0, 1], 2)).to.throw(InputError, /row 1/);
  });

  describe("MNIST", function () {
    const a = loadMnist({ train: 600, test: 200, seed: 5 });

    it("is deterministic for a seed and different for another", function () {
      const b = loadMnist({ train: 600, test: 200, seed: 5 });
      const c = loadMnist({ train: 600, test: 200, seed: 6 });
      expect(
        Buffer.from(b.train.features.data.buffer).equals(Buffer.from(a.train.features.data.buffer)),
      ).to.equal(true);
      expect([...b.test.labels]).to.deep.equal([...a.test.labels]);
      expect([...(c.train.sourceIndex as Int32Array)]).to.not.deep.equal([
        ...(a.train.sourceIndex as Int32Array),
      ]);
      // pinned: the same seed must select the same digits on every machine
      expect([...(a.train.sourceIndex as Int32Array).subarray(0, 4)]).to.deep.equal([6392, 2113, 4783, 5986]);
      expect([...a.train.labels.subarray(0, 4)]).to.deep.equal([6, 1, 4, 5]);
    });

    it("has disjoint train/test splits with every digit, pixels in [0, 2^F] and one-hot targets", function () {
      const tr = new Set(a.train.sourceIndex);
      for (const i of a.test.sourceIndex as Int32Array) expect(tr.has(i)).to.equal(false);
      expect(a.train.features.shape).to.deep.equal([600, MNIST_PIXELS]);
      expect(a.train.targets.shape).to.deep.equal([600, 10]);
      expect(new Set(a.train.labels).size).to.equal(10);
      expect(a.train.features.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 2 ** F)).to.equal(true);
      expect(a.train.features.data.reduce((m, v) => Math.max(m, v), 0)).to.equal(2 ** F);
      let badRows = 0;
      for (let i = 0; i < 600; i++) {
        const row = a.train.targets.data.subarray(i * 10, i * 10 + 10);
        if (row[a.train.labels[i]] !== 2 ** F || row.reduce((p, v) => p + v, 0) !== 2 ** F) badRows++;
      }
      expect(badRows).to.equal(0);
    });

    it("rejects impossible sizes", function () {
      expect(() => loadMnist({ train: 9000, test: 2000 })).to.throw(InputError, /train \+ test/);
      expect(() => loadMnist({ train: 0, test: 10 })).to.throw(InputError);
    });
  });

  describe("Iris", function () {
    it("splits 120/30 deterministically and standardises with training statistics", function () {
      const a = loadIris({ seed: 2 });
      const b = loadIris({ seed: 2 });
      expect(a.train.nSamples).to.equal(120);
      expect(a.test.nSamples).to.equal(30);
      expect([...a.train.features.data]).to.deep.equal([...b.train.features.data]);
      for (let k = 0; k < 4; k++) {
        let mean = 0;
        let sq = 0;
        for (let i = 0; i < 120; i++) mean += a.train.features.data[i * 4 + k] / 2 ** F / 120;
        for (let i = 0; i < 120; i++) sq += (a.train.features.data[i * 4 + k] / 2 ** F - mean) ** 2 / 120;
        expect(Math.abs(mean)).to.be.below(1e-3);
        expect(Math.sqrt(sq)).to.be.closeTo(1, 1e-3);
      }
      expect(new Set(a.train.labels).size).to.equal(3);
      const all = new Set([...(a.train.sourceIndex as Int32Array), ...(a.test.sourceIndex as Int32Array)]);
      expect(all.size).to.equal(150);
      expect(() => loadIris({ testFraction: 1 })).to.throw(InputError);
    });
  });
});
