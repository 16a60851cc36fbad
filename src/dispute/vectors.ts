/**
 * Shared one-step vectors (test/vectors/onestep.json): for each PinIR op, single-op programs
 * with seeded operands; every vector's expected value comes from the reference interpreter
 * (src/exec/reference.ts) and must also equal the descriptor semantics (./semantics.ts).
 */
import { evalElement, type SlotValues } from "../exec/reference";
import { seededRandom } from "../pinir/models";
import type { IntTensor, PinOp, PinProgram, SlotInfo } from "../pinir/types";
import { IntegrityError } from "../errors";
import { opDesc } from "./descriptor";
import { operandIndicesOf, stepOf } from "./semantics";
import type { OpDesc } from "./types";

/** One vector: operands a, b (b = 0 for unary), prev = s_{k−1} (0 for non-reductions). */
export interface OneStepVector {
  readonly name: string;
  readonly op: OpDesc;
  readonly element: number;
  readonly term: number;
  readonly count: number;
  readonly ia: number;
  readonly ib: number;
  /** Decimal strings (exact integers). */
  readonly a: string;
  readonly b: string;
  readonly prev: string;
  readonly expected: string;
}

interface Case {
  name: string;
  op: PinOp;
  shapes: number[][]; // operand shapes (slots 0, 1), then out shape last
  maxAbs?: number;
  special?: number[]; // values planted in operand a
}

const BIG = 2 ** 20;

function tensor(shape: number[], rnd: () => number, maxAbs: number, special: number[] = []): IntTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = i < special.length ? special[i] : Math.round((rnd() * 2 - 1) * maxAbs);
    data[i] = v === 0 ? 0 : v;
  }
  return { shape, scale: 16, data };
}

function cases(): Case[] {
  const rescaleSpecial = [-1, 1, -32768, 32768, -32769, 32767, -98304, 98304, -(2 ** 40), 2 ** 40, 0, -65536];
  return [
    { name: "MatMul", op: { op: "MatMul", out: 2, a: 0, b: 1, transA: false, transB: false }, shapes: [[3, 5], [5, 4], [3, 4]] },
    { name: "MatMul transA", op: { op: "MatMul", out: 2, a: 0, b: 1, transA: true, transB: false }, shapes: [[5, 3], [5, 4], [3, 4]] },
    { name: "MatMul transB", op: { op: "MatMul", out: 2, a: 0, b: 1, transA: false, transB: true }, shapes: [[3, 5], [4, 5], [3, 4]] },
    { name: "MatMul transA transB", op: { op: "MatMul", out: 2, a: 0, b: 1, transA: true, transB: true }, shapes: [[6, 2], [3, 6], [2, 3]] },
    { name: "Add bcast row", op: { op: "Add", out: 2, a: 0, b: 1 }, shapes: [[4, 3], [3], [4, 3]] },
    { name: "Add bcast col", op: { op: "Add", out: 2, a: 0, b: 1 }, shapes: [[4, 3], [4, 1], [4, 3]] },
    { name: "Sub bcast both", op: { op: "Sub", out: 2, a: 0, b: 1 }, shapes: [[4, 1], [1, 3], [4, 3]] },
    { name: "Sub same", op: { op: "Sub", out: 2, a: 0, b: 1 }, shapes: [[2, 3, 2], [2, 3, 2], [2, 3, 2]] },
    { name: "Mul bcast scalar", op: { op: "Mul", out: 2, a: 0, b: 1 }, shapes: [[3, 4], [], [3, 4]] },
    { name: "Mul rank3 bcast", op: { op: "Mul", out: 2, a: 0, b: 1 }, shapes: [[2, 3, 4], [3, 1], [2, 3, 4]] },
    { name: "MulConst", op: { op: "MulConst", out: 1, a: 0, c: -12345 }, shapes: [[5, 3], [5, 3]] },
    { name: "Relu", op: { op: "Relu", out: 1, a: 0 }, shapes: [[4, 6], [4, 6]] },
    { name: "ReluGrad", op: { op: "ReluGrad", out: 2, g: 0, x: 1 }, shapes: [[4, 6], [4, 6], [4, 6]] },
    { name: "Transpose", op: { op: "Transpose", out: 1, a: 0 }, shapes: [[3, 7], [7, 3]] },
    { name: "ReduceSum axis0", op: { op: "ReduceSum", out: 1, a: 0, axis: 0 }, shapes: [[5, 3], [3]] },
    { name: "ReduceSum axis1", op: { op: "ReduceSum", out: 1, a: 0, axis: 1 }, shapes: [[5, 3], [5]] },
    { name: "ReduceSum rank3 axis1", op: { op: "ReduceSum", out: 1, a: 0, axis: 1 }, shapes: [[2, 4, 3], [2, 3]] },
    { name: "Rescale", op: { op: "Rescale", out: 1, a: 0, shift: 16, bound: 20 }, shapes: [[4, 4], [4, 4]], maxAbs: 2 ** 42, special: rescaleSpecial },
    { name: "Rescale shift1", op: { op: "Rescale", out: 1, a: 0, shift: 1, bound: 8 }, shapes: [[2, 8], [2, 8]], maxAbs: 600, special: [-3, -1, 1, 3, -511, 511, 509, -509] },
    { name: "Clip", op: { op: "Clip", out: 1, a: 0, bound: 12 }, shapes: [[3, 5], [3, 5]], maxAbs: 2 ** 14, special: [4095, -4095, 4096, -4096] },
    { name: "Reshape", op: { op: "Reshape", out: 1, a: 0 }, shapes: [[3, 4], [2, 6]] },
  ];
}

function program(c: Case): PinProgram {
  const n = c.shapes.length;
  const slots: SlotInfo[] = c.shapes.map((shape, i) => ({
    name: `s${i}`,
    kind: i === n - 1 ? "temp" : "input",
    shape,
    scale: 16,
    maxAbs: i === n - 1 ? 2 ** 53 - 1 : (c.maxAbs ?? BIG),
  }));
  return { version: 1, fracBits: 16, boundBits: 20, slots, ops: [c.op], stateUpdates: [], outputs: {} };
}

/** Builds the vectors (deterministic: seeded). */
export function buildOneStepVectors(perCase = 6, seed = 5): { version: 1; vectors: OneStepVector[] } {
  const rnd = seededRandom(seed);
  const out: OneStepVector[] = [];
  for (const c of cases()) {
    const p = program(c);
    const n = c.shapes.length;
    const values: SlotValues = c.shapes.map((s, i) => (i < n - 1 ? tensor(s, rnd, c.maxAbs ?? BIG, i === 0 ? c.special : []) : undefined));
    const desc = opDesc(p, 0);
    const outN = c.shapes[n - 1].reduce((a, b) => a * b, 1);
    const picks = new Set<number>();
    if (c.special) for (let i = 0; i < Math.min(outN, c.special.length); i++) picks.add(i);
    while (picks.size < Math.min(outN, (c.special?.length ?? 0) + perCase)) picks.add(Math.floor(rnd() * outN));
    for (const e of picks) {
      const ev = evalElement(p, values, 0, e);
      const terms = ev.partialSums ? ev.partialSums.length - 1 : 0;
      const ks = terms ? [1, terms, 1 + Math.floor(rnd() * terms)] : [0];
      for (const k of ks) {
        const { count, ia, ib } = operandIndicesOf(desc, e, k);
        const av = BigInt((values[desc.a] as IntTensor).data[ia]);
        const bv = count === 2 ? BigInt((values[desc.b] as IntTensor).data[ib]) : 0n;
        const prev = terms ? BigInt((ev.partialSums as number[])[k - 1]) : 0n;
        const expected = terms ? BigInt((ev.partialSums as number[])[k]) : BigInt(ev.value);
        const mine = stepOf(desc, av, bv, prev);
        if (mine !== expected) {
          throw new IntegrityError("DISPUTE_VECTOR_MISMATCH", `${c.name} element ${e} term ${k}: reference ${expected}, descriptor semantics ${mine}`);
        }
        // The reference's own operand reads must be the descriptor geometry's.
        if (terms) {
          const reads = ev.operands.slice((k - 1) * count, k * count);
          if (reads[0].index !== ia || (count === 2 && reads[1].index !== ib)) {
            throw new IntegrityError("DISPUTE_VECTOR_GEOMETRY", `${c.name} element ${e} term ${k}: operand indices differ from the reference`);
          }
        } else if (ev.operands[0].index !== ia || (count === 2 && ev.operands[1].index !== ib)) {
          throw new IntegrityError("DISPUTE_VECTOR_GEOMETRY", `${c.name} element ${e}: operand indices differ from the reference`);
        }
        out.push({ name: c.name, op: desc, element: e, term: k, count, ia, ib, a: av.toString(), b: bv.toString(), prev: prev.toString(), expected: expected.toString() });
      }
    }
  }
  return { version: 1, vectors: out };
}
