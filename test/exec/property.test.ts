import { expect } from "chai";
import {
  createExecutor,
  evalElement,
  firstDifference,
  GRAPH_OPTIMIZATION_LEVELS,
  runReference,
  reductionLength,
  sizeOf,
  type Executor,
} from "../../src/exec";
import type { IntTensor } from "../../src/pinir/types";
import { Prng } from "../../src/data/prng";
import { batchSlots, randomCase, type GeneratedCase } from "./gen";
import { program, slot, t } from "./util";

const SMALL = 40;
const LARGE = 8;
// small shapes for op coverage, plus larger ones (dims up to 96) so blocked and multi-threaded
// GEMM/reduction kernels sum in their own orders
const cases: GeneratedCase[] = [
  ...Array.from({ length: SMALL }, (_, i) => randomCase(1000 + i)),
  ...Array.from({ length: LARGE }, (_, i) => randomCase(5000 + i, { maxDim: 96, ops: 8 })),
];
const PROGRAMS = cases.length;

function expectBitEqual(got: IntTensor, want: IntTensor, what: string): void {
  expect(got.shape, `${what} shape`).to.deep.equal(want.shape);
  expect(got.scale, `${what} scale`).to.equal(want.scale);
  const d = firstDifference(got.data, want.data);
  expect(d, `${what} differs at ${d}: ${got.data[d]} vs ${want.data[d]}`).to.equal(-1);
  expect(
    got.data.findIndex((v) => Object.is(v, -0)),
    `${what} holds −0`,
  ).to.equal(-1);
}

describe("executor property: ONNX Runtime == reference interpreter, bit for bit", function () {
  it("generates varied programs (every op kind, broadcasting, transposes, rank 3, scalars)", function () {
    const kinds = new Set<string>();
    let transposed = 0;
    let broadcast = 0;
    let rank3 = 0;
    for (const c of cases) {
      for (const op of c.program.ops) {
        kinds.add(op.op);
        if (op.op === "MatMul" && (op.transA || op.transB)) transposed++;
        if (
          (op.op === "Add" || op.op === "Sub" || op.op === "Mul") &&
          c.program.slots[op.a].shape.join() !== c.program.slots[op.b].shape.join()
        )
          broadcast++;
        if (c.program.slots[op.out].shape.length === 3) rank3++;
      }
    }
    expect([...kinds].sort()).to.deep.equal([
      "Add",
      "Clip",
      "MatMul",
      "Mul",
      "MulConst",
      "ReduceSum",
      "Relu",
      "ReluGrad",
      "Rescale",
      "Reshape",
      "Sub",
      "Transpose",
    ]);
    expect(transposed).to.be.greaterThan(5);
    expect(broadcast).to.be.greaterThan(5);
    expect(rank3).to.be.greaterThan(5);
  });

  for (const threads of [1, 2]) {
    for (const level of GRAPH_OPTIMIZATION_LEVELS) {
      it(`matches on ${PROGRAMS} random programs at ${threads} intra-op thread(s), optimisation "${level}"`, async function () {
        for (const [n, c] of cases.entries()) {
          const want = runReference(c.program, c.inputs);
          const ex: Executor = await createExecutor(c.program, {
            intraOpThreads: threads,
            graphOptimizationLevel: level,
          });
          try {
            const batch = { slots: batchSlots(c) };
            const got = await ex.evidence(c.state, batch);
            expect(got.length).to.equal(want.length);
            for (let i = 0; i < want.length; i++) expectBitEqual(got[i], want[i], `case ${n} slot ${i}`);
            // the fast path (state + named outputs) agrees too
            const step = await ex.step(c.state, batch, { outputs: Object.keys(c.program.outputs) });
            let si = 0;
            c.program.slots.forEach((s, id) => {
              if (s.kind !== "state") return;
              const upd = c.program.stateUpdates.find((u) => u.from === id);
              expectBitEqual(
                step.state[si++],
                upd ? want[upd.to] : want[id],
                `case ${n} next state of slot ${id}`,
              );
            });
            for (const [name, id] of Object.entries(c.program.outputs))
              expectBitEqual(step.outputs[name], want[id], `case ${n} output ${name}`);
            // and so does the state-only graph (pruned to what feeds the state updates)
            const plain = await ex.step(c.state, batch);
            const wantState = c.program.slots.flatMap((s, id) => {
              if (s.kind !== "state") return [];
              const upd = c.program.stateUpdates.find((u) => u.from === id);
              return [upd ? want[upd.to] : want[id]];
            });
            plain.state.forEach((st, i) =>
              expectBitEqual(st, wantState[i], `case ${n} state-only step, state ${i}`),
            );
          } finally {
            await ex.dispose();
          }
        }
      });
    }
  }

  it("large reductions with partial sums up to 2^53 agree at every thread count and level (blocked kernels)", async function () {
    const rng = new Prng(77);
    const [M, K, N] = [33, 777, 29];
    const m = Math.floor(Math.sqrt(Number.MAX_SAFE_INTEGER / K)); // K·m·m < 2^53
    const fill = (n: number) =>
      Float64Array.from({ length: n }, () => (rng.below(3) === 0 ? (rng.below(2) ? m : -m) : rng.int(-m, m)));
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const aShape = transA ? [K, M] : [M, K];
      const bShape = transB ? [N, K] : [K, N];
      const p = program(
        [slot("input", aShape, m), slot("input", bShape, m), slot("temp", [M, N], K * m * m)],
        [{ op: "MatMul", out: 2, a: 0, b: 1, transA, transB }],
      );
      const inputs = [t(aShape, [...fill(M * K)]), t(bShape, [...fill(K * N)])];
      const want = runReference(p, [inputs[0], inputs[1], undefined]);
      expect(Math.max(...want[2].data.map(Math.abs))).to.be.above(2 ** 44); // big partial sums really occur
      for (const threads of [1, 2]) {
        for (const level of GRAPH_OPTIMIZATION_LEVELS) {
          const ex = await createExecutor(p, { intraOpThreads: threads, graphOptimizationLevel: level });
          try {
            const got = await ex.fetchSlots(
              [],
              {
                slots: new Map([
                  [0, inputs[0]],
                  [1, inputs[1]],
                ]),
              },
              [2],
            );
            expectBitEqual(
              got[0],
              want[2],
              `MatMul transA=${transA} transB=${transB} threads=${threads} ${level}`,
            );
          } finally {
            await ex.dispose();
          }
        }
      }
    }
  });

  it("evalElement reproduces every element of every op, with consistent terms and partial sums", function () {
    for (const c of cases.slice(0, 15)) {
      const values = runReference(c.program, c.inputs);
      c.program.ops.forEach((op, j) => {
        const out = values[op.out];
        for (let f = 0; f < sizeOf(out.shape); f++) {
          const e = evalElement(c.program, values, j, f);
          expect(e.value).to.equal(out.data[f]);
          const K = reductionLength(c.program, op);
          if (K > 0) {
            expect(e.terms).to.have.length(K);
            expect(e.partialSums).to.have.length(K + 1);
            const ps = e.partialSums as number[];
            const ts = e.terms as number[];
            expect(ps[0]).to.equal(0);
            for (let k = 1; k <= K; k++) expect(ps[k]).to.equal(ps[k - 1] + ts[k - 1]);
            expect(ps[K]).to.equal(e.value);
            if (op.op === "MatMul") {
              for (let k = 0; k < K; k++)
                expect(ts[k]).to.equal(e.operands[2 * k].value * e.operands[2 * k + 1].value + 0);
            }
          } else {
            expect(e.terms).to.equal(undefined);
          }
          for (const r of e.operands) expect(values[r.slot].data[r.index]).to.equal(r.value);
        }
      });
    }
  });
});
