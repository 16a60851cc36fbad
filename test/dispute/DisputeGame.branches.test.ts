/**
 * DisputeGame's move guards on real games (the Iris and MNIST train steps): each test plays a game
 * with the honest players up to one position, then sends the move a careless or malicious party
 * would send there and checks the named refusal (or the decision it causes) and the state after
 * (docs/COVERAGE.md lists the two guards no game can reach).
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { AbiCoder, getBytes, hexlify, keccak256, toBeHex, ZeroHash } from "ethers";
import { listRoot, sha256 } from "../../src/commit/hash";
import {
  chainProgramHash,
  type ChainProgram,
  encodeOpDesc,
  type Fault,
  type GameView,
  isDecided,
  Level,
  opDescProof,
  type Player,
  readGame,
  Side,
  slotDescProof,
  Trajectory,
} from "../../src/dispute";
import {
  BOND,
  contextOf,
  deploySystem,
  firstDisputedInterval,
  irisWorkload,
  mnistWorkload,
  openGame,
  player,
  submittedTask,
  type System,
  type TaskSetup,
  type Workload,
} from "./fixture";

const { ethers } = hre;
const BIG = 1 << 30;
const out = (step: number, op: number, element: number, delta: number): Fault => ({
  kind: "output",
  step,
  op,
  element,
  delta,
});
const ZERO_LEAF = hexlify(new Uint8Array(1024));

/** A game in progress with its two honest-to-their-evidence players. */
interface Live {
  s: System;
  w: Workload;
  task: TaskSetup;
  id: bigint;
  solver: Player;
  challenger: Player;
}

async function start(
  w: Workload,
  totalSteps: number,
  interval: number,
  solverFaults: Fault[],
  challengerFaults: Fault[] = [],
): Promise<Live> {
  const s = await deploySystem();
  const task = await submittedTask(s, w, totalSteps, interval, solverFaults);
  const evidence = new Trajectory(w.program, w.dataset, w.s0, totalSteps, challengerFaults);
  const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, evidence));
  return {
    s,
    w,
    task,
    id,
    solver: player(s, w, Side.Solver, s.solver, task.solverTraj),
    challenger: player(s, w, Side.Challenger, s.challenger, evidence),
  };
}

/** Lets the players move until `stop` holds for the game (throws if the game ends first). */
async function playUntil(l: Live, stop: (g: GameView) => boolean): Promise<GameView> {
  for (let i = 0; i < 300; i++) {
    const g = await readGame(l.s.game, l.id);
    if (stop(g)) return g;
    if (isDecided(g.level))
      throw new Error(`the game was decided at ${Level[g.level]} before reaching the position`);
    await (g.toMove === Side.Solver ? l.solver : l.challenger).act(l.id);
  }
  throw new Error("position not reached in 300 moves");
}

/** Iris, T = 8, k = 4: the solver is wrong at element 3 of op 18 (a MatMul, K = 3, 8×8 output) of step 6. */
const OP = 18;
function wrongAtOp18(w: Workload = irisWorkload()): Promise<Live> {
  return start(w, 8, 4, [out(6, OP, 3, BIG)]);
}

/** The op dissection narrowed to [16, 19] (op 19 = program op 18), challenger to move. */
async function atOpsNarrowed() {
  const l = await wrongAtOp18();
  const g = await playUntil(l, (v) => v.level === Level.Ops && v.lo !== 0 && v.toMove === Side.Challenger);
  return { ...l, g };
}

/** Op j = 19's output claims are due (solver to move). */
async function atOpOutput() {
  const l = await wrongAtOp18();
  const g = await playUntil(l, (v) => v.level === Level.OpOutput);
  return { ...l, g };
}

/** The solver's true claims at OpOutput, read from a move made and rolled back. */
async function trueOpOutput(l: Live) {
  const snapshot = await hre.network.provider.send("evm_snapshot", []);
  await l.solver.act(l.id);
  const ev = (await l.s.game.queryFilter(l.s.game.filters.OpOutputPosted(l.id))).at(-1)!;
  await hre.network.provider.send("evm_revert", [snapshot]);
  return { outHash: ev.args.outHash, dataRoot: ev.args.dataRoot, numel: ev.args.numel, terms: ev.args.terms };
}

/** The leaf the solver reveals after posting `claim`, read from moves made and rolled back. */
async function trueLeaf(l: Live, claim: Awaited<ReturnType<typeof trueOpOutput>>): Promise<string> {
  const snapshot = await hre.network.provider.send("evm_snapshot", []);
  await l.s.game.connect(l.s.solver).postOpOutput(l.id, claim);
  await l.solver.act(l.id);
  const leaf = await revealedLeaf(l);
  await hre.network.provider.send("evm_revert", [snapshot]);
  return leaf;
}

/** The leaf the solver revealed last. */
async function revealedLeaf(l: Live): Promise<string> {
  return (await l.s.game.queryFilter(l.s.game.filters.LeafRevealed(l.id))).at(-1)!.args.leaf;
}

/** Iris, T = 8, k = 4: the solver lies about an input element of step 4, so the challenger contests R_0. */
function batchLinkLie(): Promise<Live> {
  return start(irisWorkload(), 8, 4, [{ kind: "input", step: 4, element: 13, delta: 1 << 14 }]);
}

/** Descent over R_0's 50 slots (depth 6) started, the solver to reveal 16 nodes. */
async function atInitialSlots() {
  const l = await batchLinkLie();
  const g = await playUntil(l, (v) => v.level === Level.InitialSlots && v.toMove === Side.Solver);
  return { ...l, g };
}

/** The contested slot of R_0 reached, the solver to prove it. */
async function atInitialSlotProof() {
  const l = await batchLinkLie();
  const g = await playUntil(l, (v) => v.level === Level.InitialSlotProof);
  return { ...l, g };
}

const sol = (d: ChainProgram["opDescs"][number]) => ({
  ...d,
  outShape: [...d.outShape],
  aShape: [...d.aShape],
  bShape: [...d.bShape],
});

describe("DisputeGame guards on real games (branch coverage)", function () {
  describe("deployment", function () {
    it("refuses a degree above 256, a bond above 2^96 − 1 and a clock budget above 2^32 − 1, and accepts each bound", async function () {
      const s = await loadFixture(deploySystem);
      const lib = await ethers.deployContract("LibDisputeProofs");
      const factory = await ethers.getContractFactory("DisputeGame", {
        libraries: { LibDisputeProofs: await lib.getAddress() },
      });
      const m = await s.market.getAddress();
      const v = await ethers.deployContract("OneStepVerifier");
      const U96 = 2n ** 96n;
      const U32 = 2n ** 32n;
      for (const [d, bond, budget] of [
        [257n, BOND, 100n],
        [16n, U96, 100n],
        [16n, BOND, U32],
      ]) {
        await expect(factory.deploy(m, v, d, 4, bond, budget, 10)).to.be.revertedWithCustomError(
          s.game,
          "DisputeBadConfig",
        );
      }
      const edge = await factory.deploy(m, v, 256, 4, U96 - 1n, U32 - 1n, 10);
      expect(await edge.DEGREE()).to.equal(256n);
      expect(await edge.BOND()).to.equal(U96 - 1n);
      expect(await edge.CLOCK_BUDGET()).to.equal(U32 - 1n);
    });
  });

  describe("after the op dissection narrowed (challenger to move at Ops, lo > 0)", function () {
    it("link contests are closed: contestInitial and contestFinal revert DisputeLinkClosed", async function () {
      const { s, id, g } = await loadFixture(atOpsNarrowed);
      const c = s.game.connect(s.challenger);
      expect(g.lo).to.equal(16);
      await expect(c.contestInitial(id))
        .to.be.revertedWithCustomError(s.game, "DisputeLinkClosed")
        .withArgs(id);
      await expect(c.contestFinal(id))
        .to.be.revertedWithCustomError(s.game, "DisputeLinkClosed")
        .withArgs(id);
      const after = await readGame(s.game, id);
      expect([after.level, after.lo, after.hi]).to.deep.equal([Level.Ops, g.lo, g.hi]);
    });

    it("contestOpOutput and chooseElement are refused outside a tensor descent", async function () {
      const { s, id } = await loadFixture(atOpsNarrowed);
      const c = s.game.connect(s.challenger);
      await expect(c.contestOpOutput(id))
        .to.be.revertedWithCustomError(s.game, "DisputeLinkClosed")
        .withArgs(id);
      await expect(c.chooseElement(id, ZERO_LEAF, 0))
        .to.be.revertedWithCustomError(s.game, "DisputeWrongLevel")
        .withArgs(id, Level.Ops);
      expect((await readGame(s.game, id)).level).to.equal(Level.Ops);
    });
  });

  describe("at op j's output claims (solver to move at OpOutput)", function () {
    it("bisect and revealLeaf are refused before the output claims are posted", async function () {
      const { s, id } = await loadFixture(atOpOutput);
      const v = s.game.connect(s.solver);
      await expect(v.bisect(id, []))
        .to.be.revertedWithCustomError(s.game, "DisputeWrongLevel")
        .withArgs(id, Level.OpOutput);
      await expect(v.revealLeaf(id, ZERO_LEAF))
        .to.be.revertedWithCustomError(s.game, "DisputeWrongLevel")
        .withArgs(id, Level.OpOutput);
    });

    it("an output of zero elements is refused with DisputeBadCount(0, 1)", async function () {
      const l = await loadFixture(atOpOutput);
      const claim = { ...(await trueOpOutput(l)), numel: 0 };
      await expect(l.s.game.connect(l.s.solver).postOpOutput(l.id, claim))
        .to.be.revertedWithCustomError(l.s.game, "DisputeBadCount")
        .withArgs(0, 1);
      expect((await readGame(l.s.game, l.id)).level).to.equal(Level.OpOutput);
    });

    it("at the bottom of a one-leaf output: nodes and short leaves are refused, then neither slot 128 nor zero padding can be chosen", async function () {
      const l = await loadFixture(atOpOutput);
      const { s, id } = l;
      const claim = await trueOpOutput(l);
      expect(claim.numel).to.equal(64n);
      await s.game.connect(s.solver).postOpOutput(id, claim);
      // Height 0 of a tensor descent: the solver reveals the leaf itself.
      await expect(s.game.connect(s.solver).bisect(id, [claim.dataRoot]))
        .to.be.revertedWithCustomError(s.game, "DisputeWrongLevel")
        .withArgs(id, Level.Element);
      await expect(s.game.connect(s.solver).revealLeaf(id, hexlify(new Uint8Array(1023))))
        .to.be.revertedWithCustomError(s.game, "DisputeBadCount")
        .withArgs(1023, 1024);
      await l.solver.act(id);
      const leaf = await revealedLeaf(l);
      const c = s.game.connect(s.challenger);
      await expect(c.chooseElement(id, leaf, 128))
        .to.be.revertedWithCustomError(s.game, "DisputeBadChoice")
        .withArgs(128, 128);
      // Element 64 is zero padding of a 64-element output: a true commitment, nothing to dispute.
      await expect(c.chooseElement(id, leaf, 64))
        .to.be.revertedWithCustomError(s.game, "DisputeBadChoice")
        .withArgs(64, 64);
      const g = await readGame(s.game, id);
      expect([g.level, g.toMove]).to.deep.equal([Level.Element, Side.Challenger]);
    });

    it("a solver whose committed leaf has a non-zero padding element loses as soon as the challenger picks it", async function () {
      const l = await loadFixture(atOpOutput);
      const { s, id, task } = l;
      const claim = await trueOpOutput(l);
      // The true leaf of the 64-element output, with element 100 (padding) set to 1, committed as the data root.
      const junk = getBytes(await trueLeaf(l, claim)).slice();
      junk[100 * 8 + 7] = 1;
      const junkRoot = hexlify(sha256(new Uint8Array([0]), junk));
      await s.game.connect(s.solver).postOpOutput(id, { ...claim, dataRoot: junkRoot });
      await s.game.connect(s.solver).revealLeaf(id, junk);
      await expect(s.game.connect(s.challenger).chooseElement(id, junk, 100))
        .to.emit(s.game, "GameDecided")
        .withArgs(id, task.taskId, Side.Challenger, false);
      expect((await readGame(s.game, id)).winner).to.equal(Side.Challenger);
    });

    it("a false reduction length of 1 sends the element straight to the one-step check of term 1, which the false value fails", async function () {
      const l = await loadFixture(atOpOutput);
      const { s, id, task } = l;
      const claim = await trueOpOutput(l);
      expect(claim.terms).to.equal(3n);
      await s.game.connect(s.solver).postOpOutput(id, { ...claim, terms: 1 });
      await l.solver.act(id); // the leaf
      // A challenger that does not contest the claims picks the wrong element (3) directly.
      await expect(s.game.connect(s.challenger).chooseElement(id, await revealedLeaf(l), 3))
        .to.emit(s.game, "LevelEntered")
        .withArgs(id, Level.OneStep);
      const g = await readGame(s.game, id);
      expect([g.level, g.lo, g.hi, g.element]).to.deep.equal([Level.OneStep, 0, 1, 3]);
      const move = await l.solver.act(id);
      expect(move?.move).to.equal("oneStep:MatMul");
      const end = await readGame(s.game, id);
      expect([end.level, end.winner]).to.deep.equal([Level.Decided, Side.Challenger]);
      const decided = (await s.game.queryFilter(s.game.filters.GameDecided(id))).at(-1)!;
      expect([decided.args.task, decided.args.byTimeout]).to.deep.equal([task.taskId, false]);
    });

    for (const [field, posted, actual] of [
      ["size", { numel: 65 }, 64n],
      ["reduction length", { terms: 4 }, 3n],
    ] as const) {
      it(`a posted ${field} that is not op j's is refused when the claims are contested`, async function () {
        const l = await loadFixture(atOpOutput);
        const { s, id } = l;
        const claim = { ...(await trueOpOutput(l)), ...posted };
        await s.game.connect(s.solver).postOpOutput(id, claim);
        await l.solver.act(id); // the leaf (65 elements still fit one leaf)
        await s.game.connect(s.challenger).contestOpOutput(id);
        const cp = l.w.cp;
        const proof = { op: sol(cp.opDescs[OP]), opProof: opDescProof(cp, OP) };
        const p = BigInt(Object.values(posted)[0]);
        await expect(s.game.connect(s.solver).proveOpOutput(id, proof))
          .to.be.revertedWithCustomError(s.game, "DisputeMismatch")
          .withArgs(toBeHex(p, 32), toBeHex(actual, 32));
        expect((await readGame(s.game, id)).level).to.equal(Level.OpOutputProof);
      });
    }
  });

  describe("value-table link descent over R_0's slots", function () {
    it("the solver must reveal exactly 2^g nodes, and nodes that roll up to the disputed root", async function () {
      const { s, id, g } = await loadFixture(atInitialSlots);
      const v = s.game.connect(s.solver);
      expect(g.hi).to.equal(6); // 50 slots: depth 6, 4 levels (16 nodes) per move
      const nodes = Array.from({ length: 16 }, () => hexlify(ethers.randomBytes(32)));
      await expect(v.bisect(id, nodes.slice(1)))
        .to.be.revertedWithCustomError(s.game, "DisputeBadCount")
        .withArgs(15, 16);
      await expect(v.bisect(id, nodes))
        .to.be.revertedWithCustomError(s.game, "DisputeMismatch")
        .withArgs(g.hiClaim, anyValue);
      expect((await readGame(s.game, id)).toMove).to.equal(Side.Solver);
    });

    it("the challenger must choose an existing child that is not list padding", async function () {
      const l = await loadFixture(atInitialSlots);
      const { s, id } = l;
      await l.solver.act(id);
      const nodes = [...(await s.game.queryFilter(s.game.filters.ClaimsPosted(id))).at(-1)!.args.claims];
      const c = s.game.connect(s.challenger);
      await expect(c.choose(id, nodes, 16))
        .to.be.revertedWithCustomError(s.game, "DisputeBadChoice")
        .withArgs(16, 16);
      // Node 13 at height 2 covers slots 52..55 of a 50-slot table: padding.
      await expect(c.choose(id, nodes, 13))
        .to.be.revertedWithCustomError(s.game, "DisputeBadChoice")
        .withArgs(13, 16);
      await expect(c.choose(id, nodes, 12))
        .to.emit(s.game, "ClaimChosen")
        .withArgs(id, Level.InitialSlots, 12, 12, 2);
    });

    it("proving the slot with a context other than the one bound at open is refused", async function () {
      const { s, w, id } = await loadFixture(atInitialSlotProof);
      const ctx = { ...contextOf(w), batchSize: w.batchSize + 1 };
      const key = keccak256(
        AbiCoder.defaultAbiCoder().encode(
          ["tuple(tuple(bytes32,bytes32,bytes32,uint32,uint32,uint32),bytes32,uint32)"],
          [[Object.values(ctx.program), ctx.datasetHash, ctx.batchSize]],
        ),
      );
      const bound = (await s.game.getGame(id)).contextKey;
      const desc = w.cp.slotDescs[0];
      const args = {
        desc: { ...desc, shape: [...desc.shape] },
        descProof: slotDescProof(w.cp, 0),
        stateProof: { count: 1, index: 0, path: [] },
        dataRoot: ZeroHash,
      };
      await expect(s.game.connect(s.solver).proveInitialSlot(id, ctx, args))
        .to.be.revertedWithCustomError(s.game, "DisputeMismatch")
        .withArgs(bound, key);
    });
  });

  describe("tensor descent over a 12,544-element output (MNIST)", function () {
    it("a leaf is revealed only at height 0 and the op-output claims are contested only at the top", async function () {
      const s = await loadFixture(deploySystem);
      const w = mnistWorkload();
      // The challenger is wrong about element 300 (leaf 2) of the W1 update: 98 leaves, depth 7.
      const op = w.program.ops.findIndex((o) => o.out === w.program.stateUpdates[0].to);
      const task = await submittedTask(s, w, 2, 2);
      const wrong = new Trajectory(w.program, w.dataset, w.s0, 2, [out(2, op, 300, 1 << 16)]);
      const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, wrong));
      const l: Live = {
        s,
        w,
        task,
        id,
        solver: player(s, w, Side.Solver, s.solver, task.solverTraj),
        challenger: player(s, w, Side.Challenger, s.challenger, wrong),
      };
      const atElement = (v: GameView) => v.level === Level.Element && v.opIndex === op + 1;

      let g = await playUntil(l, (v) => atElement(v) && v.toMove === Side.Solver && v.hi === 7);
      await expect(s.game.connect(s.solver).revealLeaf(id, ZERO_LEAF))
        .to.be.revertedWithCustomError(s.game, "DisputeWrongLevel")
        .withArgs(id, Level.Element);

      // After the first choice (child 0 of 16, height 3): lo = 0 but the descent narrowed.
      g = await playUntil(l, (v) => atElement(v) && v.toMove === Side.Challenger && v.hi === 3);
      expect(g.lo).to.equal(0);
      await expect(s.game.connect(s.challenger).contestOpOutput(id))
        .to.be.revertedWithCustomError(s.game, "DisputeLinkClosed")
        .withArgs(id);

      // At the revealed leaf 2: lo = 2.
      g = await playUntil(l, (v) => atElement(v) && v.toMove === Side.Challenger && v.hi === 0);
      expect(g.lo).to.equal(2);
      await expect(s.game.connect(s.challenger).contestOpOutput(id))
        .to.be.revertedWithCustomError(s.game, "DisputeLinkClosed")
        .withArgs(id);

      const end = await playUntil(l, (v) => isDecided(v.level));
      expect(end.winner).to.equal(Side.Solver);
    });
  });

  describe("an op whose committed descriptor leaves the range", function () {
    /** Iris's chain program with op 18 (a MatMul) committed with c = 1: outside the range (c is MulConst's only). */
    function outOfRange(): Workload {
      const w = irisWorkload();
      const opDescs = w.cp.opDescs.map((d, j) => (j === OP ? { ...d, c: 1 } : d));
      const opLeaves = opDescs.map((d) => sha256(encodeOpDesc(d)));
      const info = { ...w.cp.info, opsRoot: hexlify(listRoot(opLeaves)) };
      const cp: ChainProgram = { ...w.cp, opDescs, opLeaves, info, hash: hexlify(chainProgramHash(info)) };
      return { ...w, cp };
    }
    async function atOneStep() {
      const l = await wrongAtOp18(outOfRange());
      const g = await playUntil(l, (v) => v.level === Level.OneStep);
      return { ...l, g };
    }

    it("the one-step check decides for the solver without reading operands (no step is defined for it)", async function () {
      const { s, id, task, g } = await loadFixture(atOneStep);
      expect(g.opIndex).to.equal(OP + 1);
      const cp = outOfRange().cp;
      const v = await ethers.deployContract("OneStepVerifier");
      await expect(v.checkDesc(sol(cp.opDescs[OP])))
        .to.be.revertedWithCustomError(v, "OneStepBadDescriptor")
        .withArgs(1, 9);
      await expect(s.game.connect(s.challenger).oneStep(id, sol(cp.opDescs[OP]), opDescProof(cp, OP), []))
        .to.emit(s.game, "GameDecided")
        .withArgs(id, task.taskId, Side.Solver, false);
      expect((await readGame(s.game, id)).winner).to.equal(Side.Solver);
    });
  });
});
