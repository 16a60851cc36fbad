/**
 * Regression tests for the audit's findings against the dispute game (issue 9), played on real
 * programs with real commitments: type confusion of revealed objects (finding 1), puppet
 * challengers of a cheating solver (finding 2) and stalling on every move (finding 4). In each,
 * the honest side wins.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { concat, getBytes } from "ethers";
import { DisputeDefaults } from "../../deploy/modules/Dispute";
import { encodeOpDesc } from "../../src/dispute/descriptor";
import { IDisputeGame__factory } from "../../typechain-types";
import { isDecided, Level, type Player, readGame, Side, Trajectory } from "../../src/dispute";
import {
  BOND,
  deploySystem,
  E18,
  firstDisputedInterval,
  irisWorkload,
  mnistWorkload,
  openGame,
  player,
  POT,
  SINK_BPS,
  SOLVER_STAKE,
  submittedTask,
  type System,
} from "./fixture";
import { mutations, words } from "./adversaries";

const { ethers } = hre;
const sink = (x: bigint) => (x * SINK_BPS) / 10_000n;
const BIG = 1 << 30;
/** The game's ABI (for decoding its custom errors from the library). */
const iface = () => ({ interface: IDisputeGame__factory.createInterface() });

/** Reverts with one of the game's custom errors (any of `names`). */
async function expectRejected(s: System, call: () => Promise<unknown>, names: string[]): Promise<string> {
  try {
    await call();
  } catch (err) {
    const e = err as { data?: string; message?: string };
    const data = e.data ?? /data="(0x[0-9a-f]*)"/i.exec(e.message ?? "")?.[1];
    const parsed = data ? s.game.interface.parseError(data) : null;
    const name = parsed?.name ?? e.message ?? "";
    expect(names, `unexpected revert: ${name}`).to.include(name);
    return name;
  }
  throw new Error("the confused move was accepted");
}

describe("soundness (issue 9)", () => {
  describe("finding 1: revealed nodes are never a leaf, a revealed leaf is never nodes", () => {
    it("a challenger re-reading the solver's reveals as the other kind is refused at every descent step; the honest solver wins", async () => {
      const s = await loadFixture(deploySystem);
      const w = mnistWorkload();
      // The challenger is wrong about one element of the 12,544-element W1 update: a 2-round
      // descent (16 nodes, then 8 nodes) and a leaf, all revealed by the honest solver.
      const op = w.program.ops.findIndex((o) => o.out === w.program.stateUpdates[0].to);
      const task = await submittedTask(s, w, 2, 2);
      const wrong = new Trajectory(w.program, w.dataset, w.s0, 2, [
        { kind: "output", step: 2, op, element: 9000, delta: 1 << 16 },
      ]);
      const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, wrong));
      const solver = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const challenger = player(s, w, Side.Challenger, s.challenger, wrong);
      const attacker = s.game.connect(s.challenger);
      let nodeAttacks = 0;
      let leafAttacks = 0;
      for (let i = 0; i < 200; i++) {
        const g = await readGame(s.game, id);
        if (isDecided(g.level)) break;
        if (g.toMove === Side.Challenger && (g.level === Level.Element || g.level === Level.BatchElement)) {
          if (g.hi > 0) {
            // The solver revealed nodes: as a "short leaf" (and mutated), they are never a leaf.
            const ev = (await s.game.queryFilter(s.game.filters.ClaimsPosted(id))).at(-1)!;
            const packed = getBytes(concat(ev.args.claims as string[]));
            for (const bytes of [packed, ...mutations(packed)]) {
              for (const slot of [0, 5, 63, 127]) {
                await expectRejected(s, () => attacker.chooseElement(id, bytes, slot), [
                  "DisputeWrongLevel",
                  "DisputeBadCount",
                  "DisputePendingMismatch",
                ]);
                nodeAttacks++;
              }
            }
            // Mutated node lists are not the claims either.
            const nodes = Array.from(ev.args.claims as string[]);
            for (const bad of [
              nodes.slice(1),
              [...nodes].reverse(),
              [...nodes, nodes[0]],
              words(mutations(packed)[0]),
            ]) {
              await expectRejected(s, () => attacker.choose(id, bad, 0), ["DisputePendingMismatch"]);
              nodeAttacks++;
            }
          } else {
            // The solver revealed the leaf: as 32 packed "nodes" (and mutated), it is never a claim list.
            const ev = (await s.game.queryFilter(s.game.filters.LeafRevealed(id))).at(-1)!;
            const leaf = getBytes(ev.args.leaf as string);
            for (const i2 of [0, 1, 17, 31]) {
              await expectRejected(s, () => attacker.choose(id, words(leaf), i2), ["DisputePendingMismatch"]);
              leafAttacks++;
            }
            for (const bytes of mutations(leaf)) {
              await expectRejected(s, () => attacker.chooseElement(id, bytes, 3), [
                "DisputeBadCount",
                "DisputePendingMismatch",
              ]);
              leafAttacks++;
            }
          }
        }
        const p: Player = g.toMove === Side.Solver ? solver : challenger;
        await p.act(id);
      }
      const g = await readGame(s.game, id);
      expect(isDecided(g.level)).to.equal(true);
      expect(g.winner).to.equal(Side.Solver);
      expect(nodeAttacks).to.be.greaterThan(40);
      expect(leafAttacks).to.be.greaterThan(4);
    });
  });

  describe("finding 2: a cheater's puppet challengers do not pay", () => {
    for (const puppets of [1, 2, 5]) {
      it(`a cheating solver with ${puppets} puppet(s) opening first loses at least half its stake; the honest verifier gets its bond and a reward`, async () => {
        const s = await loadFixture(deploySystem);
        const w = irisWorkload();
        const signers = await ethers.getSigners();
        const puppetAccounts: HardhatEthersSigner[] = signers.slice(8, 8 + puppets);
        const stakeOf = async (a: HardhatEthersSigner) => {
          const b = await s.stakeManager.balancesOf(a.address);
          return b.free + b.locked + b.pending;
        };
        // The cheater funds its puppets' bonds.
        for (const p of puppetAccounts) {
          await s.token.mint(p.address, BOND);
          await s.token.connect(p).approve(await s.stakeManager.getAddress(), BOND);
          await s.stakeManager.connect(p).deposit(BOND);
        }
        const task = await submittedTask(s, w, 8, 4, [
          { kind: "output", step: 6, op: 0, element: 5, delta: BIG },
        ]);
        const honest = new Trajectory(w.program, w.dataset, w.s0, 8);
        const interval = firstDisputedInterval(task, honest);
        const cheaterBefore = await stakeOf(s.solver);
        const puppetsBefore = await Promise.all(puppetAccounts.map(stakeOf));
        const verifierBefore = await stakeOf(s.challenger);
        const puppetGames: bigint[] = [];
        for (const p of puppetAccounts) puppetGames.push((await openGame(s, w, task, p, interval)).id);
        const { id: honestGame } = await openGame(s, w, task, s.challenger, interval);
        // The cheater concedes its puppets' games (never moves) and they are settled first.
        await time.increase(DisputeDefaults.clockBudget + DisputeDefaults.clockExtension + 1);
        for (const g of puppetGames) {
          await s.game.connect(s.keeper).timeout(g);
          await s.game.connect(s.keeper).settle(g);
        }
        // The honest verifier's game: the cheater has run out of time there too (it stalled).
        await s.game.connect(s.keeper).timeout(honestGame);
        await s.game.connect(s.keeper).settle(honestGame);
        for (const a of [...puppetAccounts, s.challenger])
          await s.market.connect(s.keeper).claimChallengeReward(task.taskId, a.address);
        const puppetGain = (
          await Promise.all(puppetAccounts.map(async (p, i) => (await stakeOf(p)) - puppetsBefore[i]))
        ).reduce((a, b) => a + b, 0n);
        const cheaterLoss = cheaterBefore - (await stakeOf(s.solver)) - puppetGain;
        const verifierGain = (await stakeOf(s.challenger)) - verifierBefore;
        const share = POT / BigInt(puppets + 1);
        const verifierShare = POT - share * BigInt(puppets);
        expect(cheaterLoss).to.equal(SOLVER_STAKE - POT + sink(share) * BigInt(puppets) + verifierShare);
        expect(cheaterLoss * 2n).to.be.gte(SOLVER_STAKE);
        expect(verifierGain).to.equal(verifierShare - sink(verifierShare));
        expect(verifierGain).to.be.gt(0n);
        expect((await s.stakeManager.balancesOf(s.challenger.address)).locked).to.equal(0n);
        expect((await s.stakeManager.balancesOf(s.solver.address)).locked).to.equal(0n);
      });
    }

    it("an honest verifier that wins a real game against a cheater with a puppet is paid after the puppet's game", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4, [
        { kind: "output", step: 6, op: 0, element: 5, delta: BIG },
      ]);
      const honest = new Trajectory(w.program, w.dataset, w.s0, 8);
      const interval = firstDisputedInterval(task, honest);
      // challenger2 is the puppet: it opens first, and the cheater plays its own game to lose it.
      const { id: puppetGame } = await openGame(s, w, task, s.challenger2, interval);
      const { id } = await openGame(s, w, task, s.challenger, interval);
      const { playGame } = await import("../../src/dispute");
      const keeper = s.game.connect(s.keeper);
      const market = s.market.connect(s.keeper);
      const advanceTime = async (sec: number) => {
        await time.increase(sec);
      };
      const solverP = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const pr = await playGame(puppetGame, {
        game: s.game,
        keeper,
        advanceTime,
        market,
        solver: solverP,
        challenger: player(s, w, Side.Challenger, s.challenger2, honest),
      });
      const hr = await playGame(id, {
        game: s.game,
        keeper,
        advanceTime,
        market,
        solver: solverP,
        challenger: player(s, w, Side.Challenger, s.challenger, honest),
      });
      expect([pr.winner, hr.winner]).to.deep.equal([Side.Challenger, Side.Challenger]);
      expect(pr.rewardClaimed).to.equal(undefined); // the honest game was still open
      expect(hr.rewardClaimed).to.equal(POT / 2n);
      const before = (await s.stakeManager.balancesOf(s.challenger.address)).free;
      expect(before).to.equal(100n * E18 + POT / 2n - sink(POT / 2n));
    });
  });

  describe("finding 4: both sides stalling on every move", () => {
    it("the game is decided within MAX_GAME_DURATION, each side using at most budget + extension; the honest challenger wins", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4, [
        { kind: "output", step: 6, op: 0, element: 5, delta: BIG },
      ]);
      const honest = new Trajectory(w.program, w.dataset, w.s0, 8);
      const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, honest));
      const opened = BigInt(await time.latest());
      const solverP = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const challengerP = player(s, w, Side.Challenger, s.challenger, honest);
      const used = { [Side.Solver]: 0n, [Side.Challenger]: 0n } as Record<number, bigint>;
      let moves = 0;
      for (;;) {
        const g = await readGame(s.game, id);
        if (isDecided(g.level)) break;
        const [, solverLeft, challengerLeft] = await s.game.clockOf(id);
        const left = g.toMove === Side.Solver ? solverLeft : challengerLeft;
        // Stall to a minute before expiry on every move (a side that must move twice keeps a
        // minute for its second move).
        const stall = left > 60n ? left - 60n : 0n;
        if (stall > 0n) await time.increase(Number(stall));
        const t0 = BigInt(await time.latest());
        await (g.toMove === Side.Solver ? solverP : challengerP).act(id);
        used[g.toMove] += BigInt(await time.latest()) - t0 + stall;
        moves++;
      }
      const decidedAt = BigInt(await time.latest());
      const max = await s.game.MAX_GAME_DURATION();
      expect(max).to.equal(2n * BigInt(DisputeDefaults.clockBudget + DisputeDefaults.clockExtension));
      expect(decidedAt - opened).to.be.lte(max);
      const cap = BigInt(DisputeDefaults.clockBudget + DisputeDefaults.clockExtension);
      expect(used[Side.Solver]).to.be.lte(cap);
      expect(used[Side.Challenger]).to.be.lte(cap);
      // Both really stalled: together they used more than one budget.
      expect(used[Side.Solver] + used[Side.Challenger]).to.be.gt(BigInt(DisputeDefaults.clockBudget));
      expect(moves).to.be.greaterThan(10);
      expect((await readGame(s.game, id)).winner).to.equal(Side.Challenger);
    });

    it("a solver that stalls until its reserve is spent is timed out no later than MAX_GAME_DURATION after open", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4, [
        { kind: "output", step: 6, op: 0, element: 5, delta: BIG },
      ]);
      const honest = new Trajectory(w.program, w.dataset, w.s0, 8);
      const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, honest));
      const opened = BigInt(await time.latest());
      const solverP = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const challengerP = player(s, w, Side.Challenger, s.challenger, honest);
      for (;;) {
        const g = await readGame(s.game, id);
        if (isDecided(g.level)) break;
        const [, solverLeft, challengerLeft] = await s.game.clockOf(id);
        if (g.toMove === Side.Solver) {
          if (solverLeft <= 2n) {
            await time.increase(Number(solverLeft));
            await s.game.connect(s.keeper).timeout(id);
            break;
          }
          await time.increase(Number(solverLeft - 2n));
          await solverP.act(id);
        } else {
          if (challengerLeft > 2n) await time.increase(Number(challengerLeft - 2n));
          await challengerP.act(id);
        }
      }
      const g = await readGame(s.game, id);
      expect(g.winner).to.equal(Side.Challenger);
      expect(BigInt(await time.latest()) - opened).to.be.lte(await s.game.MAX_GAME_DURATION());
    });
  });

  describe("finding 5: a one-step check on an op outside the descriptor range", () => {
    const clip = (bound: number) => ({
      opcode: 11,
      out: 1,
      a: 0,
      b: 0,
      outScale: 16,
      aScale: 16,
      bScale: 0,
      p0: 0,
      p1: bound,
      c: 0n,
      outShape: [4n],
      aShape: [4n],
      bShape: [],
    });
    /** LibDisputeProofs called by delegatecall, as the game calls it. */
    async function lib() {
      const proofs = await ethers.deployContract("LibDisputeProofs");
      const l = await ethers.deployContract("DisputeProofsHarness", {
        libraries: { LibDisputeProofs: await proofs.getAddress() },
      });
      const v = await ethers.deployContract("OneStepVerifier");
      return { l, v };
    }
    /** A one-op program's ops root is the op's leaf hash; its proof is empty. */
    function oneOp(op: ReturnType<typeof clip>) {
      const root =
        "0x" +
        createHash("sha256")
          .update(encodeOpDesc(op as never))
          .digest("hex");
      return { root, proof: { count: 1, index: 0, path: [] as string[] } };
    }

    it("is never decided against the solver: the library reports the op out of range without reading operands", async () => {
      const { l, v } = await lib();
      for (const bound of [0, 53, 256, 300, 2 ** 32 - 1]) {
        const op = clip(bound);
        const { root, proof } = oneOp(op);
        const [inRange] = await l.oneStepOperands(
          [root, ethers.ZeroHash],
          [1, 1, 0, 0],
          op,
          proof,
          [],
          await v.getAddress(),
        );
        expect(inRange, `bound ${bound}`).to.equal(false);
      }
      // In range, the operands are required as before.
      const ok = clip(20);
      const { root, proof } = oneOp(ok);
      await expect(
        l.oneStepOperands([root, ethers.ZeroHash], [1, 1, 0, 0], ok, proof, [], await v.getAddress()),
      ).to.be.revertedWithCustomError(iface(), "DisputeBadCount");
    });

    it("cannot be faked by starving the range check of gas", async () => {
      const { l, v } = await lib();
      const op = clip(20);
      const { root, proof } = oneOp(op);
      const probe = async (gasLimit: bigint): Promise<string> => {
        try {
          const [inRange] = await l.oneStepOperands.staticCall(
            [root, ethers.ZeroHash],
            [1, 1, 0, 0],
            op,
            proof,
            [],
            await v.getAddress(),
            { gasLimit },
          );
          return inRange ? "in range" : "out of range";
        } catch (err) {
          const data = (err as { data?: string }).data;
          return `reverted ${data && data.length >= 10 ? iface().interface.parseError(data)?.name : "without data"}`;
        }
      };
      // With plenty of gas: in range, so the missing operands are refused.
      expect(await probe(1_000_000n)).to.equal("reverted DisputeBadCount");
      // With too little gas for the range check: the call fails, never "out of range".
      const seen = new Set<string>();
      for (let gasLimit = 24_000n; gasLimit <= 40_000n; gasLimit += 1_000n) seen.add(await probe(gasLimit));
      expect([...seen]).to.not.include("out of range");
      expect(seen.size).to.be.greaterThan(0);
    });
  });
});
