import { expect } from "chai";
import { onnx } from "onnx-proto";
import {
  bindSlots,
  createExecutor,
  createFloat32Runner,
  emitFloat32Onnx,
  emitOnnx,
  GRAPH_OPTIMIZATION_LEVELS,
  runReference,
} from "../../src/exec";
import { Prng } from "../../src/data/prng";
import { builtinModel, deriveTrainStep, initialState } from "../../src/pinir";
import type { IntTensor, PinProgram } from "../../src/pinir/types";
import { program, slot, t } from "./util";

function graphOf(bytes: Uint8Array): onnx.IGraphProto {
  return onnx.ModelProto.decode(bytes).graph as onnx.IGraphProto;
}
const opTypes = (bytes: Uint8Array): string[] => (graphOf(bytes).node ?? []).map((n) => n.opType as string);
const outputNames = (bytes: Uint8Array): string[] =>
  (graphOf(bytes).output ?? []).map((o) => o.name as string);

function expectSameBits(got: IntTensor, want: IntTensor, what: string): void {
  expect(got.shape, what).to.deep.equal(want.shape);
  expect([...got.data], what).to.deep.equal([...want.data]);
  expect(
    got.data.findIndex((v) => Object.is(v, -0)),
    `${what} holds −0`,
  ).to.equal(-1);
}

/**
 * A dense layer's forward pass as deriveTrainStep lowers it, plus an SGD-like state update:
 * y = Rescale(x·Wᵀ + b·2^s, s) written to the state `acc` (through a Clip), bounds chosen so
 * that |x·Wᵀ| + |b·2^s| + 2^(s−1) is within a few units of 2^53.
 */
function denseLayer(K: number, s: number): { p: PinProgram; m: number; bMax: number } {
  const m = Math.floor(Math.sqrt((2 ** 53 - 2 ** 52) / K)); // K·m² ≤ 2^52
  const bMax = Math.floor((Number.MAX_SAFE_INTEGER - K * m * m - 2 ** (s - 1)) / 2 ** s);
  const mm = K * m * m;
  const p = program(
    [
      slot("input", [3, K], m), // 0 x
      slot("state", [4, K], m), // 1 W
      slot("state", [4], bMax), // 2 b
      slot("state", [3, 4], 2 ** 40 - 1), // 3 acc
      slot("temp", [3, 4], mm), // 4 x·Wᵀ
      slot("temp", [4], bMax * 2 ** s), // 5 b·2^s
      slot("temp", [3, 4], mm + bMax * 2 ** s), // 6 sum
      slot("temp", [3, 4], 2 ** 40 - 1), // 7 rescaled
      slot("temp", [3, 4], 2 ** 41), // 8 acc + rescaled
      slot("temp", [3, 4], 2 ** 40 - 1), // 9 clipped
    ],
    [
      { op: "MatMul", out: 4, a: 0, b: 1, transA: false, transB: true },
      { op: "MulConst", out: 5, a: 2, c: 2 ** s },
      { op: "Add", out: 6, a: 4, b: 5 },
      { op: "Rescale", out: 7, a: 6, shift: s, bound: 40 },
      { op: "Add", out: 8, a: 3, b: 7 },
      { op: "Clip", out: 9, a: 8, bound: 40 },
    ],
    { stateUpdates: [{ from: 3, to: 9 }], outputs: { y: 7 } },
  );
  return { p, m, bMax };
}

describe("executor fast path (pruned graphs, fused bias Gemm)", function () {
  it("the fast graph exposes only the state updates and the named outputs fetched, and computes nothing else", function () {
    const model = builtinModel("mnist-mlp");
    const p = deriveTrainStep(model, {
      batchSize: 8,
      loss: "mse",
      optimizer: { kind: "sgd", learningRate: 0.5 },
    });
    const full = emitOnnx(p);
    const stateOnly = emitOnnx(p, { evidence: false, outputs: [] });
    const withLoss = emitOnnx(p, { evidence: false, outputs: ["loss"] });
    const all = emitOnnx(p, { evidence: false });
    expect(outputNames(stateOnly.bytes)).to.have.members([...stateOnly.stateOutputs]);
    expect(Object.keys(stateOnly.namedOutputs)).to.deep.equal([]);
    expect(outputNames(withLoss.bytes)).to.have.members([
      ...withLoss.stateOutputs,
      withLoss.namedOutputs.loss,
    ]);
    expect(outputNames(all.bytes)).to.have.members([...all.stateOutputs, ...Object.values(all.namedOutputs)]);
    expect(stateOnly.evidenceSlots).to.deep.equal([]);
    expect(stateOnly.fusedEvidence.size).to.equal(0);
    // the same state names in every graph of the program, and the loss's nodes only when fetched
    expect(stateOnly.stateOutputs).to.deep.equal(full.stateOutputs);
    const n = (b: Uint8Array) => opTypes(b).length;
    expect(n(stateOnly.bytes)).to.be.lessThan(n(withLoss.bytes));
    expect(n(withLoss.bytes)).to.be.lessThan(n(full.bytes));
    // both dense layers' bias Add + Rescale went into their Gemm (C = b + ½, alpha 2^−16)
    const gemmsWithC = (graphOf(stateOnly.bytes).node ?? []).filter(
      (x) => x.opType === "Gemm" && x.input?.length === 3 && x.input[2].includes("_c_"),
    );
    expect(gemmsWithC).to.have.length(2);
    // the float32 baseline prunes alike, so neither side computes what it does not fetch
    expect(n(emitFloat32Onnx(p, { outputs: [] }).bytes)).to.be.lessThan(n(emitFloat32Onnx(p).bytes));
    expect(outputNames(emitFloat32Onnx(p, { outputs: [] }).bytes)).to.have.length(p.stateUpdates.length);
  });

  it("folds MatMul + bias + Rescale into one Gemm and stays exact next to 2^53 on both signs, at every level and thread count", async function () {
    const K = 300;
    const s = 16;
    const { p, m, bMax } = denseLayer(K, s);
    const fast = emitOnnx(p, { evidence: false, outputs: [] });
    expect(opTypes(fast.bytes)).to.deep.equal(["Add", "Gemm", "Floor", "Add", "Clip"]);
    // the evidence graph keeps every slot, unfused
    expect(opTypes(emitOnnx(p).bytes)).to.include.members(["Gemm", "Mul", "Add"]);
    const rng = new Prng(11);
    const x = t(
      [3, K],
      Array.from({ length: 3 * K }, () => (rng.below(2) ? m : -m)),
    );
    const w = t(
      [4, K],
      Array.from({ length: 4 * K }, () => rng.int(-m, m)),
    );
    // row 0 of W against row 0 of x: x·Wᵀ[0][0] = −K·m², the largest magnitude allowed
    w.data.set(x.data.subarray(0, K).map((v) => -v));
    // row 1 of W equals row 1 of x: +K·m²
    w.data.set(x.data.subarray(K, 2 * K), K);
    // biases at ∓bMax on the extreme columns: |x·Wᵀ + b·2^s| + 2^(s−1) reaches 2^53 − 1 there
    const b = t([4], [-bMax, bMax, 0, 5]);
    const acc = t(
      [3, 4],
      Array.from({ length: 12 }, () => rng.int(-(2 ** 39), 2 ** 39)),
    );
    const state = [w, b, acc];
    const want = runReference(p, bindSlots(p, state, { x }));
    expect(Math.abs(want[6].data[0])).to.be.above(2 ** 52.9); // the sum really is next to 2^53
    for (const threads of [1, 2]) {
      for (const level of GRAPH_OPTIMIZATION_LEVELS) {
        const ex = await createExecutor(p, { intraOpThreads: threads, graphOptimizationLevel: level });
        try {
          const step = await ex.step(state, { x });
          expectSameBits(step.state[2], want[9], `next acc (${threads} threads, ${level})`);
          const withY = await ex.step(state, { x }, { outputs: ["y"] });
          expectSameBits(withY.outputs.y, want[7], `y (${threads} threads, ${level})`);
          expectSameBits(withY.state[2], want[9], `next acc with y (${threads} threads, ${level})`);
          // evidence still opens every slot, the unfused intermediates included
          const ev = await ex.evidence(state, { x });
          for (const id of [4, 5, 6, 7, 8, 9]) expectSameBits(ev[id], want[id], `slot ${id} (${level})`);
        } finally {
          await ex.dispose();
        }
      }
    }
  });

  it("rounds every half-way case of the fused bias Gemm up (floor(v + ½)), on both signs", async function () {
    // 1×1 "matmul": x·w + 3b, rescaled by 2^4, over values with every residue mod 16 near 8 (the ties)
    const s = 4;
    const p = program(
      [
        slot("input", [1, 1], 2 ** 20 - 1),
        slot("state", [1, 1], 2 ** 20 - 1),
        slot("state", [1], 2 ** 20 - 1),
        slot("temp", [1, 1], 2 ** 40),
        slot("temp", [1], 2 ** 24),
        slot("temp", [1, 1], 2 ** 41),
        slot("temp", [1, 1], 2 ** 40 - 1),
      ],
      [
        { op: "MatMul", out: 3, a: 0, b: 1, transA: false, transB: false },
        { op: "MulConst", out: 4, a: 2, c: 3 },
        { op: "Add", out: 5, a: 3, b: 4 },
        { op: "Rescale", out: 6, a: 5, shift: s, bound: 40 },
      ],
      { outputs: { y: 6 } },
    );
    const fast = emitOnnx(p, { evidence: false });
    // C = b·3·2^−4 + 2^−5, then Round (operands far below 2^52)
    expect(opTypes(fast.bytes)).to.deep.equal(["Mul", "Add", "Gemm", "Round"]);
    const ex = await createExecutor(p, { graphOptimizationLevel: "all" });
    try {
      for (const xv of [-9, -8, -7, -1, 0, 1, 7, 8, 9, 23, -23, 24, -24, 2 ** 19 + 1]) {
        for (const bv of [-5, -1, 0, 1, 5]) {
          const state = [t([1, 1], [1]), t([1], [bv])];
          const x = t([1, 1], [xv]);
          const want = runReference(p, bindSlots(p, state, { x }));
          const got = await ex.step(state, { x }, { outputs: ["y"] });
          expectSameBits(got.outputs.y, want[6], `x ${xv}, b ${bv}`);
        }
      }
    } finally {
      await ex.dispose();
    }
  });

  it("a Relu read only by a Clip runs (ONNX Runtime's Relu→Clip fusion would throw on double bounds) and keeps Relu's bits", async function () {
    const p = program(
      [
        slot("state", [2, 3]),
        slot("input", [2, 3]),
        slot("temp", [2, 3], 2 ** 21),
        slot("temp", [2, 3], 2 ** 21),
        slot("temp", [2, 3], 2 ** 10 - 1),
        slot("temp", [2, 3], 2 ** 42),
      ],
      [
        { op: "Mul", out: 5, a: 0, b: 1 }, // may be −0
        { op: "Add", out: 2, a: 0, b: 1 },
        { op: "Relu", out: 3, a: 2 },
        { op: "Clip", out: 4, a: 3, bound: 10 },
      ],
      // the product is a named output, so only the state-only graph has the Relu read by the Clip alone
      { stateUpdates: [{ from: 0, to: 4 }], outputs: { prod: 5, relu: 3 } },
    );
    const fast = emitOnnx(p, { evidence: false, outputs: [] });
    expect(opTypes(fast.bytes)).to.deep.equal(["Add", "Max", "Clip"]);
    // fetched as an output, the Relu stays a Relu (no fusion possible)
    expect(opTypes(emitOnnx(p, { evidence: false, outputs: ["relu"] }).bytes)).to.include("Relu");
    const state = [t([2, 3], [0, -5, 2000, -2000, 0, 3])];
    const x = t([2, 3], [0, 5, 1, -1, 0, -4]);
    const want = runReference(p, bindSlots(p, state, { x }));
    for (const level of GRAPH_OPTIMIZATION_LEVELS) {
      const ex = await createExecutor(p, { graphOptimizationLevel: level });
      try {
        const got = await ex.step(state, { x });
        expectSameBits(got.state[0], want[4], `next state (${level})`);
        const both = await ex.step(state, { x }, { outputs: ["prod", "relu"] });
        expectSameBits(both.outputs.prod, want[5], `prod (${level})`);
        expectSameBits(both.outputs.relu, want[3], `relu (${level})`);
      } finally {
        await ex.dispose();
      }
    }
  });

  it("Rescale of a matrix ReduceSum (either axis) is a MatMul with 2^−s weights, exact next to 2^53 and on ties", async function () {
    for (const axis of [0, 1] as const) {
      const [M, N] = [37, 5];
      const s = 12;
      const len = axis === 0 ? M : N;
      const m = Math.floor((Number.MAX_SAFE_INTEGER - 2 ** (s - 1)) / len);
      const outShape = axis === 0 ? [N] : [M];
      const p = program(
        [slot("input", [M, N], m), slot("temp", outShape, len * m), slot("temp", outShape, 2 ** 45 - 1)],
        [
          { op: "ReduceSum", out: 1, a: 0, axis },
          { op: "Rescale", out: 2, a: 1, shift: s, bound: 45 },
        ],
        { outputs: { y: 2 } },
      );
      const fast = emitOnnx(p, { evidence: false });
      expect(opTypes(fast.bytes), `axis ${axis}`).to.deep.equal(["MatMul", "Add", "Floor"]);
      const rng = new Prng(21 + axis);
      const x = t(
        [M, N],
        Array.from({ length: M * N }, () => rng.int(-m, m)),
      );
      // line 0 at +m everywhere, line 1 at −m (sums of magnitude len·m, next to 2^53), line 2 sums
      // to a tie: (k + ½)·2^s, negative
      // element k of output line `line` (k runs over the reduced axis)
      const at = (k: number, line: number) => (axis === 0 ? k * N + line : line * N + k);
      for (let i = 0; i < len; i++) {
        x.data[at(i, 0)] = m;
        x.data[at(i, 1)] = -m;
        x.data[at(i, 2)] = 0;
      }
      x.data[at(0, 2)] = -(5 * 2 ** s + 2 ** (s - 1));
      for (let i = 1; i < len; i++) x.data[at(i, 3)] = 0;
      x.data[at(0, 3)] = 7 * 2 ** s + 2 ** (s - 1); // a positive tie
      const want = runReference(p, bindSlots(p, [], { x }));
      expect(Math.abs(want[1].data[0])).to.be.above(2 ** 52.9);
      for (const level of GRAPH_OPTIMIZATION_LEVELS) {
        const ex = await createExecutor(p, { graphOptimizationLevel: level, intraOpThreads: 2 });
        try {
          const got = await ex.step([], { x }, { outputs: ["y"] });
          expectSameBits(got.outputs.y, want[2], `axis ${axis}, ${level}`);
        } finally {
          await ex.dispose();
        }
      }
    }
  });

  it("Relu of a clipping Rescale becomes one Clip to [0, m], with ReluGrad masking on it, bit for bit", async function () {
    // h = Rescale(3x or 2x, 4) clipped to ±(2^6 − 1); r = Relu(h); state ← Clip(r + ReluGrad(g, h));
    // the MulConst is fused with the Rescale, the Add is not: both emissions of the merged Clip
    for (const fusedProduct of [true, false]) {
      const p = program(
        [
          slot("state", [2, 4], 2 ** 20 - 1), // 0 acc
          slot("input", [2, 4], 2 ** 12), // 1 x
          slot("input", [2, 4], 2 ** 8), // 2 g
          slot("temp", [2, 4], 2 ** 24), // 3 x·mulconst
          slot("temp", [2, 4], 2 ** 6 - 1), // 4 h
          slot("temp", [2, 4], 2 ** 6 - 1), // 5 r
          slot("temp", [2, 4], 2 ** 8), // 6 masked g
          slot("temp", [2, 4], 2 ** 10), // 7 r + masked g
          slot("temp", [2, 4], 2 ** 21), // 8 acc + …
          slot("temp", [2, 4], 2 ** 20 - 1), // 9 next acc
        ],
        [
          fusedProduct ? { op: "MulConst", out: 3, a: 1, c: 3 } : { op: "Add", out: 3, a: 1, b: 1 },
          { op: "Rescale", out: 4, a: 3, shift: 4, bound: 6 },
          { op: "Relu", out: 5, a: 4 },
          { op: "ReluGrad", out: 6, g: 2, x: 4 },
          { op: "Add", out: 7, a: 5, b: 6 },
          { op: "Add", out: 8, a: 0, b: 7 },
          { op: "Clip", out: 9, a: 8, bound: 20 },
        ],
        { stateUpdates: [{ from: 0, to: 9 }] },
      );
      const types = opTypes(emitOnnx(p, { evidence: false }).bytes);
      expect(types).to.not.include("Relu");
      expect(types.filter((o) => o === "Clip")).to.have.length(2); // the merged one and the state's
      const x = t([2, 4], [-4096, -9, -6, -5, 0, 5, 6, 4096]); // 3x/16 + ½: below −m, ties, 0, above m
      const g = t([2, 4], [256, -256, 1, -1, 7, -7, 0, 3]);
      const acc = t([2, 4], [2 ** 20 - 1, -(2 ** 20 - 1), 0, 1, -1, 100, -100, 5]);
      const want = runReference(
        p,
        bindSlots(p, [acc], {
          slots: new Map([
            [1, x],
            [2, g],
          ]),
        }),
      );
      for (const level of GRAPH_OPTIMIZATION_LEVELS) {
        const ex = await createExecutor(p, { graphOptimizationLevel: level });
        try {
          const got = await ex.step([acc], {
            slots: new Map([
              [1, x],
              [2, g],
            ]),
          });
          expectSameBits(got.state[0], want[9], `next acc (${level}, fused ${fusedProduct})`);
          // evidence keeps h and r apart
          const ev = await ex.evidence([acc], {
            slots: new Map([
              [1, x],
              [2, g],
            ]),
          });
          for (const id of [4, 5, 6]) expectSameBits(ev[id], want[id], `slot ${id} (${level})`);
        } finally {
          await ex.dispose();
        }
      }
    }
  });

  it("Rescale as Round(x·2^−s + 2^−(s+1)) up to |x| = 2^52 − 1: every tie rounds up, −0 never escapes, Floor beyond", async function () {
    const s = 3;
    const mk = (maxAbs: number) =>
      program(
        [
          slot("state", [12], 2 ** 20 - 1),
          slot("input", [12], maxAbs),
          slot("temp", [12], maxAbs),
          slot("temp", [12], 2 ** 50),
        ],
        [
          { op: "Add", out: 2, a: 1, b: 1 }, // 2x, an unfused Rescale operand
          { op: "Rescale", out: 3, a: 2, shift: s, bound: 50 },
        ],
        // the Rescale output is the next state directly: its −0s must be canonicalised in the graph
        { stateUpdates: [{ from: 0, to: 3 }], outputs: { r: 3 } },
      );
    const near = 2 ** 51 - 1; // 2x ≤ 2^52 − 2: the Round form
    const roundP = mk(near);
    const floorP = mk(2 ** 51 + 2 ** 20); // 2x may pass 2^52 − 1: Floor
    expect(opTypes(emitOnnx(roundP, { evidence: false }).bytes))
      .to.include("Round")
      .and.not.include("Floor");
    expect(opTypes(emitOnnx(floorP, { evidence: false }).bytes))
      .to.include("Floor")
      .and.not.include("Round");
    // 2x/8 + ½ for 2x ∈ {−8, −4 (tie → 0, Round would give −0), −2, −6 (tie), −12 (tie), 4, 12, 2^52 − 2, …}
    const xs = [-4, -2, -1, -3, -6, 2, 6, 0, 1, near, -near, -(near - 2)];
    for (const p of [roundP, floorP]) {
      const x = t([12], xs);
      const s0 = t(
        [12],
        Array.from({ length: 12 }, (_, i) => i - 6),
      );
      const want = runReference(p, bindSlots(p, [s0], { x }));
      for (const level of GRAPH_OPTIMIZATION_LEVELS) {
        const ex = await createExecutor(p, { graphOptimizationLevel: level });
        try {
          const got = await ex.step([s0], { x }, { outputs: ["r"] });
          expectSameBits(got.state[0], want[3], `next state (${level})`);
          expectSameBits(got.outputs.r, want[3], `r (${level})`);
          const plain = await ex.step([s0], { x });
          expectSameBits(plain.state[0], want[3], `next state without outputs (${level})`);
        } finally {
          await ex.dispose();
        }
      }
    }
  });

  it("a program without state updates opens its evidence session up front and steps with or without outputs", async function () {
    const p = program(
      [slot("input", [3]), slot("temp", [3], 2 ** 21)],
      [{ op: "MulConst", out: 1, a: 0, c: -2 }],
      { outputs: { y: 1 } },
    );
    const ex = await createExecutor(p);
    try {
      const x = t([3], [0, 1, -7]);
      const none = await ex.step([], { x });
      expect(none.state).to.deep.equal([]);
      expect(none.outputs).to.deep.equal({});
      const got = await ex.step([], { x }, { outputs: ["y"] });
      expectSameBits(got.outputs.y, t([3], [0, -2, 14]), "y");
    } finally {
      await ex.dispose();
    }
  });

  it("MNIST train step: the pruned fast path gives the evidence graph's next state and loss, bit for bit, over several steps", async function () {
    const model = builtinModel("mnist-mlp");
    const p = deriveTrainStep(model, {
      batchSize: 4,
      loss: "mse",
      optimizer: { kind: "sgd", learningRate: 0.5 },
    });
    let state = initialState(p, model);
    const rng = new Prng(3);
    const ex = await createExecutor(p);
    const float = await createFloat32Runner(p, state);
    try {
      const inputId = p.slots.findIndex((s) => s.kind === "input");
      const targetId = p.slots.findIndex((s) => s.kind === "target");
      for (let k = 0; k < 3; k++) {
        const x = t(
          [...p.slots[inputId].shape],
          Array.from({ length: 4 * 784 }, () => rng.int(0, 2 ** 16)),
          16,
        );
        const y = t(
          [...p.slots[targetId].shape],
          Array.from({ length: 40 }, (_, i) => (i % 10 === k ? 2 ** 16 : 0)),
          16,
        );
        const ev = await ex.evidence(state, { x, y });
        const withLoss = await ex.step(state, { x, y }, { outputs: ["loss"] });
        const plain = await ex.step(state, { x, y });
        expectSameBits(withLoss.outputs.loss, ev[p.outputs.loss], `loss at step ${k}`);
        p.stateUpdates.forEach(({ to }, i) => {
          expectSameBits(withLoss.state[i], ev[to], `state ${i} with loss, step ${k}`);
          expectSameBits(plain.state[i], ev[to], `state ${i}, step ${k}`);
        });
        state = plain.state;
        // the baseline's state-only and with-loss graphs both run
        expect(await float.step(new Float32Array(4 * 784), new Float32Array(40), k === 1)).to.satisfy(
          (v: number | undefined) => (k === 1 ? Number.isFinite(v) : v === undefined),
        );
      }
    } finally {
      await ex.dispose();
      await float.dispose();
    }
  });
});
