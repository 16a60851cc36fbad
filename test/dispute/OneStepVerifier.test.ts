import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { UNDER_COVERAGE } from "../support/coverage";
import vectors from "../vectors/onestep.json";
import { buildOneStepVectors, type DescriptorVector, type JsonOpDesc, type ScalarGroup } from "../../src/dispute/vectors";
import { chainProgram, DESC_LIMITS, DescField, descProblem, Opcode, type WideOpDesc } from "../../src/dispute/descriptor";
import { clipBig, operandIndicesOf, reductionLengthOf, rescaleBig, stepOf } from "../../src/dispute/semantics";
import type { OpDesc } from "../../src/dispute/types";
import { deriveTrainStep, mlp, seededRandom, type PinProgram } from "../../src/pinir";
import { everyOpProgram } from "../pinir/programs";
import { InputError } from "../../src/errors";
import type { OneStepVerifier } from "../../typechain-types";
import type { OpDescStruct } from "../../typechain-types/contracts/interfaces/IOneStepVerifier";

const { ethers } = hre;

async function deploy() {
  const verifier = await ethers.deployContract("OneStepVerifier");
  return { verifier };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT256_MIN = -(2n ** 255n);
const INT256_MAX = 2n ** 255n - 1n;
const U32_MAX = 2n ** 32n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const PANIC = "0x4e487b71";
/** Fuzz multiplier: ONESTEP_FUZZ=20 npx hardhat test … runs 20× the fuzz iterations. */
const FUZZ = Number(process.env.ONESTEP_FUZZ ?? "1");

/** A descriptor as the contract binding takes it (mutable arrays). */
function sol(d: WideOpDesc | JsonOpDesc): OpDescStruct {
  return { ...d, outShape: [...d.outShape], aShape: [...d.aShape], bShape: [...d.bShape] };
}

/** What a call did: returned a value, or reverted with revert data. */
type Outcome<T> = { ok: true; value: T } | { ok: false; data: string };

async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (typeof data !== "string") throw e;
    return { ok: false, data };
  }
}

/** Revert data must be one of IOneStepVerifier's custom errors, never a panic or empty. */
function customError(v: OneStepVerifier, data: string, what: string): { name: string; args: readonly unknown[] } {
  expect(data.slice(0, 10), `${what}: panicked (${data})`).to.not.equal(PANIC);
  const parsed = v.interface.parseError(data);
  expect(parsed, `${what}: reverted without a custom error (${data})`).to.not.equal(null);
  return { name: parsed!.name, args: parsed!.args };
}

/** Solidity's checkDesc as (null | field id), also checking the reported opcode. */
async function solidityField(v: OneStepVerifier, d: WideOpDesc | JsonOpDesc, what: string): Promise<number | null> {
  const r = await outcome(v.checkDesc(sol(d)));
  if (r.ok) return null;
  const err = customError(v, r.data, what);
  expect(err.name, what).to.equal("OneStepBadDescriptor");
  expect(err.args[0], `${what}: opcode`).to.equal(BigInt(d.opcode));
  return Number(err.args[1]);
}

// ─── Random descriptors ───

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}
const int = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const randShape = (rnd: () => number, minRank: number, maxRank: number) => Array.from({ length: int(rnd, minRank, maxRank) }, () => int(rnd, 1, 6));

/** A random descriptor inside the range (what the compiler could emit), every opcode. */
function randomValidDesc(rnd: () => number): OpDesc {
  const opcode = int(rnd, 1, 12);
  const slot = () => int(rnd, 0, 2 ** 32 - 1);
  const scale = () => pick(rnd, [0, 16, 32, int(rnd, 0, 255), 255]);
  let p0 = 0;
  let p1 = 0;
  let c = 0;
  let aShape: number[] = [];
  let bShape: number[] = [];
  let outShape: number[] = [];
  switch (opcode) {
    case Opcode.MatMul: {
      const [rows, k, cols] = [int(rnd, 1, 6), int(rnd, 1, 7), int(rnd, 1, 6)];
      p0 = int(rnd, 0, 1);
      p1 = int(rnd, 0, 1);
      aShape = p0 ? [k, rows] : [rows, k];
      bShape = p1 ? [cols, k] : [k, cols];
      outShape = [rows, cols];
      break;
    }
    case Opcode.Add:
    case Opcode.Sub:
    case Opcode.Mul: {
      const full = randShape(rnd, 0, 4);
      const part = () => full.slice(int(rnd, 0, full.length)).map((d) => (rnd() < 0.3 ? 1 : d));
      aShape = part();
      bShape = part();
      const rank = Math.max(aShape.length, bShape.length);
      outShape = Array.from({ length: rank }, (_, i) => {
        const da = aShape[aShape.length - rank + i] ?? 1;
        const db = bShape[bShape.length - rank + i] ?? 1;
        return Math.max(da, db);
      });
      break;
    }
    case Opcode.ReluGrad:
      aShape = randShape(rnd, 0, 4);
      bShape = [...aShape];
      outShape = [...aShape];
      break;
    case Opcode.Transpose:
      aShape = randShape(rnd, 2, 2);
      outShape = [aShape[1], aShape[0]];
      break;
    case Opcode.ReduceSum:
      aShape = randShape(rnd, 1, 4);
      p0 = int(rnd, 0, aShape.length - 1);
      outShape = aShape.filter((_, i) => i !== p0);
      break;
    case Opcode.Reshape:
      aShape = randShape(rnd, 0, 4);
      outShape = rnd() < 0.5 ? [aShape.reduce((x, y) => x * y, 1)] : [...aShape].reverse();
      break;
    default:
      aShape = randShape(rnd, 0, 4);
      outShape = [...aShape];
      if (opcode === Opcode.Rescale) {
        p0 = pick(rnd, [1, 16, 52, int(rnd, 1, 52)]);
        p1 = pick(rnd, [1, 20, 52, int(rnd, 1, 52)]);
      } else if (opcode === Opcode.Clip) p1 = pick(rnd, [1, 20, 52, int(rnd, 1, 52)]);
      else if (opcode === Opcode.MulConst) c = pick(rnd, [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), int(rnd, -(2 ** 40), 2 ** 40)]);
  }
  const binary = opcode <= Opcode.Mul || opcode === Opcode.ReluGrad;
  return { opcode, out: slot(), a: slot(), b: binary ? slot() : 0, outScale: scale(), aScale: scale(), bScale: binary ? scale() : 0, p0, p1, c, outShape, aShape, bShape };
}

/** Extreme and random values of a uint of `bits` bits. */
function wildUint(rnd: () => number, bits: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  const pool = [0n, 1n, 2n, 3n, 12n, 13n, 16n, 51n, 52n, 53n, 54n, 63n, 64n, 65n, 254n, 255n, 256n, 257n, 2n ** 31n, U32_MAX, 2n ** 32n, 2n ** 53n, U64_MAX];
  const v = rnd() < 0.85 ? pick(rnd, pool) : BigInt(Math.floor(rnd() * 2 ** 32)) * BigInt(Math.floor(rnd() * 2 ** 32));
  return v > max ? max - BigInt(int(rnd, 0, 3)) : v;
}

function wildShape(rnd: () => number): bigint[] {
  const rank = pick(rnd, [0, 1, 2, 3, 4, 16, 17, 18]);
  return Array.from({ length: rank }, () => (rnd() < 0.8 ? BigInt(int(rnd, 0, 6)) : wildUint(rnd, 64)));
}

/** A random descriptor with 1–3 fields set to wild values (extremes of each field's type). */
function fuzzDesc(rnd: () => number): WideOpDesc {
  const d: Record<string, unknown> = { ...randomValidDesc(rnd) };
  const fields = Object.keys(DescField) as (keyof typeof DescField)[];
  for (let m = int(rnd, 1, 3); m > 0; m--) {
    const f = pick(rnd, fields);
    if (f === "opcode") d[f] = rnd() < 0.5 ? BigInt(int(rnd, 0, 15)) : wildUint(rnd, 8);
    else if (f === "c") d[f] = pick(rnd, [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), INT64_MAX, INT64_MIN, BigInt(int(rnd, -1e9, 1e9))]);
    else if (f === "outShape" || f === "aShape" || f === "bShape") d[f] = wildShape(rnd);
    else d[f] = wildUint(rnd, 32);
  }
  return d as unknown as WideOpDesc;
}

function narrow(d: WideOpDesc): OpDesc {
  const n = (x: unknown) => Number(x);
  return {
    opcode: n(d.opcode),
    out: n(d.out),
    a: n(d.a),
    b: n(d.b),
    outScale: n(d.outScale),
    aScale: n(d.aScale),
    bScale: n(d.bScale),
    p0: n(d.p0),
    p1: n(d.p1),
    c: n(d.c),
    outShape: d.outShape.map(n),
    aShape: d.aShape.map(n),
    bShape: d.bShape.map(n),
  };
}

const wildInt64 = (rnd: () => number) => pick(rnd, [0n, 1n, -1n, 2n ** 52n, -(2n ** 53n - 1n), INT64_MAX, INT64_MIN, BigInt(int(rnd, -(2 ** 40), 2 ** 40))]);
const wildInt256 = (rnd: () => number) => pick(rnd, [0n, 1n, -1n, INT256_MAX, INT256_MIN, 2n ** 200n, -(2n ** 254n), wildInt64(rnd)]);

describe("OneStepVerifier", () => {
  it("the committed vectors are what the reference interpreter generates", () => {
    expect(JSON.parse(JSON.stringify(buildOneStepVectors()))).to.deep.equal(vectors);
  });

  it(`agrees with the reference interpreter on all ${vectors.vectors.length} shared vectors`, async () => {
    const { verifier } = await loadFixture(deploy);
    const seen = new Set<number>();
    for (const v of vectors.vectors) {
      const [count, ia, ib] = await verifier.operandIndices(v.op, v.element, v.term);
      expect([Number(count), Number(ia), Number(ib)], `${v.name} e=${v.element} k=${v.term} indices`).to.deep.equal([v.count, v.ia, v.ib]);
      const got = await verifier.step(v.op, BigInt(v.a), BigInt(v.b), BigInt(v.prev));
      expect(got, `${v.name} e=${v.element} k=${v.term}`).to.equal(BigInt(v.expected));
      await verifier.checkDesc(v.op);
      seen.add(v.op.opcode);
    }
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(Object.values(Opcode));
  });

  it("reports reduction lengths", async () => {
    const { verifier } = await loadFixture(deploy);
    const mm = vectors.vectors.find((v) => v.name === "MatMul transA")!;
    expect(await verifier.reductionLength(mm.op)).to.equal(5n);
    const rs = vectors.vectors.find((v) => v.name === "ReduceSum rank3 axis1")!;
    expect(await verifier.reductionLength(rs.op)).to.equal(4n);
    const relu = vectors.vectors.find((v) => v.name === "Relu")!;
    expect(await verifier.reductionLength(relu.op)).to.equal(0n);
  });

  it("rejects out-of-range elements and terms and unknown opcodes", async () => {
    const { verifier } = await loadFixture(deploy);
    const mm = vectors.vectors.find((v) => v.name === "MatMul")!;
    await expect(verifier.operandIndices(mm.op, 12, 1)).to.be.revertedWithCustomError(verifier, "OneStepIndexOutOfRange").withArgs(12, 12);
    await expect(verifier.operandIndices(mm.op, 0, 0)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(0, 5);
    await expect(verifier.operandIndices(mm.op, 0, 6)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(6, 5);
    const relu = vectors.vectors.find((v) => v.name === "Relu")!;
    await expect(verifier.operandIndices(relu.op, 0, 1)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(1, 0);
    const bad = { ...relu.op, opcode: 13 };
    await expect(verifier.step(bad, 1, 1, 0)).to.be.revertedWithCustomError(verifier, "OneStepUnknownOpcode").withArgs(13);
    const badBcast = { ...vectors.vectors.find((v) => v.name === "Add bcast row")!.op, bShape: [2] };
    await expect(verifier.operandIndices(badBcast, 0, 0)).to.be.revertedWithCustomError(verifier, "OneStepBadShape");
    // A reduction of length 0 has no term at all (term 0 is not a way around it).
    await expect(verifier.operandIndices({ ...mm.op, aShape: [3, 0] }, 0, 0)).to.be.revertedWithCustomError(verifier, "OneStepTermOutOfRange").withArgs(0, 0);
  });

  describe("total scalar semantics (audit finding 5)", () => {
    it("defines clip with a bound ≥ 255 (clamps nothing) and rescale by 256 (0) as TypeScript does, without a panic", async () => {
      const { verifier } = await loadFixture(deploy);
      const clip = vectors.vectors.find((v) => v.name === "Clip")!.op;
      const rescale = vectors.vectors.find((v) => v.name === "Rescale")!.op;
      for (const bound of [255, 256, 1000, 2 ** 32 - 1]) {
        for (const a of [5n, -5n, INT64_MIN, INT256_MAX, INT256_MIN]) {
          // A bound ≥ 255 clamps no int256 (type(int256).min included).
          expect(clipBig(a, bound)).to.equal(a);
          expect(await verifier.step({ ...clip, p1: bound }, a, 0, 0), `clip ${a} to ${bound}`).to.equal(a);
        }
      }
      for (const shift of [256, 257, 1000, 2 ** 32 - 1]) {
        for (const a of [1n, -1n, INT64_MIN, INT64_MAX, INT256_MAX, INT256_MIN]) {
          expect(rescaleBig(a, shift, 2 ** 32 - 1)).to.equal(0n);
          expect(await verifier.step({ ...rescale, p0: shift, p1: 2 ** 32 - 1 }, a, 0, 0), `rescale ${a} by ${shift}`).to.equal(0n);
        }
      }
      // By 255: floor((a + 2^254) / 2^255) ∈ {−1, 0, 1}, ties toward +∞.
      const by255 = { ...rescale, p0: 255, p1: 2 ** 32 - 1 };
      for (const [a, want] of [
        [2n ** 254n, 1n],
        [2n ** 254n - 1n, 0n],
        [-(2n ** 254n), 0n],
        [-(2n ** 254n) - 1n, -1n],
        [INT256_MIN, -1n],
        [INT256_MAX, 1n],
      ] as const) {
        expect(rescaleBig(a, 255, 2 ** 32 - 1)).to.equal(want);
        expect(await verifier.step(by255, a, 0, 0)).to.equal(want);
      }
    });

    const groups = vectors.scalars as ScalarGroup[];
    const cases = groups.reduce((n, g) => n + g.cases.length, 0);
    it(`agrees with the shared scalar edge vectors: ${groups.length} descriptors, ${cases} values (shifts and bounds 0..2^32−1, ties, int64/int256 extremes, wrapping)`, async () => {
      const { verifier } = await loadFixture(deploy);
      const names = groups.map((g) => g.name);
      for (const s of [0, 1, 52, 53, 63, 64, 255, 256, 2 ** 32 - 1]) expect(names).to.include(`Rescale shift ${s} bound ${2 ** 32 - 1}`);
      for (const b of [0, 1, 52, 53, 62, 63, 64, 254, 255, 256, 2 ** 32 - 1]) expect(names).to.include(`Clip bound ${b}`);
      for (const g of groups) {
        expect(g.inRange, g.name).to.equal(descProblem(g.op) === undefined);
        await Promise.all(
          g.cases.map(async (c) => {
            const [a, b, prev, want] = [BigInt(c.a), BigInt(c.b), BigInt(c.prev), BigInt(c.expected)];
            expect(stepOf(g.op, a, b, prev), `${g.name} a=${c.a} (TypeScript)`).to.equal(want);
            expect(await verifier.step(sol(g.op), a, b, prev), `${g.name} a=${c.a} b=${c.b} prev=${c.prev}`).to.equal(want);
          }),
        );
      }
    });

    it("never panics: step equals the TypeScript semantics on 300 fuzzed descriptors with int64 operands and any int256 prev", async () => {
      const { verifier } = await loadFixture(deploy);
      const rnd = seededRandom(91);
      for (let i = 0; i < 300 * FUZZ; i++) {
        const d = fuzzDesc(rnd);
        const [a, b, prev] = [wildInt64(rnd), wildInt64(rnd), wildInt256(rnd)];
        const what = `fuzz ${i} ${JSON.stringify(d, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`;
        const r = await outcome(verifier.step(sol(d), a, b, prev));
        const code = Number(d.opcode);
        if (code >= 1 && code <= 12) {
          expect(r.ok, `${what}: reverted`).to.equal(true);
          expect((r as { value: bigint }).value, what).to.equal(stepOf(d, a, b, prev));
        } else {
          expect(r.ok, what).to.equal(false);
          expect(customError(verifier, (r as { data: string }).data, what).name).to.equal("OneStepUnknownOpcode");
        }
      }
    });
  });

  describe("descriptor range (checkDesc)", () => {
    it("accepts every descriptor of compiled programs (Iris and MNIST train steps, every-op program)", async () => {
      const { verifier } = await loadFixture(deploy);
      const programs: [string, PinProgram][] = [
        ["iris mse", deriveTrainStep(mlp([4, 8, 3]), { batchSize: 8, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } })],
        ["iris softmax-ce", deriveTrainStep(mlp([4, 16, 3]), { batchSize: 30, loss: "softmax-ce", optimizer: { kind: "sgd", learningRate: 0.5 } })],
        ["mnist mse", deriveTrainStep(mlp([784, 16, 10]), { batchSize: 8, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } })],
        ["every op", everyOpProgram()],
      ];
      for (const [name, p] of programs) {
        const cp = chainProgram(p);
        for (const [j, d] of cp.opDescs.entries()) expect(await solidityField(verifier, d, `${name} op ${j}`), `${name} op ${j}`).to.equal(null);
      }
    });

    const descs = vectors.descriptors as DescriptorVector[];
    it(`matches TypeScript on all ${descs.length} shared edge descriptors (field by field)`, async () => {
      const { verifier } = await loadFixture(deploy);
      expect(descs.filter((d) => d.field === null).length).to.be.greaterThan(20);
      for (const f of Object.values(DescField).filter((f) => f !== DescField.out && f !== DescField.a)) {
        expect(descs.some((d) => d.field === f), `some edge vector is refused at field ${f}`).to.equal(true);
      }
      await Promise.all(
        descs.map(async (d) => {
          expect(descProblem(d.op)?.fieldId ?? null, `${d.name} (TypeScript)`).to.equal(d.field);
          expect(await solidityField(verifier, d.op, d.name), d.name).to.equal(d.field);
        }),
      );
    });

    it("refuses the descriptors of finding 5 and other fields outside the range, naming the field", async () => {
      const { verifier } = await loadFixture(deploy);
      const op = (name: string) => vectors.vectors.find((v) => v.name === name)!.op;
      const refused: [string, WideOpDesc, number][] = [
        ["Clip bound 256", { ...op("Clip"), p1: 256 }, DescField.p1],
        ["Clip bound 53", { ...op("Clip"), p1: 53 }, DescField.p1],
        ["Clip bound 0", { ...op("Clip"), p1: 0 }, DescField.p1],
        ["Rescale shift 256", { ...op("Rescale"), p0: 256 }, DescField.p0],
        ["Rescale shift 53", { ...op("Rescale"), p0: 53 }, DescField.p0],
        ["Rescale shift 0", { ...op("Rescale"), p0: 0 }, DescField.p0],
        ["Rescale bound 2^32 − 1", { ...op("Rescale"), p1: 2 ** 32 - 1 }, DescField.p1],
        ["MatMul transA 2", { ...op("MatMul"), p0: 2 }, DescField.p0],
        ["MatMul transB 2", { ...op("MatMul"), p1: 2 }, DescField.p1],
        ["ReduceSum axis = rank", { ...op("ReduceSum axis1"), p0: 2 }, DescField.p0],
        ["MulConst c 2^53", { ...op("MulConst"), c: 2n ** 53n }, DescField.c],
        ["MulConst c int64 min", { ...op("MulConst"), c: INT64_MIN }, DescField.c],
        ["Relu with a constant", { ...op("Relu"), c: 3 }, DescField.c],
        ["Relu with p0", { ...op("Relu"), p0: 1 }, DescField.p0],
        ["unknown opcode 13", { ...op("Relu"), opcode: 13 }, DescField.opcode],
        ["opcode 0", { ...op("Relu"), opcode: 0 }, DescField.opcode],
        ["scale 256", { ...op("Relu"), outScale: 256 }, DescField.outScale],
        ["empty dimension", { ...op("Relu"), aShape: [4, 0], outShape: [4, 0] }, DescField.outShape],
        ["Transpose of rank 3", { ...op("Transpose"), aShape: [3, 7, 1], outShape: [7, 3, 1] }, DescField.aShape],
      ];
      for (const [name, d, field] of refused) {
        expect(descProblem(d)?.fieldId, name).to.equal(field);
        await expect(verifier.checkDesc(sol(d)), name).to.be.revertedWithCustomError(verifier, "OneStepBadDescriptor").withArgs(BigInt(d.opcode), field);
      }
      for (const [name, d] of [
        ["Clip bound 52", { ...op("Clip"), p1: DESC_LIMITS.maxBound }],
        ["Rescale shift 52 bound 1", { ...op("Rescale"), p0: DESC_LIMITS.maxShift, p1: DESC_LIMITS.minBound }],
        ["MulConst c −(2^53 − 1)", { ...op("MulConst"), c: -(2 ** 53 - 1) }],
      ] as const) {
        expect(descProblem(d), name).to.equal(undefined);
        await verifier.checkDesc(d);
      }
    });

    it("TypeScript and Solidity agree on 500 fuzzed descriptors (random fields, type extremes)", async () => {
      const { verifier } = await loadFixture(deploy);
      const rnd = seededRandom(7);
      const byField = new Map<number | null, number>();
      for (let i = 0; i < 500 * FUZZ; i++) {
        const d = i % 5 === 0 ? randomValidDesc(rnd) : fuzzDesc(rnd);
        const what = `fuzz ${i} ${JSON.stringify(d, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`;
        const ts = descProblem(d)?.fieldId ?? null;
        if (i % 5 === 0) expect(ts, what).to.equal(null);
        expect(await solidityField(verifier, d, what), what).to.equal(ts);
        byField.set(ts, (byField.get(ts) ?? 0) + 1);
      }
      // The fuzz reached most fields and accepted some descriptors.
      expect(byField.get(null)).to.be.greaterThan(100 * FUZZ);
      expect(byField.size).to.be.greaterThan(9);
    });

    it("geometry never panics on fuzzed descriptors and equals TypeScript on descriptors inside the range", async () => {
      const { verifier } = await loadFixture(deploy);
      const rnd = seededRandom(11);
      let compared = 0;
      for (let i = 0; i < 160 * FUZZ; i++) {
        const valid = i % 2 === 0;
        const d = valid ? randomValidDesc(rnd) : fuzzDesc(rnd);
        const what = `desc ${i} ${JSON.stringify(d, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`;
        const len = await outcome(verifier.reductionLength(sol(d)));
        if (!len.ok) customError(verifier, len.data, `${what} reductionLength`);
        const inRange = descProblem(d) === undefined;
        // Inside the range every field is a small integer: the plain OpDesc the TypeScript geometry takes.
        const od = narrow(d);
        if (inRange) expect(len.ok && Number(len.value), `${what} K`).to.equal(reductionLengthOf(od));
        const n = inRange ? od.outShape.reduce((x, y) => x * y, 1) : 1;
        const k = inRange ? reductionLengthOf(od) : 1;
        const probes: [bigint, bigint][] = inRange
          ? [
              [0n, k ? 1n : 0n],
              [BigInt(n - 1), BigInt(k)],
              [BigInt(int(rnd, 0, n - 1)), BigInt(k ? int(rnd, 1, k) : 0)],
            ]
          : [
              [0n, 0n],
              [0n, 1n],
              [BigInt(int(rnd, 0, 40)), BigInt(int(rnd, 0, 8))],
              [2n ** 32n, 1n],
              [2n ** 256n - 1n, 2n ** 256n - 1n],
            ];
        for (const [e, t] of probes) {
          const r = await outcome(verifier.operandIndices(sol(d), e, t));
          if (!r.ok) {
            customError(verifier, r.data, `${what} e=${e} k=${t}`);
            expect(inRange, `${what} e=${e} k=${t}: an in-range probe reverted`).to.equal(false);
            continue;
          }
          if (!inRange) continue;
          const want = operandIndicesOf(od, Number(e), Number(t));
          expect(r.value.map(Number), `${what} e=${e} k=${t}`).to.deep.equal([want.count, want.ia, want.ib]);
          compared++;
        }
      }
      expect(compared).to.be.greaterThan(200 * FUZZ);
    });
  });

  it("keeps the one-step check cheap (execution gas of step, operandIndices and checkDesc)", async function () {
    if (UNDER_COVERAGE) this.skip();
    const { verifier } = await loadFixture(deploy);
    const to = await verifier.getAddress();
    // Execution gas: the estimate less the intrinsic 21,000 and calldata (4 per zero byte, 16 otherwise).
    const exec = async (data: string) => {
      let intrinsic = 21_000;
      for (const x of Buffer.from(data.slice(2), "hex")) intrinsic += x ? 16 : 4;
      return Number(await ethers.provider.estimateGas({ to, data })) - intrinsic;
    };
    const report: Record<string, { step: number; operandIndices: number; checkDesc: number }> = {};
    for (const name of ["MatMul", "Rescale", "Clip", "ReduceSum axis1", "Add bcast row", "MulConst"]) {
      const vs = vectors.vectors.filter((v) => v.name === name);
      let [step, idx] = [0, 0];
      for (const v of vs) {
        step = Math.max(step, await exec(verifier.interface.encodeFunctionData("step", [v.op, BigInt(v.a), BigInt(v.b), BigInt(v.prev)])));
        idx = Math.max(idx, await exec(verifier.interface.encodeFunctionData("operandIndices", [v.op, v.element, v.term])));
      }
      const check = await exec(verifier.interface.encodeFunctionData("checkDesc", [vs[0].op]));
      report[name] = { step, operandIndices: idx, checkDesc: check };
    }
    console.log("      one-step execution gas (max over the shared vectors):", JSON.stringify(report));
    for (const [name, r] of Object.entries(report)) {
      expect(r.step, `${name} step`).to.be.at.most(2_000);
      expect(r.operandIndices, `${name} operandIndices`).to.be.at.most(8_000);
      expect(r.checkDesc, `${name} checkDesc`).to.be.at.most(4_000);
    }
  });
});

describe("chainProgram and the descriptor range", () => {
  function withOp(p: PinProgram, j: number, patch: Record<string, unknown>): PinProgram {
    return { ...p, ops: p.ops.map((op, i) => (i === j ? ({ ...op, ...patch } as typeof op) : op)) };
  }

  it("refuses a program whose op descriptor leaves the range, naming the op and the field", () => {
    const p = everyOpProgram();
    const find = (name: string) => p.ops.findIndex((op) => op.op === name);
    for (const [name, patch, field] of [
      ["Clip", { bound: 256 }, "p1"],
      ["Clip", { bound: 53 }, "p1"],
      ["Rescale", { shift: 256 }, "p0"],
      ["Rescale", { shift: 0 }, "p0"],
      ["Rescale", { bound: 2 ** 32 - 1 }, "p1"],
      ["ReduceSum", { axis: 2 }, "p0"],
      ["MulConst", { c: 2 ** 60 }, "c"],
      ["MulConst", { c: 0.5 }, "c"],
      ["Rescale", { shift: 2 ** 40 }, "p0"],
    ] as const) {
      const j = find(name);
      let err: unknown;
      try {
        chainProgram(withOp(p, j, patch));
      } catch (e) {
        err = e;
      }
      expect(err, `${name} ${JSON.stringify(patch)}`).to.be.instanceOf(InputError);
      const ie = err as InputError;
      expect(ie.code).to.equal("DISPUTE_BAD_DESCRIPTOR");
      expect(ie.details).to.include({ opIndex: j, op: name, field });
      expect(ie.message).to.include(`op ${j} (${name}`);
    }
  });

  it("refuses an op name that is not PinIR", () => {
    const p = everyOpProgram();
    expect(() => chainProgram(withOp(p, 0, { op: "Conv" }))).to.throw(InputError, /not a PinIR op/);
  });
});
