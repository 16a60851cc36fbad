import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { UNDER_COVERAGE } from "../support/coverage";
import { type Fault, Level, type PlayResult, Side, Trajectory, playGame } from "../../src/dispute";
import {
  BOND,
  deploySystem,
  firstDisputedInterval,
  irisWorkload,
  openGame,
  player,
  REWARD,
  runScenario,
  type Scenario,
  SINK_BPS,
  SOLVER_STAKE,
  submittedTask,
  type System,
} from "./fixture";

const { ethers } = hre;
const DAY = 24 * 3600;

interface Snapshot {
  solverFree: bigint;
  solverLocked: bigint;
  challengerFree: bigint;
  challengerLocked: bigint;
  sinkFree: bigint;
  solverTokens: bigint;
  submitterTokens: bigint;
}

async function snapshot(s: System): Promise<Snapshot> {
  const b = async (a: string) => s.stakeManager.balancesOf(a);
  const [sv, ch, sk] = await Promise.all([b(s.solver.address), b(s.challenger.address), b(s.sink.address)]);
  return {
    solverFree: sv.free,
    solverLocked: sv.locked,
    challengerFree: ch.free,
    challengerLocked: ch.locked,
    sinkFree: sk.free,
    solverTokens: await s.token.balanceOf(s.solver.address),
    submitterTokens: await s.token.balanceOf(s.submitter.address),
  };
}

const sinkShare = (x: bigint) => (x * SINK_BPS) / 10_000n;

/** Exact balances (against the pre-task snapshot) after a game the challenger won; then the reward goes back to the submitter. */
async function expectChallengerPaid(s: System, before: Snapshot, taskId: bigint): Promise<void> {
  // The lone winner's reward (claimed here unless the driver already did).
  if ((await s.market.unclaimedWins(taskId, s.challenger.address)) > 0n) {
    await s.market.connect(s.keeper).claimChallengeReward(taskId, s.challenger.address);
  }
  const after = await snapshot(s);
  // The solver's whole task stake is slashed: half burned to the sink, the other half to the
  // challenger minus the sink share; its bond is returned.
  const pot = SOLVER_STAKE / 2n;
  const burned = SOLVER_STAKE - pot;
  expect(after.solverFree).to.equal(before.solverFree - SOLVER_STAKE);
  expect(after.solverLocked).to.equal(before.solverLocked);
  expect(after.challengerFree).to.equal(before.challengerFree + pot - sinkShare(pot));
  expect(after.challengerLocked).to.equal(before.challengerLocked);
  expect(after.sinkFree).to.equal(before.sinkFree + burned + sinkShare(pot));
  expect(after.solverTokens).to.equal(before.solverTokens);
  await s.market.reclaim(taskId);
  expect(await s.token.balanceOf(s.submitter.address)).to.equal(before.submitterTokens);
  await expect(s.market.finalize(taskId)).to.be.reverted;
}

/** Exact balances (against the pre-task snapshot) after a game the solver won; then the solver is paid after the window. */
async function expectSolverPaid(s: System, before: Snapshot, taskId: bigint): Promise<void> {
  const after = await snapshot(s);
  // The challenger's bond is slashed to the solver minus the sink share.
  expect(after.challengerFree).to.equal(before.challengerFree - BOND);
  expect(after.challengerLocked).to.equal(before.challengerLocked);
  expect(after.solverFree).to.equal(before.solverFree - SOLVER_STAKE + BOND - sinkShare(BOND));
  expect(after.solverLocked).to.equal(before.solverLocked + SOLVER_STAKE);
  expect(after.sinkFree).to.equal(before.sinkFree + sinkShare(BOND));
  await time.increase(2 * DAY);
  await s.market.finalize(taskId);
  const paid = await snapshot(s);
  expect(paid.solverTokens).to.equal(before.solverTokens + REWARD);
  expect(paid.solverLocked).to.equal(before.solverLocked);
  expect(paid.solverFree).to.equal(after.solverFree + SOLVER_STAKE);
  expect(paid.submitterTokens).to.equal(before.submitterTokens - REWARD);
}

/** Gas budget of every move but the one-step check (docs/DISPUTE.md §7); settlement is apart. */
const MOVE_GAS_BUDGET = 80_000n;

async function play(sc: Scenario): Promise<{ s: System; result: PlayResult; taskId: bigint; before: Snapshot }> {
  const s = await loadFixture(deploySystem);
  const w = irisWorkload();
  const before = await snapshot(s);
  const { result, task } = await runScenario(s, w, sc);
  // Every game is decided by a move and then settled by its own transaction.
  expect(result.settled, "settled").to.equal(true);
  expect(result.settleGas).to.be.greaterThan(0n);
  for (const m of result.moves) {
    if (m.move.startsWith("oneStep") || UNDER_COVERAGE) continue;
    expect(m.gas, `${m.move} at ${Level[m.level]}`).to.be.lessThanOrEqual(MOVE_GAS_BUDGET);
  }
  return { s, result, taskId: task.taskId, before };
}

const levelsOf = (r: PlayResult) => [...new Set(r.moves.map((m) => Level[m.level]))];
const out = (step: number, op: number, element: number, delta: number, term?: number): Fault => ({ kind: "output", step, op, element, delta, ...(term ? { term } : {}) });
const BIG = 1 << 30;

describe("DisputeGame: full games on the Iris MLP train step", () => {
  describe("a wrong solver loses and is slashed", () => {
    it("wrong at one MatMul output element: dissects steps, ops, partial sums, one-step check", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 12, interval: 6, solverFaults: [out(9, 0, 5, BIG)] });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(false);
      expect(result.rejected).to.deep.equal([]);
      expect(levelsOf(result)).to.include.members(["Steps", "Tables", "Ops", "OpOutput", "Element", "Sums", "OneStep"]);
      expect(result.moves.at(-1)!.move).to.equal("oneStep:MatMul");
      await expectChallengerPaid(s, before, taskId);
    });

    it("wrong at a non-reduction op (Rescale): element straight to the one-step check", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [out(3, 3, 10, 1 << 12)] });
      expect(result.winner).to.equal(Side.Challenger);
      expect(levelsOf(result)).to.not.include("Sums");
      expect(result.moves.at(-1)!.move).to.equal("oneStep:Rescale");
      await expectChallengerPaid(s, before, taskId);
    });

    it("wrong at a chosen partial sum of a reduction: the sums dissection finds that term", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [out(2, 0, 7, BIG, 3)] });
      expect(result.winner).to.equal(Side.Challenger);
      expect(levelsOf(result)).to.include("Sums");
      const g = await s.game.getGame(await s.game.gameCount());
      expect(g.hi).to.equal(3n); // the one-step check ran on term k = 3
      await expectChallengerPaid(s, before, taskId);
    });

    it("lying in the batch link (R_0 holds a wrong input element): descents to the dataset element", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [{ kind: "input", step: 4, element: 13, delta: 1 << 14 }] });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(false);
      expect(result.moves.map((m) => m.move)).to.include.members(["contestInitial", "proveInitialSlot", "proveBatchElement"]);
      await expectChallengerPaid(s, before, taskId);
    });

    it("lying in the state link (R_0 does not hold S_{t−1}): cannot prove the slot and times out", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [{ kind: "state", step: 5, state: 0, element: 3, delta: 1 << 16 }] });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(true);
      expect(result.moves.map((m) => m.move)).to.include("contestInitial");
      expect(result.rejected.map((r) => Level[r.level])).to.deep.equal(["InitialSlotProof"]);
      expect(result.rejected.map((r) => r.error)).to.deep.equal(["CommitRootMismatch"]);
      await expectChallengerPaid(s, before, taskId);
    });

    it("lying in the next-state link (S_t not given by R_M): state descent, cannot prove, times out", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [{ kind: "next-state", step: 7, state: 2, element: 4, delta: 1 << 16 }] });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.moves.map((m) => m.move)).to.include("contestFinal");
      expect(result.rejected.map((r) => Level[r.level])).to.deep.equal(["FinalStateProof"]);
      expect(result.rejected.map((r) => r.error)).to.deep.equal(["CommitRootMismatch"]);
      await expectChallengerPaid(s, before, taskId);
    });

    it("a false op-output claim (wrong output hash) is contested, cannot be proved and times out", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [out(1, 0, 2, BIG)], solverStrategy: { corruptAt: 3 } });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(true);
      expect(result.moves.map((m) => m.move)).to.include.members(["postOpOutput", "contestOpOutput"]);
      expect(result.rejected.map((r) => `${Level[r.level]}:${r.error}`)).to.deep.equal(["OpOutputProof:DisputeMismatch"]);
      await expectChallengerPaid(s, before, taskId);
    });

    it("lying in a proof (corrupted leaf) is rejected by the contract and then times out", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [out(1, 0, 2, BIG)], solverStrategy: { corruptAt: 4 } });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(true);
      expect(result.rejected.map((r) => `${Level[r.level]}:${r.error}`)).to.deep.equal(["Element:DisputeMismatch"]);
      await expectChallengerPaid(s, before, taskId);
    });

    it("going silent mid-game loses by timeout (anyone may call it)", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, solverFaults: [out(2, 0, 2, BIG)], solverStrategy: { silentFrom: 2 } });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(true);
      await expectChallengerPaid(s, before, taskId);
    });
  });

  describe("a challenger disputing a correct claim loses its bond", () => {
    it("wrong at an output element: loses at the one-step check", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, challengerFaults: [out(6, 0, 9, BIG)] });
      expect(result.winner).to.equal(Side.Solver);
      expect(result.byTimeout).to.equal(false);
      await expectSolverPaid(s, before, taskId);
    });

    it("wrong about the batch: the solver proves the input element against the dataset", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, challengerFaults: [{ kind: "input", step: 2, element: 5, delta: 1 << 14 }] });
      expect(result.winner).to.equal(Side.Solver);
      expect(result.moves.map((m) => m.move)).to.include("proveBatchElement");
      await expectSolverPaid(s, before, taskId);
    });

    it("wrong about the state link: the solver proves the state slot from S_{t−1}", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, challengerFaults: [{ kind: "state", step: 3, state: 1, element: 0, delta: 1 << 16 }] });
      expect(result.winner).to.equal(Side.Solver);
      expect(result.moves.map((m) => m.move)).to.include("proveInitialSlot");
      await expectSolverPaid(s, before, taskId);
    });

    it("wrong about the next state: the solver proves R_M gives S_t", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, challengerFaults: [{ kind: "next-state", step: 8, state: 3, element: 1, delta: 1 << 16 }] });
      expect(result.winner).to.equal(Side.Solver);
      expect(result.moves.map((m) => m.move)).to.include("proveFinalState");
      await expectSolverPaid(s, before, taskId);
    });

    it("contesting a correct op-output claim: the solver proves op j, then the slot update (which decides)", async () => {
      const sc: Scenario = { totalSteps: 8, interval: 4, challengerFaults: [out(3, 0, 4, BIG)], challengerStrategy: { contestOpOutput: true } };
      const { s, result, taskId, before } = await play(sc);
      expect(result.winner).to.equal(Side.Solver);
      expect(result.moves.slice(-3).map((m) => `${m.move}@${Level[m.level]}`)).to.deep.equal([
        "contestOpOutput@Element",
        "proveOpOutput@OpOutputProof",
        "proveOpUpdate@OpUpdateProof",
      ]);
      await expectSolverPaid(s, before, taskId);
      // The same game with a corrupted slot-update path: rejected, and the solver then loses by timeout.
      const solverMoves = result.moves.filter((m) => m.side === Side.Solver);
      const at = solverMoves.findIndex((m) => m.move === "proveOpUpdate");
      const bad = await play({ ...sc, solverStrategy: { corruptAt: at } });
      expect(bad.result.rejected.map((r) => `${Level[r.level]}:${r.error}`)).to.deep.equal(["OpUpdateProof:CommitRootMismatch"]);
      expect(bad.result.winner).to.equal(Side.Challenger);
      expect(bad.result.byTimeout).to.equal(true);
    });

    it("going silent loses by timeout", async () => {
      const { s, result, taskId, before } = await play({ totalSteps: 8, interval: 4, challengerFaults: [out(5, 4, 9, BIG)], challengerStrategy: { silentFrom: 1 } });
      expect(result.winner).to.equal(Side.Solver);
      expect(result.byTimeout).to.equal(true);
      await expectSolverPaid(s, before, taskId);
    });
  });

  describe("several challengers on one task", () => {
    it("a losing challenger blocks payment only while its own game is open", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4);
      const wrongA = new Trajectory(w.program, w.dataset, w.s0, 8, [out(2, 0, 1, BIG)]);
      const wrongB = new Trajectory(w.program, w.dataset, w.s0, 8, [out(6, 18, 3, BIG)]);
      const a = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, wrongA));
      const b = await openGame(s, w, task, s.challenger2, firstDisputedInterval(task, wrongB));
      expect((await s.market.getTask(task.taskId)).openDisputes).to.equal(2n);
      const keeper = s.game.connect(s.keeper);
      const advanceTime = async (sec: number) => {
        await time.increase(sec);
      };
      const solverP = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const ra = await playGame(a.id, { game: s.game, keeper, advanceTime, solver: solverP, challenger: player(s, w, Side.Challenger, s.challenger, wrongA) });
      expect(ra.winner).to.equal(Side.Solver);
      await time.increase(2 * DAY);
      // Game B is still open: no payment yet.
      await expect(s.market.finalize(task.taskId)).to.be.revertedWithCustomError(s.market, "TaskMarketDisputesOpen");
      // B goes silent: anyone times it out, and the solver is paid.
      const rb = await playGame(b.id, { game: s.game, keeper, advanceTime, solver: solverP, challenger: player(s, w, Side.Challenger, s.challenger2, wrongB, { silentFrom: 0 }) });
      expect(rb.winner).to.equal(Side.Solver);
      expect(rb.byTimeout).to.equal(true);
      const before = await s.token.balanceOf(s.solver.address);
      await s.market.finalize(task.taskId);
      expect(await s.token.balanceOf(s.solver.address)).to.equal(before + REWARD);
      // Both bonds went to the solver (minus the sink share).
      expect((await s.stakeManager.balancesOf(s.challenger2.address)).locked).to.equal(0n);
      expect((await s.stakeManager.balancesOf(s.solver.address)).free).to.equal(100n * 10n ** 18n + 2n * (BOND - sinkShare(BOND)));
    });

    it("two honest challengers against a wrong solver: both win and share the pot, the solver is slashed once", async () => {
      const s = await loadFixture(deploySystem);
      const w = irisWorkload();
      const task = await submittedTask(s, w, 8, 4, [out(3, 0, 4, BIG)]);
      const honest = () => new Trajectory(w.program, w.dataset, w.s0, 8);
      const i = firstDisputedInterval(task, honest());
      const a = await openGame(s, w, task, s.challenger, i);
      const b = await openGame(s, w, task, s.challenger2, i);
      const keeper = s.game.connect(s.keeper);
      const advanceTime = async (sec: number) => {
        await time.increase(sec);
      };
      const solverP = player(s, w, Side.Solver, s.solver, task.solverTraj);
      const market = s.market.connect(s.keeper);
      const ra = await playGame(a.id, { game: s.game, keeper, advanceTime, market, solver: solverP, challenger: player(s, w, Side.Challenger, s.challenger, honest()) });
      // While game b is open no reward is claimable.
      expect(ra.rewardClaimed).to.equal(undefined);
      const rb = await playGame(b.id, { game: s.game, keeper, advanceTime, market, solver: solverP, challenger: player(s, w, Side.Challenger, s.challenger2, honest()) });
      expect([ra.winner, rb.winner]).to.deep.equal([Side.Challenger, Side.Challenger]);
      await market.claimChallengeReward(task.taskId, s.challenger.address);
      const c1 = await s.stakeManager.balancesOf(s.challenger.address);
      const c2 = await s.stakeManager.balancesOf(s.challenger2.address);
      const half = SOLVER_STAKE / 4n; // each winning game's share of the pot (half the stake)
      expect(c1.free).to.equal(100n * 10n ** 18n + half - sinkShare(half));
      expect(c2.free).to.equal(100n * 10n ** 18n + half - sinkShare(half));
      expect(c1.locked + c2.locked).to.equal(0n);
      expect((await s.stakeManager.balancesOf(s.solver.address)).locked).to.equal(0n);
    });
  });

  it("a restarted player resumes from chain state alone", async () => {
    const s = await loadFixture(deploySystem);
    const w = irisWorkload();
    const task = await submittedTask(s, w, 8, 4, [out(7, 18, 2, BIG)]);
    const i = firstDisputedInterval(task, new Trajectory(w.program, w.dataset, w.s0, 8));
    const { id } = await openGame(s, w, task, s.challenger, i);
    // Every move is made by a fresh player object with a fresh trajectory (local store rebuilt).
    const fresh = (side: Side) =>
      side === Side.Solver
        ? player(s, w, Side.Solver, s.solver, new Trajectory(w.program, w.dataset, w.s0, 8, [out(7, 18, 2, BIG)]))
        : player(s, w, Side.Challenger, s.challenger, new Trajectory(w.program, w.dataset, w.s0, 8));
    for (let k = 0; k < 60; k++) {
      const g = await s.game.getGame(id);
      if (Number(g.level) === Level.Decided) break;
      const [toMove] = await s.game.clockOf(id);
      const rec = await fresh(Number(toMove) as Side).act(id);
      expect(rec, `move ${k}`).to.not.equal(null);
    }
    await s.game.connect(s.challenger).settle(id);
    const g = await s.game.getGame(id);
    expect(Number(g.level)).to.equal(Level.Settled);
    expect(Number(g.winner)).to.equal(Side.Challenger);
    expect(ethers.isHexString(g.hiClaim)).to.equal(true);
  });
});

describe("DisputeGame: multi-level tensor descents (MNIST 784-16-10 MLP train step)", () => {
  it("a wrong W1 update element is found through a 2-round descent of its 12,544-element tensor", async () => {
    const { mnistWorkload } = await import("./fixture");
    const s = await loadFixture(deploySystem);
    const w = mnistWorkload();
    const to = w.program.stateUpdates[0].to;
    const op = w.program.ops.findIndex((o) => o.out === to);
    const { result } = await runScenario(s, w, { totalSteps: 2, interval: 2, solverFaults: [out(2, op, 9000, 1 << 16)] });
    expect(result.winner).to.equal(Side.Challenger);
    expect(result.moves.filter((m) => m.move === "choose:Element")).to.have.length(2);
    expect(result.byTimeout).to.equal(false);
  });

  it("a challenger wrong about one pixel of the batch loses: batch descent and dataset opening", async () => {
    const { mnistWorkload } = await import("./fixture");
    const s = await loadFixture(deploySystem);
    const w = mnistWorkload();
    const { result } = await runScenario(s, w, { totalSteps: 3, interval: 3, challengerFaults: [{ kind: "input", step: 2, element: 4000, delta: 1 << 14 }] });
    expect(result.winner).to.equal(Side.Solver);
    expect(result.moves.filter((m) => m.move === "choose:BatchElement").length).to.be.greaterThan(0);
    expect(result.moves.at(-1)!.move).to.equal("proveBatchElement");
  });
});

describe("DisputeGame: players on ONNX Runtime evidence runs", () => {
  it("the honest challenger plays from executor evidence (every op output from ORT) and wins", async () => {
    const { createExecutor } = await import("../../src/exec");
    const { submittedTask: submit, firstDisputedInterval: first, openGame: openG, player: mk } = await import("./fixture");
    const s = await loadFixture(deploySystem);
    const w = irisWorkload();
    const executor = await createExecutor(w.program);
    try {
      const task = await submit(s, w, 8, 4, [out(5, 0, 3, BIG)]);
      const ortTraj = new Trajectory(w.program, w.dataset, w.s0, 8, [], (st, b) => executor.evidence(st, b));
      await ortTraj.prepare(8);
      // ORT evidence gives the reference interpreter's bits.
      expect(ortTraj.stateHashHex(8)).to.equal(new Trajectory(w.program, w.dataset, w.s0, 8).stateHashHex(8));
      const { id } = await openG(s, w, task, s.challenger, first(task, ortTraj));
      const result = await playGame(id, {
        game: s.game,
        keeper: s.game.connect(s.keeper),
        solver: mk(s, w, Side.Solver, s.solver, task.solverTraj),
        challenger: mk(s, w, Side.Challenger, s.challenger, ortTraj),
        advanceTime: async (sec) => {
          await time.increase(sec);
        },
      });
      expect(result.winner).to.equal(Side.Challenger);
      expect(result.byTimeout).to.equal(false);
    } finally {
      await executor.dispose();
    }
  });
});

describe("openDispute (library): checkpoints and proofs from TaskMarket events", () => {
  it("finds the first disagreeing interval across several committed batches and opens it", async () => {
    const { openDispute, readCheckpoints } = await import("../../src/dispute");
    const { player: mk, contextOf } = await import("./fixture");
    const s = await loadFixture(deploySystem);
    const w = irisWorkload();
    const solverTraj = new Trajectory(w.program, w.dataset, w.s0, 12, [out(7, 0, 2, BIG)]);
    const cps = solverTraj.checkpoints(2).map((h) => ethers.hexlify(h));
    const spec = { programHash: w.cp.hash, datasetHash: contextOf(w).datasetHash, nSamples: w.dataset.nSamples, batchSize: w.batchSize };
    await s.market.connect(s.submitter).createTask({
      spec,
      initialStateHash: cps[0],
      totalSteps: 12,
      checkpointInterval: 2,
      reward: REWARD,
      solverStake: SOLVER_STAKE,
      solveWindow: 0,
      challengeWindow: 0,
    });
    const taskId = await s.market.taskCount();
    await s.market.connect(s.solver).claim(taskId);
    await s.market.connect(s.solver).commitCheckpoints(taskId, cps.slice(1, 3));
    await s.market.connect(s.solver).commitCheckpoints(taskId, cps.slice(3, 6));
    await s.market.connect(s.solver).submitFinal(taskId, cps[6]);
    expect((await readCheckpoints(s.market, taskId)).hashes).to.deep.equal(cps);
    const honest = new Trajectory(w.program, w.dataset, w.s0, 12);
    const id = await openDispute({ game: s.game.connect(s.challenger), market: s.market, taskId, spec, chainProgram: w.cp, evidence: honest });
    expect(id).to.equal(1n);
    const g = await s.game.getGame(id!);
    expect([g.lo, g.hi]).to.deep.equal([6n, 8n]);
    // An agreeing verifier opens nothing.
    expect(await openDispute({ game: s.game.connect(s.challenger2), market: s.market, taskId, spec, chainProgram: w.cp, evidence: solverTraj })).to.equal(null);
    const result = await playGame(id!, {
      game: s.game,
      keeper: s.game.connect(s.keeper),
      solver: mk(s, w, Side.Solver, s.solver, solverTraj),
      challenger: mk(s, w, Side.Challenger, s.challenger, honest),
      advanceTime: async (sec) => {
        await time.increase(sec);
      },
    });
    expect(result.winner).to.equal(Side.Challenger);
  });
});
