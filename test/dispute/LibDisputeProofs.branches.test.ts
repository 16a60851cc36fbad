/**
 * LibDisputeProofs' proof checks called through a harness (by delegatecall, as the game calls
 * them), each with a well-formed proof of the wrong thing: every refusal names the
 * offending index, count or root (docs/COVERAGE.md). The game reaches these checks only through
 * moves whose proofs the players build from real commitments; here every check gets the one
 * wrong field it guards against, next to the same call accepted.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify, ZeroAddress, ZeroHash } from "ethers";
import { listProof, listRoot, nodeHash, sha256 } from "../../src/commit/hash";
import { slotProof, valueTableRoot } from "../../src/commit/lists";
import { elementProof, tensorHash, tensorHashFromRoot, tensorTree } from "../../src/commit/tensor";
import { encodeOpDesc, encodeSlotDesc } from "../../src/dispute/descriptor";
import type { OpDesc, SlotDesc } from "../../src/dispute/types";

const { ethers } = hre;
const hx = (b: Uint8Array) => hexlify(b);
const rnd = () => hexlify(ethers.randomBytes(32));

async function deploy() {
  const lib = await ethers.deployContract("LibDisputeProofs");
  const libraries = { LibDisputeProofs: await lib.getAddress() };
  // The library refuses direct calls: the harness calls it by delegatecall, as the game does.
  const proofs = await ethers.deployContract("DisputeProofsHarness", { libraries });
  const harness = proofs;
  const reverting = await ethers.deployContract("RevertingVerifier");
  const verifier = await ethers.deployContract("OneStepVerifier");
  // Decoders for the errors the library raises (declared on the interfaces).
  const game = await ethers.getContractAt("IDisputeGame", ZeroAddress);
  return { lib: proofs, harness, reverting, verifier, game };
}

const opA: OpDesc = {
  opcode: 6,
  out: 2,
  a: 1,
  b: 0,
  outScale: 16,
  aScale: 16,
  bScale: 0,
  p0: 0,
  p1: 0,
  c: 0,
  outShape: [4],
  aShape: [4],
  bShape: [],
};
const opB: OpDesc = { ...opA, out: 3, a: 2 };
const opLeaf = (d: OpDesc) => sha256(encodeOpDesc(d));
const opLeaves = [opLeaf(opA), opLeaf(opB)];
const opsRoot = hx(listRoot(opLeaves));
const proofOfA = { count: 2, index: 0, path: listProof(opLeaves, 0).map(hx) };
const sol = (d: OpDesc) => ({
  ...d,
  outShape: [...d.outShape],
  aShape: [...d.aShape],
  bShape: [...d.bShape],
});

/** Slot table: 0 state (next value in slot 3), 1 const, 2 temp, 3 input. */
const CONST_HASH = rnd();
const slots: SlotDesc[] = [
  { kind: 0, scale: 16, stateIndex: 0, nextSlot: 3, constHash: ZeroHash, shape: [2] },
  { kind: 3, scale: 16, stateIndex: 0, nextSlot: 0, constHash: CONST_HASH, shape: [2] },
  { kind: 4, scale: 16, stateIndex: 0, nextSlot: 0, constHash: ZeroHash, shape: [2] },
  { kind: 1, scale: 16, stateIndex: 0, nextSlot: 0, constHash: ZeroHash, shape: [2, 3] },
];
const slotLeaves = slots.map((d) => sha256(encodeSlotDesc(d)));
const program = {
  compilerHash: rnd(),
  opsRoot,
  slotsRoot: hx(listRoot(slotLeaves)),
  nOps: 2,
  nSlots: 4,
  nState: 1,
};
const descProof = (i: number) => ({ count: 4, index: i, path: listProof(slotLeaves, i).map(hx) });
const slotArg = (d: SlotDesc) => ({ ...d, shape: [...d.shape] });
const NO_STATE = { count: 1, index: 0, path: [] as string[] };
/** SlotArgs for slot i (its own descriptor and proof). */
const slotArgs = (i: number, over: Record<string, unknown> = {}) => ({
  desc: slotArg(slots[i]),
  descProof: descProof(i),
  stateProof: NO_STATE,
  dataRoot: ZeroHash,
  ...over,
});

describe("LibDisputeProofs checks (branch coverage)", function () {
  describe("checkOpDesc", function () {
    it("accepts op j with its proof and refuses a proof of another index, another op count or another op", async function () {
      const { lib, game } = await loadFixture(deploy);
      await lib.checkOpDesc(opsRoot, 2, sol(opA), proofOfA, 1);
      await expect(lib.checkOpDesc(opsRoot, 2, sol(opA), proofOfA, 2))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(0, 1);
      await expect(lib.checkOpDesc(opsRoot, 3, sol(opA), proofOfA, 1))
        .to.be.revertedWithCustomError(game, "DisputeBadCount")
        .withArgs(2, 3);
      // Op B presented with op A's position and path.
      const forged = hx(nodeHash(opLeaf(opB), opLeaves[1]));
      await expect(lib.checkOpDesc(opsRoot, 2, sol(opB), proofOfA, 1))
        .to.be.revertedWithCustomError(game, "DisputeMismatch")
        .withArgs(opsRoot, forged);
    });
  });

  describe("checkOpUpdate", function () {
    const a = sha256(Buffer.from("a"));
    const c = sha256(Buffer.from("c"));
    const out = sha256(Buffer.from("out"));
    const before = [a, null, c];
    const rPrev = hx(valueTableRoot(before));
    const rNext = hx(valueTableRoot([a, out, c]));
    const p = () => {
      const q = slotProof(before, 1);
      return { count: q.count, index: q.index, path: q.path.map(hx) };
    };

    it("accepts R_j = R_{j−1} with only the output slot filled, and refuses another slot index", async function () {
      const { lib, game } = await loadFixture(deploy);
      await lib.checkOpUpdate([rPrev, rNext, hx(out)], 1, p());
      await expect(lib.checkOpUpdate([rPrev, rNext, hx(out)], 2, p()))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(1, 2);
    });

    it("refuses a claimed R_j that is not the update of R_{j−1} with DisputeMismatch(R_j, computed)", async function () {
      const { lib, game } = await loadFixture(deploy);
      const claimed = rnd();
      await expect(lib.checkOpUpdate([rPrev, claimed, hx(out)], 1, p()))
        .to.be.revertedWithCustomError(game, "DisputeMismatch")
        .withArgs(claimed, rNext);
    });
  });

  describe("checkSlotDesc (through checkInitialSlot)", function () {
    it("refuses a descriptor proof of another slot, another slot count, or a descriptor not in the table", async function () {
      const { lib, game } = await loadFixture(deploy);
      await expect(lib.checkInitialSlot(program, slotArgs(1), 2, ZeroHash, CONST_HASH))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(1, 2);
      await expect(lib.checkInitialSlot({ ...program, nSlots: 5 }, slotArgs(1), 1, ZeroHash, CONST_HASH))
        .to.be.revertedWithCustomError(game, "DisputeBadCount")
        .withArgs(4, 5);
      const altered = { ...slots[1], scale: 17 };
      const forged = hx(
        listRoot([slotLeaves[0], sha256(encodeSlotDesc(altered)), slotLeaves[2], slotLeaves[3]]),
      );
      await expect(
        lib.checkInitialSlot(program, slotArgs(1, { desc: slotArg(altered) }), 1, ZeroHash, CONST_HASH),
      )
        .to.be.revertedWithCustomError(game, "DisputeMismatch")
        .withArgs(program.slotsRoot, forged);
    });
  });

  describe("checkInitialSlot", function () {
    it("a state slot's proof must open the descriptor's state index", async function () {
      const { lib, game } = await loadFixture(deploy);
      await expect(
        lib.checkInitialSlot(
          program,
          slotArgs(0, { stateProof: { count: 2, index: 1, path: [rnd()] } }),
          0,
          rnd(),
          rnd(),
        ),
      )
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(1, 0);
    });

    it("a const slot holds exactly the committed constant (proved: numel 0)", async function () {
      const { lib, game } = await loadFixture(deploy);
      expect(await lib.checkInitialSlot(program, slotArgs(1), 1, ZeroHash, CONST_HASH)).to.equal(0n);
      const other = rnd();
      await expect(lib.checkInitialSlot(program, slotArgs(1), 1, ZeroHash, other))
        .to.be.revertedWithCustomError(game, "DisputeMismatch")
        .withArgs(CONST_HASH, other);
    });

    it("a temp slot is empty before op 1 (proved: numel 0)", async function () {
      const { lib, game } = await loadFixture(deploy);
      expect(await lib.checkInitialSlot(program, slotArgs(2), 2, ZeroHash, ZeroHash)).to.equal(0n);
      const other = rnd();
      await expect(lib.checkInitialSlot(program, slotArgs(2), 2, ZeroHash, other))
        .to.be.revertedWithCustomError(game, "DisputeMismatch")
        .withArgs(ZeroHash, other);
    });

    it("an input slot's hash has the program's shape and scale; its size starts the batch descent", async function () {
      const { lib, game } = await loadFixture(deploy);
      const dataRoot = rnd();
      const h = hx(tensorHashFromRoot(16, [2, 3], Buffer.from(dataRoot.slice(2), "hex")));
      expect(await lib.checkInitialSlot(program, slotArgs(3, { dataRoot }), 3, ZeroHash, h)).to.equal(6n);
      const wrongScale = hx(tensorHashFromRoot(15, [2, 3], Buffer.from(dataRoot.slice(2), "hex")));
      await expect(lib.checkInitialSlot(program, slotArgs(3, { dataRoot }), 3, ZeroHash, wrongScale))
        .to.be.revertedWithCustomError(game, "DisputeMismatch")
        .withArgs(wrongScale, h);
    });
  });

  describe("checkFinalState", function () {
    const t = rnd();
    const tableM = [rnd(), rnd(), null, Buffer.from(t.slice(2), "hex")].map((x) =>
      typeof x === "string" ? Buffer.from(x.slice(2), "hex") : x,
    );
    const rootM = hx(valueTableRoot(tableM));
    const proofM = (i: number) => {
      const q = slotProof(tableM, i);
      return { count: q.count, index: q.index, path: q.path.map(hx) };
    };
    const args = (i: number, slotIndex: number) => ({
      desc: slotArg(slots[i]),
      descProof: descProof(i),
      slotProof: proofM(slotIndex),
    });

    it("accepts the contested state's next-value slot of R_M holding S_t's tensor", async function () {
      const { lib } = await loadFixture(deploy);
      await lib.checkFinalState(program, args(0, 3), 0, rootM, t);
    });

    it("refuses a descriptor of another kind, of another state, or a slot proof of another slot", async function () {
      const { lib, game } = await loadFixture(deploy);
      await expect(lib.checkFinalState(program, args(1, 3), 0, rootM, t))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(3, 0);
      await expect(lib.checkFinalState(program, args(0, 3), 1, rootM, t))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(0, 1);
      await expect(lib.checkFinalState(program, args(0, 2), 0, rootM, t))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(2, 3);
    });
  });

  describe("operand", function () {
    const tensor = { shape: [2, 3], data: Float64Array.from([5, -6, 7, 8, 9, -10]), scale: 16 };
    const th = tensorHash(tensor);
    const table = [sha256(Buffer.from("x")), th];
    const root = hx(valueTableRoot(table));
    const operandAt = (index: number) => {
      const e = elementProof(tensorTree(tensor), index);
      const s = slotProof(table, 1);
      return {
        slot: { count: s.count, index: s.index, path: s.path.map(hx) },
        element: {
          scale: e.scale,
          shape: [...e.shape],
          index: e.index,
          leaf: hx(e.leaf),
          path: e.path.map(hx),
        },
      };
    };

    it("opens element `index` of slot `slot` in the agreed root", async function () {
      const { lib } = await loadFixture(deploy);
      expect(await lib.operand(root, operandAt(1), 1, 1)).to.equal(-6n);
    });

    it("refuses a slot proof of another slot and an element proof of another index", async function () {
      const { lib, game } = await loadFixture(deploy);
      await expect(lib.operand(root, operandAt(1), 0, 1))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(1, 0);
      await expect(lib.operand(root, operandAt(2), 1, 1))
        .to.be.revertedWithCustomError(game, "DisputeBadIndex")
        .withArgs(2, 1);
    });
  });

  describe("oneStepOperands and the verifier's range check", function () {
    const op = sol(opA);
    const root = hx(opLeaf(opA));
    const proof = { count: 1, index: 0, path: [] as string[] };
    /** Revert data of a call that must revert. */
    async function revertData(p: Promise<unknown>): Promise<string> {
      try {
        await p;
      } catch (err) {
        const data = (err as { data?: string }).data;
        if (typeof data === "string") return data;
        throw err;
      }
      throw new Error("the call did not revert");
    }

    it("only OneStepBadDescriptor from checkDesc makes the op out of range (operands unread)", async function () {
      const { harness, reverting, verifier } = await loadFixture(deploy);
      const v = await reverting.getAddress();
      await reverting.setReason(verifier.interface.encodeErrorResult("OneStepBadDescriptor", [6, 9]));
      const [inRange, a, b] = await harness.oneStepOperands([root, ZeroHash], [1, 1, 0, 0], op, proof, [], v);
      expect([inRange, a, b]).to.deep.equal([false, 0n, 0n]);
    });

    it("re-raises any other failure of checkDesc: empty, shorter than a selector, or another error", async function () {
      const { harness, reverting, verifier } = await loadFixture(deploy);
      const v = await reverting.getAddress();
      const call = () => harness.oneStepOperands([root, ZeroHash], [1, 1, 0, 0], op, proof, [], v);
      await reverting.setReason("0x");
      await expect(call()).to.be.revertedWithoutReason();
      await reverting.setReason("0x4e487b");
      expect(await revertData(call())).to.equal("0x4e487b");
      await reverting.setReason(verifier.interface.encodeErrorResult("OneStepUnknownOpcode", [7]));
      await expect(call()).to.be.revertedWithCustomError(verifier, "OneStepUnknownOpcode").withArgs(7);
    });
  });
});
