import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { deploySystem } from "../../deploy/system";
import {
  challengeTask,
  checkpointAnchors,
  committedCheckpoints,
  cheatingTrajectory,
  disputePlayer,
  gamesOfTask,
  parseKeep,
  pruneCheckpoints,
  Side,
  solveTask,
  taskTrajectory,
  tendGame,
} from "../../src/agents";
import { connectPinpoint, createTask, depositStake, type PinpointContracts } from "../../src/chain";
import type { CheckpointStore } from "../../src/commit";
import { Level, type Player, Trajectory } from "../../src/dispute";
import { createExecutor, type Executor } from "../../src/exec";
import { E18, irisBundle as bundle, tempStore } from "./fixture";

/** A "long" iris job: 240 steps, checkpoint every 16 (N = 15); the late interval is the last. */
const T = 240;
const K = 16;
const LAST = Math.ceil(T / K);

async function longTaskFixture() {
  const [submitter, solver, verifier, other] = await hre.ethers.getSigners();
  const addresses = await deploySystem(hre);
  const c = connectPinpoint(addresses, submitter);
  for (const who of [submitter, solver, verifier]) await c.token.mint(who.address, 1000n * E18);
  const newTask = () =>
    createTask(c, submitter, {
      ...bundle.commitments,
      totalSteps: T,
      checkpointInterval: K,
      reward: 50n * E18,
      solverStake: 100n * E18,
    });
  const taskId = await newTask();
  const cs = connectPinpoint(addresses, solver);
  await depositStake(cs, solver, 200n * E18);
  const cv = connectPinpoint(addresses, verifier);
  await depositStake(cv, verifier, 20n * E18);
  return { c, cs, cv, submitter, solver, verifier, other, taskId, newTask };
}

type F = Awaited<ReturnType<typeof longTaskFixture>>;

/** The solver trains honestly up to the last interval and is wrong (one gradient element) inside it. */
async function solveWithLateFault(f: F, executor: Executor, taskId = f.taskId) {
  const store = await tempStore();
  await solveTask({ contracts: f.cs, signer: f.solver, taskId, bundle, store, stopAfterSteps: T - K });
  const claimed = cheatingTrajectory(bundle, T, T - 5, {
    executor,
    anchors: checkpointAnchors(f.cs, taskId, { store }),
  });
  await solveTask({ contracts: f.cs, signer: f.solver, taskId, bundle, store, claimed });
  return store;
}

/** Fresh dispute evidence, as a restarted agent builds it: the solver's from its store, the challenger's from the solver's files. */
function evidence(f: F, executor: Executor, store: CheckpointStore, taskId = f.taskId) {
  const lie = cheatingTrajectory(bundle, T, T - 5, {
    executor,
    anchors: checkpointAnchors(f.cs, taskId, { store }),
  });
  const honest = taskTrajectory(bundle, T, {
    executor,
    anchors: checkpointAnchors(f.cv, taskId, { source: store.dir }),
  });
  return { lie, honest };
}

/** Alternate tendGame rounds until the game resolves or `rounds` rounds have passed. */
async function tend(
  cs: PinpointContracts,
  solver: Player,
  cv: PinpointContracts,
  challenger: Player,
  id: bigint,
  rounds = 400,
) {
  const moves: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = await tendGame(cs, solver, id);
    if (a.move) moves.push(a.move.move);
    if (a.resolved) return { resolved: true, winner: a.winner, moves };
    const b = await tendGame(cv, challenger, id);
    if (b.move) moves.push(b.move.move);
    if (b.resolved) return { resolved: true, winner: b.winner, moves };
    if (!a.move && !b.move) await time.increase(24 * 3600);
  }
  return { resolved: false, moves };
}

/** Expected bound for a window of K steps: ⌈K/⌈√K⌉⌉ + 2 kept, 2 recent, 2 per cached trace (2). */
const BOUND = Math.ceil(K / Math.ceil(Math.sqrt(K))) + 2 + 2 + 4;

describe("disputes that scale with the interval, not the job", function () {
  describe("Trajectory in bounded memory", function () {
    it("a window anchored at an agreed state gives the same hashes and traces as a sequential replay, faults at their step", async function () {
      const faults = [{ kind: "output" as const, step: 50, op: 3, element: 1, delta: 1 << 16 }];
      const full = new Trajectory(bundle.program, bundle.splits.train, bundle.initialState, 60, faults);
      const seq = Array.from({ length: 61 }, (_, t) => full.stateHashHex(t));
      const roots = [45, 50, 57].map((t) => full.trace(t).root(full.trace(t).opCount));
      const anchor = full.state(40);
      const win = new Trajectory(
        bundle.program,
        bundle.splits.train,
        bundle.initialState,
        60,
        faults,
        undefined,
        async (s) => (s === 40 ? anchor : undefined),
      );
      expect(await win.focus(40, 56)).to.equal("checkpoint");
      // Random access inside the window, backwards first.
      for (const t of [56, 41, 50, 49, 55, 40]) expect(win.stateHashHex(t), `S_${t}`).to.equal(seq[t]);
      expect(win.trace(45).root(win.trace(45).opCount)).to.deep.equal(roots[0]);
      expect(win.trace(50).root(win.trace(50).opCount)).to.deep.equal(roots[1]);
      expect(win.stepsComputed).to.be.at.most(16 + 2 * 4);
      expect(win.peakStates).to.be.at.most(win.stateBound);
      // Beyond the window (step 57) is still computed correctly, from the window's states.
      expect(win.trace(57).root(win.trace(57).opCount)).to.deep.equal(roots[2]);
    });

    it("without a checkpoint the window's start is recomputed from the last held state, keeping only a few states", async function () {
      const tr = new Trajectory(bundle.program, bundle.splits.train, bundle.initialState, 200);
      expect(await tr.focus(184, 200)).to.equal("recomputed");
      expect(tr.peakStates).to.be.at.most(tr.stateBound);
      expect(tr.stateBound).to.equal(BOUND);
      const again = new Trajectory(bundle.program, bundle.splits.train, bundle.initialState, 200);
      expect(tr.stateHashHex(190)).to.equal(again.stateHashHex(190));
    });
  });

  it("a dispute on the last interval of a long job: both players anchor at the agreed checkpoint and never hold more than the bound", async function () {
    const f = await loadFixture(longTaskFixture);
    const executor = await createExecutor(bundle.program);
    try {
      const store = await solveWithLateFault(f, executor);
      const { lie, honest } = evidence(f, executor, store);
      const id = (await challengeTask(f.cv, f.taskId, bundle, honest, LAST))!;
      const out = await tend(
        f.cs,
        await disputePlayer(f.cs, Side.Solver, bundle, lie),
        f.cv,
        await disputePlayer(f.cv, Side.Challenger, bundle, honest),
        id,
      );
      expect(out).to.include({ resolved: true, winner: Side.Challenger });
      for (const [who, tr] of [
        ["solver", lie],
        ["challenger", honest],
      ] as const) {
        expect(tr.window, who).to.include({ from: T - K, to: T, anchor: "checkpoint" });
        expect(tr.stateBound, who).to.equal(BOUND);
        expect(tr.peakStates, `${who} peak`).to.be.at.most(BOUND);
        // Only the interval (and a little recomputation inside it), never the job from step 0.
        expect(tr.stepsComputed, `${who} steps`).to.be.at.most(2 * K);
      }
    } finally {
      await executor.dispose();
    }
  });

  it("players restarted mid-dispute resume from the chain and the checkpoint store without replaying from step 0", async function () {
    const f = await loadFixture(longTaskFixture);
    const executor = await createExecutor(bundle.program);
    try {
      const store = await solveWithLateFault(f, executor);
      const first = evidence(f, executor, store);
      const id = (await challengeTask(f.cv, f.taskId, bundle, first.honest, LAST))!;
      const before = await tend(
        f.cs,
        await disputePlayer(f.cs, Side.Solver, bundle, first.lie),
        f.cv,
        await disputePlayer(f.cv, Side.Challenger, bundle, first.honest),
        id,
        2,
      );
      expect(before.resolved).to.equal(false);
      const g = await f.c.disputeGame!.getGame(id);
      expect(Number(g.level)).to.not.equal(Level.Steps); // past the step dissection
      // Crash: everything in memory is gone. New evidence and players from chain + store.
      const again = evidence(f, executor, store);
      const out = await tend(
        f.cs,
        await disputePlayer(f.cs, Side.Solver, bundle, again.lie),
        f.cv,
        await disputePlayer(f.cv, Side.Challenger, bundle, again.honest),
        id,
      );
      expect(out).to.include({ resolved: true, winner: Side.Challenger });
      for (const tr of [again.lie, again.honest]) {
        expect(tr.window).to.include({ from: T - K, to: T, anchor: "checkpoint" });
        expect(tr.stepsComputed).to.be.at.most(2 * K);
        expect(tr.peakStates).to.be.at.most(BOUND);
      }
    } finally {
      await executor.dispose();
    }
  });

  describe("retention", function () {
    it("accepts all, final and none and rejects anything else", function () {
      expect(["all", "final", "none"].map(parseKeep)).to.deep.equal(["all", "final", "none"]);
      expect(() => parseKeep("some")).to.throw(/--keep must be one of all, final, none/);
    });

    it("never deletes a checkpoint while the window or a game is open; then prunes by policy, sparing another live task's states", async function () {
      const f = await loadFixture(longTaskFixture);
      const executor = await createExecutor(bundle.program);
      try {
        const store = await solveWithLateFault(f, executor);
        const files = async () => (await store.listFiles()).checkpoints.length;
        const all = await files();
        expect(all).to.equal(LAST);
        // Submitted, window open: nothing goes.
        expect(await pruneCheckpoints(f.cs, store, f.taskId, "none")).to.include({ status: "kept" });
        // A second task of the same solver commits the same honest states (identical job) and stays live.
        const other = await f.newTask();
        await solveTask({
          contracts: f.cs,
          signer: f.solver,
          taskId: other,
          bundle,
          store,
          stopAfterSteps: K * 3,
        });
        const { lie, honest } = evidence(f, executor, store);
        const id = (await challengeTask(f.cv, f.taskId, bundle, honest, LAST))!;
        const solverP = await disputePlayer(f.cs, Side.Solver, bundle, lie);
        const challengerP = await disputePlayer(f.cv, Side.Challenger, bundle, honest);
        // A live game: every round, pruning keeps everything, and the players can still anchor.
        for (let i = 0; i < 3; i++) {
          const r = await pruneCheckpoints(f.cs, store, f.taskId, "none");
          expect(r.status, r.reason).to.equal("kept");
          expect(r.deleted).to.deep.equal([]);
          expect(await files()).to.equal(all);
          await tendGame(f.cs, solverP, id);
          await tendGame(f.cv, challengerP, id);
        }
        const out = await tend(f.cs, solverP, f.cv, challengerP, id);
        expect(out).to.include({ resolved: true, winner: Side.Challenger });
        expect(await gamesOfTask(f.cv, f.taskId)).to.deep.equal([id]);
        expect((await f.c.taskMarket.getTask(f.taskId)).status).to.equal(5n); // Rejected
        // Over: "final" keeps the final state and the other live task's checkpoints 1..3.
        const r = await pruneCheckpoints(f.cs, store, f.taskId, "final");
        expect(r.status).to.equal("pruned");
        expect(r.deleted).to.have.length(LAST - 1 - 3);
        const task = await f.c.taskMarket.getTask(f.taskId);
        expect(await store.has(task.finalStateHash)).to.equal(true);
        const shared = await committedCheckpoints(f.cs, other);
        expect(shared).to.have.length(3);
        for (const h of shared) expect(await store.has(h), `live task's ${h}`).to.equal(true);
        // "none" then deletes the final state too, still sparing the live task's files.
        const r2 = await pruneCheckpoints(f.cs, store, f.taskId, "none");
        expect(r2.deleted).to.deep.equal([task.finalStateHash.toLowerCase()]);
        expect(await files()).to.equal(3);
      } finally {
        await executor.dispose();
      }
    });
  });
});
