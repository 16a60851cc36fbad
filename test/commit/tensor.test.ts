import { expect } from "chai";
import { createHash } from "node:crypto";
import {
  dataDepth,
  dataTreeNode,
  decodeTensor,
  elementCommitment,
  elementProof,
  encodeTensor,
  leafBytes,
  openElement,
  tensorHash,
  tensorHashFromRoot,
  tensorTree,
  verifyElementProof,
  zeroSubtree,
} from "../../src/commit";
import { InputError, IntegrityError } from "../../src/errors";
import type { IntTensor } from "../../src/pinir/types";
import { prng } from "../../scripts/gen-vectors";

// ---------------------------------------------------------------- naive reference (spec, literally)

const H = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

function naiveEncode(data: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(8 * data.length);
  for (let i = 0; i < data.length; i++) b.writeBigInt64BE(BigInt(data[i]), 8 * i);
  return b;
}

function naiveTensorHash(shape: number[], scale: number, data: ArrayLike<number>): Buffer {
  const enc = naiveEncode(data);
  const nLeaves = Math.max(1, Math.ceil(data.length / 128));
  let d = 0;
  while (2 ** d < nLeaves) d++;
  let level: Buffer[] = [];
  for (let i = 0; i < 2 ** d; i++) {
    const leaf = Buffer.alloc(1024);
    if (i < nLeaves) enc.copy(leaf, 0, i * 1024, Math.min(enc.length, (i + 1) * 1024));
    level.push(H(Buffer.from([0]), leaf));
  }
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(H(Buffer.from([1]), level[i], level[i + 1]));
    level = next;
  }
  const head = Buffer.alloc(9 + 8 * shape.length);
  head[0] = 2;
  head.writeUInt32BE(scale, 1);
  head.writeUInt32BE(shape.length, 5);
  shape.forEach((s, i) => head.writeBigUInt64BE(BigInt(s), 9 + 8 * i));
  return H(head, level[0]);
}

function randomTensor(rnd: () => number, shape: number[], bound: number, scale = 16): IntTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((rnd() * 2 - 1) * bound);
  return { shape, data, scale };
}

describe("tensor commitment", function () {
  describe("encoding", function () {
    it("encodes int64 big-endian row-major exactly like a bigint encoder, across the exact range", function () {
      const vals = [0, 1, -1, 127, -128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 52 + 3, -(2 ** 53 - 1), 2 ** 53 - 1];
      const t = { shape: [vals.length], data: Float64Array.from(vals), scale: 0 };
      expect(encodeTensor(t).equals(naiveEncode(vals))).to.equal(true);
      expect(Array.from(decodeTensor(encodeTensor(t), t.shape, 0).data)).to.deep.equal(vals);
    });

    it("canonicalises −0 to 0", function () {
      const a = { shape: [2], data: Float64Array.from([-0, 5]), scale: 3 };
      const b = { shape: [2], data: Float64Array.from([0, 5]), scale: 3 };
      expect(encodeTensor(a).equals(encodeTensor(b))).to.equal(true);
      expect(tensorHash(a).equals(tensorHash(b))).to.equal(true);
      expect(Object.is(decodeTensor(encodeTensor(a), [2], 3).data[0], 0)).to.equal(true);
    });

    it("rejects non-integers, NaN, infinities and |v| ≥ 2^53, naming the element", function () {
      for (const [v, code] of [
        [0.5, "TENSOR_NOT_INTEGER"],
        [NaN, "TENSOR_NOT_INTEGER"],
        [Infinity, "TENSOR_OUT_OF_RANGE"],
        [-Infinity, "TENSOR_OUT_OF_RANGE"],
        [2 ** 53, "TENSOR_OUT_OF_RANGE"],
        [-(2 ** 53), "TENSOR_OUT_OF_RANGE"],
      ] as [number, string][]) {
        const data = new Float64Array(300);
        data[299] = v;
        for (const f of [() => tensorHash({ shape: [300], data, scale: 0 }), () => encodeTensor({ shape: [300], data, scale: 0 })]) {
          try {
            f();
            expect.fail(`accepted ${v}`);
          } catch (err) {
            expect(err).to.be.instanceOf(InputError);
            expect((err as InputError).code).to.equal(code);
            expect((err as InputError).details.index).to.equal(299);
          }
        }
      }
    });

    it("rejects a shape that does not match the data, zero dimensions and bad scales", function () {
      const data = new Float64Array(6);
      expect(() => tensorHash({ shape: [2, 4], data, scale: 0 })).to.throw(InputError, /needs 8 elements but has 6/);
      expect(() => tensorHash({ shape: [0, 6], data, scale: 0 })).to.throw(InputError, /positive integer/);
      expect(() => tensorHash({ shape: [6], data, scale: -1 })).to.throw(InputError, /scale/);
      expect(() => tensorHash({ shape: [6], data, scale: 2 ** 32 })).to.throw(InputError, /scale/);
    });

    it("refuses to decode a wrong length or an element outside ±(2^53 − 1)", function () {
      expect(() => decodeTensor(Buffer.alloc(15), [2], 0)).to.throw(IntegrityError, /needs 16 bytes/);
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(2n ** 53n);
      expect(() => decodeTensor(b, [1], 0)).to.throw(IntegrityError, /outside/);
    });
  });

  describe("tree", function () {
    it("matches a literal reading of the spec for scalars, one leaf, leaf boundaries and random shapes", function () {
      const rnd = prng(1);
      const shapes = [[], [1], [127], [128], [129], [256], [257], [3, 100], [5, 5, 5, 5], [1000], [4097], [2, 2048], [33, 65]];
      for (let i = 0; i < 12; i++) shapes.push([1 + Math.floor(rnd() * 40), 1 + Math.floor(rnd() * 90)]);
      for (const shape of shapes) {
        for (const bound of [2 ** 20 - 1, 2 ** 53 - 1]) {
          const t = randomTensor(rnd, shape, bound, Math.floor(rnd() * 32));
          const tree = tensorTree(t);
          expect(tree.hash.toString("hex")).to.equal(naiveTensorHash(shape, t.scale, t.data).toString("hex"), `shape [${shape}]`);
          expect(tree.depth).to.equal(dataDepth(t.data.length));
        }
      }
    });

    it("binds shape and scale, not just the data", function () {
      const t = randomTensor(prng(2), [6, 4], 1000);
      const h = tensorHash(t);
      expect(tensorHash({ ...t, shape: [4, 6] }).equals(h)).to.equal(false);
      expect(tensorHash({ ...t, shape: [24] }).equals(h)).to.equal(false);
      expect(tensorHash({ ...t, shape: [1, 6, 4] }).equals(h)).to.equal(false);
      expect(tensorHash({ ...t, scale: t.scale + 1 }).equals(h)).to.equal(false);
      expect(tensorHashFromRoot(t.scale, t.shape, tensorTree(t).dataRoot).equals(h)).to.equal(true);
    });

    it("pads with zero subtrees (Z_0 = leafHash(zero leaf), Z_{i+1} = node(Z_i, Z_i))", function () {
      // 129 zeros → two leaves both zero: root = node(Z_0, Z_0) = Z_1.
      const tree = tensorTree({ shape: [129], data: new Float64Array(129), scale: 0 });
      expect(tree.dataRoot.equals(zeroSubtree(1))).to.equal(true);
      expect(zeroSubtree(0).equals(H(Buffer.from([0]), Buffer.alloc(1024)))).to.equal(true);
      expect(zeroSubtree(3).equals(H(Buffer.from([1]), zeroSubtree(2), zeroSubtree(2)))).to.equal(true);
    });

    it("gives the same result when commitments of different sizes interleave (scratch reuse)", function () {
      const rnd = prng(3);
      const a = randomTensor(rnd, [70, 130], 2 ** 20);
      const b = randomTensor(rnd, [3], 2 ** 20);
      const ha = tensorHash(a);
      tensorHash(b);
      expect(tensorHash(a).equals(ha)).to.equal(true);
      expect(tensorHash(b).equals(naiveTensorHash([3], 16, b.data))).to.equal(true);
    });
  });

  describe("element proofs", function () {
    it("proves every element of tensors up to five leaves, and returns the value", function () {
      const rnd = prng(4);
      for (const shape of [[], [1], [128], [129], [5, 113]]) {
        const t = randomTensor(rnd, shape, 2 ** 53 - 1);
        const tree = tensorTree(t);
        for (let i = 0; i < tree.n; i++) {
          const p = elementProof(tree, i);
          expect(p.path.length).to.equal(tree.depth);
          expect(p.leaf.equals(leafBytes(t, i >> 7))).to.equal(true);
          expect(openElement(tree.hash, p)).to.equal(t.data[i]);
        }
      }
    });

    it("rejects tampered proofs: flipped leaf bit, wrong index, wrong path, wrong shape or scale", function () {
      const rnd = prng(5);
      const t = randomTensor(rnd, [7, 100], 2 ** 20 - 1, 12);
      const tree = tensorTree(t);
      for (const i of [0, 127, 128, 500, 699]) {
        const p = elementProof(tree, i);
        expect(verifyElementProof(tree.hash, p)).to.equal(true);
        for (let bit = 0; bit < 8192; bit += 509) {
          const leaf = Buffer.from(p.leaf);
          leaf[bit >> 3] ^= 1 << (bit & 7);
          expect(verifyElementProof(tree.hash, { ...p, leaf })).to.equal(false);
        }
        expect(verifyElementProof(tree.hash, { ...p, index: (i + 128) % 700 })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, index: 700 })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, index: -1 })).to.equal(false);
        const path = p.path.slice();
        path[1] = Buffer.from(path[1]);
        path[1][31] ^= 1;
        expect(verifyElementProof(tree.hash, { ...p, path })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, path: p.path.slice(1) })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, shape: [100, 7] })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, shape: [700] })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, scale: 13 })).to.equal(false);
        expect(verifyElementProof(tree.hash, { ...p, leaf: p.leaf.subarray(0, 1000) })).to.equal(false);
      }
    });

    it("opens a different element of the same leaf honestly (the value follows the index)", function () {
      const t = randomTensor(prng(6), [300], 1000);
      const tree = tensorTree(t);
      const p = elementProof(tree, 130);
      expect(openElement(tree.hash, { ...p, index: 131 })).to.equal(t.data[131]);
    });

    it("explains malformed proofs with IntegrityError codes", function () {
      const tree = tensorTree(randomTensor(prng(7), [300], 1000));
      const p = elementProof(tree, 3);
      const code = (f: () => unknown): string => {
        try {
          f();
        } catch (err) {
          return (err as IntegrityError).code;
        }
        return "none";
      };
      expect(code(() => elementCommitment({ ...p, leaf: Buffer.alloc(10) }))).to.equal("PROOF_LEAF_LENGTH");
      expect(code(() => elementCommitment({ ...p, index: 300 }))).to.equal("PROOF_INDEX");
      expect(code(() => elementCommitment({ ...p, path: [] }))).to.equal("PROOF_PATH_LENGTH");
      expect(code(() => elementCommitment({ ...p, shape: [0] }))).to.equal("PROOF_SHAPE");
      expect(code(() => openElement(Buffer.alloc(32), p))).to.equal("PROOF_MISMATCH");
    });

    it("refuses to build a proof for an index outside the tensor", function () {
      const tree = tensorTree(randomTensor(prng(8), [10], 1000));
      expect(() => elementProof(tree, 10)).to.throw(InputError);
      expect(() => elementProof(tree, 1.5)).to.throw(InputError);
    });
  });
});

describe("data tree nodes", function () {
  it("exposes every node of the padded tree, consistent with the root and element paths", function () {
    const t = { shape: [5 * 128 + 3], data: Float64Array.from({ length: 5 * 128 + 3 }, (_, i) => i * 3 - 900), scale: 2 };
    const tree = tensorTree(t);
    expect(tree.depth).to.equal(3);
    for (let h = 1; h <= tree.depth; h++) {
      for (let i = 0; i < 2 ** (tree.depth - h); i++) {
        const want = H(Buffer.from([1]), dataTreeNode(tree, h - 1, 2 * i), dataTreeNode(tree, h - 1, 2 * i + 1));
        expect(dataTreeNode(tree, h, i).equals(want), `node (${h}, ${i})`).to.equal(true);
      }
    }
    expect(dataTreeNode(tree, 3, 0).equals(tree.dataRoot)).to.equal(true);
    expect(dataTreeNode(tree, 0, 7).equals(zeroSubtree(0))).to.equal(true);
    expect(elementProof(tree, 300).path[1].equals(dataTreeNode(tree, 1, 0))).to.equal(true);
    expect(() => dataTreeNode(tree, 0, 8)).to.throw(InputError);
    expect(() => dataTreeNode(tree, 4, 0)).to.throw(InputError);
  });
});
