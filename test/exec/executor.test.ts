import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { ExecutionError } from "../../src/errors";
import {
  createExecutor,
  cudaAvailable,
  emitFloat32Onnx,
  ExecCode,
  intTensor,
  nextStateName,
  runReference,
  bindSlots,
} from "../../src/exec";
import { program, slot, t } from "./util";

async function expectRejects(p: Promise<unknown>, code: string, text?: RegExp): Promise<ExecutionError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ExecutionError);
    expect((e as ExecutionError).code).to.equal(code);
    if (text) expect((e as Error).message).to.match(text);
    return e as ExecutionError;
  }
  return expect.fail(`expected ${code}`);
}

/** state s (1×2), input x (1×2): s' = Mul(s, x), out "prod" = MulConst(x, −5). */
const negZero = program(
  [slot("state", [1, 2]), slot("input", [1, 2]), slot("temp", [1, 2]), slot("temp", [1, 2])],
  [
    { op: "Mul", out: 2, a: 0, b: 1 },
    { op: "MulConst", out: 3, a: 1, c: -5 },
  ],
  { stateUpdates: [{ from: 0, to: 2 }], outputs: { prod: 3 } },
);

describe("executor", function () {
  describe("negative zero", function () {
    it("Mul(0, −5) comes back as +0 from step, evidence and fetchSlots", async function () {
      const ex = await createExecutor(negZero);
      try {
        const state = [t([1, 2], [0, 3])];
        const batch = { x: t([1, 2], [-5, 0]) };
        const step = await ex.step(state, batch, { outputs: ["prod"] });
        expect(Object.is(step.state[0].data[0], 0)).to.equal(true);
        expect(Object.is(step.outputs.prod.data[1], 0)).to.equal(true);
        expect([...step.outputs.prod.data]).to.deep.equal([25, 0]);
        const ev = await ex.evidence(state, batch);
        expect(Object.is(ev[2].data[0], 0)).to.equal(true);
        expect(Object.is(ev[2].data[1], 0)).to.equal(true);
        expect(Object.is(ev[3].data[1], 0)).to.equal(true);
      } finally {
        await ex.dispose();
      }
    });

    it("is canonicalised inside the graph too: the raw next-state output of ONNX Runtime is +0 at every level", async function () {
      const ex = await createExecutor(negZero);
      await ex.dispose();
      for (const level of ["disabled", "basic", "extended", "all"] as const) {
        const s = await ort.InferenceSession.create(ex.model.bytes, { graphOptimizationLevel: level });
        const feeds = {
          s0: new ort.Tensor("float64", new Float64Array([0, 3]), [1, 2]),
          s1: new ort.Tensor("float64", new Float64Array([-5, 0]), [1, 2]),
        };
        const r = await s.run(feeds, [nextStateName(0), "s2"]);
        expect(Object.is(r[nextStateName(0)].data[0], 0), level).to.equal(true);
        expect(
          Object.is(r.s2.data[0], -0),
          `raw evidence slot at ${level} (the JS side canonicalises it)`,
        ).to.equal(true);
        await s.release();
      }
    });

    it("intTensor canonicalises −0 and rejects non-integers and |v| ≥ 2^53", function () {
      expect(Object.is(intTensor([1], [-0], 0).data[0], 0)).to.equal(true);
      for (const bad of [0.5, 2 ** 53, -(2 ** 53), NaN, Infinity]) {
        expect(() => intTensor([1], [bad], 0)).to.throw(ExecutionError, /not an exact integer/);
      }
      expect(() => intTensor([2], [1], 0)).to.throw(ExecutionError, /needs 2 elements/);
    });
  });

  describe("state updates", function () {
    it("passes through a state slot that is its own next value, and keeps state without an update", async function () {
      const p = program(
        [slot("state", [2]), slot("state", [2]), slot("input", [2]), slot("temp", [2])],
        [{ op: "Add", out: 3, a: 1, b: 2 }],
        { stateUpdates: [{ from: 0, to: 0 }] },
      );
      const ex = await createExecutor(p);
      try {
        const s0 = [t([2], [5, -7]), t([2], [1, 2])];
        const r = await ex.step(s0, { x: t([2], [1, 1]) });
        expect([...r.state[0].data]).to.deep.equal([5, -7]);
        expect(r.state[0].data).to.not.equal(s0[0].data); // a fresh tensor from the graph
        expect(r.state[1]).to.equal(s0[1]); // no update: the same tensor
      } finally {
        await ex.dispose();
      }
    });
  });

  describe("errors", function () {
    it("names the slot on a shape mismatch", async function () {
      const ex = await createExecutor(negZero);
      try {
        await expectRejects(
          ex.step([t([1, 2], [1, 2])], { x: t([2, 1], [1, 2]) }),
          ExecCode.ShapeMismatch,
          /slot 1 "input_1x2#1" \(input\) has shape \[1,2\]/,
        );
        await expectRejects(
          ex.step([t([2], [1, 2])], { x: t([1, 2], [1, 2]) }),
          ExecCode.ShapeMismatch,
          /slot 0 "state_1x2#0"/,
        );
        await expectRejects(
          ex.step([], { x: t([1, 2], [1, 2]) }),
          ExecCode.ShapeMismatch,
          /1 state slots but 0/,
        );
        await expectRejects(ex.step([t([1, 2], [1, 2])], {}), ExecCode.MissingInput, /slot 1/);
        await expectRejects(
          ex.step([t([1, 2], [1, 2])], { x: t([1, 2], [1, 2]) }, { outputs: ["nope"] }),
          ExecCode.MissingInput,
          /no output "nope"/,
        );
      } finally {
        await ex.dispose();
      }
    });

    it("reports EXEC_NON_INTEGER when ONNX Runtime produces a value outside the exact range", async function () {
      // the temp's declared bound lies, so validation passes, but 2^40 · 2^40 is not exact
      const p = program(
        [slot("input", [1], 2 ** 41), slot("input", [1], 2 ** 41), slot("temp", [1], 16)],
        [{ op: "Mul", out: 2, a: 0, b: 1 }],
        { outputs: { y: 2 } },
      );
      const ex = await createExecutor(p);
      try {
        const batch = {
          slots: new Map([
            [0, t([1], [2 ** 40])],
            [1, t([1], [2 ** 40 + 1])],
          ]),
        };
        await expectRejects(
          ex.fetchSlots([], batch, [2]),
          ExecCode.NonInteger,
          /not an exact integer below 2\^53/,
        );
        expect(() => runReference(p, bindSlots(p, [], batch))).to.throw(ExecutionError, /exact range/);
      } finally {
        await ex.dispose();
      }
    });

    it("rejects inputs and state beyond their slot's proven bound, naming the slot", async function () {
      const p = program(
        [slot("state", [2], 100), slot("input", [2], 10), slot("temp", [2], 110)],
        [{ op: "Add", out: 2, a: 0, b: 1 }],
        { stateUpdates: [{ from: 0, to: 2 }] },
      );
      const ex = await createExecutor(p);
      try {
        await expectRejects(
          ex.step([t([2], [1, 2])], { x: t([2], [3, 11]) }),
          ExecCode.InputBounds,
          /slot 1 "input_2#1" \(input\) element 1 is 11, outside the proven bound ±10/,
        );
        await expectRejects(
          ex.step([t([2], [-101, 2])], { x: t([2], [3, 1]) }),
          ExecCode.InputBounds,
          /slot 0 "state_2#0"/,
        );
        await expectRejects(
          ex.evidence([t([2], [1, 2])], { x: t([2], [0.5, 1]) }),
          ExecCode.InputBounds,
          /not an integer/,
        );
        // the next state (bound 110 > 100 by construction) is checked again when fed back
        const s1 = (await ex.step([t([2], [95, 2])], { x: t([2], [10, 1]) })).state;
        await expectRejects(ex.step(s1, { x: t([2], [0, 0]) }), ExecCode.InputBounds, /element 0 is 105/);
      } finally {
        await ex.dispose();
      }
    });

    it("rejects an invalid program before opening a session", async function () {
      const p = program([slot("input", [2]), slot("temp", [3])], [{ op: "Relu", out: 1, a: 0 }]);
      await expectRejects(createExecutor(p), ExecCode.ShapeMismatch, /op 0 \(Relu\)/);
    });
  });

  describe("graph emission", function () {
    it("drops a Rescale's Clip only when guaranteed bounds make it a no-op, and then enforces the input bound", async function () {
      // x → Rescale(1, b=4) → MulConst 2^10 → Rescale(12, b=4) [clip provably a no-op]
      const chain = (xMax: number) =>
        program(
          [
            slot("input", [3], xMax),
            slot("temp", [3], 15),
            slot("temp", [3], 15 * 1024),
            slot("temp", [3], 15),
          ],
          [
            { op: "Rescale", out: 1, a: 0, shift: 1, bound: 4 },
            { op: "MulConst", out: 2, a: 1, c: 1024 },
            { op: "Rescale", out: 3, a: 2, shift: 12, bound: 4 },
          ],
        );
      const { onnx } = await import("onnx-proto");
      const nodesOf = (bytes: Uint8Array, type: string) =>
        onnx.ModelProto.decode(bytes)
          .graph?.node?.filter((n) => n.opType === type)
          .map((n) => n.output?.[0]);
      // |x| ≤ 3 is enforced on every input, so neither clip can bind…
      const small = await createExecutor(chain(3));
      try {
        expect(nodesOf(small.model.bytes, "Clip")).to.deep.equal([]);
        // …and a value beyond the bound is refused rather than passed through unclipped
        await expectRejects(small.evidence([], { x: t([3], [2 ** 40, 0, 0]) }), ExecCode.InputBounds);
      } finally {
        await small.dispose();
      }
      const p = chain(2 ** 41);
      const ex = await createExecutor(p);
      try {
        expect(nodesOf(ex.model.bytes, "Clip")).to.deep.equal(["s1"]);
        const x = t([3], [2 ** 40, -(2 ** 40) - 1, -3]);
        const got = await ex.evidence([], { x });
        const want = runReference(p, bindSlots(p, [], { x }));
        expect(got.map((v) => [...v.data])).to.deep.equal(want.map((v) => [...v.data]));
        expect([...got[1].data]).to.deep.equal([15, -15, -1]);
        expect([...got[3].data]).to.deep.equal([4, -4, 0]);
      } finally {
        await ex.dispose();
      }
    });

    it("fuses MatMul + Rescale into one Gemm (alpha 2^−s, C ½) and still opens the raw product exactly", async function () {
      const K = 300;
      const m = Math.floor(Math.sqrt((Number.MAX_SAFE_INTEGER - 2 ** 15) / K)); // K·m² + 2^15 < 2^53
      const mk = (extraUse: boolean) =>
        program(
          [
            slot("input", [3, K], m),
            slot("state", [4, K], m),
            slot("temp", [3, 4], K * m * m),
            slot("temp", [3, 4], 2 ** 30 - 1),
          ],
          [
            { op: "MatMul", out: 2, a: 0, b: 1, transA: false, transB: true },
            { op: "Rescale", out: 3, a: 2, shift: 16, bound: 30 },
          ],
          { outputs: extraUse ? { raw: 2 } : {} },
        );
      const { onnx } = await import("onnx-proto");
      const rng = new (await import("../../src/data/prng")).Prng(5);
      const x = t(
        [3, K],
        Array.from({ length: 3 * K }, () => (rng.below(2) ? m : -m)),
      );
      const w = t(
        [4, K],
        Array.from({ length: 4 * K }, () => rng.int(-m, m)),
      );
      x.data[0] = 0;
      w.data.set(x.data.map((v) => -v).subarray(0, K)); // row 0 of w against row 0 of x: raw ≈ −K·m² ≈ −2^53
      for (const extraUse of [false, true]) {
        const p = mk(extraUse);
        const ex = await createExecutor(p);
        try {
          const graph = onnx.ModelProto.decode(ex.model.bytes).graph;
          const types = graph?.node?.map((n) => n.opType);
          if (extraUse) {
            expect(ex.model.fusedEvidence.size).to.equal(0); // the raw product has another reader
            expect(types).to.include("Add");
          } else {
            expect([...ex.model.fusedEvidence.keys()]).to.deep.equal([2]);
            expect(types).to.deep.equal(["Gemm", "Floor", "Clip"]);
          }
          const got = await ex.evidence([w], { x });
          const want = runReference(p, bindSlots(p, [w], { x }));
          for (const id of [2, 3]) expect([...got[id].data], `slot ${id}`).to.deep.equal([...want[id].data]);
          expect(Math.max(...want[2].data.map(Math.abs))).to.be.above(2 ** 52.9);
        } finally {
          await ex.dispose();
        }
      }
    });
    it("fuses MulConst + Rescale (multiply by c·2^−s, add ½) and opens the product exactly, −0 included", async function () {
      const A = 2 ** 32 - 1;
      const c = -(2 ** 20 - 3);
      const p = program(
        [slot("input", [6], A), slot("temp", [6], A * -c), slot("temp", [6], 2 ** 40 - 1)],
        [
          { op: "MulConst", out: 1, a: 0, c },
          { op: "Rescale", out: 2, a: 1, shift: 20, bound: 40 },
        ],
      );
      const ex = await createExecutor(p);
      try {
        expect(ex.model.fusedEvidence.get(1)).to.include({ shift: 20, offset: 0 });
        const x = t([6], [A, -A, 0, 1, -1, 2 ** 19 + 7]);
        const got = await ex.evidence([], { x });
        const want = runReference(p, bindSlots(p, [], { x }));
        for (const id of [1, 2]) expect([...got[id].data], `slot ${id}`).to.deep.equal([...want[id].data]);
        expect(Object.is(got[1].data[2], 0)).to.equal(true);
      } finally {
        await ex.dispose();
      }
    });
  });

  describe("fetchSlots and evidence", function () {
    it("returns inputs, consts and temps of the value table", async function () {
      const p = program(
        [slot("input", [2]), slot("const", [2], 10, { data: [3, -4] }), slot("temp", [2]), slot("temp", [])],
        [
          { op: "Add", out: 2, a: 0, b: 1 },
          { op: "ReduceSum", out: 3, a: 2, axis: 0 },
        ],
      );
      const ex = await createExecutor(p);
      try {
        const batch = { x: t([2], [1, 1]) };
        const [c, s] = await ex.fetchSlots([], batch, [1, 3]);
        expect([...c.data]).to.deep.equal([3, -4]);
        expect(s.shape).to.deep.equal([]);
        expect([...s.data]).to.deep.equal([1]);
        const ev = await ex.evidence([], batch);
        expect(ev.map((v) => [...v.data])).to.deep.equal([[1, 1], [3, -4], [4, -3], [1]]);
      } finally {
        await ex.dispose();
      }
    });
  });

  describe("CUDA", function () {
    it("refuses to run on CUDA where it is unavailable, saying how to install it (no silent CPU fallback)", async function () {
      const probe = await cudaAvailable();
      if (probe.available) this.skip();
      const err = await expectRejects(
        createExecutor(negZero, { device: "cuda" }),
        ExecCode.CudaUnavailable,
        /npm run gpu:install/,
      );
      expect(err.message).to.match(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    });

    it("gives the CPU's bits on CUDA", async function () {
      const probe = await cudaAvailable();
      if (!probe.available) this.skip();
      const state = [t([1, 2], [7, -3])];
      const batch = { x: t([1, 2], [-5, 11]) };
      const cpu = await createExecutor(negZero);
      const gpu = await createExecutor(negZero, { device: "cuda" });
      try {
        const a = await cpu.evidence(state, batch);
        const b = await gpu.evidence(state, batch);
        expect(b.map((v) => [...v.data])).to.deep.equal(a.map((v) => [...v.data]));
      } finally {
        await cpu.dispose();
        await gpu.dispose();
      }
    });
  });

  describe("float32 baseline graph", function () {
    it("computes the same structure on real values, Rescale dropped and scales folded", async function () {
      // x·W at scale 2F, rescaled by F: the float graph drops the Rescale and folds the scale
      const F = 8;
      const p = program(
        [
          slot("state", [2, 2], 2 ** 12, { scale: F }),
          slot("input", [1, 2], 2 ** 12, { scale: F }),
          slot("temp", [1, 2], 2 ** 25, { scale: 2 * F }),
          slot("temp", [1, 2], 2 ** 20 - 1, { scale: F }),
        ],
        [
          { op: "MatMul", out: 2, a: 1, b: 0, transA: false, transB: false },
          { op: "Rescale", out: 3, a: 2, shift: F, bound: 20 },
        ],
        { outputs: { y: 3 } },
      );
      const m = emitFloat32Onnx(p);
      const s = await ort.InferenceSession.create(m.bytes);
      const r = await s.run(
        {
          s0: new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4]), [2, 2]),
          s1: new ort.Tensor("float32", Float32Array.from([0.5, -1]), [1, 2]),
        },
        [m.namedOutputs.y],
      );
      expect([...(r[m.namedOutputs.y].data as Float32Array)]).to.deep.equal([-2.5, -3]);
      await s.release();
    });
  });
});
