/**
 * The libraries' guards that the protocol contracts never reach with arbitrary input, checked on
 * the libraries themselves (docs/COVERAGE.md): LibPinOps index geometry on descriptors outside
 * the range (the verifier's `operandIndices` takes any descriptor), LibProofs' batch view,
 * LibTensor's element decoder, LibClock's field readers and TaskId's operators.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Side } from "../../src/dispute";
import type { OpDescStruct } from "../../typechain-types/contracts/interfaces/IOneStepVerifier";

const { ethers } = hre;

async function deploy() {
  const verifier = await ethers.deployContract("OneStepVerifier");
  const commit = await ethers.deployContract("CommitHarness");
  const clock = await ethers.deployContract("DisputeHarness");
  const edge = await ethers.deployContract("LibraryEdgeHarness");
  return { verifier, commit, clock, edge };
}

/** An op descriptor: zero / empty fields unless given. */
function op(fields: Partial<OpDescStruct> & { opcode: number }): OpDescStruct {
  return {
    out: 0,
    a: 0,
    b: 0,
    outScale: 0,
    aScale: 0,
    bScale: 0,
    p0: 0,
    p1: 0,
    c: 0,
    outShape: [],
    aShape: [],
    bShape: [],
    ...fields,
  };
}

const MAT_MUL = 1;
const TRANSPOSE = 8;
const REDUCE_SUM = 9;
/** OpDesc field ids of OneStepBadDescriptor (LibPinOps.FIELD_*). */
const FIELD_OUT_SHAPE = 10;
const FIELD_A_SHAPE = 11;

describe("library guards (branch coverage)", function () {
  describe("LibPinOps through OneStepVerifier", function () {
    it("operandIndices refuses a MatMul whose output is not a matrix with OneStepBadShape(1)", async function () {
      const { verifier } = await loadFixture(deploy);
      const mm = op({ opcode: MAT_MUL, outShape: [4], aShape: [4, 2], bShape: [2, 1] });
      await expect(verifier.operandIndices(mm, 0, 1))
        .to.be.revertedWithCustomError(verifier, "OneStepBadShape")
        .withArgs(MAT_MUL);
      // The same op with a matrix output reads row 0 of a and column 0 of b.
      const ok = op({ opcode: MAT_MUL, outShape: [4, 1], aShape: [4, 2], bShape: [2, 1] });
      expect(await verifier.operandIndices(ok, 0, 2)).to.deep.equal([2n, 1n, 1n]);
    });

    it("operandIndices refuses a Transpose whose output is not a matrix with OneStepBadShape(8)", async function () {
      const { verifier } = await loadFixture(deploy);
      const t = op({ opcode: TRANSPOSE, outShape: [4], aShape: [2, 2] });
      await expect(verifier.operandIndices(t, 0, 0))
        .to.be.revertedWithCustomError(verifier, "OneStepBadShape")
        .withArgs(TRANSPOSE);
      // out[0, 1] of a [2, 2] transpose reads a[1, 0] (flat index 2).
      const ok = op({ opcode: TRANSPOSE, outShape: [2, 2], aShape: [2, 2] });
      expect(await verifier.operandIndices(ok, 1, 0)).to.deep.equal([1n, 2n, 0n]);
    });

    it("a ReduceSum whose inner dimensions exceed 2^32 elements is a bad a-shape, not an overflow", async function () {
      const { verifier } = await loadFixture(deploy);
      const rs = op({ opcode: REDUCE_SUM, outShape: [1], aShape: [2, 2n ** 32n, 2] });
      await expect(verifier.operandIndices(rs, 0, 1))
        .to.be.revertedWithCustomError(verifier, "OneStepBadDescriptor")
        .withArgs(REDUCE_SUM, FIELD_A_SHAPE);
      // Exactly 2^32 inner elements is still defined: term 2 of element 0 is a[1, 0, …].
      const edge = op({ opcode: REDUCE_SUM, outShape: [1], aShape: [2, 2n ** 32n] });
      expect(await verifier.operandIndices(edge, 0, 2)).to.deep.equal([1n, 2n ** 32n, 0n]);
    });

    it("a ReduceSum with an empty inner dimension is a bad a-shape (no division by zero)", async function () {
      const { verifier } = await loadFixture(deploy);
      const rs = op({ opcode: REDUCE_SUM, outShape: [1], aShape: [2, 0] });
      await expect(verifier.operandIndices(rs, 0, 1))
        .to.be.revertedWithCustomError(verifier, "OneStepBadDescriptor")
        .withArgs(REDUCE_SUM, FIELD_A_SHAPE);
    });

    it("checkDesc refuses a MatMul whose output rows differ from a's rows or whose columns differ from b's (out-shape field)", async function () {
      const { verifier } = await loadFixture(deploy);
      const mm = op({ opcode: MAT_MUL, outShape: [5, 4], aShape: [2, 3], bShape: [3, 4] });
      await expect(verifier.checkDesc(mm))
        .to.be.revertedWithCustomError(verifier, "OneStepBadDescriptor")
        .withArgs(MAT_MUL, FIELD_OUT_SHAPE);
      // Rows right, columns not b's.
      await expect(verifier.checkDesc({ ...mm, outShape: [2, 5] }))
        .to.be.revertedWithCustomError(verifier, "OneStepBadDescriptor")
        .withArgs(MAT_MUL, FIELD_OUT_SHAPE);
      await verifier.checkDesc({ ...mm, outShape: [2, 4] });
    });
  });

  describe("LibProofs batch view through CommitHarness", function () {
    it("refuses a zero batch size with CommitBatchView(step, 0)", async function () {
      const { commit } = await loadFixture(deploy);
      await expect(commit.batchSample(3, 0, 0, 10))
        .to.be.revertedWithCustomError(commit, "CommitBatchView")
        .withArgs(3, 0);
    });

    it("refuses a row outside the batch with CommitIndexOutOfRange(row, batchSize)", async function () {
      const { commit } = await loadFixture(deploy);
      await expect(commit.batchSample(1, 4, 4, 10))
        .to.be.revertedWithCustomError(commit, "CommitIndexOutOfRange")
        .withArgs(4, 4);
      // Row 3 of step 3 with batches of 4 over 10 samples: ((3 − 1) · 4 + 3) mod 10 = 1.
      expect(await commit.batchSample(3, 4, 3, 10)).to.equal(1n);
    });

    it("refuses a scalar dataset tensor with CommitDatasetRank (samples live along dimension 0)", async function () {
      const { commit } = await loadFixture(deploy);
      const proof = { scale: 0, shape: [], index: 0, leaf: "0x" + "00".repeat(1024), path: [] };
      await expect(
        commit.verifyBatchElement(ethers.ZeroHash, ethers.ZeroHash, false, 1, 1, 0, proof),
      ).to.be.revertedWithCustomError(commit, "CommitDatasetRank");
    });
  });

  describe("LibTensor.elementInLeaf", function () {
    it("decodes i64 big-endian elements and refuses a slot past the leaf or past 128", async function () {
      const { commit, edge } = await loadFixture(deploy);
      const leaf = Buffer.alloc(1024);
      leaf.writeBigInt64BE(-5n, 8);
      leaf.writeBigInt64BE(2n ** 62n, 127 * 8);
      expect(await edge.elementInLeaf(leaf, 1)).to.equal(-5n);
      expect(await edge.elementInLeaf(leaf, 127)).to.equal(2n ** 62n);
      await expect(edge.elementInLeaf(leaf, 128))
        .to.be.revertedWithCustomError(commit, "CommitIndexOutOfRange")
        .withArgs(128, 128);
      // A 16-byte "leaf" holds two elements: slot 2 lies past its end.
      await expect(edge.elementInLeaf(leaf.subarray(0, 16), 2))
        .to.be.revertedWithCustomError(commit, "CommitIndexOutOfRange")
        .withArgs(2, 2);
      expect(await edge.elementInLeaf(leaf.subarray(0, 16), 1)).to.equal(-5n);
    });
  });

  describe("LibClock", function () {
    it("budgetOf and turnStart read each side's remaining seconds and the turn's start", async function () {
      const { clock, edge } = await loadFixture(deploy);
      const c0 = await clock.clockStart(100, 10, Side.Solver, 1_000);
      expect(await edge.clockBudgetOf(c0, Side.Solver)).to.equal(100n);
      expect(await edge.clockBudgetOf(c0, Side.Challenger)).to.equal(100n);
      expect(await edge.clockTurnStart(c0)).to.equal(1_000n);
      const c1 = await clock.clockHand(c0, Side.Challenger, 1_030, 10);
      expect(await edge.clockBudgetOf(c1, Side.Solver)).to.equal(70n);
      expect(await edge.clockBudgetOf(c1, Side.Challenger)).to.equal(100n);
      expect(await edge.clockTurnStart(c1)).to.equal(1_030n);
    });

    it("hand leaves a mover that overran its clock at zero (never wrapping) and tops up only the next side", async function () {
      const { clock, edge } = await loadFixture(deploy);
      const c0 = await clock.clockStart(100, 10, Side.Solver, 1_000);
      // The solver's 100 s ran out at 1,100; hand at 1,200 (the game checks expiry first; the library is total).
      const c1 = await clock.clockHand(c0, Side.Challenger, 1_200, 10);
      expect(await edge.clockBudgetOf(c1, Side.Solver)).to.equal(0n);
      expect(await clock.clockRemaining(c1, Side.Solver, 1_200)).to.equal(0n);
      expect(await clock.clockReserve(c1, Side.Solver)).to.equal(10n);
      expect(await clock.clockToMove(c1)).to.equal(BigInt(Side.Challenger));
      // Back to the solver: topped up from its own reserve to the 10 s extension, not beyond.
      const c2 = await clock.clockHand(c1, Side.Solver, 1_205, 10);
      expect(await edge.clockBudgetOf(c2, Side.Solver)).to.equal(10n);
      expect(await clock.clockReserve(c2, Side.Solver)).to.equal(0n);
      expect(await edge.clockBudgetOf(c2, Side.Challenger)).to.equal(95n);
    });
  });

  describe("TaskId operators", function () {
    it("== and != compare ids; isNone is true only for id 0", async function () {
      const { edge } = await loadFixture(deploy);
      expect(await edge.taskIdEq(7, 7)).to.equal(true);
      expect(await edge.taskIdEq(7, 8)).to.equal(false);
      expect(await edge.taskIdNeq(7, 8)).to.equal(true);
      expect(await edge.taskIdNeq(7, 7)).to.equal(false);
      expect(await edge.taskIdIsNone(0)).to.equal(true);
      expect(await edge.taskIdIsNone(1)).to.equal(false);
    });
  });
});
