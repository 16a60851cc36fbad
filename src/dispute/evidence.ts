/**
 * Local evidence for dispute players: a party's own trajectory S_0..S_T of a train-step program
 * over the batch view, and for any step the value tables R_0..R_M, tensor trees and partial sums.
 *
 * Faults (for adversarial strategies and fault injection) make a party's trajectory wrong in a
 * controlled place; the party then plays "honestly" from its wrong evidence, which is exactly
 * what a buggy or cheating node does. An honest party has no faults.
 */
import { hexlify } from "ethers";
import { type Hash, listRoot, ZERO_HASH } from "../commit/hash";
import { type SlotHash, stateHash, valueTableRoot } from "../commit/lists";
import { tensorTree, type TensorTree } from "../commit/tensor";
import { batchAt, type Dataset } from "../data";
import { bindSlots, evalElement, evalOp, type SlotValues } from "../exec/reference";
import type { IntTensor, PinProgram } from "../pinir/types";
import { InputError } from "../errors";
import { stateSlots } from "./descriptor";

/** Where a party's computation goes wrong (all indices 0-based except `step` and `term`). */
export type Fault =
  /** Output element `element` of op `op` at step `step` is off by `delta`; for a reduction its
   *  partial sums are off from term `term` (1-based, default K: only the final sum) on. */
  | { readonly kind: "output"; readonly step: number; readonly op: number; readonly element: number; readonly delta: number; readonly term?: number }
  /** Batch element `element` of input (or target) slot is off by `delta` in R_0 of step `step`. */
  | { readonly kind: "input"; readonly step: number; readonly element: number; readonly delta: number; readonly target?: boolean }
  /** State tensor `state` (state index) element `element` is off in R_0 of step `step` only
   *  (R_0 does not follow from the agreed S_{t−1}). */
  | { readonly kind: "state"; readonly step: number; readonly state: number; readonly element: number; readonly delta: number }
  /** The claimed S_t of step `step` has state tensor `state` element `element` off by `delta`,
   *  while R_M is right (S_t does not follow from R_M); later steps start from the claimed S_t. */
  | { readonly kind: "next-state"; readonly step: number; readonly state: number; readonly element: number; readonly delta: number };

function bump(t: IntTensor, element: number, delta: number): IntTensor {
  const data = Float64Array.from(t.data);
  if (element < 0 || element >= data.length) throw new InputError("DISPUTE_FAULT", `fault element ${element} outside a tensor of ${data.length}`);
  const v = data[element] + delta;
  data[element] = v === 0 ? 0 : v;
  return { shape: t.shape, scale: t.scale, data };
}

/** Everything about one step t that a player needs. */
export class StepTrace {
  /** Final value of every slot (temps filled). */
  readonly values: IntTensor[];
  /** 1-based index of the op writing each slot; 0 for non-temp slots. */
  private readonly writtenBy: number[];
  private readonly trees = new Map<number, TensorTree>();
  private readonly roots = new Map<number, Hash>();
  private readonly sums = new Map<string, bigint[]>();

  constructor(
    readonly program: PinProgram,
    readonly step: number,
    values: SlotValues,
    /** Claimed S_{t−1} and S_t tensors. */
    readonly prevState: readonly IntTensor[],
    readonly nextState: readonly IntTensor[],
    private readonly faults: readonly Fault[],
  ) {
    this.values = values as IntTensor[];
    this.writtenBy = program.slots.map(() => 0);
    program.ops.forEach((op, j) => (this.writtenBy[op.out] = j + 1));
  }

  get opCount(): number {
    return this.program.ops.length;
  }

  tree(slot: number): TensorTree {
    let t = this.trees.get(slot);
    if (!t) {
      t = tensorTree(this.values[slot]);
      this.trees.set(slot, t);
    }
    return t;
  }

  slotHash(slot: number): Hash {
    return this.tree(slot).hash;
  }

  /** Slot hashes of R_j (j = 0..M). */
  slotHashes(j: number): SlotHash[] {
    return this.program.slots.map((_, i) => (this.writtenBy[i] === 0 || this.writtenBy[i] <= j ? this.slotHash(i) : null));
  }

  /** Slot hashes of R_j with empty slots as bytes32(0). */
  slotHashList(j: number): Hash[] {
    return this.slotHashes(j).map((h) => (h ? Buffer.from(h) : ZERO_HASH));
  }

  /** Value-table root R_j. */
  root(j: number): Hash {
    let r = this.roots.get(j);
    if (!r) {
      r = valueTableRoot(this.slotHashes(j));
      this.roots.set(j, r);
    }
    return r;
  }

  /** Tensor hashes of the claimed S_t. */
  nextStateHashes(): Hash[] {
    return this.nextState.map((t) => tensorTree(t).hash);
  }

  /** Partial sums s_0..s_K of output element e of op `opIndex` (1-based), as claimed. */
  partialSums(opIndex: number, e: number): bigint[] {
    const key = `${opIndex}:${e}`;
    let s = this.sums.get(key);
    if (!s) {
      const ev = evalElement(this.program, this.values, opIndex - 1, e);
      if (!ev.partialSums) throw new InputError("DISPUTE_NOT_REDUCTION", `op ${opIndex} is not a reduction`);
      s = ev.partialSums.map((x) => BigInt(x));
      for (const f of this.faults) {
        if (f.kind === "output" && f.step === this.step && f.op === opIndex - 1 && f.element === e) {
          const from = f.term ?? s.length - 1;
          for (let k = from; k < s.length; k++) s[k] += BigInt(f.delta);
        }
      }
      this.sums.set(key, s);
    }
    return s;
  }
}

/**
 * Computes a step's full value table (every slot after the last op) from S_{t−1} and the batch,
 * e.g. an executor evidence run: `(s, b) => executor.evidence(s, b)` (src/exec). Used for steps
 * without faults; the reference interpreter is the fallback and computes faulty steps.
 */
export type StepEvaluator = (state: readonly IntTensor[], batch: { x: IntTensor; y: IntTensor }, step: number) => Promise<IntTensor[]>;

/** A party's trajectory of a task (its local checkpoint store). */
export class Trajectory {
  private readonly states: IntTensor[][];
  private readonly traces = new Map<number, StepTrace>();
  readonly stateIds: number[];
  readonly batchSize: number;

  constructor(
    readonly program: PinProgram,
    readonly dataset: Dataset,
    initialState: readonly IntTensor[],
    readonly totalSteps: number,
    readonly faults: readonly Fault[] = [],
    private readonly evaluate?: StepEvaluator,
  ) {
    this.states = [[...initialState]];
    this.stateIds = stateSlots(program);
    const input = program.slots.find((s) => s.kind === "input");
    if (!input) throw new InputError("DISPUTE_NO_INPUT", "a train-step program needs an input slot");
    this.batchSize = input.shape[0];
  }

  /** Claimed state S_t (computed on demand, sequentially). */
  state(t: number): IntTensor[] {
    if (t < 0 || t > this.totalSteps) throw new InputError("DISPUTE_STEP", `step ${t} outside 0..${this.totalSteps}`);
    while (this.states.length <= t) this.trace(this.states.length);
    return this.states[t];
  }

  stateHash(t: number): Hash {
    return stateHash(this.state(t));
  }

  stateHashHex(t: number): string {
    return hexlify(this.stateHash(t));
  }

  /**
   * Makes states 0..t and the trace of step t available, computing fault-free steps with the
   * step evaluator (executor evidence runs) when there is one. Players call it before a move.
   */
  async prepare(t: number): Promise<void> {
    if (!this.evaluate) return;
    const upto = Math.min(Math.max(t, 0), this.totalSteps);
    for (let s = this.states.length; s <= upto; s++) await this.prepareStep(s);
    if (upto >= 1 && !this.traces.has(upto)) await this.prepareStep(upto);
  }

  private async prepareStep(t: number): Promise<void> {
    if (!this.evaluate || this.faults.some((f) => f.step === t)) {
      this.trace(t);
      return;
    }
    const prev = this.state(t - 1);
    const batch = batchAt(this.dataset, t, this.batchSize);
    const values: SlotValues = await this.evaluate(prev, { x: batch.x, y: batch.y }, t);
    this.finish(t, prev, values, []);
  }

  /** The full evidence of step t (1-based). */
  trace(t: number): StepTrace {
    const tr = this.traces.get(t);
    if (tr) return tr;
    const prev = this.state(t - 1);
    const batch = batchAt(this.dataset, t, this.batchSize);
    const values = bindSlots(this.program, prev, { x: batch.x, y: batch.y });
    const mine = this.faults.filter((f) => f.step === t);
    for (const f of mine) {
      if (f.kind === "input") {
        const slot = this.program.slots.findIndex((s) => s.kind === (f.target ? "target" : "input"));
        values[slot] = bump(values[slot] as IntTensor, f.element, f.delta);
      } else if (f.kind === "state") {
        const slot = this.stateIds[f.state];
        values[slot] = bump(values[slot] as IntTensor, f.element, f.delta);
      }
    }
    this.program.ops.forEach((op, j) => {
      let out = evalOp(this.program, values, j);
      for (const f of mine) if (f.kind === "output" && f.op === j) out = bump(out, f.element, f.delta);
      values[op.out] = out;
    });
    return this.finish(t, prev, values, mine);
  }

  private finish(t: number, prev: IntTensor[], values: SlotValues, mine: readonly Fault[]): StepTrace {
    let next = this.stateIds.map((id) => {
      const upd = this.program.stateUpdates.find((u) => u.from === id);
      return (upd ? values[upd.to] : values[id]) as IntTensor;
    });
    for (const f of mine) if (f.kind === "next-state") next = next.map((s, i) => (i === f.state ? bump(s, f.element, f.delta) : s));
    const tr = new StepTrace(this.program, t, values, prev, next, this.faults);
    this.traces.set(t, tr);
    if (this.states.length === t) this.states.push(next);
    // Keep memory bounded: only recent traces stay cached.
    if (this.traces.size > 8) this.traces.delete(this.traces.keys().next().value as number);
    return tr;
  }

  /** Checkpoint hashes 0..N for checkpoint interval k. */
  checkpoints(k: number): Hash[] {
    const n = Math.ceil(this.totalSteps / k);
    return Array.from({ length: n + 1 }, (_, i) => this.stateHash(Math.min(i * k, this.totalSteps)));
  }
}

/** listRoot helper re-exported for players (state tensor lists). */
export function stateListRoot(hashes: readonly Uint8Array[]): Hash {
  return listRoot(hashes);
}
