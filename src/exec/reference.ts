/**
 * The exact reference interpreter: docs/SPEC.md §1 scalar semantics in plain TypeScript.
 *
 * Values are JavaScript numbers that are always exact integers: every product, partial sum and
 * result is checked to stay within ±(2^53 − 1) (a rounded float64 result of an exact integer
 * operation is ≥ 2^53 in magnitude exactly when the true result is, so the check is sound), and
 * a violation throws EXEC_NON_INTEGER instead of returning a rounded value. Rescale's rounding
 * offset falls back to bigint when a + 2^(s−1) would leave the exact range.
 */
import type { IntTensor, PinOp, PinProgram, SlotId } from "../pinir/types";
import { ExecCode, execError } from "./errors";
import { operandsOf, reductionLength, validateProgram } from "./program";
import { broadcastIndex, broadcastOne, stridesOf } from "./shapes";
import { checkSlotTensor, constTensor, MAX_EXACT, sizeOf } from "./tensor";

/** A value table: slot id → tensor (undefined while not computed). */
export type SlotValues = (IntTensor | undefined)[];

function overflow(op: PinOp, j: number, what: string, value: number): never {
  throw execError(
    ExecCode.NonInteger,
    `op ${j} (${op.op}) writing slot ${op.out}: ${what} ${value} leaves the exact range |v| < 2^53; the program's bounds are wrong`,
    { op: j, slot: op.out, value: String(value) },
  );
}

function checked(op: PinOp, j: number, what: string, v: number): number {
  if (!(v >= -MAX_EXACT && v <= MAX_EXACT)) overflow(op, j, what, v);
  return v === 0 ? 0 : v;
}

/** clip(v, −(2^b − 1), 2^b − 1). */
export function clipBound(v: number, bound: number): number {
  const m = 2 ** bound - 1;
  return v > m ? m : v < -m ? -m : v;
}

/** Exact round-to-nearest shift then clip (docs/SPEC.md §1 Rescale). */
export function rescaleScalar(a: number, shift: number, bound: number): number {
  const h = 2 ** (shift - 1);
  let q: number;
  if (Math.abs(a) + h <= MAX_EXACT) {
    q = Math.floor((a + h) / 2 ** shift); // exact: power-of-two division of an exact integer
  } else {
    const big = (BigInt(a) + (1n << BigInt(shift - 1))) >> BigInt(shift); // >> floors toward −∞
    const m = BigInt(2 ** bound - 1);
    return Number(big > m ? m : big < -m ? -m : big);
  }
  const r = clipBound(q, bound);
  return r === 0 ? 0 : r;
}

/** Binds a train-step's feeds to a full value table: consts from the program, state in state-slot order, x/y to the input/target slots. */
export function bindSlots(
  program: PinProgram,
  state: readonly IntTensor[],
  batch: { readonly x?: IntTensor; readonly y?: IntTensor; readonly slots?: ReadonlyMap<SlotId, IntTensor> },
): SlotValues {
  const values: SlotValues = new Array(program.slots.length).fill(undefined);
  let si = 0;
  const inputs = program.slots.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "input");
  const targets = program.slots.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "target");
  program.slots.forEach((s, i) => {
    if (s.kind === "const") values[i] = constTensor(program, i);
    else if (s.kind === "state") values[i] = state[si++];
  });
  if (si !== state.length) {
    throw execError(
      ExecCode.ShapeMismatch,
      `program has ${si} state slots but ${state.length} state tensors were given`,
      { expected: si, got: state.length },
    );
  }
  if (batch.x && inputs.length !== 1)
    throw execError(
      ExecCode.BadProgram,
      `batch.x needs exactly one input slot, program has ${inputs.length}; pass batch.slots`,
    );
  if (batch.y && targets.length !== 1)
    throw execError(
      ExecCode.BadProgram,
      `batch.y needs exactly one target slot, program has ${targets.length}; pass batch.slots`,
    );
  if (batch.x) values[inputs[0].i] = batch.x;
  if (batch.y) values[targets[0].i] = batch.y;
  if (batch.slots) for (const [id, t] of batch.slots) values[id] = t;
  return values;
}

/** Computes one op's whole output tensor from the value table. */
export function evalOp(program: PinProgram, values: SlotValues, j: number): IntTensor {
  const op = program.ops[j];
  const outSlot = program.slots[op.out];
  const outShape = outSlot.shape;
  const n = sizeOf(outShape);
  const out = new Float64Array(n);
  const get = (id: SlotId): IntTensor => checkSlotTensor(program, id, values[id]);
  switch (op.op) {
    case "MatMul": {
      const A = get(op.a);
      const B = get(op.b);
      const [M, N] = outShape as [number, number];
      const K = reductionLength(program, op);
      // A'[i,k] = A.data[i*sai + k*sak]
      const aCols = A.shape[1];
      const bCols = B.shape[1];
      const [sai, sak] = op.transA ? [1, aCols] : [aCols, 1];
      const [sbk, sbj] = op.transB ? [1, bCols] : [bCols, 1];
      let maxA = 0;
      let maxB = 0;
      for (const v of A.data) maxA = Math.max(maxA, Math.abs(v));
      for (const v of B.data) maxB = Math.max(maxB, Math.abs(v));
      const safe = K * maxA * maxB <= MAX_EXACT; // then no product or partial sum can leave the exact range
      for (let i = 0; i < M; i++) {
        for (let jj = 0; jj < N; jj++) {
          let s = 0;
          let ao = i * sai;
          let bo = jj * sbj;
          if (safe) {
            for (let k = 0; k < K; k++, ao += sak, bo += sbk) s += A.data[ao] * B.data[bo];
          } else {
            for (let k = 0; k < K; k++, ao += sak, bo += sbk) {
              s = checked(op, j, "partial sum", s + checked(op, j, "product", A.data[ao] * B.data[bo]));
            }
          }
          out[i * N + jj] = s === 0 ? 0 : s;
        }
      }
      break;
    }
    case "Add":
    case "Sub":
    case "Mul": {
      const A = get(op.a);
      const B = get(op.b);
      const ia = broadcastIndex(outShape, A.shape);
      const ib = broadcastIndex(outShape, B.shape);
      for (let f = 0; f < n; f++) {
        const a = A.data[ia ? ia[f] : f];
        const b = B.data[ib ? ib[f] : f];
        const r = op.op === "Add" ? a + b : op.op === "Sub" ? a - b : a * b;
        out[f] = checked(op, j, "result", r);
      }
      break;
    }
    case "MulConst": {
      const A = get(op.a);
      for (let f = 0; f < n; f++) out[f] = checked(op, j, "result", A.data[f] * op.c);
      break;
    }
    case "Relu": {
      const A = get(op.a);
      for (let f = 0; f < n; f++) out[f] = A.data[f] > 0 ? A.data[f] : 0;
      break;
    }
    case "ReluGrad": {
      const G = get(op.g);
      const X = get(op.x);
      for (let f = 0; f < n; f++) out[f] = X.data[f] > 0 ? G.data[f] + 0 : 0;
      break;
    }
    case "Transpose": {
      const A = get(op.a);
      const [R, C] = A.shape as [number, number];
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = A.data[r * C + c];
      break;
    }
    case "ReduceSum": {
      const A = get(op.a);
      const K = A.shape[op.axis];
      const st = stridesOf(A.shape)[op.axis];
      const inner = st;
      const outer = sizeOf(A.shape) / (K * inner);
      for (let o = 0; o < outer; o++) {
        for (let in_ = 0; in_ < inner; in_++) {
          let s = 0;
          let off = o * K * inner + in_;
          for (let k = 0; k < K; k++, off += st) s = checked(op, j, "partial sum", s + A.data[off]);
          out[o * inner + in_] = s === 0 ? 0 : s;
        }
      }
      break;
    }
    case "Rescale": {
      const A = get(op.a);
      for (let f = 0; f < n; f++) out[f] = rescaleScalar(A.data[f], op.shift, op.bound);
      break;
    }
    case "Clip": {
      const A = get(op.a);
      for (let f = 0; f < n; f++) out[f] = clipBound(A.data[f], op.bound) + 0;
      break;
    }
    case "Reshape": {
      const A = get(op.a);
      out.set(A.data);
      break;
    }
  }
  return { shape: [...outShape], data: out, scale: outSlot.scale };
}

/**
 * Runs a whole program exactly. `inputs` is a value table with every non-temp, non-const slot
 * filled (see {@link bindSlots}); consts are taken from the program when absent. Returns the full
 * value table, every slot filled, all values canonical (no −0).
 */
export function runReference(program: PinProgram, inputs: SlotValues): IntTensor[] {
  validateProgram(program);
  const values: SlotValues = program.slots.map((s, i) => {
    if (s.kind === "temp") return undefined;
    if (s.kind === "const") return inputs[i] ?? constTensor(program, i);
    return checkSlotTensor(program, i, inputs[i]);
  });
  for (let j = 0; j < program.ops.length; j++) values[program.ops[j].out] = evalOp(program, values, j);
  return values as IntTensor[];
}

/** One operand element read while computing an output element. */
export interface OperandRead {
  readonly slot: SlotId;
  readonly index: number;
  readonly value: number;
}

/** One output element, with the reduction's terms and partial sums when the op is a reduction. */
export interface ElementEval {
  readonly value: number;
  /** For reductions: term_1..term_K (docs/SPEC.md §1). */
  readonly terms?: number[];
  /** For reductions: s_0 = 0, s_1..s_K; s_K = value. */
  readonly partialSums?: number[];
  /** Operand elements read, in order (for reductions: a then b per term). */
  readonly operands: OperandRead[];
}

/**
 * Evaluates output element `flatIndex` of op `opIndex` from the operand values in `slotValues`
 * alone — what a dispute needs to open one element and, for reductions, its accumulation.
 */
export function evalElement(
  program: PinProgram,
  slotValues: SlotValues,
  opIndex: number,
  flatIndex: number,
): ElementEval {
  validateProgram(program);
  if (!Number.isInteger(opIndex) || opIndex < 0 || opIndex >= program.ops.length) {
    throw execError(ExecCode.OutOfRange, `op index ${opIndex} is out of range [0, ${program.ops.length})`, {
      opIndex,
    });
  }
  const op = program.ops[opIndex];
  const outShape = program.slots[op.out].shape;
  const n = sizeOf(outShape);
  if (!Number.isInteger(flatIndex) || flatIndex < 0 || flatIndex >= n) {
    throw execError(
      ExecCode.OutOfRange,
      `element ${flatIndex} is out of range [0, ${n}) for op ${opIndex} (${op.op})`,
      { opIndex, flatIndex },
    );
  }
  for (const id of operandsOf(op)) checkSlotTensor(program, id, slotValues[id]);
  const t = (id: SlotId): IntTensor => slotValues[id] as IntTensor;
  const read = (slot: SlotId, index: number): OperandRead => ({ slot, index, value: t(slot).data[index] });
  const single = (value: number, ...operands: OperandRead[]): ElementEval => ({
    value: value === 0 ? 0 : value,
    operands,
  });
  switch (op.op) {
    case "MatMul": {
      const N = outShape[1];
      const i = Math.floor(flatIndex / N);
      const jj = flatIndex % N;
      const K = reductionLength(program, op);
      const aCols = program.slots[op.a].shape[1];
      const bCols = program.slots[op.b].shape[1];
      const terms: number[] = [];
      const partialSums = [0];
      const operands: OperandRead[] = [];
      for (let k = 0; k < K; k++) {
        const ra = read(op.a, op.transA ? k * aCols + i : i * aCols + k);
        const rb = read(op.b, op.transB ? jj * bCols + k : k * bCols + jj);
        operands.push(ra, rb);
        const term = checked(op, opIndex, "product", ra.value * rb.value);
        terms.push(term);
        partialSums.push(checked(op, opIndex, "partial sum", partialSums[k] + term));
      }
      return { value: partialSums[K], terms, partialSums, operands };
    }
    case "ReduceSum": {
      const aShape = program.slots[op.a].shape;
      const K = aShape[op.axis];
      const st = stridesOf(aShape)[op.axis];
      const outer = Math.floor(flatIndex / st);
      const inner = flatIndex % st;
      const terms: number[] = [];
      const partialSums = [0];
      const operands: OperandRead[] = [];
      for (let k = 0; k < K; k++) {
        const r = read(op.a, outer * K * st + k * st + inner);
        operands.push(r);
        terms.push(r.value);
        partialSums.push(checked(op, opIndex, "partial sum", partialSums[k] + r.value));
      }
      return { value: partialSums[K], terms, partialSums, operands };
    }
    case "Add":
    case "Sub":
    case "Mul": {
      const ra = read(op.a, broadcastOne(outShape, program.slots[op.a].shape, flatIndex));
      const rb = read(op.b, broadcastOne(outShape, program.slots[op.b].shape, flatIndex));
      const r =
        op.op === "Add" ? ra.value + rb.value : op.op === "Sub" ? ra.value - rb.value : ra.value * rb.value;
      return single(checked(op, opIndex, "result", r), ra, rb);
    }
    case "MulConst": {
      const ra = read(op.a, flatIndex);
      return single(checked(op, opIndex, "result", ra.value * op.c), ra);
    }
    case "Relu": {
      const ra = read(op.a, flatIndex);
      return single(ra.value > 0 ? ra.value : 0, ra);
    }
    case "ReluGrad": {
      const rg = read(op.g, flatIndex);
      const rx = read(op.x, flatIndex);
      return single(rx.value > 0 ? rg.value : 0, rg, rx);
    }
    case "Transpose": {
      const [R, C] = program.slots[op.a].shape;
      const c = Math.floor(flatIndex / R);
      const r = flatIndex % R;
      const ra = read(op.a, r * C + c);
      return single(ra.value, ra);
    }
    case "Rescale": {
      const ra = read(op.a, flatIndex);
      return single(rescaleScalar(ra.value, op.shift, op.bound), ra);
    }
    case "Clip": {
      const ra = read(op.a, flatIndex);
      return single(clipBound(ra.value, op.bound), ra);
    }
    case "Reshape": {
      const ra = read(op.a, flatIndex);
      return single(ra.value, ra);
    }
  }
}
