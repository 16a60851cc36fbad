import { expect } from "chai";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { announced, connectPinpoint, getTask, loadAddresses } from "../../src/chain";

const E18 = 10n ** 18n;

/** Runs `pin` tasks in-process with console output captured (several may run concurrently inside `body`). */
async function captured(
  body: () => Promise<unknown>,
): Promise<{ out: string[]; err: string[]; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    await body();
  } finally {
    console.log = log;
    console.error = error;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, exitCode };
}

const run = (task: string, args: Record<string, unknown>) => hre.run({ scope: "pin", task }, args);

async function pin(task: string, args: Record<string, unknown>): Promise<string> {
  const r = await captured(() => run(task, args));
  expect(r.err, `pin ${task}: ${r.err.join("\n")}`).to.deep.equal([]);
  return r.out.join("\n");
}

describe("pin tasks: dispute and replay", function () {
  let dir: string;

  before(async function () {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pin-dispute-"));
    process.env.PINPOINT_DEPLOYMENTS = path.join(dir, "deployments");
    await pin("deploy", { json: true });
    for (const account of [0, 1, 2]) await pin("mint", { amount: "1000", account });
    await pin("stake", { amount: "200", account: 1 });
    await pin("stake", { amount: "20", account: 2 });
  });

  /** Creates task `id` and solves it with one element wrong at step 6 (DEMO ONLY flag); the verifier opens a game on interval 2. */
  async function cheatedTaskWithGame(id: number): Promise<bigint> {
    await pin("create", {
      json: true,
      reward: "40",
      stake: "100",
      steps: 16,
      interval: 4,
      bundles: path.join(dir, "bundles"),
      account: 0,
    });
    await pin("solve", { id, checkpoints: path.join(dir, "ckpt"), account: 1, cheatStep: 6, json: true });
    const verified = JSON.parse(await pin("verify", { id, all: true, challenge: true, account: 2, json: true }));
    expect(verified.mismatch.index).to.equal(2);
    expect(verified.game).to.be.a("string");
    return BigInt(verified.game);
  }

  after(function () {
    delete process.env.PINPOINT_DEPLOYMENTS;
    process.exitCode = 0;
  });

  it("a cheating solver and an honest challenger play it out as two concurrent `pin dispute` runs; `pin replay` tells the story", async function () {
    const gameId = await cheatedTaskWithGame(1);
    const [, solver, verifier] = await hre.ethers.getSigners();
    const addresses = loadAddresses(process.env.PINPOINT_DEPLOYMENTS!, "hardhat");
    const cv = connectPinpoint(addresses, verifier);

    expect(gameId).to.equal(1n);

    // Input errors are one readable line and exit code 1.
    const wrongAccount = await captured(() =>
      run("dispute", { game: 1, side: "solver", account: 2, poll: 10 }),
    );
    expect(wrongAccount.err).to.deep.equal([
      `error: account ${verifier.address} is not the solver of game 1 (${solver.address}): pass the solver's --account`,
    ]);
    expect(wrongAccount.exitCode).to.equal(1);
    const unknown = await captured(() => run("dispute", { game: 7, side: "challenger", json: true }));
    expect(JSON.parse(unknown.err[0]).error).to.include({ code: "UNKNOWN_GAME" });
    const unknownReplay = await captured(() => run("replay", { game: 9 }));
    expect(unknownReplay.err).to.have.length(1);
    expect(unknownReplay.err[0]).to.match(
      /^error: game 9 was never opened on 0x[0-9a-fA-F]{40} \(searched from block 0\)$/,
    );
    expect(unknownReplay.exitCode).to.equal(1);
    const badSide = await captured(() => run("dispute", { game: 1, side: "referee" }));
    expect(badSide.err).to.deep.equal(["error: --side must be solver or challenger, got referee"]);

    // The solver moves first, then waits for the silent challenger and gives up after --max-wait.
    const first = await pin("dispute", { game: 1, side: "solver", cheatStep: 6, poll: 10, maxWait: 0.3 });
    const lines = first.split("\n");
    expect(lines[0]).to.equal(`game 1 on task 1: playing the solver (${solver.address})`);
    expect(lines[1]).to.match(/^solver: bisect:Steps at level Steps \(gas [\d,]+\)$/);
    expect(lines[2]).to.match(/^waiting for the challenger \(its clock: \d+ h \d+ min left\)$/);
    expect(lines.at(-1)).to.equal(
      "game 1 is still open after waiting 0.3 s for the opponent: run `pin dispute 1 --side solver` again to go on",
    );

    // Both sides concurrently, each restarted from chain state alone.
    const both = await captured(() =>
      Promise.all([
        run("dispute", { game: 1, side: "solver", account: 1, cheatStep: 6, poll: 10, json: true }),
        run("dispute", { game: 1, side: "challenger", account: 2, poll: 10, json: true }),
      ]),
    );
    expect(both.err).to.deep.equal([]);
    expect(both.out).to.have.length(2);
    const results = both.out.map((o) => JSON.parse(o));
    const s = results.find((r) => r.side === "solver");
    const ch = results.find((r) => r.side === "challenger");
    for (const r of [s, ch])
      expect(r).to.include({
        game: "1",
        task: "1",
        status: "resolved",
        winner: "challenger",
        byTimeout: false,
      });
    expect(ch.account).to.equal(verifier.address);
    type Move = { move: string; gas: string };
    expect(s.moves.some((m: Move) => m.move.startsWith("oneStep:"))).to.equal(true);
    // Whoever saw the decided game first settled it, exactly once.
    expect([...s.moves, ...ch.moves].filter((m: Move) => m.move === "settle")).to.have.length(1);
    expect(ch.moves[0]).to.deep.include({ move: "choose:Steps", level: "Steps" });
    expect(s.moves.map((m: { move: string }) => m.move)).to.include.members([
      "postTables",
      "postOpOutput",
      "bisect:Sums",
    ]);

    // The auditor's transcript.
    const replay = JSON.parse(await pin("replay", { game: 1, json: true }));
    expect(replay.outcome).to.deep.include({ winner: "challenger", byTimeout: false, settled: true });
    expect(replay.entries[0]).to.include({ event: "GameOpened", role: "challenger", index: 1 });
    expect(replay.entries.at(-2)).to.include({ event: "GameDecided", role: "solver", call: "oneStep" });
    expect(replay.entries.at(-1)).to.include({ event: "GameSettled", call: "settle" });
    // Every move of both runs (plus the first run's bisect and the open) is in the replay.
    const moveGas = [...s.moves, ...ch.moves].reduce(
      (a: bigint, m: { gas: string }) => a + BigInt(m.gas),
      0n,
    );
    expect(BigInt(replay.totals.gas)).to.equal(
      BigInt(replay.totals.openGas) + moveGas + BigInt(replay.entries[1].gas),
    );
    expect(replay.totals.moves).to.equal(s.moves.length + ch.moves.length + 1);
    expect(replay.totals.rounds).to.equal(ch.moves.filter((m: Move) => m.move !== "settle").length);
    const text = await pin("replay", { game: 1 });
    expect(text).to.match(/^game 1 on task 1, interval 2: solver 0x/);
    expect(text).to.match(/\n#2 solver posted 3 step claims for steps 4\.\.8 \(gas [\d,]+\)\n/);
    expect(text).to.match(
      /\n#\d+ decided: challenger won by one-step check of op \d+ \(MatMul\), element \d+ \(solver called oneStep\) \(gas [\d,]+\)\n/,
    );
    expect(text).to.match(
      /\n#\d+ (solver|challenger) settled the game; task 1 rejected, 50\.0 of the solver stake burned to the sink; .* \(gas [\d,]+\)\n/,
    );
    expect(text).to.match(/\noutcome: challenger won by one-step check/);

    // The solver is slashed: its whole task stake is gone; the task is rejected.
    const c = connectPinpoint(addresses, solver);
    expect((await getTask(c, 1n)).status).to.equal("Rejected");
    const balances = JSON.parse(await pin("balances", { account: 1, json: true }));
    // 200 staked, 100 slashed: half burned to the sink at settlement, half claimed by the winner.
    expect(balances).to.include({ free: (100n * E18).toString(), locked: "0" });
    const challengerBalances = JSON.parse(await pin("balances", { account: 2, json: true }));
    // Its 20-token bond back plus 80 % of the 50-token pot (its `pin dispute` run claimed it).
    expect(challengerBalances).to.include({ free: (20n * E18 + 40n * E18).toString(), locked: "0" });

    // Restarting on a resolved game makes no move and reports the outcome.
    const again = JSON.parse(await pin("dispute", { game: 1, side: "challenger", json: true }));
    expect(again).to.include({ status: "resolved", winner: "challenger" });
    expect(again.moves).to.deep.equal([]);
    expect(await pin("dispute", { game: 1, side: "solver", cheatStep: 6 })).to.equal(
      [
        `game 1 on task 1: playing the solver (${solver.address})`,
        "game 1 resolved: challenger won (we lost); 0 moves made in this run, gas 0",
      ].join("\n"),
    );
    // With the bundle, the transcript is the same (ops were already named by the one-step call).
    const bundleUri = (await announced(cv, 1n, "Bundle"))!;
    expect(await pin("replay", { game: 1, bundle: bundleUri })).to.equal(text);
  });

  it("the challenger's `pin dispute` times out a solver that never moves", async function () {
    const gameId = await cheatedTaskWithGame(2);
    expect(gameId).to.equal(2n);
    await time.increase(3 * 24 * 3600 + 1); // the solver's whole clock budget
    const out = await pin("dispute", { game: 2, side: "challenger", poll: 10 });
    const lines = out.split("\n");
    expect(lines[1]).to.equal("the solver ran out of time: timed the game out");
    expect(lines[2]).to.match(/^challenger: settle at level Decided \(gas ([\d,]+)\)$/);
    const settleGas = lines[2].match(/gas ([\d,]+)/)![1];
    expect(lines.slice(3)).to.deep.equal([
      `game 2 resolved: challenger won by timeout (we won); 1 move made in this run, gas ${settleGas}`,
    ]);
    const replay = JSON.parse(await pin("replay", { game: 2, json: true }));
    expect(replay.entries.map((e: { event: string }) => e.event)).to.deep.equal([
      "GameOpened",
      "GameDecided",
      "GameSettled",
    ]);
    expect(replay.entries[1]).to.include({ role: "challenger", call: "timeout" });
    expect(replay.entries[2]).to.include({ role: "challenger", call: "settle" });
    expect(replay.outcome).to.deep.equal({
      winner: "challenger",
      byTimeout: true,
      how: "timeout",
      settled: true,
    });
    const [, solver] = await hre.ethers.getSigners();
    const c = connectPinpoint(loadAddresses(process.env.PINPOINT_DEPLOYMENTS!, "hardhat"), solver);
    expect((await getTask(c, 2n)).status).to.equal("Rejected");
  });
});
