import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  challengeTask,
  checkTask,
  cheatingTrajectory,
  disputePlayer,
  gameOutcome,
  gamesOfTask,
  Level,
  Side,
  solveTask,
  taskTrajectory,
  tendGame,
} from "../../src/agents";
import { claimChallengeReward, depositStake, getTask, reclaimTask } from "../../src/chain";
import { createExecutor } from "../../src/exec";
import type { Player } from "../../src/dispute";
import type { PinpointContracts } from "../../src/chain";
import { agentsFixture, E18, irisBundle as bundle, STEPS, tempStore } from "./fixture";

/** Both agents tend the game in turn until it resolves (a silent side is timed out). */
async function playOut(cs: PinpointContracts, solver: Player, cv: PinpointContracts, challenger: Player, id: bigint) {
  const names: string[] = [];
  const done = async () => ({ moves: names.length, names, ...(await gameOutcome(cs, id)) });
  for (let i = 0; i < 400; i++) {
    const a = await tendGame(cs, solver, id);
    if (a.move) names.push(a.move.move);
    if (a.resolved) return done();
    const b = await tendGame(cv, challenger, id);
    if (b.move) names.push(b.move.move);
    if (b.resolved) return done();
    if (!a.move && !b.move) await time.increase(24 * 3600);
  }
  throw new Error("game did not resolve");
}

describe("agents in a dispute", function () {
  it("a verifier catches a cheating solver, drags it down to one partial sum and wins; the solver is slashed", async function () {
    const f = await loadFixture(agentsFixture);
    const executor = await createExecutor(bundle.program);
    try {
      const store = await tempStore();
      const lie = cheatingTrajectory(bundle, STEPS, 8, { executor });
      await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store, claimed: lie });

      const report = await checkTask({ contracts: f.cv, taskId: f.taskId, bundle, source: store.dir, sample: { all: true } });
      expect(report.mismatch?.index).to.equal(3); // steps 6..9 hold step 8

      await depositStake(f.cv, f.verifier, 20n * E18);
      const honest = taskTrajectory(bundle, STEPS, { executor });
      const id = await challengeTask(f.cv, f.taskId, bundle, honest, report.mismatch!.index);
      expect(id === null, "no game opened").to.equal(false);
      expect(await gamesOfTask(f.cv, f.taskId)).to.deep.equal([id]);

      const sm = f.c.stakeManager;
      const before = await sm.balancesOf(f.verifier.address);
      const solverPlayer = await disputePlayer(f.cs, Side.Solver, bundle, lie);
      const challengerPlayer = await disputePlayer(f.cv, Side.Challenger, bundle, honest);
      const out = await playOut(f.cs, solverPlayer, f.cv, challengerPlayer, id!);
      expect(out).to.include({ winner: "challenger", byTimeout: false });
      // Steps → ops → element → partial sums → one-step check.
      for (const m of ["bisect:Steps", "postTables", "choose:Ops", "postOpOutput", "bisect:Sums", "oneStep"]) {
        expect(out.names.some((n) => n.startsWith(m)), `${m} in ${out.names.join(", ")}`).to.equal(true);
      }

      const t = await getTask(f.c, f.taskId);
      expect(t.status).to.equal("Rejected");
      // Half the stake is burned at settlement; the verifier then claims the other half.
      expect((await sm.balancesOf(f.solver.address)).locked).to.equal(50n * E18);
      expect(await claimChallengeReward(f.cv, f.verifier, f.taskId, f.verifier.address)).to.equal(50n * E18);
      expect(await claimChallengeReward(f.cv, f.verifier, f.taskId, f.verifier.address)).to.equal(null);
      const solverBal = await sm.balancesOf(f.solver.address);
      expect(solverBal.locked).to.equal(0n);
      expect(solverBal.free).to.equal(0n); // the whole 100-token task stake was slashed
      const after = await sm.balancesOf(f.verifier.address);
      // Bond unlocked, plus 80 % of the 50-token pot (20 % of it to the sink).
      expect(after.free - before.free).to.equal(40n * E18 + before.locked);
      expect(after.locked).to.equal(0n);
      const submitterBefore = await f.c.token.balanceOf(f.submitter.address);
      await reclaimTask(f.c, f.submitter, f.taskId);
      expect((await f.c.token.balanceOf(f.submitter.address)) - submitterBefore).to.equal(50n * E18);
    } finally {
      await executor.dispose();
    }
  });

  it("a verifier that disputes an honest solver loses its bond and the solver is still paid", async function () {
    const f = await loadFixture(agentsFixture);
    const executor = await createExecutor(bundle.program);
    try {
      const store = await tempStore();
      await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store });
      await depositStake(f.cv, f.verifier, 20n * E18);
      // The challenger's own evidence is wrong at step 5: it disputes interval 2.
      const wrong = cheatingTrajectory(bundle, STEPS, 5, { executor });
      const id = await challengeTask(f.cv, f.taskId, bundle, wrong);
      const honest = taskTrajectory(bundle, STEPS, { executor });
      const out = await playOut(
        f.cs,
        await disputePlayer(f.cs, Side.Solver, bundle, honest),
        f.cv,
        await disputePlayer(f.cv, Side.Challenger, bundle, wrong),
        id!,
      );
      expect(out.winner).to.equal("solver");
      const bal = await f.c.stakeManager.balancesOf(f.verifier.address);
      expect(bal.free + bal.locked).to.equal(10n * E18); // lost its 10-token bond
      await time.increase(24 * 3600 + 1);
      const before = await f.c.token.balanceOf(f.solver.address);
      await f.c.taskMarket.finalize(f.taskId);
      expect((await f.c.token.balanceOf(f.solver.address)) - before).to.equal(50n * E18);
    } finally {
      await executor.dispose();
    }
  });

  describe("settlement by tendGame", function () {
    /** An honest solver, a verifier disputing interval 2 with wrong evidence, the solver's first move made. */
    async function decidedSetup() {
      const f = await loadFixture(agentsFixture);
      const executor = await createExecutor(bundle.program);
      try {
        const store = await tempStore();
        await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store });
        await depositStake(f.cv, f.verifier, 20n * E18);
        const wrong = cheatingTrajectory(bundle, STEPS, 5, { executor });
        const id = (await challengeTask(f.cv, f.taskId, bundle, wrong))!;
        const solver = await disputePlayer(f.cs, Side.Solver, bundle, taskTrajectory(bundle, STEPS, { executor }));
        const challenger = await disputePlayer(f.cv, Side.Challenger, bundle, wrong);
        const first = await tendGame(f.cs, solver, id);
        expect(first.move?.move).to.equal("bisect:Steps");
        return { f, id, solver, challenger };
      } finally {
        await executor.dispose();
      }
    }

    it("the round that times out a silent opponent also settles the game, once; the other agent then has nothing to do", async function () {
      const { f, id, solver, challenger } = await decidedSetup();
      const game = f.c.disputeGame!;
      const [, , challengerLeft] = await game.clockOf(id);
      await time.increase(Number(challengerLeft) + 1);
      const verifierBefore = await f.c.stakeManager.balancesOf(f.verifier.address);
      const r = await tendGame(f.cs, solver, id);
      expect(r).to.include({ resolved: true, winner: Side.Solver, timedOut: true });
      expect(r.settled?.gas ?? 0n).to.be.greaterThan(0n);
      expect(Number((await game.getGame(id)).level)).to.equal(Level.Settled);
      const again = await tendGame(f.cv, challenger, id);
      expect(again).to.deep.equal({ resolved: true, winner: Side.Solver });
      expect(await game.queryFilter(game.filters.GameSettled(id))).to.have.length(1);
      expect(await gameOutcome(f.cv, id)).to.deep.equal({ winner: "solver", byTimeout: true, settled: true });
      // The bond (10 tokens) left the verifier's locked stake; nothing else moved.
      const verifierAfter = await f.c.stakeManager.balancesOf(f.verifier.address);
      expect(verifierAfter.free).to.equal(verifierBefore.free);
      expect(verifierBefore.locked - verifierAfter.locked).to.equal(10n * E18);
      expect((await f.c.taskMarket.getTask(f.taskId)).openDisputes).to.equal(0n);
    });

    it("an agent that loses the settle race to another settler treats the game as settled", async function () {
      const { f, id, challenger } = await decidedSetup();
      const game = f.c.disputeGame!;
      const [, , challengerLeft] = await game.clockOf(id);
      await time.increase(Number(challengerLeft) + 1);
      await (await game.timeout(id)).wait(); // the submitter, a third party, decides it
      expect(Number((await game.getGame(id)).level)).to.equal(Level.Decided);
      // The solver's settle lands between the verifier agent's read (Decided) and its own settle.
      let raced = 0;
      const racing = new Proxy(game, {
        get(target, prop) {
          if (prop !== "settle") return Reflect.get(target, prop, target) as unknown;
          return async (gameId: bigint) => {
            raced++;
            await (await f.cs.disputeGame!.settle(gameId)).wait();
            return target.settle(gameId);
          };
        },
      });
      const r = await tendGame({ ...f.cv, disputeGame: racing }, challenger, id);
      expect(raced).to.equal(1);
      expect(r).to.deep.equal({ resolved: true, winner: Side.Solver });
      expect(await game.queryFilter(game.filters.GameSettled(id))).to.have.length(1);
      expect(Number((await game.getGame(id)).level)).to.equal(Level.Settled);
      expect((await f.c.taskMarket.getTask(f.taskId)).openDisputes).to.equal(0n);
    });
  });
});
