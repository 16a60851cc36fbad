import { expect } from "chai";
import { randomBytes } from "node:crypto";
import {
  batchElementProof,
  batchSample,
  batchView,
  checkpointBatchHash,
  checkpointProof,
  commitDataset,
  datasetHash,
  listProof,
  listRoot,
  ListTree,
  openBatchElement,
  sha256,
  slotHashesOf,
  slotProof,
  slotUpdateProof,
  stateHash,
  stateTensorProof,
  tensorHash,
  toSolListProof,
  u32,
  valueTableHistory,
  valueTableRoot,
  verifyBatchElement,
  verifyCheckpointProof,
  verifySlotProof,
  verifySlotUpdate,
  verifyStateTensorProof,
  ZERO_HASH,
} from "../../src/commit";
import { InputError } from "../../src/errors";
import type { IntTensor } from "../../src/pinir/types";

const tensor = (shape: number[], f: (i: number) => number, scale = 16): IntTensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float64Array.from({ length: n }, (_, i) => f(i)), scale };
};

describe("state hashes", function () {
  it("is H(0x03 ‖ u32(n) ‖ listRoot(tensor hashes)) and accepts tensors or their hashes", function () {
    const ts = [tensor([3, 2], (i) => i - 3), tensor([4], (i) => 10 * i), tensor([], () => -7)];
    const hs = ts.map(tensorHash);
    const expected = sha256(Buffer.from([3]), u32(3), listRoot(hs));
    expect(stateHash(ts).equals(expected)).to.equal(true);
    expect(stateHash(hs).equals(expected)).to.equal(true);
  });

  it("proves each state tensor and rejects another tensor, index or count", function () {
    for (let n = 1; n <= 9; n++) {
      const hs = Array.from({ length: n }, () => randomBytes(32));
      const root = stateHash(hs);
      for (let i = 0; i < n; i++) {
        const p = stateTensorProof(hs, i);
        expect(verifyStateTensorProof(root, hs[i], p)).to.equal(true);
        expect(verifyStateTensorProof(root, randomBytes(32), p)).to.equal(false);
        expect(verifyStateTensorProof(root, hs[i], { ...p, count: n + 1 })).to.equal(false);
        expect(verifyStateTensorProof(root, hs[i], { ...p, index: n })).to.equal(false);
        if (n > 1) expect(verifyStateTensorProof(root, hs[i], { ...p, index: (i + 1) % n })).to.equal(false);
      }
    }
  });

  it("binds the count: a state with an extra zero hash differs", function () {
    const hs = [randomBytes(32), randomBytes(32), randomBytes(32)];
    expect(listRoot([...hs, ZERO_HASH]).equals(listRoot(hs))).to.equal(true);
    expect(stateHash([...hs, ZERO_HASH]).equals(stateHash(hs))).to.equal(false);
  });

  it("refuses an empty state", function () {
    expect(() => stateHash([])).to.throw(InputError);
  });
});

describe("value tables", function () {
  it("hashes empty slots as bytes32(0) and proves every slot", function () {
    const slots = [randomBytes(32), null, randomBytes(32), null, null, randomBytes(32), randomBytes(32)];
    const root = valueTableRoot(slots);
    expect(root.equals(sha256(Buffer.from([4]), u32(7), listRoot(slots.map((s) => s ?? ZERO_HASH))))).to.equal(true);
    slots.forEach((s, i) => {
      const p = slotProof(slots, i);
      expect(verifySlotProof(root, s, p)).to.equal(true);
      expect(verifySlotProof(root, randomBytes(32), p)).to.equal(false);
    });
  });

  it("proves a slot update with one path: old hash → old root, new hash → new root", function () {
    const slots: (Buffer | null)[] = Array.from({ length: 13 }, (_, i) => (i < 5 ? randomBytes(32) : null));
    let root = valueTableRoot(slots);
    // Fill temp slots one op at a time, R_{j−1} → R_j, like the op level of a dispute.
    for (let j = 5; j < 13; j++) {
      const h = randomBytes(32);
      const up = slotUpdateProof(slots, j, h);
      expect(up.oldRoot.equals(root)).to.equal(true);
      expect(verifySlotUpdate(root, null, h, up)?.equals(up.newRoot)).to.equal(true);
      expect(verifySlotUpdate(root, randomBytes(32), h, up)).to.equal(null);
      expect(verifySlotUpdate(up.newRoot, null, h, up)).to.equal(null);
      expect(verifySlotUpdate(root, null, h, { ...up, index: (j + 1) % 13 })).to.not.satisfy((r: Buffer | null) => r?.equals(up.newRoot));
      slots[j] = h;
      root = valueTableRoot(slots);
      expect(root.equals(up.newRoot)).to.equal(true);
    }
  });
});

describe("checkpoint batches", function () {
  it("proves every checkpoint of a batch at its global index", function () {
    const hs = Array.from({ length: 11 }, () => randomBytes(32));
    const batch = checkpointBatchHash(40, hs);
    hs.forEach((h, i) => {
      const p = checkpointProof(hs, i);
      expect(verifyCheckpointProof(batch, 40, h, p)).to.equal(true);
      expect(verifyCheckpointProof(batch, 41, h, p)).to.equal(false);
      expect(verifyCheckpointProof(batch, 40, randomBytes(32), p)).to.equal(false);
    });
  });
});

describe("datasets and batch views", function () {
  const features = tensor([10, 3], (i) => i * 7 - 100);
  const targets = tensor([10, 2], (i) => (i % 5) - 2, 0);

  it("is H(0x06 ‖ tensorHash(features) ‖ tensorHash(targets))", function () {
    expect(datasetHash(features, targets).equals(sha256(Buffer.from([6]), tensorHash(features), tensorHash(targets)))).to.equal(true);
  });

  it("selects rows ((t − 1)·batchSize + r) mod N, wrapping around the dataset", function () {
    expect(batchSample(1, 4, 0, 10)).to.equal(0);
    expect(batchSample(3, 4, 1, 10)).to.equal(9);
    expect(batchSample(3, 4, 2, 10)).to.equal(0);
    const v = batchView(features, targets, 3, 4);
    expect(v.features.shape).to.deep.equal([4, 3]);
    expect(Array.from(v.features.data)).to.deep.equal([8, 9, 0, 1].flatMap((s) => [0, 1, 2].map((c) => features.data[s * 3 + c])));
    expect(Array.from(v.targets.data)).to.deep.equal([8, 9, 0, 1].flatMap((s) => [0, 1].map((c) => targets.data[s * 2 + c])));
    expect(() => batchSample(0, 4, 0, 10)).to.throw(InputError);
    expect(() => batchSample(1, 4, 4, 10)).to.throw(InputError);
  });

  it("opens every element of a batch through the dataset commitment, and nothing else", function () {
    const ds = commitDataset(features, targets);
    for (const isTarget of [false, true]) {
      const view = batchView(features, targets, 3, 4);
      const batch = isTarget ? view.targets : view.features;
      for (let e = 0; e < batch.data.length; e++) {
        const bp = batchElementProof(ds, isTarget, 3, 4, e);
        expect(openBatchElement(ds.hash, 3, 4, e, bp)).to.equal(batch.data[e]);
        expect(verifyBatchElement(ds.hash, 4, 4, e, bp)).to.equal(false);
        expect(verifyBatchElement(ds.hash, 3, 4, (e + 1) % batch.data.length, bp)).to.equal(false);
        expect(verifyBatchElement(ds.hash, 3, 4, e, { ...bp, isTarget: !isTarget })).to.equal(false);
      }
    }
  });

  it("refuses datasets whose features and targets disagree on the number of samples", function () {
    expect(() => commitDataset(features, tensor([9, 2], () => 0))).to.throw(InputError, /10 feature rows but 9 target rows/);
    expect(() => commitDataset(tensor([], () => 1), targets)).to.throw(InputError, /rank/);
  });
});

describe("incremental list tree and value-table history", function () {
  it("matches listRoot/listProof after every single-item update, for every length up to 20", function () {
    for (let n = 1; n <= 20; n++) {
      const items = Array.from({ length: n }, () => randomBytes(32));
      const tree = new ListTree(items);
      for (let k = 0; k < 2 * n; k++) {
        const i = (k * 7) % n;
        items[i] = randomBytes(32);
        tree.set(i, items[i]);
        expect(tree.root.equals(listRoot(items))).to.equal(true);
        expect(tree.proof(i).path.map((x) => x.toString("hex"))).to.deep.equal(listProof(items, i).map((x) => x.toString("hex")));
      }
    }
  });

  it("gives R_0 … R_M with one verifying update proof per op", function () {
    const initial: (Buffer | null)[] = [randomBytes(32), randomBytes(32), null, null, null, null, null];
    const updates = [2, 3, 4, 5, 6].map((slot) => ({ slot, hash: randomBytes(32) }));
    const { roots, proofs } = valueTableHistory(initial, updates);
    expect(roots).to.have.length(6);
    expect(roots[0].equals(valueTableRoot(initial))).to.equal(true);
    const slots = initial.slice();
    updates.forEach((u, j) => {
      expect(verifySlotUpdate(roots[j], null, u.hash, proofs[j])?.equals(roots[j + 1])).to.equal(true);
      slots[u.slot] = u.hash;
      expect(roots[j + 1].equals(valueTableRoot(slots))).to.equal(true);
    });
  });

  it("converts proofs to the Solidity struct shapes", function () {
    const hs = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const p = toSolListProof(checkpointProof(hs, 2));
    expect(p).to.deep.equal({ count: 3, index: 2, path: listProof(hs, 2).map((x) => "0x" + x.toString("hex")) });
  });
});

describe("slot hashes", function () {
  it("hashes computed values and leaves missing ones empty", function () {
    const a = tensor([2], (i) => i);
    const hs = slotHashesOf([a, null, undefined]);
    expect(Buffer.from(hs[0]!).equals(tensorHash(a))).to.equal(true);
    expect(hs.slice(1)).to.deep.equal([null, null]);
    expect(valueTableRoot(hs).equals(valueTableRoot([tensorHash(a), ZERO_HASH, ZERO_HASH]))).to.equal(true);
  });
});
