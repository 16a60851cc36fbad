import type { PinOp, PinProgram, SlotId } from "../pinir/types";
import { PINIR_VERSION } from "../pinir/types";
import { opInputs } from "../pinir/infer";
import { ExecCode, execError } from "./errors";
import { inferShape } from "./shapes";
import { MAX_EXACT, sizeOf } from "./tensor";

/** Slots an op reads, in operand order (the compiler's definition). */
export const operandsOf: (op: PinOp) => SlotId[] = opInputs;

/** Length K of the reduction computing each element of `op`'s output, or 0 for non-reductions. */
export function reductionLength(program: PinProgram, op: PinOp): number {
  if (op.op === "MatMul") {
    const a = program.slots[op.a].shape;
    return op.transA ? a[0] : a[1];
  }
  if (op.op === "ReduceSum") return program.slots[op.a].shape[op.axis];
  return 0;
}

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw execError(ExecCode.BadProgram, message, details);
}

const validated = new WeakSet<PinProgram>();

/**
 * Checks everything the executor and the reference interpreter rely on: slot ids, SSA (each temp
 * written exactly once, before it is read), shapes, const data, integer op parameters, the
 * reduction bound K·maxAbs(a)·maxAbs(b) < 2^53 (docs/SPEC.md §1), Rescale safety in float64, and
 * the state-update map. Throws EXEC_BAD_PROGRAM / EXEC_SHAPE_MISMATCH naming the op or slot.
 * Results are memoised per program object.
 */
export function validateProgram(program: PinProgram): void {
  if (validated.has(program)) return;
  if (program.version !== PINIR_VERSION)
    fail(`PinIR version ${program.version} is not supported (expected ${PINIR_VERSION})`);
  const n = program.slots.length;
  program.slots.forEach((s, i) => {
    if (!s.shape.every((d) => Number.isSafeInteger(d) && d >= 1))
      fail(`slot ${i} "${s.name}" has an invalid shape [${s.shape}]`, { slot: i });
    if (!Number.isSafeInteger(s.maxAbs) || s.maxAbs < 0 || s.maxAbs > MAX_EXACT) {
      fail(`slot ${i} "${s.name}" has maxAbs ${s.maxAbs}, which is not an integer below 2^53`, { slot: i });
    }
    if (s.kind === "const") {
      if (!s.data || s.data.length !== sizeOf(s.shape))
        fail(`const slot ${i} "${s.name}" needs ${sizeOf(s.shape)} data elements`, { slot: i });
      for (const v of s.data)
        if (!Number.isSafeInteger(v))
          fail(`const slot ${i} "${s.name}" holds ${v}, not a safe integer`, { slot: i });
    }
  });
  const written = new Array<boolean>(n).fill(false);
  const ready = (id: SlotId): boolean => program.slots[id].kind !== "temp" || written[id];
  program.ops.forEach((op, j) => {
    if (!Number.isInteger(op.out) || op.out < 0 || op.out >= n)
      fail(`op ${j} (${op.op}) writes slot ${op.out}, which does not exist`, { op: j });
    if (program.slots[op.out].kind !== "temp")
      fail(
        `op ${j} (${op.op}) writes slot ${op.out} of kind ${program.slots[op.out].kind}; ops write temp slots only`,
        { op: j },
      );
    if (written[op.out]) fail(`op ${j} (${op.op}) writes slot ${op.out} a second time (SSA)`, { op: j });
    for (const a of operandsOf(op)) {
      if (!Number.isInteger(a) || a < 0 || a >= n)
        fail(`op ${j} (${op.op}) reads slot ${a}, which does not exist`, { op: j });
      if (!ready(a))
        fail(`op ${j} (${op.op}) reads temp slot ${a} before any op writes it`, { op: j, slot: a });
    }
    const shape = inferShape(program, op, j);
    const outSlot = program.slots[op.out];
    if (op.op === "Reshape") {
      if (sizeOf(program.slots[op.a].shape) !== sizeOf(outSlot.shape)) {
        throw execError(
          ExecCode.ShapeMismatch,
          `op ${j} (Reshape) slot ${op.out} "${outSlot.name}": [${program.slots[op.a].shape}] and [${outSlot.shape}] differ in size`,
          { op: j, slot: op.out },
        );
      }
    } else if (shape.length !== outSlot.shape.length || shape.some((d, i) => d !== outSlot.shape[i])) {
      throw execError(
        ExecCode.ShapeMismatch,
        `op ${j} (${op.op}) produces shape [${shape}] but slot ${op.out} "${outSlot.name}" is declared [${outSlot.shape}]`,
        {
          op: j,
          slot: op.out,
          expected: [...outSlot.shape],
          got: shape,
        },
      );
    }
    if (op.op === "MulConst" && !Number.isSafeInteger(op.c))
      fail(`op ${j} (MulConst): constant ${op.c} is not a safe integer`, { op: j });
    if (op.op === "Rescale" || op.op === "Clip") {
      if (!Number.isInteger(op.bound) || op.bound < 0 || op.bound > 53)
        fail(`op ${j} (${op.op}): bound ${op.bound} must be an integer in [0, 53]`, { op: j });
    }
    if (op.op === "Rescale") {
      if (!Number.isInteger(op.shift) || op.shift < 1 || op.shift > 1000)
        fail(`op ${j} (Rescale): shift ${op.shift} must be an integer ≥ 1`, { op: j });
      // a + 2^(shift−1) is exact in float64 unless it exceeds 2^53; above that the result is
      // clipped anyway when floor(2^53 / 2^shift) ≥ 2^bound − 1.
      const a = program.slots[op.a].maxAbs;
      const saturates = op.shift <= 53 && 2 ** (53 - op.shift) >= 2 ** op.bound - 1;
      if (a + 2 ** (op.shift - 1) > 2 ** 53 && !saturates) {
        fail(
          `op ${j} (Rescale): operand bound ${a} plus 2^${op.shift - 1} exceeds 2^53 and the result would not saturate; tighten the bounds`,
          { op: j },
        );
      }
    }
    const k = reductionLength(program, op);
    if (k > 0) {
      const [ma, mb] =
        op.op === "MatMul"
          ? [program.slots[op.a].maxAbs, program.slots[op.b].maxAbs]
          : op.op === "ReduceSum"
            ? [program.slots[op.a].maxAbs, 1]
            : [0, 0];
      if (k * ma * mb >= 2 ** 53) {
        fail(
          `op ${j} (${op.op}): reduction of length ${k} over operands bounded by ${ma} and ${mb} can reach 2^53 (K·maxAbs(a)·maxAbs(b) must be < 2^53)`,
          { op: j },
        );
      }
    }
    written[op.out] = true;
  });
  const seen = new Set<SlotId>();
  for (const { from, to } of program.stateUpdates) {
    if (program.slots[from]?.kind !== "state")
      fail(`stateUpdates: slot ${from} is not a state slot`, { slot: from });
    if (seen.has(from)) fail(`stateUpdates: state slot ${from} is updated twice`, { slot: from });
    seen.add(from);
    if (!(to >= 0 && to < n) || !ready(to))
      fail(`stateUpdates: slot ${to} (next value of ${from}) is never computed`, { slot: to });
    const a = program.slots[from].shape;
    const b = program.slots[to].shape;
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw execError(
        ExecCode.ShapeMismatch,
        `stateUpdates: state slot ${from} "${program.slots[from].name}" [${a}] would be replaced by slot ${to} of shape [${b}]`,
        { slot: from },
      );
    }
    if (program.slots[from].scale !== program.slots[to].scale)
      fail(
        `stateUpdates: slot ${to} has scale ${program.slots[to].scale}, state slot ${from} has ${program.slots[from].scale}`,
        { slot: from },
      );
  }
  for (const [name, id] of Object.entries(program.outputs)) {
    if (!(id >= 0 && id < n) || !ready(id))
      fail(`output "${name}" refers to slot ${id}, which is never computed`, { output: name });
  }
  validated.add(program);
}

/** Slot ids of a kind, in slot order. */
export function slotsOfKind(program: PinProgram, kind: PinProgram["slots"][number]["kind"]): SlotId[] {
  const ids: SlotId[] = [];
  program.slots.forEach((s, i) => {
    if (s.kind === kind) ids.push(i);
  });
  return ids;
}

/**
 * For each slot, whether ONNX Runtime may produce −0 in it when every non-temp input is canonical
 * (IEEE: 0·(−c) = −0, (−0) + (−0) = −0, (−0) − (+0) = −0; Rescale's +2^(s−1) and Floor never give
 * −0). Slots marked false need no −0 fix; the analysis is conservative. `roundedRescales`: the
 * outputs of Rescales emitted with Round (the exact fast graph, see emitOnnx), which may be −0.
 */
export function mayBeNegativeZero(
  program: PinProgram,
  roundedRescales: ReadonlySet<SlotId> = new Set(),
): boolean[] {
  const neg = program.slots.map(() => false);
  for (const op of program.ops) {
    switch (op.op) {
      case "Mul":
      case "MatMul":
        neg[op.out] = true;
        break;
      case "MulConst":
        neg[op.out] = op.c <= 0 || neg[op.a];
        break;
      case "Add":
      case "Sub":
        neg[op.out] = neg[op.a];
        break;
      case "ReduceSum":
      case "Relu":
      case "Clip":
      case "Transpose":
      case "Reshape":
        neg[op.out] = neg[op.a];
        break;
      case "ReluGrad":
        neg[op.out] = neg[op.g];
        break;
      case "Rescale":
        neg[op.out] = roundedRescales.has(op.out);
        break;
    }
  }
  return neg;
}

/**
 * Bounds that hold by construction, whatever the program's declared maxAbs of temps says: consts
 * are bounded by their data; state, input and target slots by their declared maxAbs, which the
 * executor enforces on every value it is fed (EXEC_INPUT_BOUNDS); Rescale and Clip bound their
 * output to 2^b − 1; every other op propagates its operands' bounds. Used to drop provably no-op
 * clips and to fuse MatMul + Rescale in the emitted graph, and to skip re-checking a next state
 * fed back as input.
 */
export function guaranteedBounds(program: PinProgram): number[] {
  const m = program.slots.map((s) =>
    s.kind === "const"
      ? (s.data ?? []).reduce((p, v) => Math.max(p, Math.abs(v)), 0)
      : s.kind === "temp"
        ? Infinity
        : s.maxAbs,
  );
  for (const op of program.ops) {
    switch (op.op) {
      case "MatMul":
        m[op.out] = reductionLength(program, op) * m[op.a] * m[op.b];
        break;
      case "Add":
      case "Sub":
        m[op.out] = m[op.a] + m[op.b];
        break;
      case "Mul":
        m[op.out] = m[op.a] * m[op.b];
        break;
      case "MulConst":
        m[op.out] = m[op.a] * Math.abs(op.c);
        break;
      case "ReduceSum":
        m[op.out] = program.slots[op.a].shape[op.axis] * m[op.a];
        break;
      case "Rescale":
        // |floor((a + h)/2^s)| ≤ floor((A + h)/2^s) for |a| ≤ A (the negative side is ceil((A − h)/2^s))
        m[op.out] = Math.min(2 ** op.bound - 1, rescaleBound(m[op.a], op.shift));
        break;
      case "Clip":
        m[op.out] = Math.min(2 ** op.bound - 1, m[op.a]);
        break;
      case "ReluGrad":
        m[op.out] = m[op.g];
        break;
      default:
        m[op.out] = m[op.a];
    }
    if (Number.isNaN(m[op.out])) m[op.out] = Infinity; // 0 · ∞
  }
  return m;
}

/** Largest |Rescale(a, shift)| before clipping, for |a| ≤ A. */
export function rescaleBound(A: number, shift: number): number {
  return Math.floor((A + 2 ** (shift - 1)) / 2 ** shift);
}
