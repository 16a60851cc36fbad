import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import vectors from "../vectors/onestep.json";
import { buildOneStepVectors } from "../../src/dispute/vectors";
import { Opcode } from "../../src/dispute/descriptor";

const { ethers } = hre;

async function deploy() {
  const verifier = await ethers.deployContract("OneStepVerifier");
  return { verifier };
}

describe("OneStepVerifier", () => {
  it("the committed vectors are what the reference interpreter generates", () => {
    expect(JSON.parse(JSON.stringify(buildOneStepVectors()))).to.deep.equal(vectors);
  });

  it(`agrees with the reference interpreter on all ${vectors.vectors.length} shared vectors`, async () => {
    const { verifier } = await loadFixture(deploy);
    const seen = new Set<number>();
    for (const v of vectors.vectors) {
      const [count, ia, ib] = await verifier.operandIndices(v.op, v.element, v.term);
      expect([Number(count), Number(ia), Number(ib)], `${v.name} e=${v.element} k=${v.term} indices`).to.deep.equal([v.count, v.ia, v.ib]);
      const got = await verifier.step(v.op, BigInt(v.a), BigInt(v.b), BigInt(v.prev));
      expect(got, `${v.name} e=${v.element} k=${v.term}`).to.equal(BigInt(v.expected));
      seen.add(v.op.opcode);
    }
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(Object.values(Opcode));
  });

  it("reports reduction lengths", async () => {
    const { verifier } = await loadFixture(deploy);
    const mm = vectors.vectors.find((v) => v.name === "MatMul transA")!;
    expect(await verifier.reductionLength(mm.op)).to.equal(5n);
    const rs = vectors.vectors.find((v) => v.name === "ReduceSum rank3 axis1")!;
    expect(await verifier.reductionLength(rs.op)).to.equal(4n);
    const relu = vectors.vectors.find((v) => v.name === "Relu")!;
    expect(await verifier.reductionLength(relu.op)).to.equal(0n);
  });

  it("rejects out-of-range elements and terms and unknown opcodes", async () => {
    const { verifier } = await loadFixture(deploy);
    const mm = vectors.vectors.find((v) => v.name === "MatMul")!;
    await expect(verifier.operandIndices(mm.op, 12, 1)).to.be.revertedWithCustomError(verifier, "OneStepIndexOutOfRange").withArgs(12, 12);
    await expect(verifier.operandIndices(mm.op, 0, 0)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(0, 5);
    await expect(verifier.operandIndices(mm.op, 0, 6)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(6, 5);
    const relu = vectors.vectors.find((v) => v.name === "Relu")!;
    await expect(verifier.operandIndices(relu.op, 0, 1)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(1, 0);
    const bad = { ...relu.op, opcode: 13 };
    await expect(verifier.step(bad, 1, 1, 0)).to.be.revertedWithCustomError(verifier, "OneStepUnknownOpcode").withArgs(13);
    const badBcast = { ...vectors.vectors.find((v) => v.name === "Add bcast row")!.op, bShape: [2] };
    await expect(verifier.operandIndices(badBcast, 0, 0)).to.be.revertedWithCustomError(verifier, "OneStepBadShape");
  });
});
