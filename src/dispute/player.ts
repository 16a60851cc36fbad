/**
 * Dispute players: one class that plays either side of a DisputeGame from chain state plus its
 * own local evidence ({@link Trajectory}). A player keeps no game state of its own: every
 * {@link Player.act} reads the game (getGame and the last posted claims from events) and
 * derives the next move, so a player restarted from scratch resumes where the game stands.
 *
 * Honest play is "play by your evidence": the solver defends its claims; the challenger always
 * picks the first position where the solver's claim differs from its own. Adversarial
 * strategies are a wrong trajectory (see Fault) plus the {@link Strategy} knobs (go silent,
 * send a corrupted proof).
 */
import { type ContractTransactionResponse, hexlify, toBeHex } from "ethers";
import { type Hash, ZERO_HASH } from "../commit/hash";
import { type DatasetCommitment, batchElementProof } from "../commit/dataset";
import { slotProof, slotUpdateProof, stateTensorProof, valueTableRoot, type ListProof } from "../commit/lists";
import { dataDepth, elementProof, leafBytes, LEAF_ELEMENTS, tensorHashFromRoot, type ElementProof } from "../commit/tensor";
import type { DisputeGame } from "../../typechain-types";
import { ChainError } from "../errors";
import { type ChainProgram, opDescProof, slotDescProof } from "./descriptor";
import type { Trajectory } from "./evidence";
import { descendants, descentLevels, listLevels, listNode, midpoints, point, segments, tensorNode } from "./geometry";
import { operandIndicesOf, reductionLengthOf } from "./semantics";
import { type GameContext, isDecided, Level, type OpDesc, Side, type SlotDesc } from "./types";

/** A game as read from chain (numbers are safe integers). */
export interface GameView {
  readonly id: bigint;
  readonly level: Level;
  readonly winner: Side;
  readonly toMove: Side;
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  readonly opIndex: number;
  readonly opCount: number;
  readonly loClaim: string;
  readonly hiClaim: string;
  readonly pending: string;
  readonly element: number;
  readonly contested: number;
  readonly isTarget: boolean;
}

/** Adversarial knobs on top of a (possibly faulty) trajectory. */
export interface Strategy {
  /** Go silent from this player's n-th move on (0-based). */
  readonly silentFrom?: number;
  /** Send a corrupted version of this player's n-th move: a wrong claim (played on from the
   *  player's evidence if the chain accepts it) or a bad proof (the chain rejects it; the driver
   *  then treats the player as silent). */
  readonly corruptAt?: number;
  /** Challenger: contest the op-output claims even when they are right. */
  readonly contestOpOutput?: boolean;
}

/** What one call of {@link Player.act} did. */
export interface MoveRecord {
  readonly side: Side;
  readonly move: string;
  readonly level: Level;
  readonly gas: bigint;
}

export interface PlayerOptions {
  readonly game: DisputeGame;
  readonly side: Side;
  readonly evidence: Trajectory;
  readonly chainProgram: ChainProgram;
  readonly context: GameContext;
  readonly dataset: DatasetCommitment;
  readonly degree: number;
  readonly treeBits: number;
  readonly strategy?: Strategy;
}

/** bytes32 of a signed integer (two's complement), as the game stores partial sums. */
export function int256ToBytes32(v: bigint): string {
  return toBeHex(BigInt.asUintN(256, v), 32);
}

/** Signed integer of a bytes32 claim. */
export function bytes32ToInt256(h: string): bigint {
  return BigInt.asIntN(256, BigInt(h));
}

const hx = (b: Uint8Array): string => hexlify(b);
const opArg = (d: OpDesc) => ({ ...d, outShape: [...d.outShape], aShape: [...d.aShape], bShape: [...d.bShape] });
const slotArg = (d: SlotDesc) => ({ ...d, shape: [...d.shape] });
const listArg = (p: ListProof) => ({ count: p.count, index: p.index, path: p.path.map(hx) });
const elemArg = (p: ElementProof) => ({ scale: p.scale, shape: [...p.shape], index: p.index, leaf: hx(p.leaf), path: p.path.map(hx) });

/** Reads a game's state from chain. */
export async function readGame(game: DisputeGame, id: bigint): Promise<GameView> {
  const g = await game.getGame(id);
  if (g.level === 0n) throw new ChainError("DISPUTE_UNKNOWN_GAME", `game ${id} does not exist on ${await game.getAddress()}`);
  const [toMove] = await game.clockOf(id);
  return {
    id,
    level: Number(g.level) as Level,
    winner: Number(g.winner) as Side,
    toMove: Number(toMove) as Side,
    lo: Number(g.lo),
    hi: Number(g.hi),
    step: Number(g.step),
    opIndex: Number(g.opIndex),
    opCount: Number(g.opCount),
    loClaim: g.loClaim,
    hiClaim: g.hiClaim,
    pending: g.pending,
    element: Number(g.element),
    contested: Number(g.contested),
    isTarget: g.isTarget,
  };
}

export class Player {
  private moves = 0;
  /** Disputed interval [lo, hi] of each game (from its GameOpened event; a cache, re-read after a restart). */
  private readonly windows = new Map<bigint, { lo: number; hi: number }>();
  constructor(readonly o: PlayerOptions) {}

  /**
   * The game's disputed interval [lo, hi] as opened; the evidence is focused on it (anchored at
   * the agreed checkpoint S_lo) before every move, so a player needs only that interval's states.
   */
  async interval(id: bigint): Promise<{ lo: number; hi: number }> {
    let w = this.windows.get(id);
    if (!w) {
      const { game } = this.o;
      const ev = (await game.queryFilter(game.filters.GameOpened(id))).at(-1);
      if (!ev) throw new ChainError("DISPUTE_UNKNOWN_GAME", `game ${id}: no GameOpened event found`);
      w = { lo: Number(ev.args.lo), hi: Number(ev.args.hi) };
      this.windows.set(id, w);
    }
    return w;
  }

  get side(): Side {
    return this.o.side;
  }

  /**
   * Makes this player's next move in game `id` if it is its turn. Returns the move made, or null
   * when it is not its turn, the game is over, or the strategy keeps it silent. A corrupted move
   * is sent and its revert propagates (the caller treats the player as silent afterwards).
   */
  async act(id: bigint): Promise<MoveRecord | null> {
    const g = await readGame(this.o.game, id);
    if (isDecided(g.level) || g.toMove !== this.o.side) return null;
    const s = this.o.strategy;
    const n = this.moves;
    if (s?.silentFrom !== undefined && n >= s.silentFrom) return null;
    const corrupt = s?.corruptAt === n;
    this.moves++;
    const w = await this.interval(id);
    await this.o.evidence.focus(w.lo, w.hi);
    await this.o.evidence.prepare(g.level === Level.Steps ? g.hi : g.step);
    const { move, tx } = this.o.side === Side.Solver ? await this.solverMove(g, corrupt) : await this.challengerMove(g, corrupt);
    const receipt = await tx.wait();
    if (!receipt) throw new ChainError("DISPUTE_NO_RECEIPT", `move ${move} of game ${id} has no receipt`);
    return { side: this.o.side, move, level: g.level, gas: receipt.gasUsed };
  }

  // ------------------------------------------------------------------------------- solver

  private async solverMove(g: GameView, corrupt: boolean): Promise<{ move: string; tx: ContractTransactionResponse }> {
    const { game, evidence: ev, context: ctx, degree } = this.o;
    const bad = (h: string) => (corrupt ? hx(Buffer.alloc(32, 0x5a)) : h);
    switch (g.level) {
      case Level.Steps: {
        const mids = midpoints(g.lo, g.hi, degree).map((p) => ev.stateHashHex(p));
        if (corrupt) mids[0] = bad(mids[0]);
        return { move: "bisect:Steps", tx: await game.bisect(g.id, corrupt ? mids.slice(1) : mids) };
      }
      case Level.Tables: {
        const tr = ev.trace(g.step);
        const m = tr.opCount;
        const mids = midpoints(0, m, degree).map((p) => hx(tr.root(p)));
        const args = { root0: hx(tr.root(0)), rootM: hx(tr.root(m)), mids: corrupt ? mids.slice(1) : mids };
        return { move: "postTables", tx: await game.postTables(g.id, args) };
      }
      case Level.Ops: {
        const tr = ev.trace(g.step);
        const mids = midpoints(g.lo, g.hi, degree).map((p) => hx(tr.root(p)));
        return { move: "bisect:Ops", tx: await game.bisect(g.id, corrupt ? mids.slice(1) : mids) };
      }
      case Level.OpOutput: {
        const tr = ev.trace(g.step);
        const desc = this.o.chainProgram.opDescs[g.opIndex - 1];
        const tree = tr.tree(desc.out);
        const claim = { outHash: bad(hx(tree.hash)), dataRoot: hx(tree.dataRoot), numel: tree.n, terms: reductionLengthOf(desc) };
        return { move: "postOpOutput", tx: await game.postOpOutput(g.id, claim) };
      }
      case Level.OpOutputProof: {
        const j = g.opIndex;
        const desc = this.o.chainProgram.opDescs[j - 1];
        const proof = { op: opArg(desc), opProof: opDescProof(this.o.chainProgram, j - 1) };
        if (corrupt) proof.opProof.path = proof.opProof.path.map(() => bad(""));
        return { move: "proveOpOutput", tx: await game.proveOpOutput(g.id, proof) };
      }
      case Level.OpUpdateProof: {
        const tr = ev.trace(g.step);
        const desc = this.o.chainProgram.opDescs[g.opIndex - 1];
        const upd = listArg(slotUpdateProof(tr.slotHashes(g.opIndex - 1), desc.out, tr.tree(desc.out).hash));
        if (corrupt) upd.path = upd.path.map(() => bad(""));
        return { move: "proveOpUpdate", tx: await game.proveOpUpdate(g.id, upd) };
      }
      case Level.Element:
      case Level.BatchElement: {
        const tree = this.descentTree(g);
        if (g.hi === 0) {
          const leaf = leafBytes(tree.tensor, g.lo);
          if (corrupt) leaf[0] ^= 1;
          return { move: `revealLeaf:${Level[g.level]}`, tx: await game.revealLeaf(g.id, hx(leaf)) };
        }
        const nodes = this.nodes((h, i) => tensorNode(tree, h, i), g.hi, g.lo);
        if (corrupt) nodes[0] = bad(nodes[0]);
        return { move: `bisect:${Level[g.level]}`, tx: await game.bisect(g.id, nodes) };
      }
      case Level.InitialSlots:
      case Level.FinalState: {
        const levels = this.listOf(g);
        const nodes = this.nodes((h, i) => listNode(levels, h, i), g.hi, g.lo);
        if (corrupt) nodes[0] = bad(nodes[0]);
        return { move: `bisect:${Level[g.level]}`, tx: await game.bisect(g.id, nodes) };
      }
      case Level.Sums: {
        const sums = ev.trace(g.step).partialSums(g.opIndex, g.element);
        const mids = midpoints(g.lo, g.hi, degree).map((k) => int256ToBytes32(sums[k]));
        return { move: "bisect:Sums", tx: await game.bisect(g.id, corrupt ? mids.slice(1) : mids) };
      }
      case Level.OneStep:
        return this.oneStep(g, corrupt);
      case Level.InitialSlotProof:
        return this.proveInitialSlot(g, corrupt);
      case Level.BatchProof: {
        const p = batchElementProof(this.o.dataset, g.isTarget, g.step, ctx.batchSize, g.element);
        const proof = elemArg(p.proof);
        if (corrupt) proof.path = proof.path.map(() => bad(ZERO_HASH.toString("hex")));
        return { move: "proveBatchElement", tx: await game.proveBatchElement(g.id, ctx, hx(p.otherHash), proof) };
      }
      case Level.FinalStateProof: {
        const tr = ev.trace(g.step);
        const slot = ev.stateIds[g.contested];
        const desc = this.o.chainProgram.slotDescs[slot];
        const m = tr.opCount;
        const sp = listArg(slotProof(tr.slotHashes(m), desc.nextSlot));
        if (corrupt) sp.path = sp.path.map(() => bad(""));
        const args = { desc: slotArg(desc), descProof: slotDescProof(this.o.chainProgram, slot), slotProof: sp };
        return { move: "proveFinalState", tx: await game.proveFinalState(g.id, ctx, args) };
      }
      default:
        throw new ChainError("DISPUTE_NO_MOVE", `the solver has no move at level ${Level[g.level]}`);
    }
  }

  private async oneStep(g: GameView, corrupt: boolean): Promise<{ move: string; tx: ContractTransactionResponse }> {
    const tr = this.o.evidence.trace(g.step);
    const desc = this.o.chainProgram.opDescs[g.opIndex - 1];
    const term = g.level === Level.OneStep ? g.hi : 0;
    const { count, ia, ib } = operandIndicesOf(desc, g.element, term);
    const before = tr.slotHashes(g.opIndex - 1);
    const operand = (slot: number, idx: number) => ({ slot: listArg(slotProof(before, slot)), element: elemArg(elementProof(tr.tree(slot), idx)) });
    const ops = [operand(desc.a, ia)];
    if (count === 2) ops.push(operand(desc.b, ib));
    if (corrupt) ops[0].element.leaf = hx(Buffer.alloc(1024, 1));
    const opProof = opDescProof(this.o.chainProgram, g.opIndex - 1);
    return { move: `oneStep:${opName(desc.opcode)}`, tx: await this.o.game.oneStep(g.id, opArg(desc), opProof, ops) };
  }

  private async proveInitialSlot(g: GameView, corrupt: boolean): Promise<{ move: string; tx: ContractTransactionResponse }> {
    const { evidence: ev, chainProgram: cp } = this.o;
    const tr = ev.trace(g.step);
    const slot = g.contested;
    const desc = cp.slotDescs[slot];
    const stateIndex = ev.stateIds.indexOf(slot);
    const empty = { count: 1, index: 0, path: [] as string[] };
    let stateProof = empty;
    let dataRoot = hx(ZERO_HASH);
    if (stateIndex >= 0) stateProof = listArg(stateTensorProof(tr.prevState, stateIndex));
    if (desc.kind === 1 || desc.kind === 2) {
      const tree = tr.tree(slot);
      // The first descent nodes (or the leaf) follow in the solver's next move.
      dataRoot = hx(tree.dataRoot);
    }
    if (corrupt) stateProof = { ...stateProof, path: stateProof.path.map(() => hx(Buffer.alloc(32, 7))) };
    const args = { desc: slotArg(desc), descProof: slotDescProof(cp, slot), stateProof, dataRoot };
    return { move: "proveInitialSlot", tx: await this.o.game.proveInitialSlot(g.id, this.o.context, args) };
  }

  // --------------------------------------------------------------------------- challenger

  private async challengerMove(g: GameView, corrupt: boolean): Promise<{ move: string; tx: ContractTransactionResponse }> {
    const { game, evidence: ev, degree } = this.o;
    switch (g.level) {
      case Level.Steps:
      case Level.Ops:
      case Level.Sums: {
        const mids = await this.lastClaims(g);
        if (g.level === Level.Ops && g.lo === 0 && g.hi === g.opCount) {
          const contest = await this.linkContest(g);
          if (contest) return contest;
        }
        const mine = (p: number): string => {
          if (g.level === Level.Steps) return ev.stateHashHex(p);
          if (g.level === Level.Ops) return hx(ev.trace(g.step).root(p));
          return int256ToBytes32(ev.trace(g.step).partialSums(g.opIndex, g.element)[p]);
        };
        const segs = segments(g.lo, g.hi, degree);
        let pick = segs - 1;
        for (let i = 0; i < segs; i++) {
          const claim = i + 1 === segs ? g.hiClaim : mids[i];
          if (claim.toLowerCase() !== mine(point(g.lo, g.hi, degree, i + 1)).toLowerCase()) {
            pick = i;
            break;
          }
        }
        return { move: `choose:${Level[g.level]}`, tx: await game.choose(g.id, mids, corrupt ? segs : pick) };
      }
      case Level.Element:
      case Level.BatchElement:
      case Level.InitialSlots:
      case Level.FinalState: {
        if (g.level === Level.Element && (await this.opOutputWrong(g))) return { move: "contestOpOutput", tx: await game.contestOpOutput(g.id) };
        const list = g.level === Level.InitialSlots || g.level === Level.FinalState;
        if (!list && g.hi === 0) return this.chooseElement(g, corrupt);
        const nodes = await this.lastClaims(g);
        let mineAt: (h: number, i: number) => Hash;
        if (list) {
          const levels = this.listOf(g);
          mineAt = (h, i) => listNode(levels, h, i);
        } else {
          const tree = this.descentTree(g);
          mineAt = (h, i) => tensorNode(tree, h, i);
        }
        const mine = this.nodes(mineAt, g.hi, g.lo);
        let pick = mine.findIndex((m, i) => m.toLowerCase() !== nodes[i].toLowerCase());
        if (pick < 0) pick = 0;
        return { move: `choose:${Level[g.level]}`, tx: await game.choose(g.id, nodes, corrupt ? nodes.length : pick) };
      }
      default:
        throw new ChainError("DISPUTE_NO_MOVE", `the challenger has no move at level ${Level[g.level]}`);
    }
  }

  /** The challenger's first op-level move: contest R_0 or R_M → S_t if they are the wrong link. */
  private async linkContest(g: GameView): Promise<{ move: string; tx: ContractTransactionResponse } | null> {
    const { game, evidence: ev } = this.o;
    const tr = ev.trace(g.step);
    if (g.loClaim.toLowerCase() !== hx(tr.root(0))) return { move: "contestInitial", tx: await game.contestInitial(g.id) };
    // R_M right while S_t is wrong: S_t has a state tensor that R_M does not give.
    if (g.hiClaim.toLowerCase() === hx(tr.root(tr.opCount))) return { move: "contestFinal", tx: await game.contestFinal(g.id) };
    return null;
  }

  /**
   * At the challenger's first Element decision: whether the solver's op-output claims are false
   * (R_j is not R_{j−1} with the output slot set to outHash, or outHash/size/K do not fit op j).
   */
  private async opOutputWrong(g: GameView): Promise<boolean> {
    const game = this.o.game;
    const desc = this.o.chainProgram.opDescs[g.opIndex - 1];
    const raw = await game.getGame(g.id);
    if (g.lo !== 0 || g.hi !== dataDepth(Number(raw.numel))) return false;
    if (this.o.strategy?.contestOpOutput) return true;
    const tr = this.o.evidence.trace(g.step);
    const outHash = raw.outHash;
    const slots = tr.slotHashes(g.opIndex - 1);
    slots[desc.out] = Buffer.from(outHash.slice(2), "hex");
    const rootOk = hx(valueTableRoot(slots)) === raw.highRoot.toLowerCase();
    const headerOk = hx(tensorHashFromRoot(desc.outScale, desc.outShape, Buffer.from(g.hiClaim.slice(2), "hex"))) === outHash.toLowerCase();
    const sizeOk = Number(raw.numel) === desc.outShape.reduce((a, b) => a * b, 1) && Number(raw.termCount) === reductionLengthOf(desc);
    return !(rootOk && headerOk && sizeOk);
  }

  private async chooseElement(g: GameView, corrupt: boolean): Promise<{ move: string; tx: ContractTransactionResponse }> {
    const { game } = this.o;
    const ev = (await game.queryFilter(game.filters.LeafRevealed(g.id))).at(-1);
    if (!ev) throw new ChainError("DISPUTE_NO_LEAF", `game ${g.id}: no revealed leaf found in events`);
    const leaf = Buffer.from(ev.args.leaf.slice(2), "hex");
    const mine = leafBytes(this.descentTree(g).tensor, g.lo);
    let pick = 0;
    for (let s = 0; s < LEAF_ELEMENTS; s++) {
      if (!leaf.subarray(s * 8, s * 8 + 8).equals(mine.subarray(s * 8, s * 8 + 8))) {
        pick = s;
        break;
      }
    }
    return { move: `chooseElement:${Level[g.level]}`, tx: await game.chooseElement(g.id, ev.args.leaf, corrupt ? LEAF_ELEMENTS : pick) };
  }

  // ------------------------------------------------------------------------------- helpers

  /** Levels of the list tree being descended: R_0's slots (InitialSlots) or S_t's tensors (FinalState). */
  private listOf(g: GameView): Hash[][] {
    const tr = this.o.evidence.trace(g.step);
    return listLevels(g.level === Level.InitialSlots ? tr.slotHashList(0) : tr.nextStateHashes());
  }

  /** The tensor being descended: op j's output (Element) or the contested batch slot (BatchElement). */
  private descentTree(g: GameView) {
    const tr = this.o.evidence.trace(g.step);
    if (g.level === Level.Element) return tr.tree(this.o.chainProgram.opDescs[g.opIndex - 1].out);
    return tr.tree(g.contested);
  }

  private nodes(nodeAt: (h: number, i: number) => Hash, height: number, index: number): string[] {
    return descendants(nodeAt, height, index, descentLevels(height, this.o.treeBits)).map(hx);
  }

  private async lastClaims(g: GameView): Promise<string[]> {
    const { game } = this.o;
    const ev = (await game.queryFilter(game.filters.ClaimsPosted(g.id))).at(-1);
    if (!ev) throw new ChainError("DISPUTE_NO_CLAIMS", `game ${g.id}: no posted claims found in events`);
    return [...ev.args.claims];
  }
}

const OP_NAMES = ["", "MatMul", "Add", "Sub", "Mul", "MulConst", "Relu", "ReluGrad", "Transpose", "ReduceSum", "Rescale", "Clip", "Reshape"];

/** Name of an on-chain opcode. */
export function opName(opcode: number): string {
  return OP_NAMES[opcode] ?? `op${opcode}`;
}
