/**
 * Shared one-step vectors (test/vectors/onestep.json), read by the TypeScript and the Solidity
 * tests (test/dispute/OneStepVerifier.test.ts):
 * - `vectors`: for each PinIR op, single-op programs with seeded operands; every expected value
 *   comes from the reference interpreter (src/exec/reference.ts) and must also equal the
 *   descriptor semantics (./semantics.ts), operand indices included;
 * - `scalars`: edge descriptors and values for the total scalar semantics (Rescale shifts and
 *   Clip/Rescale bounds from 0 to 2^32 − 1, ties, negative values, int64 and int256 extremes,
 *   wrapping arithmetic), each expected value checked against a naive BigInt oracle and, inside
 *   the descriptor range, against the reference interpreter;
 * - `descriptors`: edge descriptors with the field the descriptor range refuses (null: inside),
 *   from ./descriptor.ts descProblem, which LibPinOps.checkDesc must match.
 */
import { clipBound, evalElement, rescaleScalar, type SlotValues } from "../exec/reference";
import { seededRandom } from "../pinir/models";
import type { IntTensor, PinOp, PinProgram, SlotInfo } from "../pinir/types";
import { IntegrityError } from "../errors";
import { type DescInt, descProblem, opDesc, Opcode, OPCODE_NAMES, type WideOpDesc } from "./descriptor";
import { operandIndicesOf, stepOf } from "./semantics";
import type { OpDesc } from "./types";

/** Version of test/vectors/onestep.json (2: scalars and descriptors added). */
export const ONESTEP_VECTORS_VERSION = 2;

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
    // Edges of the descriptor range (docs/DISPUTE.md §4.1), through the reference interpreter.
    {
      name: "Rescale shift52 bound52",
      op: { op: "Rescale", out: 1, a: 0, shift: 52, bound: 52 },
      shapes: [[2, 6], [2, 6]],
      maxAbs: 2 ** 52,
      special: [2 ** 51, -(2 ** 51), 2 ** 51 - 1, -(2 ** 51) - 1, 2 ** 52, -(2 ** 52), 1, -1, 0, 3 * 2 ** 50, -(3 * 2 ** 50)],
    },
    {
      name: "Rescale shift1 bound1",
      op: { op: "Rescale", out: 1, a: 0, shift: 1, bound: 1 },
      shapes: [[2, 5], [2, 5]],
      maxAbs: 6,
      special: [-4, -3, -2, -1, 0, 1, 2, 3, 4],
    },
    { name: "Clip bound1", op: { op: "Clip", out: 1, a: 0, bound: 1 }, shapes: [[2, 4], [2, 4]], maxAbs: 3, special: [-2, -1, 0, 1, 2] },
    {
      name: "Clip bound52",
      op: { op: "Clip", out: 1, a: 0, bound: 52 },
      shapes: [[2, 4], [2, 4]],
      maxAbs: 2 ** 53 - 1,
      special: [2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 52, -(2 ** 52), 2 ** 53 - 1, -(2 ** 53 - 1)],
    },
    { name: "MulConst max c", op: { op: "MulConst", out: 1, a: 0, c: 2 ** 53 - 1 }, shapes: [[4], [4]], maxAbs: 1, special: [1, -1, 0] },
    { name: "MulConst min c", op: { op: "MulConst", out: 1, a: 0, c: -(2 ** 53 - 1) }, shapes: [[4], [4]], maxAbs: 1, special: [1, -1, 0] },
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

/** Program vectors (deterministic: seeded). */
function programVectors(perCase: number, seed: number): OneStepVector[] {
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
  return out;
}

/** A descriptor as JSON carries it: numbers where safe, decimal strings otherwise. */
export type JsonOpDesc = { readonly [K in keyof WideOpDesc]: WideOpDesc[K] extends readonly DescInt[] ? (number | string)[] : number | string };

/** One scalar case of a {@link ScalarGroup}: decimal strings (exact int256). */
export interface ScalarCase {
  readonly a: string;
  readonly b: string;
  readonly prev: string;
  readonly expected: string;
}

/** Edge values of the total scalar semantics on one descriptor. */
export interface ScalarGroup {
  readonly name: string;
  readonly op: JsonOpDesc;
  /** Whether the descriptor is inside the descriptor range. */
  readonly inRange: boolean;
  readonly cases: ScalarCase[];
}

/** An edge descriptor and the field the range refuses (DescField id), null when inside. */
export interface DescriptorVector {
  readonly name: string;
  readonly op: JsonOpDesc;
  readonly field: number | null;
}

/** test/vectors/onestep.json. */
export interface OneStepVectors {
  readonly version: typeof ONESTEP_VECTORS_VERSION;
  readonly vectors: OneStepVector[];
  readonly scalars: ScalarGroup[];
  readonly descriptors: DescriptorVector[];
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT256_MIN = -(2n ** 255n);
const INT256_MAX = 2n ** 255n - 1n;
const U32_MAX = 2 ** 32 - 1;
const U64_MAX = 2n ** 64n - 1n;

/** Shifts of the scalar edge groups: range edges, float64 and int64 widths, int256 width, u32 max. */
export const EDGE_SHIFTS: readonly number[] = [0, 1, 2, 16, 52, 53, 63, 64, 255, 256, U32_MAX];
/** Bounds of the scalar edge groups. */
export const EDGE_BOUNDS: readonly number[] = [0, 1, 20, 52, 53, 62, 63, 64, 254, 255, 256, U32_MAX];

const inInt256 = (x: bigint) => x >= INT256_MIN && x <= INT256_MAX;

/** A JSON-safe copy of a descriptor (numbers where exact, decimal strings otherwise). */
export function jsonDesc(d: WideOpDesc): JsonOpDesc {
  const v = (x: DescInt): number | string => {
    const b = BigInt(x);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
  };
  return {
    opcode: v(d.opcode),
    out: v(d.out),
    a: v(d.a),
    b: v(d.b),
    outScale: v(d.outScale),
    aScale: v(d.aScale),
    bScale: v(d.bScale),
    p0: v(d.p0),
    p1: v(d.p1),
    c: v(d.c),
    outShape: d.outShape.map(v),
    aShape: d.aShape.map(v),
    bShape: d.bShape.map(v),
  };
}

function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}

/** Naive oracle: clip(v, ±(2^bound − 1)) by comparison (no bit tricks); int256 v, kept as is from bound 255. */
function clipOracle(v: bigint, bound: number): bigint {
  if (bound >= 255) return v;
  const m = 2n ** BigInt(bound) - 1n;
  return v > m ? m : v < -m ? -m : v;
}

/** Naive oracle: clip(floor((a + 2^(s−1)) / 2^s), bound) by exact division. */
function rescaleOracle(a: bigint, shift: number, bound: number): bigint {
  if (shift === 0) return clipOracle(a, bound);
  // |a| < 2^255 < 2^(s−1) for s > 300, so 0 ≤ a + 2^(s−1) < 2^s.
  if (shift > 300) return clipOracle(0n, bound);
  return clipOracle(floorDiv(a + 2n ** BigInt(shift - 1), 2n ** BigInt(shift)), bound);
}

/** Naive oracle of the total semantics: exact math, then int256 wrap for the arithmetic ops. */
function stepOracle(d: OpDesc | WideOpDesc, a: bigint, b: bigint, prev: bigint): bigint {
  const wrap = (x: bigint) => {
    const m = 2n ** 256n;
    const r = ((x % m) + m) % m;
    return r > INT256_MAX ? r - m : r;
  };
  switch (Number(d.opcode)) {
    case Opcode.MatMul:
      return wrap(prev + a * b);
    case Opcode.ReduceSum:
      return wrap(prev + a);
    case Opcode.Add:
      return wrap(a + b);
    case Opcode.Sub:
      return wrap(a - b);
    case Opcode.Mul:
      return wrap(a * b);
    case Opcode.MulConst:
      return wrap(a * BigInt(d.c));
    case Opcode.Relu:
      return a > 0n ? a : 0n;
    case Opcode.ReluGrad:
      return b > 0n ? a : 0n;
    case Opcode.Rescale:
      return rescaleOracle(a, Number(d.p0), Number(d.p1));
    case Opcode.Clip:
      return clipOracle(a, Number(d.p1));
    default:
      return a;
  }
}

/** Values a Rescale by `shift` then a clip to `bound` must get right: ties, ±1 around them, extremes. */
function edgeValues(shift: number | undefined, bound: number | undefined): bigint[] {
  const vs: bigint[] = [0n, 1n, -1n, 2n, -2n, 3n, -3n, 2n ** 52n, -(2n ** 52n), 2n ** 53n - 1n, -(2n ** 53n - 1n), INT64_MAX, INT64_MIN];
  vs.push(INT256_MAX, INT256_MIN, 2n ** 254n, -(2n ** 254n));
  if (shift !== undefined && shift >= 1 && shift <= 256) {
    const h = 2n ** BigInt(shift - 1);
    vs.push(h, h - 1n, h + 1n, -h, -h + 1n, -h - 1n, 3n * h, -3n * h);
  }
  if (bound !== undefined && bound <= 256) {
    // Around the clip threshold, also before a shift by 16 (ties at the threshold).
    const m = 2n ** BigInt(bound);
    vs.push(m - 1n, m, -(m - 1n), -m);
    if (shift === 16) vs.push((m - 1n) * 65536n + 32767n, (m - 1n) * 65536n + 32768n, -((m - 1n) * 65536n + 32768n), -((m - 1n) * 65536n + 32769n));
  }
  return [...new Set(vs.filter(inInt256))];
}

/** Checks the descriptor semantics against the oracle and, inside the range, the reference interpreter. */
function scalarCase(name: string, d: WideOpDesc, inRange: boolean, a: bigint, b: bigint, prev: bigint): ScalarCase {
  const expected = stepOf(d, a, b, prev);
  const oracle = stepOracle(d, a, b, prev);
  if (expected !== oracle) throw new IntegrityError("DISPUTE_VECTOR_MISMATCH", `${name} a=${a}: descriptor semantics ${expected}, oracle ${oracle}`);
  const exact = (x: bigint) => x >= -(2n ** 53n - 1n) && x <= 2n ** 53n - 1n;
  const code = Number(d.opcode);
  if (inRange && exact(a) && (code === Opcode.Rescale || code === Opcode.Clip)) {
    const ref = code === Opcode.Rescale ? rescaleScalar(Number(a), Number(d.p0), Number(d.p1)) : clipBound(Number(a), Number(d.p1));
    if (BigInt(ref) !== expected) throw new IntegrityError("DISPUTE_VECTOR_MISMATCH", `${name} a=${a}: reference ${ref}, descriptor semantics ${expected}`);
  }
  return { a: a.toString(), b: b.toString(), prev: prev.toString(), expected: expected.toString() };
}

function group(name: string, d: WideOpDesc, triples: [bigint, bigint, bigint][]): ScalarGroup {
  const inRange = descProblem(d) === undefined;
  return { name, op: jsonDesc(d), inRange, cases: triples.map(([a, b, prev]) => scalarCase(name, d, inRange, a, b, prev)) };
}

function scalarGroups(base: ReadonlyMap<number, OpDesc>): ScalarGroup[] {
  const rescale = base.get(Opcode.Rescale) as OpDesc;
  const clip = base.get(Opcode.Clip) as OpDesc;
  const unary = (vs: bigint[]): [bigint, bigint, bigint][] => vs.map((a) => [a, 0n, 0n]);
  const groups: ScalarGroup[] = [];
  for (const bound of [U32_MAX, 20]) {
    for (const shift of EDGE_SHIFTS) {
      groups.push(group(`Rescale shift ${shift} bound ${bound}`, { ...rescale, p0: shift, p1: bound }, unary(edgeValues(shift, bound))));
    }
  }
  for (const bound of EDGE_BOUNDS) {
    groups.push(group(`Rescale shift 16 bound ${bound}`, { ...rescale, p0: 16, p1: bound }, unary(edgeValues(16, bound))));
    groups.push(group(`Clip bound ${bound}`, { ...clip, p1: bound }, unary(edgeValues(undefined, bound))));
  }
  // Wrapping arithmetic (never reached inside the range, but defined) and the other ops' extremes.
  const x: [bigint, bigint, bigint][] = [
    [1n, 1n, INT256_MAX],
    [-1n, 1n, INT256_MIN],
    [INT64_MAX, INT64_MAX, INT256_MAX],
    [INT64_MIN, INT64_MIN, 0n],
    [INT64_MIN, INT64_MAX, INT256_MIN],
    [INT256_MAX, INT256_MAX, 0n],
    [INT256_MIN, -1n, 0n],
    [INT256_MIN, INT256_MIN, INT256_MIN],
    [0n, 0n, INT256_MIN],
    [-7n, 3n, -5n],
  ];
  for (const code of [Opcode.MatMul, Opcode.ReduceSum, Opcode.Add, Opcode.Sub, Opcode.Mul, Opcode.Relu, Opcode.ReluGrad, Opcode.Transpose, Opcode.Reshape]) {
    const d = base.get(code) as OpDesc;
    const name = Object.keys(Opcode).find((k) => Opcode[k as keyof typeof Opcode] === code);
    groups.push(group(`${name} extremes`, d, x));
  }
  const mulConst = base.get(Opcode.MulConst) as OpDesc;
  for (const c of [2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, INT64_MAX, INT64_MIN, 0n]) {
    groups.push(group(`MulConst c ${c} extremes`, { ...mulConst, c: c.toString() }, x));
  }
  return groups;
}

/** Edge descriptors around every limit of the range, one field changed at a time. */
function descriptorVectors(base: ReadonlyMap<number, OpDesc>, extra: readonly [string, OpDesc][]): DescriptorVector[] {
  const out: DescriptorVector[] = [];
  const add = (name: string, d: WideOpDesc) => {
    const p = descProblem(d);
    out.push({ name, op: jsonDesc(d), field: p ? p.fieldId : null });
  };
  const get = (code: number) => base.get(code) as OpDesc;
  for (const [name, d] of [...base.entries()].map(([c, d]) => [`${OPCODE_NAMES[c]}`, d] as const)) add(name, d);
  for (const [name, d] of extra) add(name, d);
  const relu = get(Opcode.Relu);
  for (const opcode of [0, 13, 255]) add(`opcode ${opcode}`, { ...relu, opcode });
  for (const [code, d] of base) {
    const binary = code <= Opcode.Mul || code === Opcode.ReluGrad;
    for (const scale of [255, 256, U32_MAX]) {
      add(`${OPCODE_NAMES[code]} outScale ${scale}`, { ...d, outScale: scale });
      add(`${OPCODE_NAMES[code]} aScale ${scale}`, { ...d, aScale: scale });
      if (binary) add(`${OPCODE_NAMES[code]} bScale ${scale}`, { ...d, bScale: scale });
    }
    if (!binary) {
      add(`${OPCODE_NAMES[code]} b 1`, { ...d, b: 1 });
      add(`${OPCODE_NAMES[code]} bScale 1`, { ...d, bScale: 1 });
      add(`${OPCODE_NAMES[code]} bShape [1]`, { ...d, bShape: [1] });
    }
    if (code !== Opcode.MatMul && code !== Opcode.ReduceSum && code !== Opcode.Rescale) add(`${OPCODE_NAMES[code]} p0 1`, { ...d, p0: 1 });
    if (code !== Opcode.MatMul && code !== Opcode.Rescale && code !== Opcode.Clip) add(`${OPCODE_NAMES[code]} p1 1`, { ...d, p1: 1 });
    if (code !== Opcode.MulConst) {
      add(`${OPCODE_NAMES[code]} c 1`, { ...d, c: 1 });
      add(`${OPCODE_NAMES[code]} c -1`, { ...d, c: -1 });
    }
    add(`${OPCODE_NAMES[code]} outShape with a 0`, { ...d, outShape: [0, ...d.outShape.slice(1)] });
    add(`${OPCODE_NAMES[code]} aShape with a 0`, { ...d, aShape: [...d.aShape.slice(0, -1), 0] });
    add(`${OPCODE_NAMES[code]} outShape u64 max`, { ...d, outShape: [U64_MAX] });
  }
  const mm = get(Opcode.MatMul);
  for (const t of [2, 255, U32_MAX]) {
    add(`MatMul transA ${t}`, { ...mm, p0: t });
    add(`MatMul transB ${t}`, { ...mm, p1: t });
  }
  add("MatMul inner dims differ", { ...mm, bShape: [mm.bShape[0] + 1, mm.bShape[1]] });
  add("MatMul out rows differ", { ...mm, outShape: [mm.outShape[0] + 1, mm.outShape[1]] });
  add("MatMul out rank 3", { ...mm, outShape: [...mm.outShape, 1] });
  add("MatMul a rank 3", { ...mm, aShape: [...mm.aShape, 1] });
  add("MatMul b rank 1", { ...mm, bShape: [mm.bShape[0]] });
  add("MatMul transA without transposed a", { ...mm, p0: 1 });
  const rescale = get(Opcode.Rescale);
  for (const shift of EDGE_SHIFTS) add(`Rescale shift ${shift}`, { ...rescale, p0: shift });
  for (const bound of EDGE_BOUNDS) {
    add(`Rescale bound ${bound}`, { ...rescale, p1: bound });
    add(`Clip bound ${bound}`, { ...get(Opcode.Clip), p1: bound });
  }
  const mc = get(Opcode.MulConst);
  for (const c of [0n, 1n, -1n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 53n), INT64_MAX, INT64_MIN]) add(`MulConst c ${c}`, { ...mc, c: c.toString() });
  const rs = get(Opcode.ReduceSum);
  const rank = rs.aShape.length;
  for (const axis of [rank - 1, rank, 255, U32_MAX]) add(`ReduceSum axis ${axis}`, { ...rs, p0: axis });
  add("ReduceSum keepdims", { ...rs, outShape: [...rs.outShape, 1] });
  add("ReduceSum on a scalar", { ...rs, aShape: [], outShape: [] });
  const addOp = get(Opcode.Add);
  add("Add operands do not broadcast", { ...addOp, bShape: [addOp.aShape[addOp.aShape.length - 1] + 1] });
  add("Add out is not the broadcast shape", { ...addOp, outShape: [1, ...addOp.outShape] });
  add("Add b of higher rank", { ...addOp, bShape: [1, ...addOp.aShape], outShape: [1, ...addOp.outShape] });
  add("Add scalar operand", { ...addOp, bShape: [] });
  const rg = get(Opcode.ReluGrad);
  add("ReluGrad x shape differs", { ...rg, bShape: [...rg.bShape].reverse() });
  add("ReluGrad out shape differs", { ...rg, outShape: [...rg.outShape, 1] });
  const tr = get(Opcode.Transpose);
  add("Transpose out not swapped", { ...tr, outShape: [...tr.aShape] });
  add("Transpose of rank 3", { ...tr, aShape: [...tr.aShape, 1], outShape: [tr.aShape[1], tr.aShape[0], 1] });
  const rsh = get(Opcode.Reshape);
  add("Reshape changes the count", { ...rsh, outShape: [rsh.outShape[0] + 1, ...rsh.outShape.slice(1)] });
  add("Reshape of 2^32 elements", { ...rsh, aShape: [65536, 65536], outShape: [2 ** 32] });
  add("Reshape of 2^32 + 1 elements", { ...rsh, aShape: [2 ** 32 + 1], outShape: [2 ** 32 + 1] });
  add("Reshape dims overflowing 2^64", { ...rsh, aShape: [2 ** 32, 2 ** 32, 2 ** 32], outShape: [1] });
  add("Relu rank 16", { ...relu, aShape: Array(16).fill(1), outShape: Array(16).fill(1) });
  add("Relu rank 17", { ...relu, aShape: Array(17).fill(1), outShape: Array(17).fill(1) });
  add("Relu out rank 17", { ...relu, aShape: [1], outShape: Array(17).fill(1) });
  add("Relu scalar", { ...relu, aShape: [], outShape: [] });
  return out;
}

/** Builds the vectors (deterministic: seeded). */
export function buildOneStepVectors(perCase = 6, seed = 5): OneStepVectors {
  const vectors = programVectors(perCase, seed);
  // One in-range descriptor per opcode (the first program case of each), plus the others as extras.
  const base = new Map<number, OpDesc>();
  const extra: [string, OpDesc][] = [];
  const seen = new Set<string>();
  for (const v of vectors) {
    if (seen.has(v.name)) continue;
    seen.add(v.name);
    if (!base.has(v.op.opcode)) base.set(v.op.opcode, v.op);
    else extra.push([v.name, v.op]);
  }
  const all: [string, OpDesc][] = [...[...base.values()].map((d): [string, OpDesc] => [`opcode ${d.opcode}`, d]), ...extra];
  for (const [name, d] of all) {
    const p = descProblem(d);
    if (p) throw new IntegrityError("DISPUTE_VECTOR_RANGE", `${name} descriptor of a compiled op is outside the range: ${p.reason}`);
  }
  return { version: ONESTEP_VECTORS_VERSION, vectors, scalars: scalarGroups(base), descriptors: descriptorVectors(base, extra) };
}
