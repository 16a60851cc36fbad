/**
 * The audit's adversaries (issue 9) as reusable players for tests and `npm run fault-injection`:
 *
 * - **confuse**: at every one of its turns the challenger first re-reads the solver's last reveal
 *   as the other kind (revealed nodes as a short leaf, a revealed leaf as 32 nodes), mutates it
 *   (flipped, truncated, extended, shifted, reordered) and replays claims from earlier positions.
 *   None of these may be accepted, and the honest solver must still win.
 * - **puppets**: a cheating solver opens 1–5 games against itself from puppet accounts before the
 *   honest verifier and concedes them; it must still lose at least half its stake, and the honest
 *   verifier must get its bond back and a positive reward.
 * - **stall**: both sides wait until a minute before their clock runs out on every move; the
 *   honest side must win within `MAX_GAME_DURATION`.
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { concat, getBytes, hexlify } from "ethers";
import type { FaultScenario } from "../../src/dispute/faults";
import { type GameView, Level, playGame, Side, Trajectory } from "../../src/dispute";
import type { DisputeGame } from "../../typechain-types";
import {
  BOND,
  firstDisputedInterval,
  observableScenario,
  openGame,
  player,
  POT,
  SOLVER_STAKE,
  submittedTask,
  type System,
  type Workload,
} from "./fixture";

const { ethers } = hre;

export type AdversaryKind = "confuse" | "puppets" | "stall";
export const ADVERSARIES: readonly AdversaryKind[] = ["confuse", "puppets", "stall"];

/** Result of one adversary game. */
export interface AdversaryGame {
  readonly kind: AdversaryKind;
  readonly label: string;
  readonly honest: Side;
  readonly winner: Side;
  /** Every property of the adversary's kind held (see the module comment). */
  readonly ok: boolean;
  readonly detail: Record<string, string | number>;
}

/** `b` re-read in every wrong way the adversary tries. */
export function mutations(b: Uint8Array): Uint8Array[] {
  const flip = Uint8Array.from(b);
  flip[b.length >> 1] ^= 1;
  const shifted = new Uint8Array(b.length);
  shifted.set(b.subarray(32), 0);
  return [
    flip,
    b.subarray(0, b.length - 1),
    getBytes(concat([b, new Uint8Array(32)])),
    getBytes(concat([b, b])),
    shifted,
  ];
}

/** `b` as 32-byte words (a trailing partial word is dropped). */
export function words(b: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 32 <= b.length; i += 32) out.push(hexlify(b.subarray(i, i + 32)));
  return out;
}

/** What {@link confusionAttempts} tried and which attempts the game wrongly accepted. */
export interface ConfusionTally {
  nodesAsLeaf: number;
  leafAsNodes: number;
  mutated: number;
  replayed: number;
  accepted: string[];
}

export function newTally(): ConfusionTally {
  return { nodesAsLeaf: 0, leafAsNodes: 0, mutated: 0, replayed: 0, accepted: [] };
}

/** Sends `call` as a static call: true if the game would have accepted it. */
async function accepts(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch {
    return false;
  }
}

/**
 * At the challenger's turn: tries every confused re-reading of the solver's last reveal and every
 * replay of earlier claims (static calls, so nothing is mined), recording any the game accepts.
 */
export async function confusionAttempts(
  game: DisputeGame,
  attacker: DisputeGame,
  g: GameView,
  t: ConfusionTally,
): Promise<void> {
  if (g.toMove !== Side.Challenger) return;
  const id = g.id;
  const try_ = async (what: string, call: () => Promise<unknown>) => {
    if (await accepts(call)) t.accepted.push(`${what} at ${Level[g.level]} lo=${g.lo} hi=${g.hi}`);
  };
  const posted = await game.queryFilter(game.filters.ClaimsPosted(id));
  const last = posted.at(-1);
  const descent = g.level === Level.Element || g.level === Level.BatchElement;
  if (descent && g.hi === 0) {
    const ev = (await game.queryFilter(game.filters.LeafRevealed(id))).at(-1);
    if (ev) {
      const leaf = getBytes(ev.args.leaf as string);
      for (const i of [0, 1, 17, 31]) {
        await try_(`leaf as nodes (child ${i})`, () => attacker.choose.staticCall(id, words(leaf), i));
        t.leafAsNodes++;
      }
      for (const bytes of mutations(leaf)) {
        await try_("mutated leaf", () => attacker.chooseElement.staticCall(id, bytes, 3));
        t.mutated++;
      }
    }
  } else if (last) {
    const nodes = Array.from(last.args.claims as string[]);
    const packed = getBytes(concat(nodes));
    if (descent) {
      for (const bytes of [packed, ...mutations(packed)]) {
        for (const slot of [0, 5, 63]) {
          await try_(`nodes as leaf (slot ${slot})`, () =>
            attacker.chooseElement.staticCall(id, bytes, slot),
          );
          t.nodesAsLeaf++;
        }
      }
    }
    if (nodes.length > 1) {
      for (const bad of [
        nodes.slice(1),
        [...nodes].reverse(),
        [...nodes, nodes[0]],
        words(mutations(packed)[0]),
      ]) {
        await try_("mutated claims", () => attacker.choose.staticCall(id, bad, 0));
        t.mutated++;
      }
    }
  }
  // Claims the solver posted earlier (another level or position) are never the pending ones.
  for (const ev of posted.slice(0, -1).slice(-4)) {
    const claims = Array.from(ev.args.claims as string[]);
    await try_(`replayed claims of ${Level[Number(ev.args.level)]} lo=${ev.args.lo}`, () =>
      attacker.choose.staticCall(id, claims, 0),
    );
    t.replayed++;
  }
}

/** The observable scenario for `seed`, its honest side forced to `honest`, without a strategy. */
async function scenarioFor(w: Workload, seed: number, honest?: Side): Promise<FaultScenario> {
  const sc = await observableScenario(w, seed);
  return { ...sc, honest: honest ?? sc.honest, strategy: undefined };
}

async function stakeTotal(s: System, a: string): Promise<bigint> {
  const b = await s.stakeManager.balancesOf(a);
  return b.free + b.locked + b.pending;
}

/**
 * Plays adversary `ADVERSARIES[seed % 3]` on the scenario for `seed`, on a chain snapshot that is
 * reverted afterwards, and checks its properties.
 */
export async function playAdversaryScenario(s: System, w: Workload, seed: number): Promise<AdversaryGame> {
  const kind = ADVERSARIES[seed % ADVERSARIES.length];
  const snap = await hre.network.provider.send("evm_snapshot", []);
  try {
    if (kind === "confuse") return await confuse(s, w, seed);
    if (kind === "puppets") return await puppets(s, w, seed);
    return await stall(s, w, seed);
  } finally {
    await hre.network.provider.send("evm_revert", [snap]);
  }
}

const advanceTime = async (sec: number) => {
  await time.increase(sec);
};

async function confuse(s: System, w: Workload, seed: number): Promise<AdversaryGame> {
  const sc = await scenarioFor(w, seed, Side.Solver);
  const task = await submittedTask(s, w, sc.totalSteps, sc.interval);
  const wrong = new Trajectory(w.program, w.dataset, w.s0, sc.totalSteps, [sc.fault]);
  const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, wrong));
  const tally = newTally();
  const attacker = s.game.connect(s.challenger);
  const r = await playGame(id, {
    game: s.game,
    keeper: s.game.connect(s.keeper),
    solver: player(s, w, Side.Solver, s.solver, task.solverTraj),
    challenger: player(s, w, Side.Challenger, s.challenger, wrong),
    advanceTime,
    beforeMove: (g) => confusionAttempts(s.game, attacker, g, tally),
  });
  const tried = tally.nodesAsLeaf + tally.leafAsNodes + tally.mutated + tally.replayed;
  return {
    kind: "confuse",
    label: `seed ${seed}: confusing challenger, fault ${JSON.stringify(sc.fault)}`,
    honest: Side.Solver,
    winner: r.winner,
    ok: r.winner === Side.Solver && r.settled && tally.accepted.length === 0,
    detail: {
      tried,
      nodesAsLeaf: tally.nodesAsLeaf,
      leafAsNodes: tally.leafAsNodes,
      accepted: tally.accepted.join("; "),
    },
  };
}

async function puppets(s: System, w: Workload, seed: number): Promise<AdversaryGame> {
  const sc = await scenarioFor(w, seed, Side.Challenger);
  const k = 1 + (seed % 5);
  const accounts: HardhatEthersSigner[] = (await ethers.getSigners()).slice(8, 8 + k);
  for (const p of accounts) {
    await s.token.mint(p.address, BOND);
    await s.token.connect(p).approve(await s.stakeManager.getAddress(), BOND);
    await s.stakeManager.connect(p).deposit(BOND);
  }
  const task = await submittedTask(s, w, sc.totalSteps, sc.interval, [sc.fault]);
  const honest = new Trajectory(w.program, w.dataset, w.s0, sc.totalSteps);
  const interval = firstDisputedInterval(task, honest);
  const cheaterBefore = await stakeTotal(s, s.solver.address);
  const puppetsBefore = await Promise.all(accounts.map((p) => stakeTotal(s, p.address)));
  const verifierBefore = await stakeTotal(s, s.challenger.address);
  const puppetGames: bigint[] = [];
  for (const p of accounts) puppetGames.push((await openGame(s, w, task, p, interval)).id);
  const { id } = await openGame(s, w, task, s.challenger, interval);
  const r = await playGame(id, {
    game: s.game,
    keeper: s.game.connect(s.keeper),
    solver: player(s, w, Side.Solver, s.solver, task.solverTraj),
    challenger: player(s, w, Side.Challenger, s.challenger, honest),
    advanceTime,
  });
  // The cheater concedes its puppets' games: it never moves in them.
  for (const g of puppetGames) {
    const [, left] = await s.game.clockOf(g);
    if (left > 0n) await time.increase(Number(left));
    await s.game.connect(s.keeper).timeout(g);
    await s.game.connect(s.keeper).settle(g);
  }
  for (const a of [...accounts.map((p) => p.address), s.challenger.address]) {
    await s.market.connect(s.keeper).claimChallengeReward(task.taskId, a);
  }
  const puppetGain = (
    await Promise.all(accounts.map(async (p, i) => (await stakeTotal(s, p.address)) - puppetsBefore[i]))
  ).reduce((a, b) => a + b, 0n);
  const cheaterLoss = cheaterBefore - (await stakeTotal(s, s.solver.address)) - puppetGain;
  const verifierGain = (await stakeTotal(s, s.challenger.address)) - verifierBefore;
  const locked = (await s.stakeManager.balancesOf(s.challenger.address)).locked;
  return {
    kind: "puppets",
    label: `seed ${seed}: cheating solver with ${k} puppet(s), fault ${JSON.stringify(sc.fault)}`,
    honest: Side.Challenger,
    winner: r.winner,
    ok:
      r.winner === Side.Challenger &&
      cheaterLoss * 2n >= SOLVER_STAKE &&
      verifierGain > 0n &&
      locked === 0n &&
      POT > 0n,
    detail: {
      puppets: k,
      cheaterLoss: ethers.formatEther(cheaterLoss),
      verifierGain: ethers.formatEther(verifierGain),
    },
  };
}

async function stall(s: System, w: Workload, seed: number): Promise<AdversaryGame> {
  const sc = await scenarioFor(w, seed);
  const faults = {
    solver: sc.honest === Side.Challenger ? [sc.fault] : [],
    challenger: sc.honest === Side.Solver ? [sc.fault] : [],
  };
  const task = await submittedTask(s, w, sc.totalSteps, sc.interval, faults.solver);
  const challengerTraj = new Trajectory(w.program, w.dataset, w.s0, sc.totalSteps, faults.challenger);
  const { id } = await openGame(s, w, task, s.challenger, firstDisputedInterval(task, challengerTraj));
  const opened = BigInt(await time.latest());
  const r = await playGame(id, {
    game: s.game,
    keeper: s.game.connect(s.keeper),
    solver: player(s, w, Side.Solver, s.solver, task.solverTraj),
    challenger: player(s, w, Side.Challenger, s.challenger, challengerTraj),
    advanceTime,
    // Stall to a minute before the mover's clock runs out (a side that must move twice keeps a
    // minute for its second move).
    beforeMove: async (g) => {
      const [, solverLeft, challengerLeft] = await s.game.clockOf(g.id);
      const left = g.toMove === Side.Solver ? solverLeft : challengerLeft;
      if (left > 60n) await time.increase(Number(left - 60n));
    },
    settle: false,
  });
  const duration = BigInt(await time.latest()) - opened;
  const max = await s.game.MAX_GAME_DURATION();
  return {
    kind: "stall",
    label: `seed ${seed}: both stall, honest ${Side[sc.honest]}, fault ${JSON.stringify(sc.fault)}`,
    honest: sc.honest,
    winner: r.winner,
    ok: r.winner === sc.honest && duration <= max,
    detail: { hours: Number(duration) / 3600, maxHours: Number(max) / 3600, moves: r.moves.length },
  };
}
