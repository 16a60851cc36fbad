/**
 * Finding 3 of issue 9 ("admin power over user funds"), played as an attacker holding the deployer
 * key after a real deployment from the Dispute Ignition module: the deployer is account 0, the
 * TaskMarket's default admin, and the account that wired StakeManager → TaskMarket → DisputeGame.
 *
 * Whatever it calls, it must not lock, unlock, slash or move any staker's stake, and a
 * configuration change must apply only to tasks created after it.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ParamType } from "ethers";
import { MarketDefaults } from "../../deploy/modules/marketCore";
import { randomHash, Status } from "../fixtures/market";
import {
  BOND,
  deploySystem,
  E18,
  irisWorkload,
  openGame,
  REWARD,
  SINK_BPS,
  SOLVER_STAKE,
  submittedTask,
  type System,
} from "../dispute/fixture";
import type { ITaskMarket } from "../../typechain-types";

const { ethers } = hre;

const SIDE_SOLVER = 1n;
const LEVEL_STEPS = 1n;
const BPS = 10_000n;

/** What the Dispute module was deployed with by {@link deploySystem}. */
const DEPLOYED_CONFIG: ITaskMarket.MarketConfigStruct = {
  minSolverStake: 10n * E18,
  minChallengeWindow: 3600,
  defaultChallengeWindow: MarketDefaults.defaultChallengeWindow,
  defaultSolveWindow: MarketDefaults.defaultSolveWindow,
  expiryPenaltyBps: MarketDefaults.expiryPenaltyBps,
};

/** The harshest configuration the admin can set: every window and minimum moved against the solver. */
const HOSTILE_CONFIG: ITaskMarket.MarketConfigStruct = {
  minSolverStake: 1_000n * E18,
  minChallengeWindow: 30 * 24 * 3600,
  defaultChallengeWindow: 30 * 24 * 3600,
  defaultSolveWindow: 1,
  expiryPenaltyBps: 10_000,
};

/** Creates a task by the submitter with a random spec (one checkpoint interval) and returns its id. */
async function createPlainTask(
  s: System,
  overrides: Partial<ITaskMarket.TaskParamsStruct> = {},
): Promise<bigint> {
  await s.market.connect(s.submitter).createTask({
    spec: { programHash: randomHash(), datasetHash: randomHash(), nSamples: 100n, batchSize: 8n },
    initialStateHash: randomHash(),
    totalSteps: 1,
    checkpointInterval: 1,
    reward: REWARD,
    solverStake: SOLVER_STAKE,
    solveWindow: 0,
    challengeWindow: 0,
    ...overrides,
  });
  return s.market.taskCount();
}

/**
 * The deployed system with stake at work: task `t1` (Iris, 8 steps, k = 4) submitted by the
 * solver with a game open against it (the challenger's bond locked), task `t2` claimed by the
 * solver (its stake locked), and free stake everywhere. `admin` is account 0: deployer and admin.
 */
async function attackFixture() {
  const s = await deploySystem();
  const w = irisWorkload();
  const t1 = await submittedTask(s, w, 8, 4);
  const { id: gameId } = await openGame(s, w, t1, s.challenger, 1);
  const t2 = await createPlainTask(s);
  await s.market.connect(s.solver).claim(t2);
  // Enough free stake for the solver to claim more tasks in the configuration tests.
  await s.stakeManager.connect(s.solver).deposit(200n * E18);
  const accomplice = (await ethers.getSigners())[7];
  return { ...s, w, t1, gameId, t2, accomplice };
}

type AttackFixture = Awaited<ReturnType<typeof attackFixture>>;

/** Every staker's stake and wallet, and the state of the existing tasks and game, as plain JSON. */
async function snapshot(f: AttackFixture): Promise<string> {
  const accounts = [f.solver, f.challenger, f.challenger2, f.submitter, f.sink];
  const stakes = await Promise.all(accounts.map((a) => f.stakeManager.balancesOf(a.address)));
  const wallets = await Promise.all(accounts.map((a) => f.token.balanceOf(a.address)));
  const state = {
    stakes,
    wallets,
    t1: await f.market.getTask(f.t1.taskId),
    t2: await f.market.getTask(f.t2),
    game: await f.game.getGame(f.gameId),
  };
  // Results are arrays: every field, nested structs included, is compared.
  return JSON.stringify(state, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** The zero value of an ABI parameter (tuples as arrays). */
function zeroOf(p: ParamType): unknown {
  if (p.isTuple()) return p.components.map(zeroOf);
  if (p.isArray())
    return p.arrayLength < 0 ? [] : Array.from({ length: p.arrayLength }, () => zeroOf(p.arrayChildren));
  if (p.baseType === "address") return ethers.ZeroAddress;
  if (p.baseType === "bool") return false;
  if (p.baseType === "string") return "";
  if (p.baseType === "bytes") return "0x";
  if (p.baseType.startsWith("bytes")) return ethers.zeroPadValue("0x", Number(p.baseType.slice(5)));
  return 0n;
}

/** Calls DisputeGame.`name` as `who` on game `id`, every other argument zero. */
function gameMove(f: AttackFixture, who: HardhatEthersSigner, name: string, id: bigint) {
  const game = f.game.connect(who) as BaseContract;
  const args = game.interface.getFunction(name)!.inputs.map(zeroOf);
  args[0] = id;
  return game.getFunction(name)(...args);
}

/** Mints `amount` to `who` and approves the StakeManager and the TaskMarket. */
async function fundSelf(f: AttackFixture, who: HardhatEthersSigner, amount: bigint) {
  await f.token.mint(who.address, amount);
  await f.token.connect(who).approve(await f.stakeManager.getAddress(), ethers.MaxUint256);
  await f.token.connect(who).approve(await f.market.getAddress(), ethers.MaxUint256);
}

/** Names of the state-changing functions in a contract's ABI. */
function mutatingFunctions(iface: {
  forEachFunction(cb: (fn: { name: string; constant: boolean }) => void): void;
}) {
  const names: string[] = [];
  iface.forEachFunction((fn) => {
    if (!fn.constant) names.push(fn.name);
  });
  return names.sort();
}

interface Attempt {
  readonly contract: "StakeManager" | "TaskMarket" | "DisputeGame";
  readonly fn: string;
  readonly behaviour: string;
  readonly play: (f: AttackFixture) => Promise<void>;
}

/** Moves of the side to move (the solver) and of the side waiting (the challenger). */
const SOLVER_MOVES = [
  "bisect",
  "postTables",
  "proveInitialSlot",
  "proveFinalState",
  "postOpOutput",
  "proveOpOutput",
  "proveOpUpdate",
  "revealLeaf",
];
const CHALLENGER_MOVES = ["choose", "contestInitial", "contestFinal", "contestOpOutput", "chooseElement"];
/** Moves either side may make at their level (checked before the caller). */
const LEVEL_MOVES = ["proveBatchElement", "oneStep"];

/** Every state-changing function of StakeManager, TaskMarket and DisputeGame, called by the admin. */
const ATTEMPTS: Attempt[] = [
  // ---------------------------------------------------------------------------- StakeManager
  {
    contract: "StakeManager",
    fn: "wire",
    behaviour: "cannot re-wire the StakeManager to itself or anyone",
    play: async (f) => {
      for (const to of [f.admin.address, f.accomplice.address, await f.game.getAddress()]) {
        await expect(f.stakeManager.connect(f.admin).wire(to))
          .to.be.revertedWithCustomError(f.stakeManager, "StakeWiring")
          .withArgs(f.admin.address, await f.market.getAddress());
      }
    },
  },
  {
    contract: "StakeManager",
    fn: "lock",
    behaviour: "cannot lock a staker's free stake",
    play: async (f) => {
      await expect(f.stakeManager.connect(f.admin).lock(f.challenger2.address, 100n * E18))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
        .withArgs(f.admin.address);
    },
  },
  {
    contract: "StakeManager",
    fn: "unlock",
    behaviour: "cannot unlock a solver's task stake or a challenger's bond",
    play: async (f) => {
      for (const [who, amount] of [
        [f.solver, 2n * SOLVER_STAKE],
        [f.challenger, BOND],
      ] as const) {
        await expect(f.stakeManager.connect(f.admin).unlock(who.address, amount))
          .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
          .withArgs(f.admin.address);
      }
    },
  },
  {
    contract: "StakeManager",
    fn: "slash",
    behaviour: "cannot slash locked stake to itself or to the sink",
    play: async (f) => {
      for (const to of [f.admin.address, ethers.ZeroAddress]) {
        await expect(f.stakeManager.connect(f.admin).slash(f.solver.address, 2n * SOLVER_STAKE, to))
          .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
          .withArgs(f.admin.address);
      }
    },
  },
  {
    contract: "StakeManager",
    fn: "deposit",
    behaviour: "deposits only its own tokens, never a staker's despite their allowances",
    play: async (f) => {
      await expect(f.stakeManager.connect(f.admin).deposit(E18))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.stakeManager.getAddress(), 0, E18);
      await fundSelf(f, f.admin, E18);
      await f.stakeManager.connect(f.admin).deposit(E18);
      expect(await f.stakeManager.freeOf(f.admin.address)).to.equal(E18);
    },
  },
  {
    contract: "StakeManager",
    fn: "depositWithPermit",
    behaviour: "cannot use a staker's permit signature to pull the staker's tokens",
    play: async (f) => {
      const deadline = BigInt(await time.latest()) + 3600n;
      const domain = {
        name: await f.token.name(),
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await f.token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const message = {
        owner: f.challenger2.address,
        spender: await f.stakeManager.getAddress(),
        value: 100n * E18,
        nonce: await f.token.nonces(f.challenger2.address),
        deadline,
      };
      const sig = ethers.Signature.from(await f.challenger2.signTypedData(domain, types, message));
      await expect(
        f.stakeManager.connect(f.admin).depositWithPermit(100n * E18, deadline, sig.v, sig.r, sig.s),
      )
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.stakeManager.getAddress(), 0, 100n * E18);
    },
  },
  {
    contract: "StakeManager",
    fn: "requestWithdrawal",
    behaviour: "unbonds only its own (empty) free stake",
    play: async (f) => {
      await expect(f.stakeManager.connect(f.admin).requestWithdrawal(1))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.admin.address, 1, 0);
    },
  },
  {
    contract: "StakeManager",
    fn: "cancelWithdrawal",
    behaviour: "cancels only its own (absent) withdrawal",
    play: async (f) => {
      await expect(f.stakeManager.connect(f.admin).cancelWithdrawal())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNothingPending")
        .withArgs(f.admin.address);
    },
  },
  {
    contract: "StakeManager",
    fn: "withdraw",
    behaviour: "withdraws only its own (absent) pending stake",
    play: async (f) => {
      await expect(f.stakeManager.connect(f.admin).withdraw())
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNothingPending")
        .withArgs(f.admin.address);
    },
  },
  // ---------------------------------------------------------------------------- TaskMarket
  {
    contract: "TaskMarket",
    fn: "wire",
    behaviour: "cannot re-wire the dispute game to itself or anyone",
    play: async (f) => {
      for (const to of [f.admin.address, f.accomplice.address]) {
        await expect(f.market.connect(f.admin).wire(to))
          .to.be.revertedWithCustomError(f.market, "TaskMarketWiring")
          .withArgs(f.admin.address, await f.game.getAddress());
      }
    },
  },
  {
    contract: "TaskMarket",
    fn: "grantRole",
    behaviour: "may grant itself any role id, none of which opens a dispute hook; the admin role is refused",
    play: async (f) => {
      for (const name of ["DISPUTE_ROLE", "LOCKER_ROLE", "SLASHER_ROLE", "RESOLVER_ROLE"]) {
        await f.market.connect(f.admin).grantRole(ethers.id(name), f.admin.address);
        expect(await f.market.hasRole(ethers.id(name), f.admin.address)).to.equal(true);
      }
      await expect(f.market.connect(f.admin).grantRole(ethers.ZeroHash, f.accomplice.address))
        .to.be.revertedWithCustomError(f.market, "AccessControlEnforcedDefaultAdminRules")
        .withArgs();
      await expect(f.market.connect(f.admin).openDispute(f.t1.taskId, f.challenger2.address, 100n * E18))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
        .withArgs(f.admin.address);
      await expect(f.market.connect(f.admin).resolveForChallenger(f.t1.taskId, f.admin.address, 0))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
        .withArgs(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "revokeRole",
    behaviour: "cannot revoke the admin role; revoking other roles leaves the wiring as it was",
    play: async (f) => {
      await expect(f.market.connect(f.admin).revokeRole(ethers.ZeroHash, f.admin.address))
        .to.be.revertedWithCustomError(f.market, "AccessControlEnforcedDefaultAdminRules")
        .withArgs();
      await f.market.connect(f.admin).revokeRole(ethers.id("DISPUTE_ROLE"), await f.game.getAddress());
      expect(await f.market.disputeGame()).to.equal(await f.game.getAddress());
    },
  },
  {
    contract: "TaskMarket",
    fn: "renounceRole",
    behaviour: "cannot drop the admin role without the delayed two-step",
    play: async (f) => {
      await expect(f.market.connect(f.admin).renounceRole(ethers.ZeroHash, f.admin.address))
        .to.be.revertedWithCustomError(f.market, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(0);
      expect(await f.market.defaultAdmin()).to.equal(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "beginDefaultAdminTransfer",
    behaviour: "an admin transfer to an accomplice is accepted only after the delay",
    play: async (f) => {
      await f.market.connect(f.admin).beginDefaultAdminTransfer(f.accomplice.address);
      const [pending, schedule] = await f.market.pendingDefaultAdmin();
      expect(pending).to.equal(f.accomplice.address);
      expect(schedule).to.equal(BigInt(await time.latest()) + BigInt(MarketDefaults.adminDelay));
      await expect(f.market.connect(f.accomplice).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(f.market, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      expect(await f.market.defaultAdmin()).to.equal(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "cancelDefaultAdminTransfer",
    behaviour: "cancelling a transfer changes no admin and no stake",
    play: async (f) => {
      await f.market.connect(f.admin).cancelDefaultAdminTransfer();
      expect(await f.market.defaultAdmin()).to.equal(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "acceptDefaultAdminTransfer",
    behaviour: "nobody accepts a transfer that was not begun",
    play: async (f) => {
      for (const who of [f.admin, f.accomplice]) {
        await expect(f.market.connect(who).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(f.market, "AccessControlInvalidDefaultAdmin")
          .withArgs(who.address);
      }
    },
  },
  {
    contract: "TaskMarket",
    fn: "changeDefaultAdminDelay",
    behaviour: "dropping the admin delay to zero is itself delayed by the current delay",
    play: async (f) => {
      await f.market.connect(f.admin).changeDefaultAdminDelay(0);
      const now = BigInt(await time.latest());
      expect(await f.market.defaultAdminDelay()).to.equal(MarketDefaults.adminDelay);
      const [newDelay, effect] = await f.market.pendingDefaultAdminDelay();
      expect([newDelay, effect]).to.deep.equal([0n, now + BigInt(MarketDefaults.adminDelay)]);
      await f.market.connect(f.admin).beginDefaultAdminTransfer(f.accomplice.address);
      const [, schedule] = await f.market.pendingDefaultAdmin();
      expect(schedule).to.equal(BigInt(await time.latest()) + BigInt(MarketDefaults.adminDelay));
    },
  },
  {
    contract: "TaskMarket",
    fn: "rollbackDefaultAdminDelay",
    behaviour: "rolling back a delay change keeps the delay",
    play: async (f) => {
      await f.market.connect(f.admin).changeDefaultAdminDelay(0);
      await f.market.connect(f.admin).rollbackDefaultAdminDelay();
      expect(await f.market.defaultAdminDelay()).to.equal(MarketDefaults.adminDelay);
    },
  },
  {
    contract: "TaskMarket",
    fn: "setConfig",
    behaviour: "the harshest configuration changes no existing task's stake, windows or penalty",
    play: async (f) => {
      await expect(f.market.connect(f.admin).setConfig(HOSTILE_CONFIG)).to.emit(
        f.market,
        "MarketConfigUpdated",
      );
      expect((await f.market.config()).expiryPenaltyBps).to.equal(10_000);
    },
  },
  {
    contract: "TaskMarket",
    fn: "createTask",
    behaviour: "escrows only its own reward",
    play: async (f) => {
      await fundSelf(f, f.admin, REWARD);
      await f.market.connect(f.admin).createTask({
        spec: { programHash: randomHash(), datasetHash: randomHash(), nSamples: 1n, batchSize: 1n },
        initialStateHash: randomHash(),
        totalSteps: 1,
        checkpointInterval: 1,
        reward: REWARD,
        solverStake: 10n * E18,
        solveWindow: 0,
        challengeWindow: 0,
      });
      expect((await f.market.getTask(await f.market.taskCount())).submitter).to.equal(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "cancel",
    behaviour: "cannot cancel a claimed task",
    play: async (f) => {
      await expect(f.market.connect(f.admin).cancel(f.t2))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(f.t2, Status.Claimed, Status.Open);
    },
  },
  {
    contract: "TaskMarket",
    fn: "claim",
    behaviour: "cannot claim a task that a solver holds",
    play: async (f) => {
      await expect(f.market.connect(f.admin).claim(f.t2))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(f.t2, Status.Claimed, Status.Open);
    },
  },
  {
    contract: "TaskMarket",
    fn: "commitCheckpoints",
    behaviour: "cannot commit checkpoints for the solver",
    play: async (f) => {
      await expect(f.market.connect(f.admin).commitCheckpoints(f.t2, [randomHash()]))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(f.t2, f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "submitFinal",
    behaviour: "cannot submit a final state for the solver",
    play: async (f) => {
      await expect(f.market.connect(f.admin).submitFinal(f.t2, randomHash()))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(f.t2, f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "finalize",
    behaviour: "cannot finalize a task inside its challenge window",
    play: async (f) => {
      const end = (await f.market.getTask(f.t1.taskId)).deadline;
      await expect(f.market.connect(f.admin).finalize(f.t1.taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowOpen")
        .withArgs(f.t1.taskId, end);
    },
  },
  {
    contract: "TaskMarket",
    fn: "expire",
    behaviour: "cannot expire a solver before its deadline",
    play: async (f) => {
      const deadline = (await f.market.getTask(f.t2)).deadline;
      await expect(f.market.connect(f.admin).expire(f.t2))
        .to.be.revertedWithCustomError(f.market, "TaskMarketDeadlineNotPassed")
        .withArgs(f.t2, deadline);
    },
  },
  {
    contract: "TaskMarket",
    fn: "reclaim",
    behaviour: "cannot reclaim the reward of a task that was not rejected",
    play: async (f) => {
      await expect(f.market.connect(f.admin).reclaim(f.t1.taskId))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(f.t1.taskId, Status.Submitted, Status.Rejected);
    },
  },
  {
    contract: "TaskMarket",
    fn: "announce",
    behaviour: "cannot announce for the submitter or the solver",
    play: async (f) => {
      await expect(f.market.connect(f.admin).announce(f.t2, 0, "file:///x"))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSubmitter")
        .withArgs(f.t2, f.admin.address);
      await expect(f.market.connect(f.admin).announce(f.t2, 1, "file:///x"))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotSolver")
        .withArgs(f.t2, f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "openDispute",
    behaviour: "cannot call the open hook to lock a staker's stake as a bond",
    play: async (f) => {
      await expect(f.market.connect(f.admin).openDispute(f.t1.taskId, f.challenger2.address, 100n * E18))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
        .withArgs(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "resolveForSolver",
    behaviour: "cannot call the solver-wins hook to slash a challenger's bond",
    play: async (f) => {
      await expect(f.market.connect(f.admin).resolveForSolver(f.t1.taskId, f.challenger.address, BOND))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
        .withArgs(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "resolveForChallenger",
    behaviour: "cannot call the challenger-wins hook to reject and slash a solver",
    play: async (f) => {
      await expect(f.market.connect(f.admin).resolveForChallenger(f.t1.taskId, f.admin.address, 0))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
        .withArgs(f.admin.address);
    },
  },
  {
    contract: "TaskMarket",
    fn: "claimChallengeReward",
    behaviour: "cannot claim a challenge reward on a task that was not rejected",
    play: async (f) => {
      await expect(f.market.connect(f.admin).claimChallengeReward(f.t1.taskId, f.admin.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWrongStatus")
        .withArgs(f.t1.taskId, Status.Submitted, Status.Rejected);
    },
  },
  // ---------------------------------------------------------------------------- DisputeGame
  {
    contract: "DisputeGame",
    fn: "open",
    behaviour: "opening a game bonds the admin's own (empty) stake, never a staker's",
    play: async (f) => {
      await expect(openGame(f, f.w, f.t1, f.admin, 1))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeInsufficientFree")
        .withArgs(f.admin.address, BOND, 0);
    },
  },
  ...SOLVER_MOVES.map((fn): Attempt => ({
    contract: "DisputeGame",
    fn,
    behaviour: "cannot move for the solver",
    play: async (f) => {
      await expect(gameMove(f, f.admin, fn, f.gameId))
        .to.be.revertedWithCustomError(f.game, "DisputeNotYourTurn")
        .withArgs(f.gameId, SIDE_SOLVER, f.admin.address);
    },
  })),
  ...CHALLENGER_MOVES.map((fn): Attempt => ({
    contract: "DisputeGame",
    fn,
    behaviour: "cannot move for the challenger",
    play: async (f) => {
      await expect(gameMove(f, f.admin, fn, f.gameId))
        .to.be.revertedWithCustomError(f.game, "DisputeNotYourTurn")
        .withArgs(f.gameId, SIDE_SOLVER, f.admin.address);
    },
  })),
  ...LEVEL_MOVES.map((fn): Attempt => ({
    contract: "DisputeGame",
    fn,
    behaviour: "cannot decide a game outside its level",
    play: async (f) => {
      await expect(gameMove(f, f.admin, fn, f.gameId))
        .to.be.revertedWithCustomError(f.game, "DisputeWrongLevel")
        .withArgs(f.gameId, LEVEL_STEPS);
    },
  })),
  {
    contract: "DisputeGame",
    fn: "timeout",
    behaviour: "cannot time out a side whose clock is running",
    play: async (f) => {
      await expect(f.game.connect(f.admin).timeout(f.gameId))
        .to.be.revertedWithCustomError(f.game, "DisputeClockRunning")
        .withArgs(f.gameId, SIDE_SOLVER, anyValue);
    },
  },
  {
    contract: "DisputeGame",
    fn: "settle",
    behaviour: "cannot settle an undecided game",
    play: async (f) => {
      await expect(f.game.connect(f.admin).settle(f.gameId))
        .to.be.revertedWithCustomError(f.game, "DisputeNotDecided")
        .withArgs(f.gameId, LEVEL_STEPS);
    },
  },
];

describe("Admin power (finding 3): the deployer cannot touch stakers' stake", function () {
  describe("every function the admin can call", function () {
    it("covers every state-changing function of StakeManager, TaskMarket and DisputeGame", async function () {
      const f = await loadFixture(attackFixture);
      const tried = (contract: Attempt["contract"]) =>
        [...new Set(ATTEMPTS.filter((a) => a.contract === contract).map((a) => a.fn))].sort();
      expect(tried("StakeManager")).to.deep.equal(mutatingFunctions(f.stakeManager.interface));
      expect(tried("TaskMarket")).to.deep.equal(mutatingFunctions(f.market.interface));
      expect(tried("DisputeGame")).to.deep.equal(mutatingFunctions(f.game.interface));
    });

    for (const a of ATTEMPTS) {
      it(`${a.contract}.${a.fn}: ${a.behaviour}, and no staker's stake or task changes`, async function () {
        const f = await loadFixture(attackFixture);
        const before = await snapshot(f);
        await a.play(f);
        expect(await snapshot(f)).to.equal(before);
      });
    }
  });

  describe("the audit's attack", function () {
    it("replays the 4-transaction drain (grant LOCKER and SLASHER, lock, slash): every step reverts", async function () {
      const f = await loadFixture(attackFixture);
      const before = await snapshot(f);
      const roles = new ethers.Interface(["function grantRole(bytes32 role, address account)"]);
      for (const role of ["LOCKER_ROLE", "SLASHER_ROLE"]) {
        await expect(
          f.admin.sendTransaction({
            to: await f.stakeManager.getAddress(),
            data: roles.encodeFunctionData("grantRole", [ethers.id(role), f.admin.address]),
          }),
        ).to.be.revertedWithoutReason();
      }
      const free = await f.stakeManager.freeOf(f.challenger2.address);
      await expect(f.stakeManager.connect(f.admin).lock(f.challenger2.address, free))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
        .withArgs(f.admin.address);
      await expect(f.stakeManager.connect(f.admin).slash(f.challenger2.address, free, f.admin.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
        .withArgs(f.admin.address);
      expect(await snapshot(f)).to.equal(before);
      expect(await f.stakeManager.freeOf(f.challenger2.address)).to.equal(100n * E18);
    });

    it("a game the admin opens with its own stake locks only its own bond", async function () {
      const f = await loadFixture(attackFixture);
      const before = await Promise.all(
        [f.solver, f.challenger, f.challenger2].map((a) => f.stakeManager.balancesOf(a.address)),
      );
      await fundSelf(f, f.admin, BOND);
      await f.stakeManager.connect(f.admin).deposit(BOND);
      const { id } = await openGame(f, f.w, f.t1, f.admin, 2);
      const g = await f.game.getGame(id);
      expect([g.challenger, g.solver, g.bond]).to.deep.equal([f.admin.address, f.solver.address, BOND]);
      const b = await f.stakeManager.balancesOf(f.admin.address);
      expect([b.free, b.locked]).to.deep.equal([0n, BOND]);
      const after = await Promise.all(
        [f.solver, f.challenger, f.challenger2].map((a) => f.stakeManager.balancesOf(a.address)),
      );
      expect(after.map((x) => [...x])).to.deep.equal(before.map((x) => [...x]));
    });

    it("an accomplice that becomes admin after the delay still cannot lock, slash or call a hook", async function () {
      const f = await loadFixture(attackFixture);
      const before = await snapshot(f);
      await f.market.connect(f.admin).beginDefaultAdminTransfer(f.accomplice.address);
      const [, schedule] = await f.market.pendingDefaultAdmin();
      await time.setNextBlockTimestamp(schedule - 1n);
      await expect(f.market.connect(f.accomplice).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(f.market, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      await time.setNextBlockTimestamp(schedule + 1n);
      await f.market.connect(f.accomplice).acceptDefaultAdminTransfer();
      expect(await f.market.defaultAdmin()).to.equal(f.accomplice.address);
      const who = f.accomplice;
      await expect(f.stakeManager.connect(who).slash(f.solver.address, SOLVER_STAKE, who.address))
        .to.be.revertedWithCustomError(f.stakeManager, "StakeNotMarket")
        .withArgs(who.address);
      await expect(f.market.connect(who).resolveForChallenger(f.t1.taskId, who.address, 0))
        .to.be.revertedWithCustomError(f.market, "TaskMarketNotDisputeGame")
        .withArgs(who.address);
      await expect(f.market.connect(who).wire(who.address))
        .to.be.revertedWithCustomError(f.market, "TaskMarketWiring")
        .withArgs(who.address, await f.game.getAddress());
      expect(await snapshot(f)).to.equal(before);
    });
  });

  describe("configuration changes apply only to tasks created afterwards", function () {
    /** Claims `taskId` as the solver, lets its deadline pass and expires it; returns the penalty. */
    async function claimAndExpire(f: AttackFixture, taskId: bigint, setConfigBefore?: "claim" | "expire") {
      if (setConfigBefore === "claim") await f.market.connect(f.admin).setConfig(HOSTILE_CONFIG);
      await f.market.connect(f.solver).claim(taskId);
      if (setConfigBefore === "expire") await f.market.connect(f.admin).setConfig(HOSTILE_CONFIG);
      await time.increaseTo((await f.market.getTask(taskId)).deadline + 1n);
      return f.market.expire(taskId);
    }

    it("raising expiryPenaltyBps to 100 % after a claim: the solver still loses 10 % on expire", async function () {
      const f = await loadFixture(attackFixture);
      const taskId = await createPlainTask(f);
      const solverBefore = await f.stakeManager.balancesOf(f.solver.address);
      const submitterBefore = await f.stakeManager.freeOf(f.submitter.address);
      const sinkBefore = await f.stakeManager.freeOf(f.sink.address);
      const penalty = (SOLVER_STAKE * BigInt(MarketDefaults.expiryPenaltyBps)) / BPS;
      const toSink = (penalty * SINK_BPS) / BPS;
      await expect(claimAndExpire(f, taskId, "expire"))
        .to.emit(f.market, "TaskExpired")
        .withArgs(taskId, f.solver.address, penalty);
      expect(penalty).to.equal(4n * E18);
      const solverAfter = await f.stakeManager.balancesOf(f.solver.address);
      expect(solverAfter.free).to.equal(solverBefore.free - penalty);
      expect(solverAfter.locked).to.equal(solverBefore.locked);
      expect(await f.stakeManager.freeOf(f.submitter.address)).to.equal(submitterBefore + penalty - toSink);
      expect(await f.stakeManager.freeOf(f.sink.address)).to.equal(sinkBefore + toSink);
    });

    it("raising expiryPenaltyBps between creation and claim: the task keeps the 10 % it was created with", async function () {
      const f = await loadFixture(attackFixture);
      const taskId = await createPlainTask(f);
      const solverBefore = await f.stakeManager.freeOf(f.solver.address);
      await expect(claimAndExpire(f, taskId, "claim"))
        .to.emit(f.market, "TaskExpired")
        .withArgs(taskId, f.solver.address, 4n * E18);
      expect(await f.stakeManager.freeOf(f.solver.address)).to.equal(solverBefore - 4n * E18);
      expect((await f.market.getTask(taskId)).expiryPenaltyBps).to.equal(MarketDefaults.expiryPenaltyBps);
    });

    it("lowering expiryPenaltyBps to 0 after a claim does not let the solver off: it still loses 10 %", async function () {
      const f = await loadFixture(attackFixture);
      const taskId = await createPlainTask(f);
      await f.market.connect(f.solver).claim(taskId);
      await f.market.connect(f.admin).setConfig({ ...DEPLOYED_CONFIG, expiryPenaltyBps: 0 });
      await time.increaseTo((await f.market.getTask(taskId)).deadline + 1n);
      await expect(f.market.expire(taskId))
        .to.emit(f.market, "TaskExpired")
        .withArgs(taskId, f.solver.address, 4n * E18);
    });

    it("a task created after the change uses the new penalty (100 %)", async function () {
      const f = await loadFixture(attackFixture);
      const old = await createPlainTask(f);
      await f.market.connect(f.admin).setConfig({ ...DEPLOYED_CONFIG, expiryPenaltyBps: 10_000 });
      const fresh = await createPlainTask(f);
      expect((await f.market.getTask(old)).expiryPenaltyBps).to.equal(MarketDefaults.expiryPenaltyBps);
      expect((await f.market.getTask(fresh)).expiryPenaltyBps).to.equal(10_000);
      const solverBefore = await f.stakeManager.freeOf(f.solver.address);
      await expect(claimAndExpire(f, fresh))
        .to.emit(f.market, "TaskExpired")
        .withArgs(fresh, f.solver.address, SOLVER_STAKE);
      expect(await f.stakeManager.freeOf(f.solver.address)).to.equal(solverBefore - SOLVER_STAKE);
      // The older task, claimed now, still costs 10 %.
      await expect(claimAndExpire(f, old))
        .to.emit(f.market, "TaskExpired")
        .withArgs(old, f.solver.address, 4n * E18);
    });

    it("changing every window and the minimum stake after creation changes no existing task's deadlines", async function () {
      const f = await loadFixture(attackFixture);
      // Default windows (1 day each), and an explicit challenge window at the old minimum.
      const byDefault = await createPlainTask(f);
      const explicit = await createPlainTask(f, { challengeWindow: 3600 });
      await f.market.connect(f.admin).setConfig(HOSTILE_CONFIG);
      for (const [taskId, challengeWindow] of [
        [byDefault, BigInt(MarketDefaults.defaultChallengeWindow)],
        [explicit, 3600n],
      ] as const) {
        const solverBefore = await f.stakeManager.balancesOf(f.solver.address);
        const claimAt = BigInt(await time.latest()) + 10n;
        await time.setNextBlockTimestamp(claimAt);
        // The stake locked is the task's own (40), not the new minimum (1,000).
        await expect(f.market.connect(f.solver).claim(taskId))
          .to.emit(f.market, "TaskClaimed")
          .withArgs(
            taskId,
            f.solver.address,
            SOLVER_STAKE,
            claimAt + BigInt(MarketDefaults.defaultSolveWindow),
          );
        // Past the new 1-second default solve window the solver can still submit.
        const submitAt = claimAt + 3600n;
        await time.setNextBlockTimestamp(submitAt);
        await expect(f.market.connect(f.solver).submitFinal(taskId, randomHash()))
          .to.emit(f.market, "FinalSubmitted")
          .withArgs(taskId, anyValue, submitAt + challengeWindow);
        await time.setNextBlockTimestamp(submitAt + challengeWindow);
        await expect(f.market.finalize(taskId))
          .to.emit(f.market, "TaskFinalized")
          .withArgs(taskId, f.solver.address, REWARD);
        const solverAfter = await f.stakeManager.balancesOf(f.solver.address);
        expect([solverAfter.free, solverAfter.locked]).to.deep.equal([
          solverBefore.free,
          solverBefore.locked,
        ]);
      }
    });

    it("a task created after the change gets every new value", async function () {
      const f = await loadFixture(attackFixture);
      await f.market.connect(f.admin).setConfig(HOSTILE_CONFIG);
      await expect(createPlainTask(f))
        .to.be.revertedWithCustomError(f.market, "TaskMarketStakeTooLow")
        .withArgs(SOLVER_STAKE, HOSTILE_CONFIG.minSolverStake);
      await expect(createPlainTask(f, { solverStake: 1_000n * E18, challengeWindow: 3600 }))
        .to.be.revertedWithCustomError(f.market, "TaskMarketChallengeWindowTooShort")
        .withArgs(3600, HOSTILE_CONFIG.minChallengeWindow);
      const taskId = await createPlainTask(f, { solverStake: 1_000n * E18 });
      const t = await f.market.getTask(taskId);
      expect([t.solveWindow, t.challengeWindow, t.expiryPenaltyBps, t.solverStake]).to.deep.equal([
        BigInt(HOSTILE_CONFIG.defaultSolveWindow),
        BigInt(HOSTILE_CONFIG.defaultChallengeWindow),
        BigInt(HOSTILE_CONFIG.expiryPenaltyBps),
        1_000n * E18,
      ]);
    });
  });
});
