import { expect } from "chai";
import { listRoot } from "../../src/commit/hash";
import { dissectionRounds, descentRounds, listLevels, midpoints, point, segment, segments } from "../../src/dispute/geometry";
import { broadcastIndexOf, operandIndicesOf, rescaleBig, stepOf } from "../../src/dispute/semantics";
import { chainProgram, chainProgramHash, encodeOpDesc, opDesc, Opcode } from "../../src/dispute/descriptor";
import { deriveTrainStep, mlp } from "../../src/pinir";

describe("dispute geometry and semantics (TypeScript)", () => {
  it("dissection rounds: 10^6 steps in 5 rounds of 16, 1,000 ops in 3, K = 4,096 in 3", () => {
    expect(dissectionRounds(1_000_000, 16)).to.equal(5);
    expect(dissectionRounds(1000, 16)).to.equal(3);
    expect(dissectionRounds(4096, 16)).to.equal(3);
    expect(dissectionRounds(1, 16)).to.equal(0);
    expect(descentRounds(11, 4)).to.equal(3);
  });

  it("every chosen segment shrinks and the chain of segments reaches one position", () => {
    for (const [lo0, hi0] of [
      [0, 1_000_000],
      [17, 100],
      [3, 5],
    ]) {
      let [lo, hi] = [lo0, hi0];
      let r = 0;
      while (hi - lo > 1) {
        const s = segments(lo, hi, 16);
        expect(midpoints(lo, hi, 16)).to.have.length(s - 1);
        [lo, hi] = segment(lo, hi, 16, r % s);
        expect(hi).to.be.greaterThan(lo);
        r++;
      }
      expect(r).to.be.at.most(dissectionRounds(hi0 - lo0, 16));
      expect(point(lo0, hi0, 16, 0)).to.equal(lo0);
    }
  });

  it("list levels roll up to listRoot with zero padding", () => {
    for (const n of [1, 2, 3, 9, 50]) {
      const items = Array.from({ length: n }, (_, i) => Buffer.alloc(32, i + 1));
      const levels = listLevels(items);
      expect(levels.at(-1)![0].equals(listRoot(items))).to.equal(true);
    }
  });

  it("rounds toward −∞ and clips like the reference semantics", () => {
    expect(rescaleBig(-1n, 1, 8)).to.equal(0n); // (−1 + 1) >> 1
    expect(rescaleBig(-3n, 1, 8)).to.equal(-1n); // (−3 + 1) >> 1 = −1
    expect(rescaleBig(-32769n, 16, 20)).to.equal(-1n);
    expect(rescaleBig(1n << 60n, 16, 20)).to.equal((1n << 20n) - 1n);
    expect(broadcastIndexOf(7, [4, 3], [4, 1])).to.equal(2);
    expect(broadcastIndexOf(7, [4, 3], [3])).to.equal(1);
  });

  it("descriptors of a derived train step: MatMul geometry and a stable chain program hash", () => {
    const p = deriveTrainStep(mlp([4, 8, 3]), { batchSize: 8, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } });
    const cp = chainProgram(p);
    expect(chainProgramHash(cp.info).toString("hex")).to.equal(cp.hash.slice(2));
    const d = opDesc(p, 0);
    expect(d.opcode).to.equal(Opcode.MatMul);
    expect(encodeOpDesc(d).length % 32).to.equal(0);
    const { count, ia, ib } = operandIndicesOf(d, 0, 1);
    expect(count).to.equal(2);
    expect(stepOf(d, 3n, -4n, 5n)).to.equal(-7n);
    expect([ia, ib].every((x) => Number.isInteger(x))).to.equal(true);
    expect(cp.slotDescs.filter((s) => s.kind === 0)).to.have.length(4);
  });
});
