import type { OpOrigin, ProgramBuilder } from "./builder";
import type { SlotId } from "./types";

/**
 * Softmax over the last axis of logits y [N, C] (scale F) with an exact integer approximation
 * built from existing PinIR ops only (no new op semantics for the executor or the chain):
 *
 * 1. Row max m [N, 1]: column c is MatMul(y, E_c) with E_c a const one-hot [C, 1] (scale 0);
 *    m ← Clip(m + Relu(col_c − m), B) over c = 1..C−1 (exact max).
 * 2. u = Clip(y − m, min(B, F + R)) ∈ (−2^R, 0] real (R = {@link expRangeBits}); v = MulConst(u, 1)
 *    recorded at scale F + R, i.e. u / 2^R exactly, so v ∈ (−1, 0].
 * 3. exp(v) by Horner on the degree-{@link EXP_DEGREE} Taylor polynomial: acc ← a_k + Rescale(acc·v),
 *    a_k = round(2^F / k!) as const slots; then exp(u) = exp(v)^(2^R) by R squarings
 *    (Rescale(e·e, F) clipped to F + 1 bits). exp(0) is exactly 2^F.
 * 4. s = ReduceSum(e, axis 1) ∈ [1, C] (real); reciprocal r ≈ 1/s at scale Q ({@link reciprocalBits}) by Newton
 *    iterations r ← r·(2 − s·r) from r_0 = 1/C (error e_{k+1} = e_k², e_0 ≤ 1 − 1/C).
 * 5. p = Rescale(e · r, Q) at scale F.
 *
 * Returns the probabilities slot [N, C] (scale F). Every op is bounds-checked by the builder.
 */
export const EXP_DEGREE = 6;

export function expRangeBits(fracBits: number): number {
  // exp(u) < 2^−F (rounds to 0) for u < −F·ln 2, so u is clipped to (−2^R, 0] with
  // 2^R > F·ln 2 + 1 and v = u / 2^R ∈ (−1, 0]; R squarings amplify rounding error only 2^R ≈ F times.
  return Math.ceil(Math.log2(fracBits * Math.LN2 + 1));
}

export function newtonSteps(classes: number, fracBits: number): number {
  if (classes <= 1) return 0;
  const e0 = 1 - 1 / classes;
  // e0^(2^n) ≤ 2^−(F+2)
  return Math.max(1, Math.ceil(Math.log2(((fracBits + 2) * Math.LN2) / -Math.log(e0))));
}

/** Fractional bits Q of the reciprocal: as many as the bounds allow, at most F + 8. */
export function reciprocalBits(fracBits: number, classes: number): number {
  // s·r ≤ C·2^(F+1)·2^(Q+1) and r·d ≤ 2^(2Q+2) must stay below 2^53.
  return Math.min(fracBits + 8, 25, 50 - fracBits - Math.ceil(Math.log2(classes)));
}

export function softmaxRows(b: ProgramBuilder, y: SlotId, origin: OpOrigin): SlotId {
  const F = b.fracBits;
  const B = b.boundBits;
  const [n, c] = b.slot(y).shape;
  const name = (s: string) => `softmax/${s}`;

  // 1. Row max.
  const column = (k: number): SlotId => {
    const sel = b.addSlot("const", name(`select${k}`), [c, 1], 0, 1, Array.from({ length: c }, (_, i) => (i === k ? 1 : 0)));
    return b.emit({ op: "MatMul", a: y, b: sel, transA: false, transB: false }, name(`col${k}`), origin);
  };
  let m = b.emit({ op: "Clip", a: column(0), bound: B }, name("max0"), origin);
  for (let k = 1; k < c; k++) {
    const d = b.emit({ op: "Sub", a: column(k), b: m }, name(`gap${k}`), origin);
    const r = b.emit({ op: "Relu", a: d }, name(`up${k}`), origin);
    const s = b.emit({ op: "Add", a: m, b: r }, name(`maxsum${k}`), origin);
    m = b.emit({ op: "Clip", a: s, bound: B }, name(`max${k}`), origin);
  }

  // 2. Shifted logits and range reduction.
  const diff = b.emit({ op: "Sub", a: y, b: m }, name("shifted"), origin);
  const R = expRangeBits(F);
  const u = b.emit({ op: "Clip", a: diff, bound: Math.min(B, F + R) }, name("u"), origin);
  const v = R === 0 ? u : b.emit({ op: "MulConst", a: u, c: 1 }, name("v"), origin, { scale: F + R });
  const sv = b.slot(v).scale;

  // 3. exp(v) by Horner, then square R times.
  const coef = (k: number) => {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    const q = Math.floor(2 ** F / f + 0.5);
    return b.addSlot("const", name(`a${k}`), [1], F, q, [q]);
  };
  let acc = coef(EXP_DEGREE);
  for (let k = EXP_DEGREE - 1; k >= 0; k--) {
    const prod = b.emit({ op: "Mul", a: acc, b: v }, name(`horner${k}/mul`), origin);
    const back = b.emit({ op: "Rescale", a: prod, shift: sv, bound: B }, name(`horner${k}/rescale`), origin);
    acc = b.emit({ op: "Add", a: back, b: coef(k) }, name(`horner${k}`), origin);
  }
  // exp values are in [0, 1] (real): clip to F + 1 bits so the static bounds below stay tight.
  let e = R === 0 ? b.emit({ op: "Clip", a: acc, bound: F + 1 }, name("exp"), origin) : acc;
  for (let i = 0; i < R; i++) {
    const sq = b.emit({ op: "Mul", a: e, b: e }, name(`square${i}/mul`), origin);
    e = b.emit({ op: "Rescale", a: sq, shift: F, bound: F + 1 }, name(i === R - 1 ? "exp" : `square${i}`), origin);
  }

  // 4. Row sums and their reciprocals at scale Q.
  const s = b.emit({ op: "ReduceSum", a: e, axis: 1 }, name("sum"), origin);
  const Q = reciprocalBits(F, c);
  const r0 = Math.floor(2 ** Q / c + 0.5);
  let r = b.addSlot("const", name("r0"), [1], Q, r0, [r0]);
  const two = b.addSlot("const", name("two"), [1], Q, 2 ** (Q + 1), [2 ** (Q + 1)]);
  for (let k = 0; k < newtonSteps(c, F); k++) {
    const sr = b.emit({ op: "Mul", a: s, b: r }, name(`newton${k}/sr`), origin);
    const srQ = b.emit({ op: "Rescale", a: sr, shift: F, bound: Q + 2 }, name(`newton${k}/srQ`), origin);
    const d = b.emit({ op: "Sub", a: two, b: srQ }, name(`newton${k}/d`), origin);
    const dc = b.emit({ op: "Clip", a: d, bound: Q + 1 }, name(`newton${k}/dc`), origin);
    const rd = b.emit({ op: "Mul", a: r, b: dc }, name(`newton${k}/rd`), origin);
    r = b.emit({ op: "Rescale", a: rd, shift: Q, bound: Q + 1 }, name(`newton${k}`), origin);
  }

  // 5. Normalise.
  const rCol = b.emit({ op: "Reshape", a: r }, name("recip"), origin, { shape: [n, 1] });
  const pe = b.emit({ op: "Mul", a: e, b: rCol }, name("p/mul"), origin);
  const p = b.emit({ op: "Rescale", a: pe, shift: Q, bound: B }, name("p"), origin);
  return p;
}
