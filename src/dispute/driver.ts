/**
 * Plays a dispute game to the end between two {@link Player}s (tests, fault injection, bench,
 * demo): whoever is to move acts; a side that stays silent (or whose move reverts) is timed out
 * by a third party once its clock has run out. Once a move (or the timeout) has decided the
 * game, the keeper settles it (`settle`: TaskMarket resolution and the bond), a transaction of
 * its own. Time is advanced through a callback so the driver runs on any chain (Hardhat's
 * `time.increase` in tests).
 */
import type { DisputeGame, TaskMarket } from "../../typechain-types";
import { ChainError } from "../errors";
import { type GameView, type MoveRecord, type Player, readGame } from "./player";
import { isDecided, Level, Side } from "./types";

export interface PlayOptions {
  readonly game: DisputeGame;
  /** Signs the timeout and settle calls (anyone may). */
  readonly keeper: DisputeGame;
  readonly solver: Player;
  readonly challenger: Player;
  /** Advances chain time by `seconds` (and mines a block). */
  readonly advanceTime: (seconds: number) => Promise<void>;
  /** Safety limit on moves (default 200). */
  readonly maxMoves?: number;
  /** Settle the decided game (default true); false leaves it Decided for the caller. */
  readonly settle?: boolean;
  /**
   * Called before every move with the game as the mover sees it (adversaries in tests: stalling
   * to the edge of the mover's clock, trying malformed moves first).
   */
  readonly beforeMove?: (g: GameView) => Promise<void>;
  /**
   * The market, signed by the keeper: after a settlement the challenger won, its reward share is
   * claimed for it once no other game on the task is open (`claimChallengeReward`).
   */
  readonly market?: TaskMarket;
}

export interface PlayResult {
  readonly winner: Side;
  readonly byTimeout: boolean;
  readonly moves: MoveRecord[];
  /** Moves that reverted (corrupted proofs), with the error names. */
  readonly rejected: { side: Side; level: Level; error: string }[];
  /** Whether the game was settled (level Settled). */
  readonly settled: boolean;
  /** gasUsed of the `settle` transaction (0 when not settled here). */
  readonly settleGas: bigint;
  /** Gas of every move plus the settlement (the open excluded). */
  readonly totalGas: bigint;
  /** Stake slashed from the solver for the challenger by the reward claim (when one was made). */
  readonly rewardClaimed?: bigint;
}

/** Plays game `id` until it is decided, then settles it (unless `settle: false`). */
export async function playGame(id: bigint, o: PlayOptions): Promise<PlayResult> {
  const moves: MoveRecord[] = [];
  const rejected: { side: Side; level: Level; error: string }[] = [];
  const silent = new Set<Side>();
  const limit = o.maxMoves ?? 200;
  for (let i = 0; i < limit; i++) {
    const g = await readGame(o.game, id);
    if (isDecided(g.level)) break;
    const player = g.toMove === Side.Solver ? o.solver : o.challenger;
    let rec: MoveRecord | null = null;
    if (!silent.has(g.toMove) && o.beforeMove) await o.beforeMove(g);
    if (!silent.has(g.toMove)) {
      try {
        rec = await player.act(id);
      } catch (err) {
        rejected.push({ side: g.toMove, level: g.level, error: errorName(o.game, err) });
        silent.add(g.toMove);
      }
    }
    if (rec) {
      moves.push(rec);
      continue;
    }
    silent.add(g.toMove);
    const [, solverLeft, challengerLeft] = await o.game.clockOf(id);
    const left = Number(g.toMove === Side.Solver ? solverLeft : challengerLeft);
    await o.advanceTime(left + 1);
    const tx = await o.keeper.timeout(id);
    const r = await tx.wait();
    moves.push({ side: Side.None, move: "timeout", level: g.level, gas: r?.gasUsed ?? 0n });
  }
  const decided = await o.game.getGame(id);
  if (!isDecided(Number(decided.level) as Level))
    throw new ChainError("DISPUTE_UNFINISHED", `game ${id} did not finish within ${limit} moves`);
  let settleGas = 0n;
  if (o.settle !== false && Number(decided.level) === Level.Decided) {
    const r = await (await o.keeper.settle(id)).wait();
    settleGas = r?.gasUsed ?? 0n;
  }
  const final = await o.game.getGame(id);
  let rewardClaimed: bigint | undefined;
  if (o.market && Number(final.level) === Level.Settled && Number(final.winner) === Side.Challenger) {
    const [wins, task] = await Promise.all([
      o.market.unclaimedWins(final.task, final.challenger),
      o.market.getTask(final.task),
    ]);
    if (wins > 0n && task.openDisputes === 0n) {
      const r = await (await o.market.claimChallengeReward(final.task, final.challenger)).wait();
      for (const log of r?.logs ?? []) {
        const parsed = o.market.interface.parseLog(log);
        if (parsed?.name === "ChallengeRewardClaimed") rewardClaimed = parsed.args.amount as bigint;
      }
    }
  }
  const last = moves.at(-1);
  const moveGas = moves.reduce((a, m) => a + m.gas, 0n);
  return {
    winner: Number(final.winner) as Side,
    byTimeout: last?.move === "timeout",
    moves,
    rejected,
    settled: Number(final.level) === Level.Settled,
    settleGas,
    totalGas: moveGas + settleGas,
    ...(rewardClaimed !== undefined ? { rewardClaimed } : {}),
  };
}

/** The custom error a rejected move reverted with (decoded with the game's ABI), else the message. */
function errorName(game: DisputeGame, err: unknown): string {
  const e = err as { errorName?: string; shortMessage?: string; message?: string; data?: string };
  if (e.errorName) return e.errorName;
  if (typeof e.data === "string") {
    try {
      const parsed = game.interface.parseError(e.data);
      if (parsed) return parsed.name;
    } catch {
      // not one of the game's errors
    }
  }
  return e.shortMessage ?? e.message ?? String(err);
}
