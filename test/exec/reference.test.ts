import { expect } from "chai";
import { ExecutionError } from "../../src/errors";
import { ExecCode, evalElement, rescaleScalar, runReference, validateProgram } from "../../src/exec";
import { program, slot, t, table } from "./util";

function run(p: ReturnType<typeof program>, values: Record<number, ReturnType<typeof t>>) {
  return runReference(p, table(p, values));
}

function expectExecError(fn: () => unknown, code: string, text?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ExecutionError);
    expect((e as ExecutionError).code).to.equal(code);
    if (text) expect((e as Error).message).to.match(text);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("reference interpreter", function () {
  describe("Rescale", function () {
    it("rounds half up with floor toward −∞, including negatives", function () {
      // shift 1: v/2 rounded half up
      const cases: [number, number][] = [
        [3, 2], // 1.5 → 2
        [-3, -1], // −1.5 → −1
        [-5, -2], // −2.5 → −2
        [5, 3],
        [-1, 0], // −0.5 → 0 (never −0)
        [1, 1], // 0.5 → 1
        [-4, -2],
      ];
      for (const [a, want] of cases) expect(Object.is(rescaleScalar(a, 1, 20), want), `${a}`).to.equal(true);
      expect(rescaleScalar(-(2 ** 15), 16, 20)).to.equal(0); // −0.5 → 0
      expect(rescaleScalar(-(2 ** 15) - 1, 16, 20)).to.equal(-1);
    });

    it("clips to ±(2^b − 1)", function () {
      expect(rescaleScalar(2 ** 40, 4, 20)).to.equal(2 ** 20 - 1);
      expect(rescaleScalar(-(2 ** 40), 4, 20)).to.equal(-(2 ** 20 - 1));
    });

    it("is exact next to 2^53, where a + 2^(s−1) leaves float64's exact range (bigint path)", function () {
      const a = Number.MAX_SAFE_INTEGER; // 2^53 − 1
      // (2^53 − 1 + 2^15) >> 16 = 2^37 exactly (2^53 + 2^15 − 1 floors to 2^37)
      expect(rescaleScalar(a, 16, 52)).to.equal(2 ** 37);
      expect(rescaleScalar(a - 2 ** 15, 16, 52)).to.equal(2 ** 37 - 1);
      expect(rescaleScalar(-a, 16, 52)).to.equal(-(2 ** 37));
    });
  });

  it("MatMul honours transA/transB and exposes the K terms and partial sums", function () {
    // A = [[1,2],[3,4]] stored transposed, B = [[5,6],[7,8]] stored transposed
    const p = program(
      [slot("input", [2, 2]), slot("input", [2, 2]), slot("temp", [2, 2])],
      [{ op: "MatMul", out: 2, a: 0, b: 1, transA: true, transB: true }],
    );
    const v = run(p, { 0: t([2, 2], [1, 3, 2, 4]), 1: t([2, 2], [5, 7, 6, 8]) });
    expect([...v[2].data]).to.deep.equal([19, 22, 43, 50]);
    const e = evalElement(p, v, 0, 3); // out[1,1] = 3·6 + 4·8
    expect(e).to.deep.include({ value: 50, terms: [18, 32], partialSums: [0, 18, 50] });
    expect(e.operands.map((r) => [r.slot, r.index, r.value])).to.deep.equal([
      [0, 1, 3],
      [1, 2, 6],
      [0, 3, 4],
      [1, 3, 8],
    ]);
  });

  it("broadcasts Add/Sub/Mul numpy-style on either side", function () {
    const p = program(
      [
        slot("input", [2, 3]),
        slot("input", [3]),
        slot("input", [2, 1]),
        slot("temp", [2, 3]),
        slot("temp", [2, 3]),
        slot("temp", [2, 3]),
      ],
      [
        { op: "Add", out: 3, a: 0, b: 1 },
        { op: "Sub", out: 4, a: 2, b: 0 },
        { op: "Mul", out: 5, a: 1, b: 2 },
      ],
    );
    const v = run(p, { 0: t([2, 3], [1, 2, 3, 4, 5, 6]), 1: t([3], [10, 20, 30]), 2: t([2, 1], [-1, 2]) });
    expect([...v[3].data]).to.deep.equal([11, 22, 33, 14, 25, 36]);
    expect([...v[4].data]).to.deep.equal([-2, -3, -4, -2, -3, -4]);
    expect([...v[5].data]).to.deep.equal([-10, -20, -30, 20, 40, 60]);
    expect(evalElement(p, v, 0, 4).operands.map((r) => r.index)).to.deep.equal([4, 1]);
    expect(evalElement(p, v, 1, 4).operands.map((r) => r.index)).to.deep.equal([1, 4]);
  });

  it("ReduceSum over each axis of a rank-3 tensor, with partial sums", function () {
    const data = Array.from({ length: 24 }, (_, i) => i - 7);
    const p = program(
      [slot("input", [2, 3, 4]), slot("temp", [3, 4]), slot("temp", [2, 4]), slot("temp", [2, 3])],
      [
        { op: "ReduceSum", out: 1, a: 0, axis: 0 },
        { op: "ReduceSum", out: 2, a: 0, axis: 1 },
        { op: "ReduceSum", out: 3, a: 0, axis: 2 },
      ],
    );
    const v = run(p, { 0: t([2, 3, 4], data) });
    const at = (i: number, j: number, k: number) => data[i * 12 + j * 4 + k];
    expect(v[1].data[5]).to.equal(at(0, 1, 1) + at(1, 1, 1));
    expect(v[2].data[6]).to.equal(at(1, 0, 2) + at(1, 1, 2) + at(1, 2, 2));
    expect(v[3].data[4]).to.equal(at(1, 1, 0) + at(1, 1, 1) + at(1, 1, 2) + at(1, 1, 3));
    const e = evalElement(p, v, 1, 6);
    expect(e.terms).to.deep.equal([at(1, 0, 2), at(1, 1, 2), at(1, 2, 2)]);
    expect(e.partialSums).to.deep.equal([0, at(1, 0, 2), at(1, 0, 2) + at(1, 1, 2), v[2].data[6]]);
  });

  it("Relu, ReluGrad, Clip, Transpose, Reshape, MulConst", function () {
    const p = program(
      [
        slot("input", [2, 3]),
        slot("input", [2, 3]),
        slot("temp", [2, 3]),
        slot("temp", [2, 3]),
        slot("temp", [2, 3]),
        slot("temp", [3, 2]),
        slot("temp", [6]),
        slot("temp", [2, 3]),
      ],
      [
        { op: "Relu", out: 2, a: 0 },
        { op: "ReluGrad", out: 3, g: 1, x: 0 },
        { op: "Clip", out: 4, a: 0, bound: 2 },
        { op: "Transpose", out: 5, a: 0 },
        { op: "Reshape", out: 6, a: 5 },
        { op: "MulConst", out: 7, a: 0, c: -3 },
      ],
    );
    const v = run(p, { 0: t([2, 3], [-5, 0, 5, 1, -1, 3]), 1: t([2, 3], [7, 8, 9, 10, 11, 12]) });
    expect([...v[2].data]).to.deep.equal([0, 0, 5, 1, 0, 3]);
    expect([...v[3].data]).to.deep.equal([0, 0, 9, 10, 0, 12]);
    expect([...v[4].data]).to.deep.equal([-3, 0, 3, 1, -1, 3]);
    expect([...v[5].data]).to.deep.equal([-5, 1, 0, -1, 5, 3]);
    expect([...v[6].data]).to.deep.equal([-5, 1, 0, -1, 5, 3]);
    expect([...v[7].data]).to.deep.equal([15, 0, -15, -3, 3, -9]);
    expect(Object.is(v[7].data[1], -0)).to.equal(false); // 0 · −3 is canonical +0
  });

  it("never returns −0 (Mul(0, −5), MatMul of a zero row, ReduceSum of zeros)", function () {
    const p = program(
      [
        slot("input", [1, 1]),
        slot("input", [1, 1]),
        slot("temp", [1, 1]),
        slot("temp", [1, 1]),
        slot("temp", [1]),
      ],
      [
        { op: "Mul", out: 2, a: 0, b: 1 },
        { op: "MatMul", out: 3, a: 0, b: 1, transA: false, transB: false },
        { op: "ReduceSum", out: 4, a: 2, axis: 0 },
      ],
    );
    const v = run(p, { 0: t([1, 1], [0]), 1: t([1, 1], [-5]) });
    for (const id of [2, 3, 4]) expect(Object.is(v[id].data[0], 0), `slot ${id}`).to.equal(true);
    expect(Object.is(evalElement(p, v, 0, 0).value, 0)).to.equal(true);
  });

  it("refuses results that leave the exact range instead of rounding them", function () {
    // declared bounds lie: inputs are bigger than maxAbs says
    const p = program(
      [slot("input", [1, 2], 4), slot("input", [2, 1], 4), slot("temp", [1, 1], 32)],
      [{ op: "MatMul", out: 2, a: 0, b: 1, transA: false, transB: false }],
    );
    expectExecError(
      () => run(p, { 0: t([1, 2], [2 ** 30, 2 ** 30]), 1: t([2, 1], [2 ** 23, 2 ** 23]) }),
      ExecCode.NonInteger,
      /exact range/,
    );
    const q = program(
      [slot("input", [1], 4), slot("input", [1], 4), slot("temp", [1], 8)],
      [{ op: "Add", out: 2, a: 0, b: 1 }],
    );
    expectExecError(() => run(q, { 0: t([1], [2 ** 52]), 1: t([1], [2 ** 52]) }), ExecCode.NonInteger);
  });

  it("names the slot when a value has the wrong shape or is missing", function () {
    const p = program([slot("input", [2, 2]), slot("temp", [2, 2])], [{ op: "Relu", out: 1, a: 0 }]);
    expectExecError(
      () => run(p, { 0: t([4], [1, 2, 3, 4]) }),
      ExecCode.ShapeMismatch,
      /slot 0 "input_2x2#0"/,
    );
    expectExecError(() => run(p, {}), ExecCode.MissingInput, /slot 0/);
  });

  it("evalElement rejects out-of-range op and element indices", function () {
    const p = program([slot("input", [2]), slot("temp", [2])], [{ op: "Relu", out: 1, a: 0 }]);
    const v = run(p, { 0: t([2], [1, -1]) });
    expectExecError(() => evalElement(p, v, 1, 0), ExecCode.OutOfRange);
    expectExecError(() => evalElement(p, v, 0, 2), ExecCode.OutOfRange);
    expectExecError(() => evalElement(p, v, 0, -1), ExecCode.OutOfRange);
  });

  describe("program validation", function () {
    it("rejects SSA violations, reads before writes and writes to non-temp slots", function () {
      const twice = program(
        [slot("input", [2]), slot("temp", [2])],
        [
          { op: "Relu", out: 1, a: 0 },
          { op: "Relu", out: 1, a: 0 },
        ],
      );
      expectExecError(() => validateProgram(twice), ExecCode.BadProgram, /second time/);
      const early = program(
        [slot("input", [2]), slot("temp", [2]), slot("temp", [2])],
        [{ op: "Relu", out: 1, a: 2 }],
      );
      expectExecError(() => validateProgram(early), ExecCode.BadProgram, /before any op writes it/);
      const toInput = program([slot("input", [2]), slot("input", [2])], [{ op: "Relu", out: 1, a: 0 }]);
      expectExecError(() => validateProgram(toInput), ExecCode.BadProgram, /temp slots only/);
    });

    it("rejects declared shapes that disagree with the op", function () {
      const p = program(
        [slot("input", [2, 3]), slot("input", [2, 3]), slot("temp", [2, 3])],
        [{ op: "MatMul", out: 2, a: 0, b: 1, transA: false, transB: false }],
      );
      expectExecError(() => validateProgram(p), ExecCode.ShapeMismatch, /contracted dimensions differ/);
      const q = program([slot("input", [2, 3]), slot("temp", [3, 3])], [{ op: "Relu", out: 1, a: 0 }]);
      expectExecError(() => validateProgram(q), ExecCode.ShapeMismatch, /declared \[3,3\]/);
    });

    it("rejects reductions whose bound K·maxAbs(a)·maxAbs(b) reaches 2^53", function () {
      const p = program(
        [slot("input", [1, 8], 2 ** 25), slot("input", [8, 1], 2 ** 25), slot("temp", [1, 1], 2 ** 52)],
        [{ op: "MatMul", out: 2, a: 0, b: 1, transA: false, transB: false }],
      );
      expectExecError(() => validateProgram(p), ExecCode.BadProgram, /reduction of length 8/);
    });

    it("rejects a state update of the wrong shape", function () {
      const p = program(
        [slot("state", [2]), slot("input", [3]), slot("temp", [3])],
        [{ op: "Relu", out: 2, a: 1 }],
        { stateUpdates: [{ from: 0, to: 2 }] },
      );
      expectExecError(
        () => validateProgram(p),
        ExecCode.ShapeMismatch,
        /would be replaced by slot 2 of shape \[3\]/,
      );
      const never = program([slot("state", [2]), slot("temp", [2])], [], {
        stateUpdates: [{ from: 0, to: 1 }],
      });
      expectExecError(() => validateProgram(never), ExecCode.BadProgram, /never computed/);
    });
  });
});
