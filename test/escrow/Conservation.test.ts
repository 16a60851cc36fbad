/**
 * Token conservation under seeded random sequences of every market and staking action, across
 * several accounts, with the dispute hooks driven by an EOA wired as the market's dispute game
 * (bonds locked, slashed and unlocked through the market, as the DisputeGame does).
 *
 * After every step:
 *  - token.balanceOf(StakeManager) == Σ_accounts (free + locked + pending), read from the contract;
 *  - token.balanceOf(TaskMarket)   == Σ reward of tasks in Open / Claimed / Submitted / Rejected;
 *  - every on-chain balance, lock and task field equals an independent TypeScript model;
 *  - the market's locks equal, per account, Σ solverStake of its Claimed / Submitted tasks + the
 *    unpaid reward pot of its rejected tasks + Σ bonds of its open games;
 *  - minted == Σ wallets + both contracts (nothing created or destroyed).
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  deployMarketFixture,
  E18,
  randomHash,
  randomHashes,
  Status,
  TestConfig,
  type MarketFixture,
} from "../fixtures/market";

const SEEDS = [1, 2, 3];
const STEPS = 140;
const BPS = 10_000n;

/** mulberry32: small, fast, seedable. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const big = (lo: bigint, hi: bigint): bigint =>
    lo + (BigInt(Math.floor(next() * 1e12)) * (hi - lo)) / 1_000_000_000_000n;
  return { next, int, pick, big };
}

interface Acct {
  free: bigint;
  locked: bigint;
  pending: bigint;
  releaseTime: bigint;
  wallet: bigint;
}

interface MTask {
  id: bigint;
  submitter: HardhatEthersSigner;
  solver: HardhatEthersSigner | null;
  reward: bigint;
  stake: bigint;
  n: number;
  solveWindow: bigint;
  challengeWindow: bigint;
  committed: number;
  batches: number;
  status: bigint;
  deadline: bigint;
  openDisputes: number;
  /** Open games: the challenger and the bond the market locked from it. */
  games: { challenger: HardhatEthersSigner; bond: bigint }[];
  /** Unclaimed winning games per challenger address. */
  wins: Map<string, number>;
  winningGames: number;
  claimedWins: number;
  /** Reward paid out of the pot (half the stake, rounded down). */
  paid: bigint;
}

const OWING: readonly bigint[] = [Status.Open, Status.Claimed, Status.Submitted, Status.Rejected];

class Model {
  accts = new Map<string, Acct>();
  tasks: MTask[] = [];
  minted = 0n;

  acct(addr: string): Acct {
    let a = this.accts.get(addr);
    if (!a) {
      a = { free: 0n, locked: 0n, pending: 0n, releaseTime: 0n, wallet: 0n };
      this.accts.set(addr, a);
    }
    return a;
  }

  slash(from: string, amount: bigint, beneficiary: string, sink: string): void {
    const toSink = (amount * BigInt(TestConfig.slashSinkBps)) / BPS;
    this.acct(from).locked -= amount;
    this.acct(beneficiary).free += amount - toSink;
    this.acct(sink).free += toSink;
  }
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

async function checkInvariants(f: MarketFixture, model: Model, step: string): Promise<void> {
  const sm = f.stakeManager;
  const market = await f.market.getAddress();
  let stakeOwed = 0n;
  let wallets = 0n;
  const marketLocks = new Map<string, bigint>();
  const add = (addr: string, x: bigint) => marketLocks.set(addr, (marketLocks.get(addr) ?? 0n) + x);
  for (const t of model.tasks) {
    if (t.solver && (t.status === Status.Claimed || t.status === Status.Submitted)) add(t.solver.address, t.stake);
    if (t.solver && (t.status === Status.Rejected || t.status === Status.Refunded)) add(t.solver.address, t.stake / 2n - t.paid);
    for (const g of t.games) add(g.challenger.address, g.bond);
  }
  for (const [addr, a] of model.accts) {
    const b = await sm.balancesOf(addr);
    expect([b.free, b.locked, b.pending, b.releaseTime], `${step}: balances of ${addr}`).to.deep.equal([
      a.free,
      a.locked,
      a.pending,
      a.releaseTime,
    ]);
    expect(await sm.lockedBy(market, addr), `${step}: market lock of ${addr}`).to.equal(
      marketLocks.get(addr) ?? 0n,
    );
    expect(await sm.lockedBy(f.dispute.address, addr), `${step}: nobody but the market locks`).to.equal(0n);
    expect(await f.token.balanceOf(addr), `${step}: wallet of ${addr}`).to.equal(a.wallet);
    stakeOwed += b.free + b.locked + b.pending;
    wallets += a.wallet;
  }
  let escrowOwed = 0n;
  for (const t of model.tasks) {
    const c = await f.market.getTask(t.id);
    expect(
      [c.status, c.solver, c.checkpointsCommitted, c.batchCount, c.openDisputes, c.deadline],
      `${step}: task ${t.id}`,
    ).to.deep.equal([
      t.status,
      t.solver?.address ?? "0x0000000000000000000000000000000000000000",
      BigInt(t.committed),
      BigInt(t.batches),
      BigInt(t.openDisputes),
      t.deadline,
    ]);
    if (OWING.includes(c.status)) escrowOwed += c.reward;
  }
  const smBalance = await f.token.balanceOf(await sm.getAddress());
  const marketBalance = await f.token.balanceOf(market);
  expect(smBalance, `${step}: StakeManager holds what it owes`).to.equal(stakeOwed);
  expect(marketBalance, `${step}: TaskMarket holds what it owes`).to.equal(escrowOwed);
  expect(model.minted, `${step}: nothing created or destroyed`).to.equal(wallets + smBalance + marketBalance);
}

async function runSequence(seed: number): Promise<Record<string, number>> {
  const f = await loadFixture(deployMarketFixture);
  const r = rng(seed);
  const model = new Model();
  const users = [f.submitter, f.solver, f.solver2, f.challenger, ...f.others.slice(0, 3)];
  const sink = f.sink.address;
  for (const addr of [sink, f.dispute.address, ...users.map((u) => u.address)]) model.acct(addr);
  const market = f.market;
  const sm = f.stakeManager;
  const counts: Record<string, number> = {};

  const mint = async (u: HardhatEthersSigner, amount: bigint) => {
    await f.token.mint(u.address, amount);
    await f.token.connect(u).approve(await sm.getAddress(), 2n ** 255n);
    await f.token.connect(u).approve(await market.getAddress(), 2n ** 255n);
    model.acct(u.address).wallet += amount;
    model.minted += amount;
  };

  /** Relative weights: progress-making transitions are favoured so long lifecycles happen. */
  const WEIGHTS: Record<string, number> = {
    create: 2,
    deposit: 2,
    requestWithdrawal: 1,
    withdraw: 1,
    cancelWithdrawal: 0.5,
    claim: 3,
    cancel: 0.7,
    commit: 5,
    submitFinal: 5,
    expire: 1,
    finalize: 4,
    openDispute: 2,
    resolve: 3,
    reclaim: 2,
    claimReward: 2,
    wait: 1.5,
  };
  const choose = (actions: Action[]): Action => {
    const total = actions.reduce((acc, a) => acc + WEIGHTS[a.name], 0);
    let x = r.next() * total;
    for (const a of actions) {
      x -= WEIGHTS[a.name];
      if (x < 0) return a;
    }
    return actions[actions.length - 1];
  };

  type Action = { name: string; run: () => Promise<void> };

  for (let step = 0; step < STEPS; step++) {
    const t0 = await now();
    const nextTs = t0 + 1n; // automine: the next transaction's timestamp
    const actions: Action[] = [];
    const byStatus = (s: bigint) => model.tasks.filter((t) => t.status === s);

    actions.push({
      name: "create",
      run: async () => {
        const u = r.pick(users);
        const reward = r.big(1n, 100n * E18);
        const stake = r.big(TestConfig.minSolverStake, 60n * E18);
        const totalSteps = r.int(1, 60);
        const interval = r.int(1, 12);
        const solveWindow = BigInt(r.int(3_600, 4 * 3_600));
        const challengeWindow = BigInt(r.int(3_600, 2 * 3_600));
        const a = model.acct(u.address);
        if (a.wallet < reward) await mint(u, reward);
        await market.connect(u).createTask({
          spec: { programHash: randomHash(), datasetHash: randomHash(), nSamples: 100n, batchSize: 4n },
          initialStateHash: randomHash(),
          totalSteps,
          checkpointInterval: interval,
          reward,
          solverStake: stake,
          solveWindow,
          challengeWindow,
        });
        a.wallet -= reward;
        model.tasks.push({
          id: BigInt(model.tasks.length + 1),
          submitter: u,
          solver: null,
          reward,
          stake,
          n: Math.ceil(totalSteps / interval),
          solveWindow,
          challengeWindow,
          committed: 0,
          batches: 0,
          status: Status.Open,
          deadline: 0n,
          openDisputes: 0,
          games: [],
          wins: new Map(),
          winningGames: 0,
          claimedWins: 0,
          paid: 0n,
        });
      },
    });

    actions.push({
      name: "deposit",
      run: async () => {
        const u = r.pick(users);
        const amount = r.big(1n, 80n * E18);
        const a = model.acct(u.address);
        if (a.wallet < amount) await mint(u, amount);
        await sm.connect(u).deposit(amount);
        a.wallet -= amount;
        a.free += amount;
      },
    });

    const withFree = users.filter((u) => model.acct(u.address).free > 0n);
    if (withFree.length) {
      actions.push({
        name: "requestWithdrawal",
        run: async () => {
          const u = r.pick(withFree);
          const a = model.acct(u.address);
          const amount = r.big(1n, a.free);
          await sm.connect(u).requestWithdrawal(amount);
          a.free -= amount;
          a.pending += amount;
          a.releaseTime = nextTs + BigInt(TestConfig.unbondingDelay);
        },
      });
    }
    const withPending = users.filter((u) => model.acct(u.address).pending > 0n);
    if (withPending.length) {
      actions.push({
        name: "withdraw",
        run: async () => {
          const u = r.pick(withPending);
          const a = model.acct(u.address);
          if (nextTs < a.releaseTime) {
            await expect(sm.connect(u).withdraw())
              .to.be.revertedWithCustomError(sm, "StakeStillUnbonding")
              .withArgs(u.address, a.releaseTime);
            return;
          }
          await sm.connect(u).withdraw();
          a.wallet += a.pending;
          a.pending = 0n;
          a.releaseTime = 0n;
        },
      });
      actions.push({
        name: "cancelWithdrawal",
        run: async () => {
          const u = r.pick(withPending);
          const a = model.acct(u.address);
          await sm.connect(u).cancelWithdrawal();
          a.free += a.pending;
          a.pending = 0n;
          a.releaseTime = 0n;
        },
      });
    }

    const open = byStatus(Status.Open);
    if (open.length) {
      actions.push({
        name: "claim",
        run: async () => {
          const t = r.pick(open);
          // Mostly a solver that can afford it; sometimes anyone (exercises the revert path).
          const able = users.filter((x) => model.acct(x.address).free >= t.stake);
          const u = able.length && r.next() < 0.8 ? r.pick(able) : r.pick(users);
          const a = model.acct(u.address);
          if (a.free < t.stake) {
            await expect(market.connect(u).claim(t.id))
              .to.be.revertedWithCustomError(sm, "StakeInsufficientFree")
              .withArgs(u.address, t.stake, a.free);
            return;
          }
          await market.connect(u).claim(t.id);
          a.free -= t.stake;
          a.locked += t.stake;
          t.solver = u;
          t.status = Status.Claimed;
          t.deadline = nextTs + t.solveWindow;
        },
      });
      actions.push({
        name: "cancel",
        run: async () => {
          const t = r.pick(open);
          await market.connect(t.submitter).cancel(t.id);
          t.status = Status.Cancelled;
          model.acct(t.submitter.address).wallet += t.reward;
        },
      });
    }

    const claimed = byStatus(Status.Claimed);
    const live = claimed.filter((t) => nextTs <= t.deadline);
    const streaming = live.filter((t) => t.committed < t.n - 1);
    if (streaming.length) {
      actions.push({
        name: "commit",
        run: async () => {
          const t = r.pick(streaming);
          const count = r.int(1, Math.min(16, t.n - 1 - t.committed));
          await market.connect(t.solver!).commitCheckpoints(t.id, randomHashes(count));
          t.committed += count;
          t.batches += 1;
        },
      });
    }
    const complete = live.filter((t) => t.committed === t.n - 1);
    if (complete.length) {
      actions.push({
        name: "submitFinal",
        run: async () => {
          const t = r.pick(complete);
          await market.connect(t.solver!).submitFinal(t.id, randomHash());
          t.status = Status.Submitted;
          t.deadline = nextTs + t.challengeWindow;
        },
      });
    }
    const late = claimed.filter((t) => nextTs > t.deadline);
    if (late.length) {
      actions.push({
        name: "expire",
        run: async () => {
          const t = r.pick(late);
          const penalty = (t.stake * BigInt(TestConfig.expiryPenaltyBps)) / BPS;
          await market.expire(t.id);
          const a = model.acct(t.solver!.address);
          model.slash(t.solver!.address, penalty, t.submitter.address, sink);
          a.locked -= t.stake - penalty;
          a.free += t.stake - penalty;
          Object.assign(t, { solver: null, status: Status.Open, deadline: 0n, committed: 0, batches: 0 });
        },
      });
    }

    const submitted = byStatus(Status.Submitted);
    const finalizable = submitted.filter((t) => nextTs >= t.deadline);
    if (finalizable.length) {
      actions.push({
        name: "finalize",
        run: async () => {
          const t = r.pick(finalizable);
          if (t.openDisputes > 0) {
            await expect(market.finalize(t.id))
              .to.be.revertedWithCustomError(market, "TaskMarketDisputesOpen")
              .withArgs(t.id, t.openDisputes);
            return;
          }
          await market.finalize(t.id);
          const a = model.acct(t.solver!.address);
          a.locked -= t.stake;
          a.free += t.stake;
          a.wallet += t.reward;
          t.status = Status.Finalized;
        },
      });
    }
    const challengeable = submitted.filter((t) => nextTs < t.deadline);
    if (challengeable.length) {
      actions.push({
        name: "openDispute",
        run: async () => {
          // As the DisputeGame does: open the dispute, which locks the challenger's bond.
          const t = r.pick(challengeable);
          const challenger = r.pick(users);
          const c = model.acct(challenger.address);
          const bond = c.free === 0n ? 0n : r.big(0n, c.free < 10n * E18 ? c.free : 10n * E18);
          await market.connect(f.dispute).openDispute(t.id, challenger.address, bond);
          c.free -= bond;
          c.locked += bond;
          t.openDisputes += 1;
          t.games.push({ challenger, bond });
        },
      });
    }
    const disputed = model.tasks.filter((t) => t.openDisputes > 0);
    if (disputed.length) {
      actions.push({
        name: "resolve",
        run: async () => {
          // As the DisputeGame does: the loser's bond is slashed to the solver, the winner's unlocked.
          const t = r.pick(disputed);
          const [game] = t.games.splice(r.int(0, t.games.length - 1), 1);
          const challenger = game.challenger;
          if (r.next() < 0.5) {
            await market.connect(f.dispute).resolveForSolver(t.id, challenger.address, game.bond);
            model.slash(challenger.address, game.bond, t.solver!.address, sink);
          } else {
            await market.connect(f.dispute).resolveForChallenger(t.id, challenger.address, game.bond);
            if (t.status === Status.Submitted) {
              // Half the stake (rounded up) is burned to the sink; the rest is the winners' pot.
              const burned = t.stake - t.stake / 2n;
              model.acct(t.solver!.address).locked -= burned;
              model.acct(sink).free += burned;
              t.status = Status.Rejected;
            }
            t.winningGames += 1;
            t.wins.set(challenger.address, (t.wins.get(challenger.address) ?? 0) + 1);
            const c = model.acct(challenger.address);
            c.locked -= game.bond;
            c.free += game.bond;
          }
          t.openDisputes -= 1;
        },
      });
    }
    const claimable = model.tasks.filter(
      (t) =>
        (t.status === Status.Rejected || t.status === Status.Refunded) &&
        t.openDisputes === 0 &&
        [...t.wins.values()].some((w) => w > 0),
    );
    if (claimable.length) {
      actions.push({
        name: "claimReward",
        run: async () => {
          const t = r.pick(claimable);
          const [addr, wins] = r.pick([...t.wins.entries()].filter(([, w]) => w > 0));
          await market.connect(r.pick(users)).claimChallengeReward(t.id, addr);
          const pot = t.stake / 2n;
          const amount = t.claimedWins + wins === t.winningGames ? pot - t.paid : (pot * BigInt(wins)) / BigInt(t.winningGames);
          model.slash(t.solver!.address, amount, addr, sink);
          t.claimedWins += wins;
          t.paid += amount;
          t.wins.set(addr, 0);
        },
      });
    }
    const rejected = byStatus(Status.Rejected);
    if (rejected.length) {
      actions.push({
        name: "reclaim",
        run: async () => {
          const t = r.pick(rejected);
          await market.connect(r.pick(users)).reclaim(t.id);
          model.acct(t.submitter.address).wallet += t.reward;
          t.status = Status.Refunded;
        },
      });
    }
    actions.push({
      name: "wait",
      run: async () => {
        await time.increase(r.pick([60, 600, 600, 1_800, 1_800, 3_600, 7_200, TestConfig.unbondingDelay]));
      },
    });

    const action = choose(actions);
    counts[action.name] = (counts[action.name] ?? 0) + 1;
    // Pin the next block to the timestamp the model assumed (wall-clock drift on a loaded machine).
    await time.setNextBlockTimestamp(nextTs);
    await action.run();
    await checkInvariants(f, model, `seed ${seed} step ${step} (${action.name})`);
  }
  return counts;
}

describe("token conservation (seeded random sequences)", function () {
  const seen: Record<string, number> = {};
  for (const seed of SEEDS) {
    it(`seed ${seed}: contracts always hold exactly what they owe`, async function () {
      const counts = await runSequence(seed);
      if (process.env.CONSERVATION_VERBOSE) console.log(counts);
      for (const [k, v] of Object.entries(counts)) seen[k] = (seen[k] ?? 0) + v;
    });
  }
  it("the seeds together exercise every action", function () {
    const all = [
      "create",
      "deposit",
      "requestWithdrawal",
      "withdraw",
      "cancelWithdrawal",
      "claim",
      "cancel",
      "commit",
    ];
    all.push("submitFinal", "expire", "finalize", "openDispute", "resolve", "reclaim", "claimReward", "wait");
    expect(Object.keys(seen).sort(), JSON.stringify(seen)).to.deep.equal(all.sort());
  });
});
