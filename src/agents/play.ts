/**
 * Seeing a game through: the loop `pin dispute` runs to play one side of a game from chain state
 * until it is decided and settled, restartable at any point.
 */
import type { PinpointContracts } from "../chain";
import { chainCall } from "../chain";
import { ChainError, InputError, PinpointError } from "../errors";
import { Level, type MoveRecord, type Player, Side } from "../dispute";
import { gameOutcome, tendGame } from "./dispute";

/** The parties of a game, checked against the account that wants to play `side`. */
export async function gameParty(
  c: PinpointContracts,
  gameId: bigint,
  side: Side,
  account: string,
): Promise<{ task: bigint; solver: string; challenger: string; level: Level }> {
  const game = c.disputeGame;
  if (!game)
    throw new InputError(
      "NO_DISPUTE_GAME",
      "this deployment has no DisputeGame address: redeploy with `pin deploy`",
    );
  const g = await chainCall(`read game ${gameId}`, () => game.getGame(gameId));
  if (g.level === 0n)
    throw new InputError(
      "UNKNOWN_GAME",
      `game ${gameId} does not exist (${await game.gameCount()} opened so far)`,
      { game: gameId.toString() },
    );
  const party = side === Side.Solver ? g.solver : g.challenger;
  if (party.toLowerCase() !== account.toLowerCase()) {
    const name = side === Side.Solver ? "solver" : "challenger";
    throw new InputError(
      "NOT_A_PARTY",
      `account ${account} is not the ${name} of game ${gameId} (${party}): pass the ${name}'s --account`,
      {
        game: gameId.toString(),
        side: name,
        expected: party,
        account,
      },
    );
  }
  return { task: g.task, solver: g.solver, challenger: g.challenger, level: Number(g.level) as Level };
}

/** Progress of {@link seeGameThrough}. */
export type DisputeEvent =
  | { readonly kind: "move"; readonly move: MoveRecord }
  | { readonly kind: "timedOut"; readonly opponent: Side }
  | { readonly kind: "waiting"; readonly opponent: Side; readonly secondsLeft: number };

export interface SeeThroughOptions {
  /** Milliseconds between polls when nothing happened (default 1000). */
  readonly pollMs?: number;
  /** Give up after this many seconds without any change in the game (default: wait until resolved). */
  readonly maxWaitSeconds?: number;
  readonly onEvent?: (e: DisputeEvent) => void;
}

export interface DisputeRun {
  readonly game: bigint;
  readonly side: Side;
  /** Moves this run made (a restarted run lists only its own). */
  readonly moves: readonly MoveRecord[];
  /** "open" when the run gave up waiting (maxWaitSeconds) before the game was decided and settled. */
  readonly status: "resolved" | "open";
  readonly winner?: "solver" | "challenger";
  readonly byTimeout?: boolean;
}

/**
 * Tends game `gameId` for `player` until it is decided and settled: moves whenever it is the
 * player's turn, times out an opponent whose clock has run out, settles the decided game (a
 * `settle` it sends is listed as a move), and otherwise polls. All state comes from the
 * chain, so a run can be stopped and restarted at any point. With `maxWaitSeconds`, returns
 * status "open" once the game has not changed for that long (a silent opponent whose clock has
 * not yet run out). Throws ChainError CLOCK_EXPIRED when the player's own clock has run out.
 */
export async function seeGameThrough(
  c: PinpointContracts,
  player: Player,
  gameId: bigint,
  opts: SeeThroughOptions = {},
): Promise<DisputeRun> {
  const game = c.disputeGame;
  if (!game)
    throw new InputError(
      "NO_DISPUTE_GAME",
      "this deployment has no DisputeGame address: redeploy with `pin deploy`",
    );
  const pollMs = opts.pollMs ?? 1000;
  const moves: MoveRecord[] = [];
  const side = player.side;
  const opponent = side === Side.Solver ? Side.Challenger : Side.Solver;
  let lastChange = Date.now();
  let lastKey = "";
  // One "waiting" event per opponent turn (reset by each of our moves).
  let announcedWait = false;
  for (;;) {
    let r: Awaited<ReturnType<typeof tendGame>>;
    try {
      r = await tendGame(c, player, gameId);
    } catch (err) {
      if (err instanceof PinpointError && err.code === "REVERT_DisputeClockExpired") {
        throw new ChainError(
          "CLOCK_EXPIRED",
          `our clock in game ${gameId} has run out: the game is lost by timeout (anyone may now call timeout)`,
          { game: gameId.toString() },
          { cause: err },
        );
      }
      throw err;
    }
    if (r.move) {
      moves.push(r.move);
      opts.onEvent?.({ kind: "move", move: r.move });
    }
    if (r.timedOut) opts.onEvent?.({ kind: "timedOut", opponent });
    if (r.settled) {
      const settle: MoveRecord = { side, move: "settle", level: Level.Decided, gas: r.settled.gas };
      moves.push(settle);
      opts.onEvent?.({ kind: "move", move: settle });
    }
    if (r.resolved) {
      const o = await gameOutcome(c, gameId);
      return { game: gameId, side, moves, status: "resolved", winner: o.winner, byTimeout: o.byTimeout };
    }
    if (r.move) {
      lastChange = Date.now();
      announcedWait = false;
      continue;
    }
    // Nothing to do: the opponent is to move. Note any change it made, then wait.
    const g = await game.getGame(gameId);
    const [toMove, solverLeft, challengerLeft] = await game.clockOf(gameId);
    const key = `${g.level}:${g.lo}:${g.hi}:${g.pending}:${toMove}`;
    if (key !== lastKey) {
      lastKey = key;
      lastChange = Date.now();
    }
    if (Number(toMove) === opponent && !announcedWait) {
      announcedWait = true;
      opts.onEvent?.({
        kind: "waiting",
        opponent,
        secondsLeft: Number(opponent === Side.Solver ? solverLeft : challengerLeft),
      });
    }
    if (opts.maxWaitSeconds !== undefined && Date.now() - lastChange >= opts.maxWaitSeconds * 1000) {
      return { game: gameId, side, moves, status: "open" };
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
}
