/**
 * Submitter and staker operations on a deployed system: typed parameter objects in, decoded
 * results out, every revert turned into a ChainError by {@link chainCall}.
 */
import type { Signer } from "ethers";
import type { ITaskMarket, TaskMarket } from "../../typechain-types";
import { checkpointBatchHash } from "../commit/hash";
import { ChainError, InputError, IntegrityError } from "../errors";
import { chainCall } from "./errors";
import type { PinpointContracts } from "./system";

/** TaskStatus enum of contracts/types/TaskStatus.sol, by value. */
export const TASK_STATUS = ["Open", "Claimed", "Submitted", "Finalized", "Cancelled", "Rejected", "Refunded"] as const;
export type TaskStatusName = (typeof TASK_STATUS)[number];

export function statusName(v: bigint | number): TaskStatusName {
  const name = TASK_STATUS[Number(v)];
  if (!name) throw new InputError("BAD_STATUS", `unknown task status ${v}`);
  return name;
}

/** Approves the StakeManager if needed and deposits `amount` as free stake. */
export async function depositStake(c: PinpointContracts, signer: Signer, amount: bigint): Promise<void> {
  const who = await signer.getAddress();
  const spender = await c.stakeManager.getAddress();
  const allowance = await c.token.allowance(who, spender);
  if (allowance < amount) {
    await chainCall("approve stake", async () => (await c.token.connect(signer).approve(spender, amount)).wait());
  }
  await chainCall(`deposit ${amount} stake`, async () => (await c.stakeManager.connect(signer).deposit(amount)).wait());
}

/** Starts unbonding `amount` of free stake. */
export async function requestUnstake(c: PinpointContracts, signer: Signer, amount: bigint): Promise<void> {
  await chainCall(`request withdrawal of ${amount}`, async () =>
    (await c.stakeManager.connect(signer).requestWithdrawal(amount)).wait(),
  );
}

/** Withdraws unbonded stake; returns the amount. */
export async function withdrawStake(c: PinpointContracts, signer: Signer): Promise<bigint> {
  const before = await c.token.balanceOf(await signer.getAddress());
  await chainCall("withdraw stake", async () => (await c.stakeManager.connect(signer).withdraw()).wait());
  return (await c.token.balanceOf(await signer.getAddress())) - before;
}

/** Everything a submitter chooses for a new task. */
export interface NewTask {
  readonly programHash: string;
  readonly datasetHash: string;
  readonly nSamples: number;
  readonly batchSize: number;
  readonly initialStateHash: string;
  readonly totalSteps: number;
  readonly checkpointInterval: number;
  readonly reward: bigint;
  readonly solverStake: bigint;
  /** Seconds; 0 = the market default. */
  readonly solveWindow?: number;
  /** Seconds; 0 = the market default. */
  readonly challengeWindow?: number;
}

/** Escrows the reward and creates the task; returns its id. */
export async function createTask(c: PinpointContracts, signer: Signer, t: NewTask): Promise<bigint> {
  const params: ITaskMarket.TaskParamsStruct = {
    spec: { programHash: t.programHash, datasetHash: t.datasetHash, nSamples: t.nSamples, batchSize: t.batchSize },
    initialStateHash: t.initialStateHash,
    totalSteps: t.totalSteps,
    checkpointInterval: t.checkpointInterval,
    reward: t.reward,
    solverStake: t.solverStake,
    solveWindow: t.solveWindow ?? 0,
    challengeWindow: t.challengeWindow ?? 0,
  };
  const who = await signer.getAddress();
  const spender = await c.taskMarket.getAddress();
  if ((await c.token.allowance(who, spender)) < t.reward) {
    await chainCall("approve reward", async () => (await c.token.connect(signer).approve(spender, t.reward)).wait());
  }
  const receipt = await chainCall("create task", async () => (await c.taskMarket.connect(signer).createTask(params)).wait());
  for (const log of receipt?.logs ?? []) {
    const parsed = c.taskMarket.interface.parseLog(log);
    if (parsed?.name === "TaskCreated") return parsed.args.taskId as bigint;
  }
  throw new InputError("NO_TASK_EVENT", "createTask succeeded but emitted no TaskCreated event");
}

/** A task as people and scripts read it. */
export interface TaskView {
  readonly id: bigint;
  readonly status: TaskStatusName;
  readonly submitter: string;
  readonly solver: string;
  readonly totalSteps: number;
  readonly checkpointInterval: number;
  readonly numCheckpoints: number;
  readonly checkpointsCommitted: number;
  readonly reward: bigint;
  readonly solverStake: bigint;
  readonly deadline: number;
  readonly openDisputes: number;
  readonly initialStateHash: string;
  readonly finalStateHash: string;
  readonly spec?: ITaskMarket.WorkSpecStructOutput;
}

/** Reads one task (and its work spec from the TaskCreated event). */
export async function getTask(c: PinpointContracts, id: bigint): Promise<TaskView> {
  const t = await chainCall(`read task ${id}`, () => c.taskMarket.getTask(id));
  const events = await c.taskMarket.queryFilter(c.taskMarket.filters.TaskCreated(id));
  const spec = events[0]?.args.spec;
  return {
    id,
    status: statusName(t.status),
    submitter: t.submitter,
    solver: t.solver,
    totalSteps: Number(t.totalSteps),
    checkpointInterval: Number(t.checkpointInterval),
    numCheckpoints: Number(await chainCall(`read task ${id}`, () => c.taskMarket.numCheckpoints(id))),
    checkpointsCommitted: Number(t.checkpointsCommitted),
    reward: t.reward,
    solverStake: t.solverStake,
    deadline: Number(t.deadline),
    openDisputes: Number(t.openDisputes),
    initialStateHash: t.initialStateHash,
    finalStateHash: t.finalStateHash,
    ...(spec ? { spec } : {}),
  };
}

/** Every task, newest last. */
export async function listTasks(c: PinpointContracts): Promise<TaskView[]> {
  const n = await c.taskMarket.taskCount();
  const out: TaskView[] = [];
  for (let id = 1n; id <= n; id++) out.push(await getTask(c, id));
  return out;
}

/** Pays the solver of a task whose challenge window has passed with no dispute open. */
export async function finalizeTask(c: PinpointContracts, signer: Signer, id: bigint): Promise<void> {
  await chainCall(`finalize task ${id}`, async () => (await c.taskMarket.connect(signer).finalize(id)).wait());
}

/** Cancels an unclaimed task and refunds the submitter. */
export async function cancelTask(c: PinpointContracts, signer: Signer, id: bigint): Promise<void> {
  await chainCall(`cancel task ${id}`, async () => (await c.taskMarket.connect(signer).cancel(id)).wait());
}

/** Returns the reward of a rejected task to its submitter. */
export async function reclaimTask(c: PinpointContracts, signer: Signer, id: bigint): Promise<void> {
  await chainCall(`reclaim task ${id}`, async () => (await c.taskMarket.connect(signer).reclaim(id)).wait());
}

/**
 * Pays `challenger` its share of a rejected task's slashed stake for the games it won, once every
 * game on the task is settled (anyone may call it; the credit goes to the challenger's free stake).
 * Returns the stake slashed for it, or null when nothing is due yet (no unclaimed win, games still
 * open, or the task not rejected).
 */
export async function claimChallengeReward(c: PinpointContracts, signer: Signer, id: bigint, challenger: string): Promise<bigint | null> {
  const market = c.taskMarket.connect(signer);
  const [wins, task] = await Promise.all([market.unclaimedWins(id, challenger), market.getTask(id)]);
  const status = statusName(task.status);
  if (wins === 0n || task.openDisputes !== 0n || (status !== "Rejected" && status !== "Refunded")) return null;
  const r = await chainCall(`claim the challenge reward of task ${id}`, async () => (await market.claimChallengeReward(id, challenger)).wait());
  for (const log of r?.logs ?? []) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name === "ChallengeRewardClaimed") return parsed.args.amount as bigint;
  }
  return 0n;
}

/** Penalises a solver that missed its deadline and reopens the task. */
export async function expireTask(c: PinpointContracts, signer: Signer, id: bigint): Promise<void> {
  await chainCall(`expire task ${id}`, async () => (await c.taskMarket.connect(signer).expire(id)).wait());
}

/** What an announcement points at (ITaskMarket.Announcement). */
export const Announcement = { Bundle: 0, Checkpoints: 1 } as const;
export type AnnouncementKind = keyof typeof Announcement;

/** Publishes where the task's bundle (submitter) or checkpoint files (solver) are served. */
export async function announce(c: PinpointContracts, signer: Signer, id: bigint, kind: AnnouncementKind, uri: string): Promise<void> {
  await chainCall(`announce ${kind.toLowerCase()} of task ${id}`, async () =>
    (await c.taskMarket.connect(signer).announce(id, Announcement[kind], uri)).wait(),
  );
}

/**
 * The latest URI announced for a task by the party entitled to it (the submitter for the
 * bundle, the current solver for checkpoints); undefined if none.
 */
export async function announced(c: PinpointContracts, id: bigint, kind: AnnouncementKind): Promise<string | undefined> {
  const task = await chainCall(`read task ${id}`, () => c.taskMarket.getTask(id));
  const by = kind === "Bundle" ? task.submitter : task.solver;
  const events = await c.taskMarket.queryFilter(c.taskMarket.filters.TaskAnnounced(id, by, Announcement[kind]));
  return events.length ? events[events.length - 1].args.uri : undefined;
}

/** One streamed batch of checkpoint hashes, as committed. */
export interface CommittedBatch {
  readonly batchIndex: number;
  readonly firstIndex: number;
  /** 0x-hex, lowercase. */
  readonly hashes: string[];
}

/**
 * The checkpoint batches of a task's current stream, from CheckpointsCommitted events. Each
 * batch is re-hashed and compared with the market's stored batch commitment, so a lying RPC node
 * cannot feed an agent wrong hashes; batches of an earlier (expired) stream are ignored.
 */
export async function committedBatches(market: TaskMarket, taskId: bigint): Promise<CommittedBatch[]> {
  const events = await market.queryFilter(market.filters.CheckpointsCommitted(taskId));
  const task = await chainCall(`read task ${taskId}`, () => market.getTask(taskId));
  const byBatch = new Map<number, { firstIndex: number; hashes: string[] }>();
  // Later events win: after an expiry the new stream restarts at batch 0.
  for (const e of events) byBatch.set(Number(e.args.batchIndex), { firstIndex: Number(e.args.firstIndex), hashes: [...e.args.stateHashes] });
  const out: CommittedBatch[] = [];
  let next = 1;
  for (let b = 0; b < Number(task.batchCount); b++) {
    const batch = byBatch.get(b);
    if (!batch) throw new ChainError("MISSING_CHECKPOINT_EVENT", `no CheckpointsCommitted event for batch ${b} of task ${taskId}`);
    const stored = await market.batchCommitment(taskId, b);
    const computed = checkpointBatchHash(batch.firstIndex, batch.hashes.map((h) => Buffer.from(h.slice(2), "hex")));
    if ("0x" + computed.toString("hex") !== stored.toLowerCase() || batch.firstIndex !== next) {
      throw new IntegrityError("CHECKPOINT_EVENT_MISMATCH", `checkpoint batch ${b} of task ${taskId} from the RPC does not match the stored commitment`);
    }
    out.push({ batchIndex: b, firstIndex: batch.firstIndex, hashes: batch.hashes.map((h) => h.toLowerCase()) });
    next += batch.hashes.length;
  }
  return out;
}
