/**
 * Replaying a dispute game for an auditor: every event the DisputeGame emitted for one game, in
 * block/log order, with the transaction's sender (solver, challenger or a third-party keeper),
 * gas used and block timestamp, decoded into a numbered transcript of what each side claimed and
 * chose. Reads the chain only (events, transactions, receipts, blocks); a chain program (from
 * the task bundle) is optional and only names ops the game never proved on chain.
 */
import {
  formatEther,
  toBeHex,
  type Log,
  type ParamType,
  type TransactionReceipt,
  type TransactionResponse,
  ZeroAddress,
} from "ethers";
import type { PinpointContracts } from "../chain";
import { chainCall } from "../chain";
import { ChainError, InputError } from "../errors";
import { type ChainProgram, Level, opName, Side } from "../dispute";

/** Who sent a transaction: one of the game's parties, or anyone else (e.g. a keeper calling `timeout`). */
export type ReplayRole = "solver" | "challenger" | "keeper";

/** One settlement event of the transaction that resolved the game (TaskMarket / StakeManager). */
export interface SettlementRecord {
  readonly contract: "TaskMarket" | "StakeManager";
  readonly event: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** One DisputeGame event of the game, with its transaction's context. */
export interface ReplayEntry {
  /** Position in the transcript, from 1. */
  readonly index: number;
  /** The role of the transaction's sender. */
  readonly role: ReplayRole;
  /** The transaction's sender. */
  readonly from: string;
  /** The DisputeGame event, e.g. "ClaimsPosted". */
  readonly event: string;
  /** The event's arguments (integers as bigint, levels as names, claims as 0x-hex), plus
   *  `settlement` (the TaskMarket / StakeManager events of its transaction) on GameSettled. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The DisputeGame function the transaction called ("choose", "oneStep", …) when it called the game directly. */
  readonly call?: string;
  readonly tx: string;
  readonly block: number;
  readonly logIndex: number;
  /** Block timestamp (seconds). */
  readonly timestamp: number;
  /**
   * Gas charged to this entry: the transaction's `gasUsed` on its first event in the transcript,
   * 0 on later events of the same transaction, so that entries sum to the game's total gas.
   */
  readonly gas: bigint;
  /** The transaction's `gasUsed` (repeated on every event of that transaction). */
  readonly txGas: bigint;
  /** What happened, in words. */
  readonly text: string;
}

export interface ReplayTotals {
  /** Transactions after the open (moves of either side, link proofs, timeout, settle). */
  readonly moves: number;
  /** Challenger decisions answering a solver post (choose, chooseElement, link contests). */
  readonly rounds: number;
  /** Sum of gasUsed over every transaction of the game, open included. */
  readonly gas: bigint;
  /** gasUsed of the opening transaction. */
  readonly openGas: bigint;
  /** Distinct transactions (open included). */
  readonly transactions: number;
  /** Seconds of chain time from the open to the last event. */
  readonly seconds: number;
}

export interface GameReplay {
  readonly game: bigint;
  readonly task: bigint;
  readonly solver: string;
  readonly challenger: string;
  readonly interval: number;
  readonly entries: readonly ReplayEntry[];
  readonly totals: ReplayTotals;
  /** Absent while the game is still being played. */
  readonly outcome?: {
    readonly winner: "solver" | "challenger";
    readonly byTimeout: boolean;
    readonly how: string;
    /** Whether the TaskMarket and StakeManager have been settled (false: decided, `settle` due). */
    readonly settled: boolean;
  };
}

export interface ReplayOptions {
  /** The task's chain program (`chainProgram(bundle.program)`): names ops and scales element values. */
  readonly chainProgram?: ChainProgram;
  /** First block to scan for the game's events (default 0). */
  readonly fromBlock?: number;
}

/** How a resolving call decided the game. */
/** How a game decided at a level was decided (by level name, so function renames do not matter). */
const DECIDED_AT: Readonly<Record<string, string>> = {
  OneStep: "one-step check",
  OpOutputProof: "op-output proof",
  OpUpdateProof: "op-output proof",
  InitialSlotProof: "initial-slot proof",
  FinalStateProof: "final-state proof",
  BatchProof: "dataset opening",
  Element: "non-zero padding element",
  BatchElement: "non-zero padding element",
};

/** "; "-prefixed words for the settlement records in `f.settlement` ("" when none). */
const money = (f: Record<string, unknown>): string => {
  const words = ((f.settlement as SettlementRecord[] | undefined) ?? [])
    .map(describeSettlement)
    .filter(Boolean);
  return words.length ? `; ${words.join("; ")}` : "";
};

const levelName = (v: bigint | number): string => Level[Number(v)] ?? `level${String(v)}`;
const gasText = (g: bigint): string => g.toLocaleString("en-US");
const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;
const short = (h: string): string => (h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h);

/** Plain, JSON-friendly copy of an ethers Result's named fields. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return Array.from(v, plain);
  return v;
}

/**
 * Every DisputeGame event of game `gameId` in block/log order, decoded, with sender role, gas
 * and timestamps, and the game's totals. Throws InputError UNKNOWN_GAME when the game was never opened.
 */
export async function replayGame(
  c: PinpointContracts,
  gameId: bigint,
  opts: ReplayOptions = {},
): Promise<GameReplay> {
  const game = c.disputeGame;
  if (!game)
    throw new InputError(
      "NO_DISPUTE_GAME",
      "this deployment has no DisputeGame address: redeploy with `pin deploy`",
    );
  const provider = game.runner?.provider;
  if (!provider)
    throw new InputError(
      "NO_PROVIDER",
      "the DisputeGame handle has no provider: connect it to a signer or provider",
    );
  const address = await game.getAddress();
  const logs: Log[] = await chainCall(`read the events of game ${gameId}`, () =>
    provider.getLogs({
      address,
      topics: [null, toBeHex(gameId, 32)],
      fromBlock: opts.fromBlock ?? 0,
      toBlock: "latest",
    }),
  );
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const parsed = logs.map((log) => ({
    log,
    ev: game.interface.parseLog({ topics: [...log.topics], data: log.data }),
  }));
  const opened = parsed.find((p) => p.ev?.name === "GameOpened");
  if (!opened?.ev)
    throw new InputError(
      "UNKNOWN_GAME",
      `game ${gameId} was never opened on ${address} (searched from block ${opts.fromBlock ?? 0})`,
      { game: gameId.toString() },
    );
  const solver = String(opened.ev.args.solver).toLowerCase();
  const challenger = String(opened.ev.args.challenger).toLowerCase();
  const task = opened.ev.args.task as bigint;

  // Transactions, receipts and blocks, each fetched once.
  const txs = new Map<string, { tx: TransactionResponse; receipt: TransactionReceipt; call?: DecodedCall }>();
  const times = new Map<number, number>();
  for (const { log } of parsed) {
    if (!txs.has(log.transactionHash)) {
      const [tx, receipt] = await Promise.all([
        provider.getTransaction(log.transactionHash),
        provider.getTransactionReceipt(log.transactionHash),
      ]);
      if (!tx || !receipt)
        throw new ChainError(
          "NO_RECEIPT",
          `transaction ${log.transactionHash} of game ${gameId} is not available from the RPC node`,
        );
      let call: DecodedCall | undefined;
      if (tx.to?.toLowerCase() === address.toLowerCase()) {
        const d = game.interface.parseTransaction({ data: tx.data });
        if (d) call = { name: d.name, args: d.args, inputs: d.fragment.inputs };
      }
      txs.set(log.transactionHash, { tx, receipt, ...(call ? { call } : {}) });
    }
    if (!times.has(log.blockNumber)) {
      const b = await provider.getBlock(log.blockNumber);
      times.set(log.blockNumber, b?.timestamp ?? 0);
    }
  }

  // Op descriptors proved on chain (oneStep / proveOpOutput calldata) name ops without a bundle.
  const opcodes = new Map<number, { opcode: number; outScale?: number }>();
  opts.chainProgram?.opDescs.forEach((d, j) =>
    opcodes.set(j + 1, { opcode: d.opcode, outScale: d.outScale }),
  );
  let opIndex = 0;
  for (const { ev } of parsed) if (ev?.name === "OpOutputPosted") opIndex = Number(ev.args.opIndex);
  // The only op descriptor a game ever proves is the disputed op j's (oneStep, op-output proofs).
  for (const { call } of txs.values()) {
    if (!call || opIndex === 0 || opcodes.has(opIndex)) continue;
    const op = findOpDesc(call.inputs, call.args);
    if (op) opcodes.set(opIndex, op);
  }
  const opLabel = (j: number): string => {
    const o = opcodes.get(j);
    return o ? `op ${j} (${opName(o.opcode)})` : `op ${j}`;
  };

  const entries: ReplayEntry[] = [];
  const charged = new Set<string>();
  const r = new Narrator(opLabel, (j) => opcodes.get(j)?.outScale);
  let outcome: GameReplay["outcome"];
  for (const { log, ev } of parsed) {
    if (!ev) continue;
    const t = txs.get(log.transactionHash)!;
    const from = t.tx.from.toLowerCase();
    const role: ReplayRole = from === solver ? "solver" : from === challenger ? "challenger" : "keeper";
    const fields: Record<string, unknown> = {};
    ev.fragment.inputs.forEach((input, i) => {
      const v = ev.args[i];
      fields[input.name] = input.name === "level" ? levelName(v as bigint) : plain(v);
    });
    if (ev.name === "GameSettled") fields.settlement = settlementOf(c, t.receipt);
    const first = !charged.has(log.transactionHash);
    charged.add(log.transactionHash);
    let text = r.say(ev.name, role, fields, t.call?.name);
    // A transaction whose first event is a level change: say what its sender did first.
    if (first && ev.name === "LevelEntered" && t.call)
      text = `${r.did(role, t.call.name, t.call.args)}; ${text}`;
    if (ev.name === "GameDecided") {
      const winner = Number(fields.winner) === Side.Solver ? "solver" : "challenger";
      const how = r.how(fields, t.call?.name);
      outcome = { winner, byTimeout: Boolean(fields.byTimeout), how, settled: false };
    }
    if (ev.name === "GameSettled" && outcome) outcome = { ...outcome, settled: true };
    entries.push({
      index: entries.length + 1,
      role,
      from: t.tx.from,
      event: ev.name,
      fields,
      ...(t.call ? { call: t.call.name } : {}),
      tx: log.transactionHash,
      block: log.blockNumber,
      logIndex: log.index,
      timestamp: times.get(log.blockNumber) ?? 0,
      gas: first ? t.receipt.gasUsed : 0n,
      txGas: t.receipt.gasUsed,
      text,
    });
  }

  const openTx = opened.log.transactionHash;
  const roundTxs = new Set(
    entries
      .filter(
        (e) => e.role === "challenger" && ["ClaimChosen", "ElementChosen", "LinkContested"].includes(e.event),
      )
      .map((e) => e.tx),
  );
  const totals: ReplayTotals = {
    moves: [...txs.keys()].filter((h) => h !== openTx).length,
    rounds: roundTxs.size,
    gas: entries.reduce((s, e) => s + e.gas, 0n),
    openGas: txs.get(openTx)!.receipt.gasUsed,
    transactions: txs.size,
    seconds: entries.length ? entries[entries.length - 1].timestamp - entries[0].timestamp : 0,
  };
  return {
    game: gameId,
    task,
    solver: String(opened.ev.args.solver),
    challenger: String(opened.ev.args.challenger),
    interval: Number(opened.ev.args.interval),
    entries,
    totals,
    ...(outcome ? { outcome } : {}),
  };
}

/** A transaction's DisputeGame call, decoded. */
interface DecodedCall {
  readonly name: string;
  readonly args: unknown;
  readonly inputs: readonly ParamType[];
}

/**
 * The first OpDesc-shaped tuple (components `opcode` … `outScale`) anywhere in decoded calldata,
 * found through the ABI's parameter types (positional: the implementation's parameter names need
 * not be the interface's).
 */
function findOpDesc(
  types: readonly ParamType[],
  values: unknown,
): { opcode: number; outScale: number } | undefined {
  const vals = values as readonly unknown[];
  for (let i = 0; i < types.length; i++) {
    const t = types[i];
    if (!t.components) continue;
    const names = t.components.map((c) => c.name);
    const v = vals[i] as readonly unknown[];
    if (names.includes("opcode") && names.includes("outScale")) {
      return { opcode: Number(v[names.indexOf("opcode")]), outScale: Number(v[names.indexOf("outScale")]) };
    }
    const inner = findOpDesc(t.components, v);
    if (inner) return inner;
  }
  return undefined;
}

/** TaskMarket and StakeManager events of the resolving transaction (the settlement). */
function settlementOf(c: PinpointContracts, receipt: TransactionReceipt): SettlementRecord[] {
  const out: SettlementRecord[] = [];
  const sources = [
    {
      contract: "TaskMarket" as const,
      address: c.addresses.taskMarket.toLowerCase(),
      iface: c.taskMarket.interface,
    },
    {
      contract: "StakeManager" as const,
      address: c.addresses.stakeManager.toLowerCase(),
      iface: c.stakeManager.interface,
    },
  ];
  for (const log of receipt.logs) {
    const src = sources.find((s) => s.address === log.address.toLowerCase());
    const ev = src?.iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!src || !ev) continue;
    const fields: Record<string, unknown> = {};
    ev.fragment.inputs.forEach((input, i) => (fields[input.name] = plain(ev.args[i])));
    out.push({ contract: src.contract, event: ev.name, fields });
  }
  return out;
}

/** Turns events into sentences, following the game's position as it goes. */
class Narrator {
  private step = 0;
  private opIndex = 0;
  private element = -1;
  private slot = -1;
  /** The level the game is at (the one it was decided at, once decided). */
  private level = "Steps";

  constructor(
    private readonly opLabel: (j: number) => string,
    private readonly outScale: (j: number) => number | undefined,
  ) {}

  say(event: string, role: ReplayRole, f: Record<string, unknown>, call?: string): string {
    const n = (k: string): number => Number(f[k] as bigint);
    switch (event) {
      case "GameOpened":
        return `${role} ${short(String(f.challenger))} opened the game on task ${String(f.task)}, interval ${n("interval")} (steps ${n("lo")}..${n("hi")}) against solver ${short(String(f.solver))}, bond ${formatEther(f.bond as bigint)}`;
      case "ClaimsPosted":
        return `${role} ${this.claims(String(f.level), n("lo"), n("hi"), (f.claims as string[]).length)}`;
      case "ClaimChosen":
        return `${role} ${this.chosen(String(f.level), n("index"), n("lo"), n("hi"))}`;
      case "LevelEntered": {
        this.level = String(f.level);
        const what = this.levelWhat(Level[String(f.level) as keyof typeof Level]);
        return `game entered level ${String(f.level)}${what ? `: ${what}` : ""}`;
      }
      case "TablesPosted":
        this.step = n("step");
        return `${role} posted the value tables of step ${this.step}: R_0 ${short(String(f.root0))}, R_M ${short(String(f.rootM))}`;
      case "OpOutputPosted": {
        this.opIndex = n("opIndex");
        const k = n("terms");
        return `${role} posted ${this.opLabel(this.opIndex)} output hash ${short(String(f.outHash))} (${n("numel")} elements${k > 0 ? `, K=${k}` : ""})`;
      }
      case "LeafRevealed":
        return `${role} revealed leaf ${n("leafIndex")} of ${this.tensorOf(String(f.level))} (${(f.leaf as string).length / 2 - 1} bytes)`;
      case "ElementChosen": {
        this.element = n("element");
        return `${role} named element ${this.element} (claimed value ${this.value(f.value as bigint, String(f.level))})`;
      }
      case "LinkContested": {
        const lv = String(f.level);
        const what =
          lv === "InitialSlots"
            ? `that R_0 follows from S_${this.step - 1}, the program and the batch`
            : lv === "FinalState"
              ? `that R_M of step ${this.step} gives S_${this.step}`
              : `${this.opLabel(this.opIndex)}'s output claims`;
        return `${role} contested ${what}`;
      }
      case "GameDecided": {
        const winner = Number(f.winner) === Side.Solver ? "solver" : "challenger";
        return `decided: ${winner} won by ${this.how(f, call)}${call && call !== "timeout" ? ` (${role} called ${call})` : ""}`;
      }
      case "GameSettled":
        return `${role} settled the game${money(f) || "; nothing moved"}`;
      default:
        return `${role} ${event}`;
    }
  }

  /** What a call did, for a transaction that emitted no event of its own before a level change. */
  did(role: ReplayRole, call: string, args: unknown): string {
    if (call === "proveInitialSlot") {
      // proveInitialSlot(id, ctx, args{desc{kind, …}, …}); positional, see replayGame.
      const kind = Number(((args as unknown[])[2] as { desc: { kind: bigint } }).desc.kind);
      const what =
        ["a state", "the batch input", "the batch target", "a constant", "a temporary"][kind] ??
        `a kind-${kind}`;
      return `${role} proved the descriptor of slot ${this.slot} of R_0: ${what} tensor`;
    }
    return `${role} called ${call}`;
  }

  /** How the resolving transaction decided the game. */
  how(f: Record<string, unknown>, call?: string): string {
    if (f.byTimeout) return "timeout";
    const by = DECIDED_AT[this.level] ?? (call ? `${call} check` : "proof check");
    if (this.level === "OneStep" && this.opIndex > 0)
      return `${by} of ${this.opLabel(this.opIndex)}${this.element >= 0 ? `, element ${this.element}` : ""}`;
    return by;
  }

  private claims(level: string, lo: number, hi: number, count: number): string {
    switch (level) {
      case "Steps":
        return `posted ${plural(count, "step claim")} for steps ${lo}..${hi}`;
      case "Ops":
        return `posted ${plural(count, "value-table claim")} for ops ${lo}..${hi} of step ${this.step}`;
      case "Sums":
        return `posted ${plural(count, "partial-sum claim")} for terms ${lo}..${hi} of element ${this.element}`;
      default:
        return `revealed ${plural(count, "node")} of ${this.tensorOf(level)} below node ${lo} at height ${hi}`;
    }
  }

  private chosen(level: string, index: number, lo: number, hi: number): string {
    switch (level) {
      case "Steps":
        return `chose segment ${index}: steps ${lo}..${hi}${hi - lo === 1 ? ` (step ${hi} disputed)` : ""}`;
      case "Ops":
        return `chose segment ${index}: ops ${lo}..${hi}${hi - lo === 1 ? ` (${this.opLabel(hi)} disputed)` : ""}`;
      case "Sums":
        return `chose segment ${index}: terms ${lo}..${hi}${hi - lo === 1 ? ` (term ${hi} disputed)` : ""}`;
      case "InitialSlots":
        if (hi === 0) this.slot = lo;
        return hi === 0
          ? `chose child ${index}: slot ${lo} of R_0`
          : `chose child ${index}: node ${lo} at height ${hi}`;
      case "FinalState":
        return hi === 0
          ? `chose child ${index}: state tensor ${lo} of S_${this.step}`
          : `chose child ${index}: node ${lo} at height ${hi}`;
      default:
        return hi === 0
          ? `chose child ${index}: leaf ${lo}`
          : `chose child ${index}: node ${lo} at height ${hi}`;
    }
  }

  private levelWhat(lv: Level): string {
    const op = this.opLabel(this.opIndex);
    switch (lv) {
      case Level.Tables:
        return "the solver must post the value tables R_0 and R_M of the disputed step";
      case Level.Ops:
        return `dissection over the value tables of step ${this.step}'s ops`;
      case Level.OpOutput:
        return "the solver must claim the disputed op's output";
      case Level.Element:
        return `descent over ${op}'s output tensor to one element`;
      case Level.Sums:
        return `dissection over the partial sums of element ${this.element}`;
      case Level.OneStep:
        return "the contract will recompute one scalar step";
      case Level.InitialSlots:
        return "descent over R_0's slot list";
      case Level.InitialSlotProof:
        return "the solver must prove the contested slot of R_0";
      case Level.BatchElement:
        return "descent over the batch tensor to one element";
      case Level.BatchProof:
        return "the dataset element will be opened";
      case Level.FinalState:
        return `descent over S_${this.step}'s state-tensor list`;
      case Level.FinalStateProof:
        return `the solver must prove the contested state tensor from R_M`;
      case Level.OpOutputProof:
        return `the solver must prove its claims about ${op}'s output`;
      default:
        return "";
    }
  }

  private tensorOf(level: string): string {
    if (level === "Element") return `${this.opLabel(this.opIndex)}'s output tensor`;
    if (level === "InitialSlots") return "R_0's slot list";
    if (level === "FinalState") return `S_${this.step}'s state-tensor list`;
    return "the batch tensor";
  }

  private value(v: bigint, level: string): string {
    const scale = level === "Element" ? this.outScale(this.opIndex) : undefined;
    if (scale === undefined) return v.toString();
    return `${v} = ${(Number(v) / 2 ** scale).toPrecision(6)} at scale 2^-${scale}`;
  }
}

function describeSettlement(s: SettlementRecord): string {
  const f = s.fields;
  switch (s.event) {
    case "TaskRejected":
      return `task ${String(f.taskId)} rejected, ${formatEther(f.burned as bigint)} of the solver stake burned to the sink`;
    case "StakeSlashed":
      if (String(f.beneficiary) === ZeroAddress)
        return `${short(String(f.account))} slashed ${formatEther(f.amount as bigint)} (all to the sink)`;
      return `${short(String(f.account))} slashed ${formatEther(f.amount as bigint)} (${formatEther(f.toBeneficiary as bigint)} to ${short(String(f.beneficiary))}, ${formatEther(f.toSink as bigint)} to the sink)`;
    case "StakeUnlocked":
      return `${formatEther(f.amount as bigint)} of ${short(String(f.account))} unlocked`;
    case "DisputeResolved":
      return f.openDisputes === 0n
        ? ""
        : `${plural(Number(f.openDisputes), "other dispute")} still open on the task`;
    default:
      return "";
  }
}

/** The transcript as numbered lines, then the totals. */
export function transcriptLines(r: GameReplay): string[] {
  const lines = [
    `game ${r.game} on task ${r.task}, interval ${r.interval}: solver ${r.solver}, challenger ${r.challenger}`,
  ];
  // Later events of one transaction are marked ↳ (their gas is on the transaction's first event).
  for (const e of r.entries)
    lines.push(
      `#${e.index} ${e.gas > 0n ? "" : "↳ "}${e.text}${e.gas > 0n ? ` (gas ${gasText(e.gas)})` : ""}`,
    );
  const t = r.totals;
  lines.push(
    r.outcome
      ? `outcome: ${r.outcome.winner} won by ${r.outcome.how}${r.outcome.settled ? "" : " (not settled yet: anyone may call settle)"}`
      : "outcome: the game is still open",
    `${t.moves} moves after the open, ${t.rounds} rounds, ${t.transactions} transactions, gas ${gasText(t.gas)} (open ${gasText(t.openGas)}), ${t.seconds} s of chain time`,
  );
  return lines;
}
