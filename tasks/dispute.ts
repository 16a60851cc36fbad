/** `pin dispute` (play one side of a dispute game until it resolves) and `pin replay` (its transcript). */
import path from "node:path";
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, deviceArg, output, runTask, signerAt } from "./util";

interface DisputeArgs {
  game: number;
  side: string;
  bundle?: string;
  account?: number;
  device: string;
  cheatStep: number;
  checkpoints: string;
  poll: number;
  maxWait?: number;
  json: boolean;
}

interface ReplayArgs {
  game: number;
  bundle?: string;
  fromBlock: number;
  account: number;
  json: boolean;
}

const gas = (g: bigint): string => g.toLocaleString("en-US");
/** Clock time left, e.g. "71 h 59 min" or "42 s". */
const clock = (s: number): string =>
  s < 60 ? `${s} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;

export function registerDisputeTasks(pin: ScopeDefinition): void {
  pin
    .task(
      "dispute",
      "Play one side of a dispute game from chain state until it is decided and settled (restartable)",
    )
    .addPositionalParam("game", "Game id", undefined, types.int)
    .addParam("side", "solver or challenger")
    .addOptionalParam("bundle", "Task bundle URI or path (default: the one the submitter announced on chain)")
    .addOptionalParam(
      "account",
      "Signer account index (default: 1 for the solver, 2 for the challenger)",
      undefined,
      types.int,
    )
    .addOptionalParam("device", "cpu or cuda", "cpu")
    .addOptionalParam(
      "cheatStep",
      "DEMO ONLY: play from evidence with one element of one op wrong at this step (0 = honest)",
      0,
      types.int,
    )
    .addOptionalParam(
      "checkpoints",
      "Solver: its checkpoint store directory (the dispute's evidence starts from the agreed checkpoint there)",
      ".pinpoint/checkpoints",
    )
    .addOptionalParam("poll", "Milliseconds between polls while the opponent is to move", 1000, types.int)
    .addOptionalParam(
      "maxWait",
      "Give up after this many seconds without the game changing (default: wait until settled)",
      undefined,
      types.float,
    )
    .addFlag("json", "Print JSON")
    .setAction(async (args: DisputeArgs, hre) =>
      runTask(args.json, async () => {
        const {
          checkpointAnchors,
          cheatingTrajectory,
          disputePlayer,
          gameParty,
          resolveTaskBundle,
          seeGameThrough,
          Side,
          taskCommitments,
          taskTrajectory,
          verifyBundle,
          Level,
        } = await import("../src/agents");
        const { createExecutor } = await import("../src/exec");
        const { InputError } = await import("../src/errors");
        const { announced } = await import("../src/chain/market");
        const { CheckpointStore } = await import("../src/commit");
        if (args.side !== "solver" && args.side !== "challenger")
          throw new InputError("BAD_SIDE", `--side must be solver or challenger, got ${args.side}`);
        const device = await deviceArg(args.device);
        if (!(args.poll >= 0))
          throw new InputError("BAD_POLL", `--poll must be a number of milliseconds ≥ 0, got ${args.poll}`);
        if (args.maxWait !== undefined && !(args.maxWait >= 0))
          throw new InputError("BAD_MAX_WAIT", `--max-wait must be seconds ≥ 0, got ${args.maxWait}`);
        const side = args.side === "solver" ? Side.Solver : Side.Challenger;
        const signer = await signerAt(hre, args.account ?? (side === Side.Solver ? 1 : 2));
        const c = await contractsFor(hre, signer);
        const gameId = BigInt(args.game);
        const party = await gameParty(c, gameId, side, await signer.getAddress());
        const { task, commitments } = await taskCommitments(c, party.task);
        const bundle = await resolveTaskBundle(c, party.task, args.bundle);
        verifyBundle(bundle, commitments);
        const totalSteps = Number(task.totalSteps);
        if (!args.json)
          console.log(
            `game ${gameId} on task ${party.task}: playing the ${args.side} (${await signer.getAddress()})`,
          );
        const executor = await createExecutor(bundle.program, { device });
        try {
          // Evidence from the agreed checkpoint at the interval's start: the solver's own store, or
          // the files the solver announced (checked against the committed hash); else recomputed.
          const source = await announced(c, party.task, "Checkpoints");
          const anchors = checkpointAnchors(c, party.task, {
            ...(side === Side.Solver ? { store: new CheckpointStore(path.resolve(args.checkpoints)) } : {}),
            ...(source ? { source } : {}),
          });
          const evidence =
            args.cheatStep > 0
              ? cheatingTrajectory(bundle, totalSteps, args.cheatStep, { executor, anchors })
              : taskTrajectory(bundle, totalSteps, { executor, anchors });
          const player = await disputePlayer(c, side, bundle, evidence);
          const run = await seeGameThrough(c, player, gameId, {
            pollMs: args.poll,
            ...(args.maxWait !== undefined ? { maxWaitSeconds: args.maxWait } : {}),
            onEvent: (e) => {
              if (args.json) return;
              const other = e.kind === "move" ? "" : e.opponent === Side.Solver ? "solver" : "challenger";
              if (e.kind === "move")
                console.log(
                  `${args.side}: ${e.move.move} at level ${Level[e.move.level]} (gas ${gas(e.move.gas)})`,
                );
              if (e.kind === "waiting")
                console.log(`waiting for the ${other} (its clock: ${clock(e.secondsLeft)} left)`);
              if (e.kind === "timedOut") console.log(`the ${other} ran out of time: timed the game out`);
            },
          });
          const value = {
            game: gameId,
            task: party.task,
            side: args.side,
            account: await signer.getAddress(),
            status: run.status,
            moves: run.moves.map((m) => ({ move: m.move, level: Level[m.level], gas: m.gas })),
            winner: run.winner ?? null,
            byTimeout: run.byTimeout ?? null,
          };
          output(args.json, value, () => [
            run.status === "resolved"
              ? `game ${gameId} resolved: ${run.winner} won${run.byTimeout ? " by timeout" : ""} (${run.winner === args.side ? "we won" : "we lost"}); ${run.moves.length} move${run.moves.length === 1 ? "" : "s"} made in this run, gas ${gas(run.moves.reduce((s, m) => s + m.gas, 0n))}`
              : `game ${gameId} is still open after waiting ${args.maxWait} s for the opponent: run \`pin dispute ${gameId} --side ${args.side}\` again to go on`,
          ]);
        } finally {
          await executor.dispose();
        }
      }),
    );

  pin
    .task("replay", "Print the move-by-move transcript of a dispute game for an auditor")
    .addPositionalParam("game", "Game id", undefined, types.int)
    .addOptionalParam(
      "bundle",
      "Task bundle URI or path, to name ops and scale values the game did not prove on chain",
    )
    .addOptionalParam("fromBlock", "First block to scan for the game's events", 0, types.int)
    .addOptionalParam("account", "Account index used as the reader", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: ReplayArgs, hre) =>
      runTask(args.json, async () => {
        const { fetchBundle, loadBundle, replayGame, transcriptLines } = await import("../src/agents");
        const { chainProgram } = await import("../src/dispute");
        const c = await contractsFor(hre, await signerAt(hre, args.account));
        const program = args.bundle
          ? chainProgram(loadBundle(await fetchBundle(args.bundle)).program)
          : undefined;
        const r = await replayGame(c, BigInt(args.game), {
          fromBlock: args.fromBlock,
          ...(program ? { chainProgram: program } : {}),
        });
        output(args.json, r, () => transcriptLines(r));
      }),
    );
}
