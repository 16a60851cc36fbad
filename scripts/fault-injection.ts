/**
 * Randomised fault injection for the dispute game (issues #5 and #9): plays PINPOINT_FAULT_SEEDS
 * (default 200) seeded games on the Iris MLP train step, each with one fault at a random level and
 * position on a random dishonest side (sometimes also silent or sending a corrupted proof), and
 * PINPOINT_ADVERSARY_SEEDS (default 60) games against the audit's adversaries in turn: a challenger
 * that re-reads every reveal as the other kind and replays old claims, a cheating solver with 1–5
 * puppet challengers, and both sides stalling on every move (test/dispute/adversaries.ts). Checks
 * that the honest side wins every game (with exact stake balances, the puppet economics and the
 * game-duration bound). Prints one JSON summary line; exits non-zero on any failure.
 *
 *   npx hardhat run scripts/fault-injection.ts
 *   PINPOINT_FAULT_SEEDS=1000 PINPOINT_FAULT_FIRST=5000 npx hardhat run scripts/fault-injection.ts
 */
import { Side } from "../src/dispute";
import { deploySystem, irisWorkload, playFaultScenario } from "../test/dispute/fixture";
import { playAdversaryScenario } from "../test/dispute/adversaries";

async function main(): Promise<void> {
  const n = Number(process.env.PINPOINT_FAULT_SEEDS ?? 200);
  const first = Number(process.env.PINPOINT_FAULT_FIRST ?? 1);
  const s = await deploySystem();
  const w = irisWorkload();
  const failures: string[] = [];
  let honestWins = 0;
  let timeouts = 0;
  let solverHonest = 0;
  let maxMoves = 0;
  const decidedBy: Record<string, number> = {};
  const levels: Record<string, number> = {};
  const t0 = Date.now();
  for (let seed = first; seed < first + n; seed++) {
    const g = await playFaultScenario(s, w, seed);
    if (g.honest === Side.Solver) solverHonest++;
    if (g.byTimeout) timeouts++;
    maxMoves = Math.max(maxMoves, g.moves);
    decidedBy[g.decidedBy] = (decidedBy[g.decidedBy] ?? 0) + 1;
    for (const l of g.levels) levels[l] = (levels[l] ?? 0) + 1;
    if (g.winner === g.honest && g.balancesOk) honestWins++;
    else failures.push(`${g.label} → winner ${Side[g.winner]}, balances ${g.balancesOk ? "ok" : "WRONG"}`);
    if ((seed - first + 1) % 25 === 0) process.stderr.write(`  ${seed - first + 1}/${n} games\n`);
  }
  const nAdv = Number(process.env.PINPOINT_ADVERSARY_SEEDS ?? 60);
  const adversaries: Record<string, { games: number; honestWins: number }> = {};
  let confusionAttempts = 0;
  for (let seed = first; seed < first + nAdv; seed++) {
    const g = await playAdversaryScenario(s, w, seed);
    const a = (adversaries[g.kind] ??= { games: 0, honestWins: 0 });
    a.games++;
    if (g.winner === g.honest && g.ok) a.honestWins++;
    else failures.push(`${g.label} → winner ${Side[g.winner]}, ${JSON.stringify(g.detail)}`);
    if (g.kind === "confuse") confusionAttempts += Number(g.detail.tried);
    if ((seed - first + 1) % 15 === 0)
      process.stderr.write(`  ${seed - first + 1}/${nAdv} adversary games\n`);
  }
  const summary = {
    games: n,
    firstSeed: first,
    honestWins,
    honestWinRate: honestWins / n,
    solverHonest,
    challengerHonest: n - solverHonest,
    byTimeout: timeouts,
    maxMoves,
    decidedBy,
    gamesReachingLevel: levels,
    adversaries,
    confusionAttempts,
    seconds: (Date.now() - t0) / 1000,
    failures,
  };
  console.log(JSON.stringify(summary));
  if (failures.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
