import { expect } from "chai";
import type { EventFragment } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  challengeTask,
  checkTask,
  cheatingTrajectory,
  disputePlayer,
  gameParty,
  replayGame,
  seeGameThrough,
  Side,
  solveTask,
  taskTrajectory,
  tendGame,
  transcriptLines,
  type DisputeEvent,
  type GameReplay,
  type MoveRecord,
  type Strategy,
} from "../../src/agents";
import { chainProgram, Level, type Player, type Trajectory } from "../../src/dispute";
import { depositStake, type PinpointContracts } from "../../src/chain";
import { ChainError, InputError } from "../../src/errors";
import { createExecutor, type Executor } from "../../src/exec";
import { agentsFixture, E18, irisBundle as bundle, STEPS, tempStore } from "./fixture";

/**
 * Both agents tend the game in turn until it resolves; returns every move made. A side whose move
 * reverts (a link it cannot prove) goes silent and is timed out by the other.
 */
async function playOut(
  cs: PinpointContracts,
  solver: Player,
  cv: PinpointContracts,
  challenger: Player,
  id: bigint,
): Promise<MoveRecord[]> {
  const moves: MoveRecord[] = [];
  const silent = new Set<Player>();
  const tend = async (c: PinpointContracts, p: Player) => {
    if (silent.has(p)) return tendGame(c, { side: p.side, act: async () => null } as unknown as Player, id);
    try {
      return await tendGame(c, p, id);
    } catch {
      silent.add(p);
      return { resolved: false };
    }
  };
  type Round = { resolved: boolean; move?: MoveRecord; settled?: { gas: bigint } };
  const record = (side: Side, r: Round) => {
    if (r.move) moves.push(r.move);
    if (r.settled) moves.push({ side, move: "settle", level: Level.Decided, gas: r.settled.gas });
  };
  for (let i = 0; i < 400; i++) {
    const a: Round = await tend(cs, solver);
    record(Side.Solver, a);
    if (a.resolved) return moves;
    const b: Round = await tend(cv, challenger);
    record(Side.Challenger, b);
    if (b.resolved) return moves;
    if (!a.move && !b.move) await time.increase(24 * 3600);
  }
  throw new Error("game did not resolve");
}

/** A task solved with `claimed`, disputed by a challenger playing `mine` (and `strategy`), played out. */
async function disputed(
  claimed: (ex: Executor) => Trajectory,
  mine: (ex: Executor) => Trajectory,
  strategy?: Strategy,
) {
  const f = await agentsFixture();
  const executor = await createExecutor(bundle.program);
  try {
    const store = await tempStore();
    const solverEvidence = claimed(executor);
    await solveTask({
      contracts: f.cs,
      signer: f.solver,
      taskId: f.taskId,
      bundle,
      store,
      claimed: solverEvidence,
    });
    await depositStake(f.cv, f.verifier, 20n * E18);
    const challengerEvidence = mine(executor);
    const id = (await challengeTask(f.cv, f.taskId, bundle, challengerEvidence))!;
    const moves = await playOut(
      f.cs,
      await disputePlayer(f.cs, Side.Solver, bundle, solverEvidence),
      f.cv,
      await disputePlayer(f.cv, Side.Challenger, bundle, challengerEvidence, strategy),
      id,
    );
    return { ...f, id, moves, replay: await replayGame(f.c, id) };
  } finally {
    await executor.dispose();
  }
}

/** A cheating solver caught by a verifier, the game played out to the one-step check. */
async function playedGame() {
  const f = await agentsFixture();
  const executor = await createExecutor(bundle.program);
  try {
    const store = await tempStore();
    const lie = cheatingTrajectory(bundle, STEPS, 8, { executor });
    await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store, claimed: lie });
    const report = await checkTask({
      contracts: f.cv,
      taskId: f.taskId,
      bundle,
      source: store.dir,
      sample: { all: true },
    });
    await depositStake(f.cv, f.verifier, 20n * E18);
    const honest = taskTrajectory(bundle, STEPS, { executor });
    const id = (await challengeTask(f.cv, f.taskId, bundle, honest, report.mismatch!.index))!;
    const moves = await playOut(
      f.cs,
      await disputePlayer(f.cs, Side.Solver, bundle, lie),
      f.cv,
      await disputePlayer(f.cv, Side.Challenger, bundle, honest),
      id,
    );
    return { ...f, id, moves };
  } finally {
    await executor.dispose();
  }
}

describe("agents: game replay and dispute sessions", function () {
  it("has one entry per game event, in block/log order, from GameOpened to the settlement", async function () {
    const f = await loadFixture(playedGame);
    const r = await replayGame(f.c, f.id);
    const game = f.c.disputeGame!;
    // Independently: each DisputeGame event type's own topic filter on this game, merged in block/log order.
    const provider = game.runner!.provider!;
    const events: { name: string; tx: string; block: number; index: number }[] = [];
    const kinds: EventFragment[] = [];
    game.interface.forEachEvent((ev) => kinds.push(ev));
    for (const ev of kinds) {
      const topics = game.interface.encodeFilterTopics(ev, [f.id]);
      const logs = await provider.getLogs({ address: await game.getAddress(), topics, fromBlock: 0 });
      for (const l of logs)
        events.push({ name: ev.name, tx: l.transactionHash, block: l.blockNumber, index: l.index });
    }
    events.sort((a, b) => a.block - b.block || a.index - b.index);
    expect(r.entries.map((e) => e.event)).to.deep.equal(events.map((e) => e.name));
    expect(r.entries.map((e) => e.tx)).to.deep.equal(events.map((e) => e.tx));
    expect(r.entries.map((e) => e.index)).to.deep.equal(events.map((_, i) => i + 1));
    for (let i = 1; i < r.entries.length; i++) {
      const [a, b] = [r.entries[i - 1], r.entries[i]];
      expect(
        a.block < b.block || (a.block === b.block && a.logIndex < b.logIndex),
        `entry ${b.index} out of order`,
      ).to.equal(true);
      expect(b.timestamp).to.be.gte(a.timestamp);
    }
    expect(r.entries[0].event).to.equal("GameOpened");
    expect(r.entries[0].role).to.equal("challenger");
    // The deciding one-step check, then the settlement (the solver's agent settles what it decided).
    const [decided, settled] = r.entries.slice(-2);
    expect(decided).to.deep.include({ event: "GameDecided", role: "solver", call: "oneStep" });
    expect(decided.fields.winner).to.equal(BigInt(Side.Challenger));
    expect(decided.text).to.match(
      /^decided: challenger won by one-step check of op \d+ \(MatMul\), element \d+ \(solver called oneStep\)$/,
    );
    expect(settled).to.deep.include({ event: "GameSettled", role: "solver", call: "settle" });
    expect(r.outcome).to.deep.equal({
      winner: "challenger",
      byTimeout: false,
      how: decided.text.match(/by (.*) \(solver/)![1],
      settled: true,
    });
    expect(r.task).to.equal(f.taskId);
    expect(r.solver).to.equal(f.solver.address);
    expect(r.challenger).to.equal(f.verifier.address);
  });

  it("attributes every transaction to its sender and its receipt's gas, once", async function () {
    const f = await loadFixture(playedGame);
    const r = await replayGame(f.c, f.id);
    const provider = f.c.disputeGame!.runner!.provider!;
    const openReceipt = (await provider.getTransactionReceipt(r.entries[0].tx))!;
    const moveGas = f.moves.reduce((s, m) => s + m.gas, 0n);
    expect(r.totals.openGas).to.equal(openReceipt.gasUsed);
    expect(r.totals.gas).to.equal(openReceipt.gasUsed + moveGas);
    expect(r.entries.reduce((s, e) => s + e.gas, 0n)).to.equal(r.totals.gas);
    expect(r.totals.moves).to.equal(f.moves.length);
    expect(r.totals.transactions).to.equal(f.moves.length + 1);
    // A round is a challenger decision answering a solver post (the bench's definition).
    expect(r.totals.rounds).to.equal(f.moves.filter((m) => m.side === Side.Challenger).length);
    for (const e of r.entries) {
      const receipt = (await provider.getTransactionReceipt(e.tx))!;
      expect(e.txGas).to.equal(receipt.gasUsed);
      expect(e.from).to.equal(receipt.from);
      expect(e.role).to.equal(receipt.from === f.solver.address ? "solver" : "challenger");
    }
    // Each move's events carry the move's call name; the solver's moves are the solver's calls.
    const solverCalls = r.entries.filter((e) => e.role === "solver" && e.gas > 0n).map((e) => e.call);
    expect(solverCalls).to.deep.equal(
      f.moves.filter((m) => m.side === Side.Solver).map((m) => m.move.split(":")[0]),
    );
  });

  it("tells the story in words an auditor can follow, settlement included", async function () {
    const f = await loadFixture(playedGame);
    const r = await replayGame(f.c, f.id);
    const texts = r.entries.map((e) => e.text);
    expect(texts[0]).to.match(/^challenger 0x\w+….* opened the game on task 1, interval 3 \(steps 6\.\.9\)/);
    expect(texts).to.satisfy((t: string[]) =>
      t.some((x) => /^solver posted 2 step claims for steps 6\.\.9$/.test(x)),
    );
    expect(texts).to.satisfy((t: string[]) =>
      t.some((x) => /^challenger chose segment \d: steps 7\.\.8 \(step 8 disputed\)$/.test(x)),
    );
    expect(texts).to.satisfy((t: string[]) =>
      t.some((x) => /^solver posted op \d+ \(MatMul\) output hash 0x[0-9a-f]+….*K=\d+\)$/.test(x)),
    );
    // The one-step call's op descriptor gives the output scale, so the value is also shown as a real number.
    expect(texts).to.satisfy((t: string[]) =>
      t.some((x) =>
        /^challenger named element \d+ \(claimed value -?\d+ = -?[\d.e+-]+ at scale 2\^-\d+\)$/.test(x),
      ),
    );
    const resolved = texts[texts.length - 1];
    expect(resolved).to.match(/^solver settled the game; task 1 rejected, 50\.0 of the solver stake burned to the sink; /);
    expect(resolved).to.match(/slashed 50\.0 \(all to the sink\)/);
    expect(resolved).to.include("10.0 of");
    const settlement = r.entries[r.entries.length - 1].fields.settlement as { event: string }[];
    expect(settlement.map((s) => s.event)).to.include.members([
      "DisputeResolved",
      "TaskRejected",
      "StakeSlashed",
      "StakeUnlocked",
    ]);

    // The task's chain program names the same ops.
    const named = await replayGame(f.c, f.id, { chainProgram: chainProgram(bundle.program) });
    expect(named.entries.map((e) => e.text)).to.deep.equal(texts);
    const lines = transcriptLines(r);
    expect(lines[1]).to.match(/^#1 challenger .* \(gas [\d,]+\)$/);
    // Later events of one transaction carry no gas of their own.
    expect(lines.filter((l) => l.includes("↳")).length).to.equal(
      r.entries.filter((e) => e.gas === 0n).length,
    );
    expect(lines.filter((l) => l.includes("↳")).every((l) => !l.includes("(gas"))).to.equal(true);
    expect(lines.at(-1)).to.match(
      /^\d+ moves after the open, \d+ rounds, \d+ transactions, gas [\d,]+ \(open [\d,]+\)/,
    );
  });

  it("names a keeper that times out a silent side and settles the game; a game still open or not yet settled", async function () {
    const f = await loadFixture(agentsFixture);
    const executor = await createExecutor(bundle.program);
    try {
      const store = await tempStore();
      const lie = cheatingTrajectory(bundle, STEPS, 8, { executor });
      await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store, claimed: lie });
      await depositStake(f.cv, f.verifier, 20n * E18);
      const honest = taskTrajectory(bundle, STEPS, { executor });
      const id = (await challengeTask(f.cv, f.taskId, bundle, honest, 3))!;
      const open = await replayGame(f.c, id);
      expect(open.outcome).to.equal(undefined);
      expect(open.entries.map((e) => e.event)).to.deep.equal(["GameOpened"]);
      expect(transcriptLines(open)).to.include("outcome: the game is still open");

      // The solver never moves; the submitter (a third party) calls timeout after the clock runs out.
      await time.increase(7 * 24 * 3600);
      await (await f.c.disputeGame!.timeout(id)).wait();
      const decided = await replayGame(f.c, id);
      const last = decided.entries[decided.entries.length - 1];
      expect(last).to.deep.include({ event: "GameDecided", role: "keeper", call: "timeout" });
      expect(last.text).to.equal("decided: challenger won by timeout");
      expect(decided.outcome).to.deep.equal({
        winner: "challenger",
        byTimeout: true,
        how: "timeout",
        settled: false,
      });
      expect(transcriptLines(decided)).to.include(
        "outcome: challenger won by timeout (not settled yet: anyone may call settle)",
      );
      // The keeper settles too.
      await (await f.c.disputeGame!.settle(id)).wait();
      const r = await replayGame(f.c, id);
      const settled = r.entries[r.entries.length - 1];
      expect(settled).to.deep.include({ event: "GameSettled", role: "keeper", call: "settle" });
      expect(settled.text).to.match(
        /^keeper settled the game; task 1 rejected, 50\.0 of the solver stake burned to the sink; /,
      );
      expect(r.outcome).to.deep.equal({
        winner: "challenger",
        byTimeout: true,
        how: "timeout",
        settled: true,
      });
      expect(transcriptLines(r)).to.include("outcome: challenger won by timeout");
      expect(r.totals).to.include({ moves: 2, rounds: 0, transactions: 3 });
    } finally {
      await executor.dispose();
    }
  });

  describe("link contests", function () {
    const texts = (r: GameReplay) => r.entries.map((e) => e.text);

    it("a wrong batch element: R_0 contested, slot and batch descents, decided by opening the dataset", async function () {
      const fault = { kind: "input", step: 8, element: 3, delta: 1 << 16 } as const;
      const { replay: r } = await disputed(
        (executor) => taskTrajectory(bundle, STEPS, { faults: [fault], executor }),
        (executor) => taskTrajectory(bundle, STEPS, { executor }),
      );
      expect(texts(r)).to.include(
        "challenger contested that R_0 follows from S_7, the program and the batch",
      );
      expect(texts(r)).to.include("game entered level InitialSlots: descent over R_0's slot list");
      expect(texts(r).some((t) => /^challenger chose child \d+: slot \d+ of R_0$/.test(t))).to.equal(true);
      expect(
        texts(r).some((t) =>
          /^solver proved the descriptor of slot \d+ of R_0: the batch input tensor; game entered level BatchElement/.test(
            t,
          ),
        ),
      ).to.equal(true);
      expect(texts(r)).to.include("solver revealed leaf 0 of the batch tensor (1024 bytes)");
      expect(texts(r).some((t) => /^challenger named element 3 \(claimed value -?\d+\)$/.test(t))).to.equal(
        true,
      );
      expect(r.outcome).to.deep.equal({
        winner: "challenger",
        byTimeout: false,
        how: "dataset opening",
        settled: true,
      });
      expect(r.entries.find((e) => e.event === "GameDecided")!.call).to.equal("proveBatchElement");
      const decisions = ["choose", "chooseElement", "contestInitial", "contestFinal", "contestOpOutput"];
      expect(r.totals.rounds).to.equal(
        r.entries.filter((e) => e.role === "challenger" && e.gas > 0n && decisions.includes(e.call!)).length,
      );
    });

    it("a claimed S_t that R_M does not give: S_t contested, state descent, the solver cannot prove it and is timed out", async function () {
      const fault = { kind: "next-state", step: 8, state: 1, element: 0, delta: 1 } as const;
      const { replay: r } = await disputed(
        (executor) => taskTrajectory(bundle, STEPS, { faults: [fault], executor }),
        (executor) => taskTrajectory(bundle, STEPS, { executor }),
      );
      expect(texts(r)).to.include("challenger contested that R_M of step 8 gives S_8");
      expect(texts(r).some((t) => /^challenger chose child \d+: state tensor 1 of S_8$/.test(t))).to.equal(
        true,
      );
      expect(texts(r)).to.include(
        "game entered level FinalStateProof: the solver must prove the contested state tensor from R_M",
      );
      // The challenger's agent times the silent solver out, then settles.
      const [decided, settled] = r.entries.slice(-2);
      expect(decided).to.deep.include({
        event: "GameDecided",
        role: "challenger",
        call: "timeout",
        text: "decided: challenger won by timeout",
      });
      expect(settled.text).to.match(/^challenger settled the game; task 1 rejected/);
      expect(r.outcome).to.deep.equal({
        winner: "challenger",
        byTimeout: true,
        how: "timeout",
        settled: true,
      });
    });

    it("a challenger that contests correct op-output claims loses to the op-output proof and is slashed", async function () {
      const { replay: r, moves } = await disputed(
        (executor) => taskTrajectory(bundle, STEPS, { executor }),
        (executor) => cheatingTrajectory(bundle, STEPS, 8, { executor }),
        { contestOpOutput: true },
      );
      expect(
        texts(r).some((t) => /^challenger contested op \d+ \(MatMul\)'s output claims$/.test(t)),
      ).to.equal(true);
      expect(
        texts(r).some((t) =>
          /^game entered level OpOutputProof: the solver must prove its claims about op \d+ \(MatMul\)'s output$/.test(
            t,
          ),
        ),
      ).to.equal(true);
      const [decided, settled] = r.entries.slice(-2);
      expect(decided.text).to.match(/^decided: solver won by op-output proof \(solver called proveOp\w+\)$/);
      expect(settled.text).to.match(
        /^solver settled the game; 0x\w+….* slashed 10\.0 \(8\.0 to 0x\w+….*, 2\.0 to the sink\)$/,
      );
      expect(r.outcome).to.deep.include({ winner: "solver", how: "op-output proof" });
      expect(r.totals.gas).to.equal(r.totals.openGas + moves.reduce((a, m) => a + m.gas, 0n));
    });
  });

  describe("seeGameThrough", function () {
    // loadFixture reuses one fixture's executor across tests: dispose them all at the end.
    const executors: Executor[] = [];
    after(async () => Promise.all(executors.splice(0).map((e) => e.dispose())));

    /** A game opened on a cheating solver's task, no move made yet. */
    async function openGame() {
      const f = await agentsFixture();
      const executor = await createExecutor(bundle.program);
      const store = await tempStore();
      const lie = cheatingTrajectory(bundle, STEPS, 8, { executor });
      await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store, claimed: lie });
      await depositStake(f.cv, f.verifier, 20n * E18);
      const honest = taskTrajectory(bundle, STEPS, { executor });
      const id = (await challengeTask(f.cv, f.taskId, bundle, honest, 3))!;
      executors.push(executor);
      const solverPlayer = await disputePlayer(f.cs, Side.Solver, bundle, lie);
      const challengerPlayer = await disputePlayer(f.cv, Side.Challenger, bundle, honest);
      return { ...f, id, solverPlayer, challengerPlayer };
    }

    it("checks that the account is the party it claims to be", async function () {
      const f = await loadFixture(openGame);
      expect(await gameParty(f.cs, f.id, Side.Solver, f.solver.address)).to.include({
        task: f.taskId,
        challenger: f.verifier.address,
      });
      const err = await gameParty(f.cv, f.id, Side.Solver, f.verifier.address).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InputError);
      expect((err as InputError).code).to.equal("NOT_A_PARTY");
      const unknown = await gameParty(f.cv, 5n, Side.Challenger, f.verifier.address).catch((e: unknown) => e);
      expect((unknown as InputError).message).to.equal("game 5 does not exist (1 opened so far)");
    });

    it("gives up after maxWaitSeconds without a change, reporting the game open, and resumes where the chain stands", async function () {
      const f = await loadFixture(openGame);
      const events: DisputeEvent[] = [];
      // The solver is to move: the challenger waits, then gives up.
      const waited = await seeGameThrough(f.cv, f.challengerPlayer, f.id, {
        pollMs: 5,
        maxWaitSeconds: 0.05,
        onEvent: (e) => events.push(e),
      });
      expect(waited).to.deep.include({ status: "open", side: Side.Challenger, moves: [] });
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ kind: "waiting", opponent: Side.Solver });
      expect((events[0] as { secondsLeft: number }).secondsLeft).to.be.within(
        3 * 24 * 3600 - 60,
        3 * 24 * 3600,
      );
      // The solver makes its first move and then waits for the (now silent) challenger.
      const first = await seeGameThrough(f.cs, f.solverPlayer, f.id, { pollMs: 5, maxWaitSeconds: 0.05 });
      expect(first.status).to.equal("open");
      expect(first.moves.map((m) => m.move)).to.deep.equal(["bisect:Steps"]);
      // Both sides in one process, concurrently, from the chain state alone, to the end.
      const [s, c] = await Promise.all([
        seeGameThrough(f.cs, f.solverPlayer, f.id, { pollMs: 5 }),
        seeGameThrough(f.cv, f.challengerPlayer, f.id, { pollMs: 5 }),
      ]);
      for (const r of [s, c])
        expect(r).to.deep.include({ status: "resolved", winner: "challenger", byTimeout: false });
      expect(s.moves.some((m) => m.move.startsWith("oneStep:"))).to.equal(true);
      expect(c.moves[0].move).to.equal("choose:Steps");
      // Exactly one of the two settles (the other finds the game settled, or loses the race harmlessly).
      expect([...s.moves, ...c.moves].filter((m) => m.move === "settle")).to.have.length(1);
    });

    it("times out an opponent whose clock has run out; a side whose own clock ran out gets CLOCK_EXPIRED", async function () {
      const f = await loadFixture(openGame);
      await time.increase(3 * 24 * 3600 + 1);
      const err = await seeGameThrough(f.cs, f.solverPlayer, f.id, { pollMs: 5 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ChainError);
      expect((err as ChainError).code).to.equal("CLOCK_EXPIRED");
      expect((err as ChainError).message).to.equal(
        `our clock in game ${f.id} has run out: the game is lost by timeout (anyone may now call timeout)`,
      );
      const events: DisputeEvent[] = [];
      const r = await seeGameThrough(f.cv, f.challengerPlayer, f.id, {
        pollMs: 5,
        onEvent: (e) => events.push(e),
      });
      expect(r).to.deep.include({ status: "resolved", winner: "challenger", byTimeout: true });
      expect(r.moves.map((m) => m.move)).to.deep.equal(["settle"]);
      expect(events.map((e) => e.kind)).to.deep.equal(["timedOut", "move"]);
      expect(events[0]).to.deep.equal({ kind: "timedOut", opponent: Side.Solver });
    });
  });

  it("rejects a game that was never opened", async function () {
    const f = await loadFixture(agentsFixture);
    const err = await replayGame(f.c, 99n).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).code).to.equal("UNKNOWN_GAME");
    expect((err as InputError).message).to.match(/^game 99 was never opened on 0x/);
  });
});
