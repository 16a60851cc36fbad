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

/**
 * Where a player gets an agreed state S_step from (e.g. the solver's own checkpoint store, or a
 * challenger fetching the solver's checkpoint files): the state, already checked against the hash
 * committed on chain for that step, or undefined when none is available (the trajectory then
 * recomputes it from the last state it holds).
 */
export type AnchorSource = (step: number) => Promise<readonly IntTensor[] | undefined>;

/** How the start of the focused window was obtained. */
export type AnchorKind = "held" | "checkpoint" | "recomputed";

/** States kept besides the √-spaced ones: the most recently computed (sequential walks). */
const RECENT_STATES = 2;
/** Step traces (full value tables) kept: the step being played and one more. */
const CACHED_TRACES = 2;

/**
 * A party's trajectory of a task, in bounded memory.
 *
 * The trajectory holds no per-step history: inside its *window* [from, to] (the whole job until
 * {@link focus} narrows it to a disputed interval) it keeps the state at `from`, every
 * ⌈√(to − from)⌉-th state after it and the state at `to`, plus the {@link RECENT_STATES} most recently
 * computed states and the states of {@link CACHED_TRACES} cached step traces; any other state is
 * recomputed from the nearest kept one below it (at most ⌈√(to − from)⌉ steps). Inside a focused
 * window the hash of every computed state is kept too (32 bytes a step), so dissection claims need
 * no recomputation. {@link heldStates} counts what is held, {@link peakStates} its maximum and
 * {@link stateBound} the bound, which depends on the window's length only, never on the job's.
 *
 * Faults apply at their step whenever that step is (re)computed, so recomputation gives the same
 * (wrong) trajectory every time.
 */
export class Trajectory {
  private readonly initial: IntTensor[];
  private readonly kept = new Map<number, IntTensor[]>();
  private readonly recent = new Map<number, IntTensor[]>();
  private readonly hashes = new Map<number, Hash>();
  private readonly traces = new Map<number, StepTrace>();
  private lo = 0;
  private hi: number;
  private spacing: number;
  private focused = false;
  /** Every state from `lo` to `walked` has been computed (and hashed, when focused) in this window. */
  private walked = 0;
  private peak = 0;
  private computed = 0;
  private anchorKind: AnchorKind = "held";
  readonly stateIds: number[];
  readonly batchSize: number;

  constructor(
    readonly program: PinProgram,
    readonly dataset: Dataset,
    initialState: readonly IntTensor[],
    readonly totalSteps: number,
    readonly faults: readonly Fault[] = [],
    private readonly evaluate?: StepEvaluator,
    private readonly anchors?: AnchorSource,
  ) {
    if (!Number.isSafeInteger(totalSteps) || totalSteps < 0) throw new InputError("DISPUTE_STEP", `a trajectory has 0 or more steps, got ${totalSteps}`);
    this.initial = [...initialState];
    this.hi = totalSteps;
    this.spacing = spacingOf(totalSteps);
    this.kept.set(0, this.initial);
    this.stateIds = stateSlots(program);
    const input = program.slots.find((s) => s.kind === "input");
    if (!input) throw new InputError("DISPUTE_NO_INPUT", "a train-step program needs an input slot");
    this.batchSize = input.shape[0];
    this.notePeak();
  }

  /** The window [from, to] whose states the trajectory keeps (whole job until {@link focus}). */
  get window(): { readonly from: number; readonly to: number; readonly spacing: number; readonly anchor: AnchorKind } {
    return { from: this.lo, to: this.hi, spacing: this.spacing, anchor: this.anchorKind };
  }

  /** Distinct full states held now (kept, recent and those of cached traces; the caller's initial state excluded). */
  get heldStates(): number {
    const set = new Set<IntTensor[]>();
    for (const [t, s] of this.kept) if (t !== 0 || s !== this.initial) set.add(s);
    for (const s of this.recent.values()) if (s !== this.initial) set.add(s);
    for (const tr of this.traces.values()) {
      for (const s of [tr.prevState, tr.nextState] as IntTensor[][]) if (s !== this.initial) set.add(s);
    }
    return set.size;
  }

  /** The most states ever held at once since construction or the last {@link resetPeak}. */
  get peakStates(): number {
    return this.peak;
  }

  /** Steps computed (evaluated or interpreted) since construction or the last {@link resetPeak}. */
  get stepsComputed(): number {
    return this.computed;
  }

  /** The bound on {@link heldStates} for the current window: ⌈(to − from)/s⌉ + 2 kept, the recent ones, two per cached trace. */
  get stateBound(): number {
    return Math.ceil((this.hi - this.lo) / this.spacing) + 2 + RECENT_STATES + 2 * CACHED_TRACES;
  }

  /** Restarts the {@link peakStates} and {@link stepsComputed} counters (e.g. at the start of a dispute). */
  resetPeak(): void {
    this.peak = this.heldStates;
    this.computed = 0;
  }

  /**
   * Narrows the trajectory to the window [from, to] (a disputed checkpoint interval): S_from comes
   * from a state the trajectory holds, else from the anchor source (a checkpoint checked against
   * its committed hash), else it is recomputed from the last state held below `from`. Everything
   * outside the window is dropped. Idempotent for the current window.
   */
  async focus(from: number, to: number): Promise<AnchorKind> {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to > this.totalSteps || from > to)
      throw new InputError("DISPUTE_STEP", `window ${from}..${to} is not inside 0..${this.totalSteps}`);
    if (this.focused && this.lo === from && this.hi === to) return this.anchorKind;
    let kind: AnchorKind = "held";
    let anchor = this.heldAt(from);
    if (!anchor && this.anchors) {
      const got = await this.anchors(from);
      if (got) {
        anchor = [...got];
        kind = "checkpoint";
      }
    }
    if (!anchor) {
      // Recompute S_from from the last state held below it, keeping nothing else on the way.
      const start = this.nearestHeld(from);
      const s = this.heldAt(start)!;
      this.setWindow(from, to, false);
      this.recent.set(start, s);
      await this.walk(start, from);
      anchor = this.heldAt(from)!;
      kind = "recomputed";
    }
    this.setWindow(from, to, true);
    this.kept.set(from, anchor);
    this.hashes.set(from, stateHash(anchor));
    this.anchorKind = kind;
    this.notePeak();
    return kind;
  }

  private setWindow(from: number, to: number, focused: boolean): void {
    this.lo = from;
    this.hi = to;
    this.spacing = spacingOf(to - from);
    this.focused = focused;
    this.walked = from;
    this.kept.clear();
    this.recent.clear();
    this.hashes.clear();
    this.traces.clear();
  }

  /** Claimed state S_t (recomputed from the nearest kept state below it when not held). */
  state(t: number): IntTensor[] {
    this.checkStep(t);
    const held = this.heldAt(t);
    if (held) return held;
    const from = this.nearestHeld(t);
    for (let u = from + 1; u <= t; u++) {
      const tr = this.trace(u);
      if (!this.heldAt(u)) this.record(u, tr.nextState as IntTensor[]);
    }
    return this.heldAt(t)!;
  }

  stateHash(t: number): Hash {
    this.checkStep(t);
    const known = this.hashes.get(t);
    if (known) return known;
    const h = stateHash(this.state(t));
    if (t >= this.lo && t <= this.hi) this.hashes.set(t, h);
    return h;
  }

  stateHashHex(t: number): string {
    return hexlify(this.stateHash(t));
  }

  /**
   * Makes the trace of step t (and, inside a focused window, the hashes of every state from the
   * window's start to t) available, computing fault-free steps with the step evaluator (executor
   * evidence runs) when there is one. Players call it before a move.
   */
  async prepare(t: number): Promise<void> {
    const upto = Math.min(Math.max(t, 0), this.totalSteps);
    if (this.focused && upto > this.walked && upto <= this.hi) await this.walk(this.nearestHeld(this.walked), upto);
    if (upto >= 1 && !this.traces.has(upto)) await this.walk(this.nearestHeld(upto - 1), upto);
  }

  /** Computes steps from+1..to (from must be held), asynchronously with the evaluator when there is one. */
  private async walk(from: number, to: number): Promise<void> {
    for (let u = from + 1; u <= to; u++) {
      const cached = this.traces.get(u);
      if (cached) {
        if (!this.heldAt(u)) this.record(u, cached.nextState as IntTensor[]);
        continue;
      }
      if (!this.evaluate || this.faults.some((f) => f.step === u)) {
        this.trace(u);
        continue;
      }
      const prev = this.state(u - 1);
      const batch = batchAt(this.dataset, u, this.batchSize);
      const values: SlotValues = await this.evaluate(prev, { x: batch.x, y: batch.y }, u);
      this.finish(u, prev, values, []);
    }
  }

  /** The full evidence of step t (1-based). */
  trace(t: number): StepTrace {
    const tr = this.traces.get(t);
    if (tr) return tr;
    if (t < 1 || t > this.totalSteps) throw new InputError("DISPUTE_STEP", `step ${t} outside 1..${this.totalSteps}`);
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
    this.computed++;
    this.traces.set(t, tr);
    while (this.traces.size > CACHED_TRACES) this.traces.delete(this.traces.keys().next().value as number);
    this.record(t, next);
    return tr;
  }

  /** Keeps S_t as a recent state, as a kept one when it falls on the window's grid, and its hash in a focused window. */
  private record(t: number, s: IntTensor[]): void {
    this.recent.delete(t);
    this.recent.set(t, s);
    while (this.recent.size > RECENT_STATES) this.recent.delete(this.recent.keys().next().value as number);
    if (t >= this.lo && t <= this.hi) {
      if ((t - this.lo) % this.spacing === 0 || t === this.hi) this.kept.set(t, s);
      if (this.focused && !this.hashes.has(t)) this.hashes.set(t, stateHash(s));
      if (t === this.walked + 1) this.walked = t;
    }
    this.notePeak();
  }

  private heldAt(t: number): IntTensor[] | undefined {
    const s = this.kept.get(t) ?? this.recent.get(t) ?? (t === 0 ? this.initial : undefined);
    if (s) return s;
    for (const tr of this.traces.values()) if (tr.step === t) return tr.nextState as IntTensor[];
    return undefined;
  }

  /** The highest step ≤ t whose state is held (0, the initial state, at worst). */
  private nearestHeld(t: number): number {
    let best = 0;
    for (const m of [this.kept, this.recent]) for (const u of m.keys()) if (u <= t && u > best) best = u;
    for (const u of this.traces.keys()) if (u <= t && u > best) best = u;
    return best;
  }

  private notePeak(): void {
    const n = this.heldStates;
    if (n > this.peak) this.peak = n;
  }

  private checkStep(t: number): void {
    if (!Number.isSafeInteger(t) || t < 0 || t > this.totalSteps) throw new InputError("DISPUTE_STEP", `step ${t} outside 0..${this.totalSteps}`);
  }

  /** Checkpoint hashes 0..N for checkpoint interval k. */
  checkpoints(k: number): Hash[] {
    const n = Math.ceil(this.totalSteps / k);
    return Array.from({ length: n + 1 }, (_, i) => this.stateHash(Math.min(i * k, this.totalSteps)));
  }
}

/** Spacing of the kept states in a window of n steps: ⌈√n⌉ (at least 1). */
function spacingOf(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

/** listRoot helper re-exported for players (state tensor lists). */
export function stateListRoot(hashes: readonly Uint8Array[]): Hash {
  return listRoot(hashes);
}
