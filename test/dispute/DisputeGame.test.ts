import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify } from "ethers";
import { DisputeDefaults } from "../../deploy/modules/Dispute";
import { Level, midpoints, Side, Trajectory } from "../../src/dispute";
import {
  BOND,
  SINK_BPS,
  SOLVER_STAKE,
  REWARD,
  checkpointProof,
  deploySystem,
  firstDisputedInterval,
  irisWorkload,
  openGame,
  player,
  submittedTask,
  type TaskSetup,
  type Workload,
} from "./fixture";

const { ethers } = hre;
const BIG = 1 << 30;

/** A submitted Iris task (T = 8, k = 4) whose solver is wrong at step 6, and an opened game. */
async function openedGame() {
  const s = await loadFixture(deploySystem);
  const w = irisWorkload();
  const task = await submittedTask(s, w, 8, 4, [{ kind: "output", step: 6, op: 0, element: 5, delta: BIG }]);
  const honest = new Trajectory(w.program, w.dataset, w.s0, 8);
  const interval = firstDisputedInterval(task, honest);
  const { id } = await openGame(s, w, task, s.challenger, interval);
  return { s, w, task, honest, interval, id };
}

function openArgs(w: Workload, t: TaskSetup, i: number) {
  return {
    task: t.taskId,
    interval: i,
    spec: { programHash: w.cp.hash, datasetHash: hexlify(w.dc.hash), nSamples: w.dataset.nSamples, batchSize: w.batchSize },
    program: w.cp.info,
    prevState: t.checkpoints[i - 1],
    prevProof: checkpointProof(t, i - 1),
    nextState: t.checkpoints[i],
    nextProof: checkpointProof(t, i),
  };
}

describe("DisputeGame", () => {
  describe("deployment", () => {
    it("rejects a degree below 2, zero bond, bad tree bits and an extension above the budget", async () => {
      const s = await loadFixture(deploySystem);
      const verifier = await ethers.deployContract("OneStepVerifier");
      const lib = await ethers.deployContract("LibDisputeProofs");
      const factory = await ethers.getContractFactory("DisputeGame", { libraries: { LibDisputeProofs: await lib.getAddress() } });
      const m = await s.market.getAddress();
      const v = await verifier.getAddress();
      const bad: [number, number, bigint, number, number][] = [
        [1, 4, BOND, 100, 10],
        [16, 0, BOND, 100, 10],
        [16, 9, BOND, 100, 10],
        [16, 4, 0n, 100, 10],
        [16, 4, BOND, 0, 0],
        [16, 4, BOND, 100, 101],
        [16, 4, BOND, 100, 0],
      ];
      for (const [d, b, bond, budget, ext] of bad) {
        await expect(factory.deploy(m, v, d, b, bond, budget, ext)).to.be.revertedWithCustomError(s.game, "DisputeBadConfig");
      }
      const ok = await factory.deploy(m, v, 16, 4, BOND, 100, 10);
      expect(await ok.DEGREE()).to.equal(16n);
      expect(await ok.TASK_MARKET()).to.equal(m);
      expect(await ok.MAX_GAME_DURATION()).to.equal(2n * (100n + 10n));
    });
  });

  describe("chain program commitment", () => {
    it("programHashOf equals the TypeScript chain program hash", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      expect(await s.game.programHashOf(w.cp.info)).to.equal(w.cp.hash);
    });
  });

  describe("open", () => {
    it("locks the bond, registers the dispute and emits GameOpened with the interval's steps", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 10, 4, [{ kind: "output", step: 6, op: 0, element: 5, delta: BIG }]);
      await expect(s.game.connect(s.challenger).open(openArgs(w, task, 2)))
        .to.emit(s.game, "GameOpened")
        .withArgs(1n, task.taskId, s.challenger.address, s.solver.address, 2n, 4n, 8n, BOND);
      expect((await s.stakeManager.balancesOf(s.challenger.address)).locked).to.equal(BOND);
      expect((await s.market.getTask(task.taskId)).openDisputes).to.equal(1n);
      const g = await s.game.getGame(1n);
      expect(Number(g.level)).to.equal(Level.Steps);
      expect(g.loClaim).to.equal(task.checkpoints[1]);
      expect(g.hiClaim).to.equal(task.checkpoints[2]);
      // The last interval is cut at T.
      await s.game.connect(s.challenger2).open(openArgs(w, task, 3));
      const g2 = await s.game.getGame(2n);
      expect([g2.lo, g2.hi]).to.deep.equal([8n, 10n]);
    });

    it("validates the spec, program, interval and checkpoints", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4);
      const a = openArgs(w, task, 1);
      const c = s.game.connect(s.challenger);
      await expect(c.open({ ...a, spec: { ...a.spec, batchSize: 9 } })).to.be.revertedWithCustomError(s.game, "DisputeBadSpec").withArgs(task.taskId);
      await expect(c.open({ ...a, program: { ...a.program, nOps: 43 } })).to.be.revertedWithCustomError(s.game, "DisputeMismatch");
      await expect(c.open({ ...a, interval: 0 })).to.be.revertedWithCustomError(s.game, "DisputeBadInterval").withArgs(0, 2);
      await expect(c.open({ ...openArgs(w, task, 2), interval: 3 })).to.be.revertedWithCustomError(s.game, "DisputeBadInterval").withArgs(3, 2);
      await expect(c.open({ ...a, nextState: task.checkpoints[2] })).to.be.revertedWithCustomError(s.game, "DisputeBadCheckpoint").withArgs(task.taskId, 1);
      await expect(c.open({ ...a, prevState: task.checkpoints[1] })).to.be.revertedWithCustomError(s.game, "DisputeBadCheckpoint").withArgs(task.taskId, 0);
    });

    it("needs free stake for the bond and an open challenge window", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4);
      await expect(s.game.connect(s.keeper).open(openArgs(w, task, 1))).to.be.revertedWithCustomError(s.stakeManager, "StakeInsufficientFree");
      await time.increase(2 * 24 * 3600);
      await expect(s.game.connect(s.challenger).open(openArgs(w, task, 1))).to.be.revertedWithCustomError(s.market, "TaskMarketChallengeWindowClosed");
    });
  });

  describe("moves", () => {
    it("only the side to move may move", async () => {
      const { s, id } = await openedGame();
      await expect(s.game.connect(s.challenger).bisect(id, [])).to.be.revertedWithCustomError(s.game, "DisputeNotYourTurn").withArgs(id, Side.Solver, s.challenger.address);
      await expect(s.game.connect(s.keeper).bisect(id, [])).to.be.revertedWithCustomError(s.game, "DisputeNotYourTurn");
      await expect(s.game.connect(s.solver).choose(id, [], 0)).to.be.revertedWithCustomError(s.game, "DisputeNotYourTurn");
      await expect(s.game.connect(s.solver).bisect(99, [])).to.be.revertedWithCustomError(s.game, "DisputeUnknownGame").withArgs(99);
    });

    it("checks the number of midpoints, the re-supplied claims and the chosen segment", async () => {
      const { s, w, task, id } = await openedGame();
      const mids = midpoints(4, 8, DisputeDefaults.degree).map((p) => task.solverTraj.stateHashHex(p));
      expect(mids).to.have.length(3);
      await expect(s.game.connect(s.solver).bisect(id, mids.slice(1))).to.be.revertedWithCustomError(s.game, "DisputeBadCount").withArgs(2, 3);
      await expect(s.game.connect(s.solver).postTables(id, { root0: mids[0], rootM: mids[0], mids: [] }))
        .to.be.revertedWithCustomError(s.game, "DisputeWrongLevel")
        .withArgs(id, Level.Steps);
      await expect(s.game.connect(s.solver).bisect(id, mids)).to.emit(s.game, "ClaimsPosted").withArgs(id, Level.Steps, 4, 8, mids);
      const altered = [...mids];
      altered[1] = mids[0];
      await expect(s.game.connect(s.challenger).choose(id, altered, 0)).to.be.revertedWithCustomError(s.game, "DisputePendingMismatch").withArgs(id);
      await expect(s.game.connect(s.challenger).choose(id, mids, 4)).to.be.revertedWithCustomError(s.game, "DisputeBadChoice").withArgs(4, 4);
      await expect(s.game.connect(s.challenger).contestInitial(id)).to.be.revertedWithCustomError(s.game, "DisputeLinkClosed").withArgs(id);
      // Step 6 is wrong: points 5, 6, 7 → segment [5, 6].
      await expect(s.game.connect(s.challenger).choose(id, mids, 1)).to.emit(s.game, "ClaimChosen").withArgs(id, Level.Steps, 1, 5, 6);
      const g = await s.game.getGame(id);
      expect(Number(g.level)).to.equal(Level.Tables);
      expect(g.step).to.equal(6n);
      expect(g.prevState).to.equal(mids[0]);
      void w;
    });

    it("link contests are only open at the challenger's first op-level move", async () => {
      const { s, w, task, honest, id } = await openedGame();
      const sp = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const cp = player(s, w, Side.Challenger, s.challenger, honest);
      while (Number((await s.game.getGame(id)).level) !== Level.Ops) {
        await sp.act(id);
        await cp.act(id);
      }
      // Now the solver posted tables; choose once, then contests are closed.
      await cp.act(id);
      await sp.act(id);
      const g = await s.game.getGame(id);
      expect(Number(g.level)).to.equal(Level.Ops);
      await expect(s.game.connect(s.challenger).contestFinal(id)).to.be.revertedWithCustomError(s.game, "DisputeLinkClosed");
    });
  });

  describe("clocks and timeout", () => {
    it("timeout needs an expired clock; a late move tops the opponent up to the extension", async () => {
      const { s, task, id } = await openedGame();
      await expect(s.game.timeout(id)).to.be.revertedWithCustomError(s.game, "DisputeClockRunning");
      const budget = DisputeDefaults.clockBudget;
      const ext = DisputeDefaults.clockExtension;
      // The solver waits until it has 10 s left, then moves.
      await time.increase(budget - 12);
      const mids = midpoints(4, 8, DisputeDefaults.degree).map((p) => task.solverTraj.stateHashHex(p));
      await s.game.connect(s.solver).bisect(id, mids);
      const [toMove, solverLeft, challengerLeft] = await s.game.clockOf(id);
      expect(Number(toMove)).to.equal(Side.Challenger);
      expect(solverLeft).to.be.lessThanOrEqual(12n);
      expect(challengerLeft).to.equal(BigInt(budget));
      // The challenger also waits until 10 s are left, then moves: the solver is topped up to the extension.
      await time.increase(budget - 12);
      await s.game.connect(s.challenger).choose(id, mids, 1);
      const [, solverLeft2] = await s.game.clockOf(id);
      expect(solverLeft2).to.equal(BigInt(ext));
      await time.increase(ext + 1);
      await expect(s.game.connect(s.solver).postTables(id, { root0: mids[0], rootM: mids[0], mids: [] }))
        .to.be.revertedWithCustomError(s.game, "DisputeClockExpired")
        .withArgs(id, Side.Solver);
      await expect(s.game.connect(s.keeper).timeout(id)).to.emit(s.game, "GameDecided").withArgs(id, task.taskId, Side.Challenger, true);
      await expect(s.game.timeout(id)).to.be.revertedWithCustomError(s.game, "DisputeGameOver").withArgs(id);
      expect(Number((await s.game.getGame(id)).winner)).to.equal(Side.Challenger);
    });
  });

  describe("a solver moving twice in a row", () => {
    it("keeps its clock running after postOpOutput: both moves are one turn, never topped up in between", async () => {
      const { s, w, task, honest, id } = await openedGame();
      const sp = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const cp = player(s, w, Side.Challenger, s.challenger, honest);
      while (Number((await s.game.getGame(id)).level) !== Level.OpOutput) {
        const [toMove] = await s.game.clockOf(id);
        await (Number(toMove) === Side.Solver ? sp : cp).act(id);
      }
      const ext = BigInt(DisputeDefaults.clockExtension);
      const snap = await hre.network.provider.send("evm_snapshot", []);
      // Plenty of time: the solver's clock is not reset by its first move; it keeps running.
      const [, left0] = await s.game.clockOf(id);
      expect(left0).to.be.greaterThan(ext + 100n);
      await sp.act(id); // postOpOutput
      const [toMove1, left1] = await s.game.clockOf(id);
      expect(Number(toMove1)).to.equal(Side.Solver);
      expect(Number((await s.game.getGame(id)).level)).to.equal(Level.Element);
      expect(left1).to.be.lessThan(left0);
      await time.increase(100);
      const [, left2] = await s.game.clockOf(id);
      expect(left2).to.equal(left1 - 100n);
      await hre.network.provider.send("evm_revert", [snap]);
      // Close to expiry: the first move gets no top-up (the turn started with at least the
      // extension, which an honest solver spends in seconds); 5 s before expiry leaves 4 s.
      await time.increase(Number(left0 - 5n));
      await sp.act(id);
      const [toMove3, left3] = await s.game.clockOf(id);
      expect(Number(toMove3)).to.equal(Side.Solver);
      expect(left3).to.equal(4n);
    });
  });

  describe("settlement (decide, then settle)", () => {
    const sink = (x: bigint) => (x * SINK_BPS) / 10_000n;

    it("a deciding move only records the winner; anyone settles once, with exact balances", async () => {
      const { s, task, id } = await openedGame();
      const solverBefore = await s.stakeManager.balancesOf(s.solver.address);
      const chBefore = await s.stakeManager.balancesOf(s.challenger.address);
      expect(chBefore.locked).to.equal(BOND);
      // The solver stays silent: the keeper's timeout decides for the challenger, and pays nothing.
      await time.increase(DisputeDefaults.clockBudget + 1);
      const decide = s.game.connect(s.keeper).timeout(id);
      await expect(decide).to.emit(s.game, "GameDecided").withArgs(id, task.taskId, Side.Challenger, true);
      await expect(decide).to.not.emit(s.game, "GameSettled");
      await expect(decide).to.not.emit(s.market, "DisputeResolved");
      let g = await s.game.getGame(id);
      expect(Number(g.level)).to.equal(Level.Decided);
      expect(Number(g.winner)).to.equal(Side.Challenger);
      expect(await s.stakeManager.balancesOf(s.solver.address)).to.deep.equal(solverBefore);
      expect(await s.stakeManager.balancesOf(s.challenger.address)).to.deep.equal(chBefore);
      expect((await s.market.getTask(task.taskId)).openDisputes).to.equal(1n);
      // No more moves once decided.
      await expect(s.game.connect(s.solver).bisect(id, [])).to.be.revertedWithCustomError(s.game, "DisputeGameOver").withArgs(id);
      await expect(s.game.timeout(id)).to.be.revertedWithCustomError(s.game, "DisputeGameOver").withArgs(id);
      // A third party (neither solver nor challenger) settles.
      const settle = s.game.connect(s.keeper).settle(id);
      await expect(settle).to.emit(s.game, "GameSettled").withArgs(id, task.taskId, Side.Challenger, s.keeper.address);
      const burned = SOLVER_STAKE - SOLVER_STAKE / 2n;
      await expect(settle).to.emit(s.market, "TaskRejected").withArgs(task.taskId, s.solver.address, s.challenger.address, burned);
      await expect(settle).to.emit(s.market, "DisputeResolved").withArgs(task.taskId, s.challenger.address, false, 0);
      g = await s.game.getGame(id);
      expect(Number(g.level)).to.equal(Level.Settled);
      expect(Number(g.winner)).to.equal(Side.Challenger);
      // Half the stake is burned at once and the bond returned; the other half waits for the claim.
      let solverAfter = await s.stakeManager.balancesOf(s.solver.address);
      let chAfter = await s.stakeManager.balancesOf(s.challenger.address);
      expect(solverAfter.free).to.equal(solverBefore.free);
      expect(solverAfter.locked).to.equal(solverBefore.locked - burned);
      expect(chAfter.free).to.equal(chBefore.free + BOND);
      expect(chAfter.locked).to.equal(0n);
      expect((await s.market.getTask(task.taskId)).openDisputes).to.equal(0n);
      const pot = SOLVER_STAKE / 2n;
      await s.market.connect(s.keeper).claimChallengeReward(task.taskId, s.challenger.address);
      solverAfter = await s.stakeManager.balancesOf(s.solver.address);
      chAfter = await s.stakeManager.balancesOf(s.challenger.address);
      expect(solverAfter.locked).to.equal(solverBefore.locked - SOLVER_STAKE);
      expect(chAfter.free).to.equal(chBefore.free + BOND + pot - sink(pot));
    });

    it("settle twice reverts DisputeAlreadySettled, whoever calls it, and changes nothing", async () => {
      const { s, id } = await openedGame();
      await time.increase(DisputeDefaults.clockBudget + 1);
      await s.game.connect(s.keeper).timeout(id);
      await s.game.connect(s.challenger).settle(id);
      const balances = async () =>
        Promise.all([s.solver, s.challenger, s.keeper].map((a) => s.stakeManager.balancesOf(a.address)));
      const before = await balances();
      for (const who of [s.challenger, s.solver, s.keeper]) {
        await expect(s.game.connect(who).settle(id)).to.be.revertedWithCustomError(s.game, "DisputeAlreadySettled").withArgs(id);
      }
      expect(await balances()).to.deep.equal(before);
    });

    it("settle before the decision reverts DisputeNotDecided; an unknown game reverts DisputeUnknownGame", async () => {
      const { s, task, id } = await openedGame();
      await expect(s.game.connect(s.keeper).settle(id)).to.be.revertedWithCustomError(s.game, "DisputeNotDecided").withArgs(id, Level.Steps);
      // Still not settleable mid-game (after a move) nor once the clock ran out without a timeout call.
      const mids = midpoints(4, 8, DisputeDefaults.degree).map((p) => task.solverTraj.stateHashHex(p));
      await s.game.connect(s.solver).bisect(id, mids);
      await time.increase(DisputeDefaults.clockBudget + 1);
      await expect(s.game.connect(s.solver).settle(id)).to.be.revertedWithCustomError(s.game, "DisputeNotDecided").withArgs(id, Level.Steps);
      await expect(s.game.settle(999)).to.be.revertedWithCustomError(s.game, "DisputeUnknownGame").withArgs(999);
      expect((await s.market.getTask(task.taskId)).openDisputes).to.equal(1n);
    });

    it("finalize stays blocked while a decided game is unsettled; settle unblocks it (solver paid, bond slashed)", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      // An honest solver; a challenger opens on interval 1 anyway and then stays silent.
      const task = await submittedTask(s, w, 8, 4);
      const { id } = await openGame(s, w, task, s.challenger, 1);
      await player(s, w, Side.Solver, s.solver, task.solverTraj).act(id);
      const [, , challengerLeft] = await s.game.clockOf(id);
      await time.increase(Number(challengerLeft) + 1);
      await expect(s.game.connect(s.keeper).timeout(id)).to.emit(s.game, "GameDecided").withArgs(id, task.taskId, Side.Solver, true);
      const t = await s.market.getTask(task.taskId);
      if (BigInt(await time.latest()) < t.deadline) await time.increaseTo(t.deadline);
      await expect(s.market.finalize(task.taskId)).to.be.revertedWithCustomError(s.market, "TaskMarketDisputesOpen").withArgs(task.taskId, 1);
      const solverTokens = await s.token.balanceOf(s.solver.address);
      const solverStake = await s.stakeManager.balancesOf(s.solver.address);
      const chStake = await s.stakeManager.balancesOf(s.challenger.address);
      await expect(s.game.connect(s.solver).settle(id))
        .to.emit(s.market, "DisputeResolved")
        .withArgs(task.taskId, s.challenger.address, true, 0);
      const chAfter = await s.stakeManager.balancesOf(s.challenger.address);
      expect(chAfter.free).to.equal(chStake.free);
      expect(chAfter.locked).to.equal(chStake.locked - BOND);
      const afterSettle = await s.stakeManager.balancesOf(s.solver.address);
      expect(afterSettle.free).to.equal(solverStake.free + BOND - sink(BOND));
      await s.market.connect(s.keeper).finalize(task.taskId);
      expect(await s.token.balanceOf(s.solver.address)).to.equal(solverTokens + REWARD);
      const paid = await s.stakeManager.balancesOf(s.solver.address);
      expect(paid.locked).to.equal(afterSettle.locked - SOLVER_STAKE);
      expect(paid.free).to.equal(afterSettle.free + SOLVER_STAKE);
    });
  });
});
