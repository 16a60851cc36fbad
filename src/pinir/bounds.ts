import { advice } from "./builder";
import { CompileCode, OpProblem, compileError } from "./errors";
import { MAX_EXACT, MAX_SCALE, inferOp, opInputs, sameShape, sizeOf } from "./infer";
import { PINIR_VERSION, type PinProgram, type SlotInfo } from "./types";

/** Per-op result of {@link checkBounds}. */
export interface OpBound {
  readonly index: number;
  readonly op: string;
  /** Recomputed bound on the output (and on every partial sum of a reduction). */
  readonly maxAbs: bigint;
  /** Reduction length K for MatMul / ReduceSum. */
  readonly reductionLength?: number;
}

export interface BoundsReport {
  readonly ops: readonly OpBound[];
  /** Largest bound anywhere in the program (log2 for reporting). */
  readonly maxLog2: number;
}

function fail(code: (typeof CompileCode)[keyof typeof CompileCode], where: string, reason: string, details: Record<string, unknown> = {}): never {
  throw compileError(code, `${where}: ${reason}; ${advice(code)}`, { ...details, reason });
}

/**
 * Proves a PinIR program well formed and bounded, independently of how it was built (e.g. after
 * {@link decodeProgram}): slot ids in range, SSA (each temp written exactly once, before it is
 * read; state/input/target/const never written), shapes and scales consistent with each op,
 * const data within maxAbs, every op's recomputed bound ≤ the declared maxAbs of its output slot
 * and < 2^53 (for reductions: K·maxAbs(a)·maxAbs(b), resp. K·maxAbs(a), < 2^53), and every state
 * update keeps the state's shape, scale and bound (so the proof holds for every step).
 *
 * @throws CompileError naming the op index, op, output slot and the reason.
 */
export function checkBounds(p: PinProgram): BoundsReport {
  if (p.version !== PINIR_VERSION) fail(CompileCode.BadProgram, "program", `version ${p.version} is not ${PINIR_VERSION}`);
  const n = p.slots.length;
  const written = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    const s = p.slots[i];
    const where = `slot ${i} "${s.name}"`;
    if (!s.shape.every((d) => Number.isSafeInteger(d) && d >= 1)) fail(CompileCode.BadProgram, where, `shape [${s.shape}] has a dimension < 1`);
    if (!Number.isInteger(s.scale) || s.scale < 0 || s.scale > MAX_SCALE) fail(CompileCode.BadProgram, where, `scale ${s.scale} out of range`);
    if (!Number.isSafeInteger(s.maxAbs) || s.maxAbs < 0) fail(CompileCode.UnboundedReduction, where, `maxAbs ${s.maxAbs} is not below 2^53`);
    if (s.kind === "const") {
      if (!s.data || s.data.length !== sizeOf(s.shape)) fail(CompileCode.BadProgram, where, `const data has ${s.data?.length ?? 0} elements, shape needs ${sizeOf(s.shape)}`);
      for (const v of s.data) if (!Number.isSafeInteger(v) || Math.abs(v) > s.maxAbs) fail(CompileCode.BadProgram, where, `const element ${v} is not an integer within maxAbs ${s.maxAbs}`);
    } else if (s.data !== undefined) fail(CompileCode.BadProgram, where, `only const slots carry data`);
    if (s.kind !== "temp") written[i] = true;
  }
  const slotOf = (id: number): SlotInfo => {
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new OpProblem(CompileCode.BadProgram, `reads slot ${id}, which does not exist`);
    if (!written[id]) throw new OpProblem(CompileCode.BadProgram, `reads slot ${id} "${p.slots[id].name}" before it is written`);
    return p.slots[id];
  };
  const ops: OpBound[] = [];
  let maxAll = 0n;
  p.ops.forEach((op, index) => {
    const outSlot = p.slots[op.out];
    const where = `op ${index} (${op.op} → slot ${op.out}${outSlot ? ` "${outSlot.name}"` : ""})`;
    try {
      if (!outSlot || outSlot.kind !== "temp") throw new OpProblem(CompileCode.BadProgram, `writes slot ${op.out}, which is not a temp slot`);
      if (written[op.out]) throw new OpProblem(CompileCode.BadProgram, `writes slot ${op.out} a second time (PinIR is SSA)`);
      for (const i of opInputs(op)) slotOf(i);
      const facts = inferOp(op, slotOf, outSlot.shape);
      if (!sameShape(facts.shape, outSlot.shape)) throw new OpProblem(CompileCode.BadProgram, `computes shape [${facts.shape}] but its slot is [${outSlot.shape}]`);
      if (facts.scale !== undefined && facts.scale !== outSlot.scale) {
        throw new OpProblem(CompileCode.BadProgram, `computes scale ${facts.scale} but its slot has scale ${outSlot.scale}`);
      }
      if (facts.maxAbs > BigInt(outSlot.maxAbs)) {
        throw new OpProblem(CompileCode.UnboundedReduction, `can reach ${facts.maxAbs} but its slot declares maxAbs ${outSlot.maxAbs}`);
      }
      if (facts.maxAbs > maxAll) maxAll = facts.maxAbs;
      ops.push({ index, op: op.op, maxAbs: facts.maxAbs, ...(facts.reductionLength !== undefined ? { reductionLength: facts.reductionLength } : {}) });
    } catch (e) {
      if (e instanceof OpProblem) fail(e.code, where, e.reason, { opIndex: index, op: op.op });
      throw e;
    }
    written[op.out] = true;
  });
  const seen = new Set<number>();
  for (const { from, to } of p.stateUpdates) {
    const where = `state update ${from} → ${to}`;
    const f = p.slots[from];
    const t = p.slots[to];
    if (!f || f.kind !== "state") fail(CompileCode.BadProgram, where, `slot ${from} is not a state slot`);
    if (!t || !written[to]) fail(CompileCode.BadProgram, where, `slot ${to} does not exist`);
    if (seen.has(from)) fail(CompileCode.BadProgram, where, `state slot ${from} is updated twice`);
    seen.add(from);
    if (!sameShape(f.shape, t.shape) || f.scale !== t.scale) fail(CompileCode.BadProgram, where, `shape/scale [${t.shape}]@${t.scale} differs from the state's [${f.shape}]@${f.scale}`);
    if (t.maxAbs > f.maxAbs) fail(CompileCode.UnboundedReduction, where, `next value can reach ${t.maxAbs} > the state's proven bound ${f.maxAbs}`);
  }
  if (p.stateUpdates.length > 0) {
    p.slots.forEach((s, i) => {
      if (s.kind === "state" && !seen.has(i)) fail(CompileCode.BadProgram, `state slot ${i} "${s.name}"`, "has no state update");
    });
    for (let i = 1; i < p.stateUpdates.length; i++) {
      if (p.stateUpdates[i].from <= p.stateUpdates[i - 1].from) fail(CompileCode.BadProgram, "state updates", "must be listed in state slot order");
    }
  }
  for (const [name, id] of Object.entries(p.outputs)) {
    if (!Number.isInteger(id) || id < 0 || id >= n) fail(CompileCode.BadProgram, `output "${name}"`, `slot ${id} does not exist`);
  }
  if (maxAll > MAX_EXACT) throw new Error("unreachable");
  return { ops, maxLog2: maxAll === 0n ? 0 : Math.log2(Number(maxAll)) };
}
