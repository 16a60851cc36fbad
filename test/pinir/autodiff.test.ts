import { expect } from "chai";
import { bindSlots, runReference } from "../../src/exec";
import {
  ProgramBuilder,
  backward,
  buildOnnx,
  checkBounds,
  deriveTrainStep,
  dequantize,
  floatTensor,
  importOnnx,
  initialState,
  linearInit,
  mlpOnnx,
  quantize,
  seededRandom,
  sumAt,
  type ForwardModel,
  type IntTensor,
} from "../../src/pinir";
import { finiteDifferenceGrad, floatForward, mseLoss, softmax, softmaxCrossEntropy } from "./floatModel";

const F = 16;

function randomBatch(seed: number, n: number, features: number, outputs: number) {
  const rand = seededRandom(seed);
  const x = Float64Array.from({ length: n * features }, () => rand() * 2 - 1);
  const t = Float64Array.from({ length: n * outputs }, () => rand() * 2 - 1);
  return { x, t };
}

/** A graph with an activation used twice, Gemm alpha/beta and transB = 0, and MatMul + Add. */
function branchyModel(): ForwardModel {
  const rand = seededRandom(7);
  const u = (n: number, s: number) => Float64Array.from({ length: n }, () => (rand() * 2 - 1) * s);
  return importOnnx(
    buildOnnx({
      input: { name: "x", shape: ["N", 5] },
      output: { name: "y", shape: ["N", 3] },
      initializers: [
        floatTensor("W1", [4, 5], u(20, 0.5)),
        floatTensor("b1", [4], u(4, 0.2)),
        floatTensor("W2", [4, 3], u(12, 0.5), "float_data"),
        floatTensor("b2", [3], u(3, 0.2), "float_data"),
        floatTensor("W3", [3, 3], u(9, 0.5)),
        floatTensor("b3", [3], u(3, 0.2)),
      ],
      nodes: [
        { opType: "Gemm", name: "fc1", inputs: ["x", "W1", "b1"], outputs: ["h"], attrs: { transB: 1 } },
        { opType: "Relu", name: "act", inputs: ["h"], outputs: ["r"] },
        { opType: "Add", name: "skip", inputs: ["r", "h"], outputs: ["s"] },
        { opType: "Gemm", name: "fc2", inputs: ["s", "W2", "b2"], outputs: ["z"], attrs: { alpha: { float: 0.5 }, beta: { float: 2 } } },
        { opType: "MatMul", name: "fc3", inputs: ["z", "W3"], outputs: ["m"] },
        { opType: "Add", name: "fc3_bias", inputs: ["m", "b3"], outputs: ["y"] },
      ],
    }),
  );
}

/**
 * Runs one derived SGD step exactly and compares each parameter's change with −lr·∂L/∂w from
 * float64 finite differences on the same (quantized) weights and batch.
 */
function checkGradients(model: ForwardModel, batch: number, lr: number, seed: number, loss: "mse" | "softmax-ce" = "mse", oneHot = false) {
  const program = deriveTrainStep(model, { batchSize: batch, loss, optimizer: { kind: "sgd", learningRate: lr } });
  checkBounds(program);
  const features = model.input.shape[0];
  const outputs = program.slots[program.outputs.logits].shape[1];
  const { x, t: noise } = randomBatch(seed, batch, features, outputs);
  const t = oneHot ? Float64Array.from(noise, (_, i) => (i % outputs === Math.floor(i / outputs) % outputs ? 1 : 0)) : noise;
  const state = initialState(program, model);
  const xq = quantize(x, F);
  const tq = quantize(t, F);
  const values = runReference(
    program,
    bindSlots(program, state, { x: { shape: [batch, features], data: xq, scale: F }, y: { shape: [batch, outputs], data: tq, scale: F } }),
  );
  // Float model on exactly the quantized numbers the program saw.
  const stateSlots = program.slots.map((s, i) => ({ s, i })).filter(({ s }) => s.kind === "state");
  const params = new Map(stateSlots.map(({ s }, k) => [s.name, dequantize(state[k].data, F)]));
  const lossFn = loss === "mse" ? mseLoss : softmaxCrossEntropy;
  const grads = finiteDifferenceGrad(model, params, { shape: [batch, features], data: dequantize(xq, F) }, dequantize(tq, F), 1e-6, lossFn);
  let worst = 0;
  let scaleRef = 0;
  program.stateUpdates.forEach(({ from, to }, k) => {
    const name = program.slots[from].name;
    const before = state[k].data;
    const after = (values[to] as IntTensor).data;
    const g = grads.get(name)!;
    for (let i = 0; i < g.length; i++) {
      const got = (after[i] - before[i]) / 2 ** F;
      const want = -lr * g[i];
      worst = Math.max(worst, Math.abs(got - want));
      scaleRef = Math.max(scaleRef, Math.abs(want));
    }
  });
  return { worst, scaleRef, program, values };
}

describe("pinir autodiff: derived train step vs float finite differences", () => {
  it("matches −lr·∂L/∂w for a PyTorch-style Gemm MLP", () => {
    const model = importOnnx(mlpOnnx(linearInit([6, 5, 3], 3)));
    const { worst, scaleRef } = checkGradients(model, 8, 0.5, 11);
    expect(scaleRef).to.be.greaterThan(1e-3); // the step is not trivially zero
    expect(worst).to.be.lessThan(5e-5 + 0.002 * scaleRef);
  });

  it("matches for the MatMul + Add export style", () => {
    const model = importOnnx(mlpOnnx(linearInit([6, 5, 3], 4), { style: "matmul-add" }));
    const { worst, scaleRef } = checkGradients(model, 8, 0.5, 12);
    expect(scaleRef).to.be.greaterThan(1e-3);
    expect(worst).to.be.lessThan(5e-5 + 0.002 * scaleRef);
  });

  it("matches through a reused activation, Gemm alpha/beta and transB = 0", () => {
    const model = branchyModel();
    const { worst, scaleRef, program } = checkGradients(model, 7, 0.25, 13);
    expect(scaleRef).to.be.greaterThan(1e-3);
    expect(worst).to.be.lessThan(5e-5 + 0.002 * scaleRef);
    // The reused activation's two adjoint contributions are summed (Add + Clip) in the backward pass.
    expect(program.slots.some((s) => /^d\(.*\):sum1$/.test(s.name))).to.equal(true);
  });

  it("matches through an ONNX Transpose of the weight (MatMul(x, Transpose(W)) + Add, as newer exporters write nn.Linear)", () => {
    const [l] = linearInit([6, 4], 5);
    const model = importOnnx(
      buildOnnx({
        input: { name: "x", shape: ["N", 6] },
        output: { name: "y", shape: ["N", 4] },
        initializers: [floatTensor("fc.weight", [4, 6], l.weight), floatTensor("fc.bias", [4], l.bias)],
        nodes: [
          { opType: "Transpose", name: "/fc/Transpose", inputs: ["fc.weight"], outputs: ["wt"], attrs: { perm: [1, 0] } },
          { opType: "MatMul", name: "/fc/MatMul", inputs: ["x", "wt"], outputs: ["m"] },
          { opType: "Add", name: "/fc/Add", inputs: ["m", "fc.bias"], outputs: ["y"] },
        ],
      }),
    );
    expect(model.nodes.map((n) => n.kind)).to.deep.equal(["Transpose", "MatMul", "Add"]);
    const { worst, scaleRef, program } = checkGradients(model, 8, 0.5, 14);
    expect(program.ops.filter((o) => o.op === "Transpose").length).to.equal(2); // forward and its adjoint
    expect(scaleRef).to.be.greaterThan(1e-3);
    expect(worst).to.be.lessThan(5e-5 + 0.002 * scaleRef);
  });

  it("reports the MSE loss of the step's forward pass", () => {
    const model = importOnnx(mlpOnnx(linearInit([6, 5, 3], 3)));
    const { program, values } = checkGradients(model, 8, 0.5, 11);
    const logits = (values[program.outputs.logits] as IntTensor).data;
    const tq = quantize(randomBatch(11, 8, 6, 3).t, F);
    let sse = 0;
    for (let i = 0; i < logits.length; i++) sse += ((logits[i] - tq[i]) / 2 ** F) ** 2;
    const loss = (values[program.outputs.loss] as IntTensor).data[0] / 2 ** F;
    expect(loss).to.be.closeTo(sse / logits.length, 1e-4);
  });

  it("leaves the forward logits equal to the float model's within fixed-point error", () => {
    const model = importOnnx(mlpOnnx(linearInit([6, 5, 3], 3)));
    const { program, values } = checkGradients(model, 8, 0.5, 11);
    const { x } = randomBatch(11, 8, 6, 3);
    const want = floatForward(model, { shape: [8, 6], data: dequantize(quantize(x, F), F) }).data;
    const got = (values[program.outputs.logits] as IntTensor).data;
    for (let i = 0; i < want.length; i++) expect(got[i] / 2 ** F).to.be.closeTo(want[i], 1e-4);
  });

  describe("softmax cross-entropy (exact integer softmax from existing ops)", () => {
    it("matches −lr·∂L/∂w of float CrossEntropyLoss for one-hot targets", () => {
      const model = importOnnx(mlpOnnx(linearInit([6, 8, 4], 9)));
      const { worst, scaleRef, program } = checkGradients(model, 8, 0.5, 21, "softmax-ce", true);
      expect(scaleRef).to.be.greaterThan(1e-3);
      expect(worst).to.be.lessThan(5e-5 + 0.005 * scaleRef);
      expect(Object.keys(program.outputs).sort()).to.deep.equal(["logits", "probs"]);
      // Only ops of the existing op set are used.
      expect(new Set(program.ops.map((o) => o.op))).to.deep.equal(new Set(["MatMul", "MulConst", "Add", "Rescale", "Relu", "Sub", "Clip", "Mul", "ReduceSum", "Reshape", "ReluGrad"]));
    });

    it("stays accurate and bounded at other fixed-point formats (F = 12, B = 18; F = 20, B = 24)", () => {
      const model = importOnnx(mlpOnnx(linearInit([6, 8, 5], 2).map((l) => ({ ...l, weight: l.weight.map((w) => w * 4) }))));
      for (const [fb, bb, tol] of [
        [12, 18, 2e-3],
        [20, 24, 2e-5],
      ]) {
        const n = 8;
        const program = deriveTrainStep(model, { batchSize: n, fracBits: fb, boundBits: bb, loss: "softmax-ce", optimizer: { kind: "sgd", learningRate: 0.1 } });
        checkBounds(program);
        const rand = seededRandom(6);
        const x = quantize(Array.from({ length: n * 6 }, () => rand() * 4 - 2), fb);
        const values = runReference(program, bindSlots(program, initialState(program, model), { x: { shape: [n, 6], data: x, scale: fb }, y: { shape: [n, 5], data: new Float64Array(n * 5), scale: fb } }));
        const logits = dequantize((values[program.outputs.logits] as IntTensor).data, fb);
        const want = softmax({ shape: [n, 5], data: logits });
        const got = dequantize((values[program.outputs.probs] as IntTensor).data, fb);
        for (let i = 0; i < want.length; i++) expect(got[i]).to.be.closeTo(want[i], tol);
      }
    });

    it("computes probabilities within 1e-4 of float softmax, including widely spread and tied logits", () => {
      // Scale the weights so logits span the whole ±16 range; also a zero model for exact ties.
      const wide = importOnnx(mlpOnnx(linearInit([6, 8, 5], 2).map((l) => ({ ...l, weight: l.weight.map((w) => w * 6) }))));
      const tied = importOnnx(mlpOnnx(linearInit([6, 8, 5], 2).map((l) => ({ ...l, weight: l.weight.map(() => 0), bias: l.bias.map(() => 0) }))));
      for (const model of [wide, tied]) {
        const n = 16;
        const program = deriveTrainStep(model, { batchSize: n, loss: "softmax-ce", optimizer: { kind: "sgd", learningRate: 0.1 } });
        const rand = seededRandom(4);
        const x = quantize(Array.from({ length: n * 6 }, () => rand() * 8 - 4), F);
        const t = new Float64Array(n * 5);
        const values = runReference(program, bindSlots(program, initialState(program, model), { x: { shape: [n, 6], data: x, scale: F }, y: { shape: [n, 5], data: t, scale: F } }));
        const logits = dequantize((values[program.outputs.logits] as IntTensor).data, F);
        const want = softmax({ shape: [n, 5], data: logits });
        const got = dequantize((values[program.outputs.probs] as IntTensor).data, F);
        for (let i = 0; i < want.length; i++) expect(got[i]).to.be.closeTo(want[i], 1e-4);
        if (model === wide) expect(Math.max(...logits) - Math.min(...logits)).to.be.greaterThan(10);
        else expect(Array.from(got)).to.deep.equal(new Array(n * 5).fill(0.2).map((p) => Math.round(p * 2 ** F) / 2 ** F));
      }
    });
  });
});

describe("pinir autodiff: MatMul adjoint transpose flags", () => {
  // y = A'·B' with every (transA, transB); seed ḡ = y − t; compare the adjoints of A and B with
  // the analytic float gradients ḡ·B'ᵀ (transposed back when transA) and A'ᵀ·ḡ.
  const M = 3;
  const K = 4;
  const N = 2;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA}, transB=${transB}`, () => {
        const b = new ProgramBuilder(F, 20);
        const o = { node: "t", opType: "MatMul" };
        const lim = 2 ** 20 - 1;
        const aShape = transA ? [K, M] : [M, K];
        const bShape = transB ? [N, K] : [K, N];
        const A = b.addSlot("state", "A", aShape, F, lim);
        const Bm = b.addSlot("state", "B", bShape, F, lim);
        const t = b.addSlot("target", "t", [M, N], F, lim);
        const mm = b.emit({ op: "MatMul", a: A, b: Bm, transA, transB }, "mm", o);
        const y = b.emit({ op: "Rescale", a: mm, shift: F, bound: 20 }, "y", o);
        const fwdOps = b.ops.slice();
        const g = b.emit({ op: "Clip", a: b.emit({ op: "Sub", a: y, b: t }, "diff", o), bound: 20 }, "g", o);
        const grads = backward(b, fwdOps, new Map([[y, g]]), [A, Bm], { adjointScale: F, adjointBound: 20 });
        const dA = sumAt(b, grads.get(A)!, F, 20, "dA", o);
        const dB = sumAt(b, grads.get(Bm)!, F, 20, "dB", o);
        const program = b.build({ outputs: { dA, dB, y } });
        checkBounds(program);

        const rand = seededRandom(31);
        const rnd = (n: number) => quantize(Array.from({ length: n }, () => rand() * 2 - 1), F);
        const av = rnd(M * K);
        const bv = rnd(K * N);
        const tv = rnd(M * N);
        const ten = (shape: number[], data: Float64Array): IntTensor => ({ shape, data, scale: F });
        const vals = runReference(program, bindSlots(program, [ten(aShape, av), ten(bShape, bv)], { y: ten([M, N], tv) }));
        const real = (id: number) => dequantize((vals[id] as IntTensor).data, F);
        // Float reference on A' [M,K], B' [K,N].
        const at = (i: number, k: number) => (transA ? av[k * M + i] : av[i * K + k]) / 2 ** F;
        const bt = (k: number, j: number) => (transB ? bv[j * K + k] : bv[k * N + j]) / 2 ** F;
        const gv = real(g);
        const wantA = new Float64Array(M * K);
        const wantB = new Float64Array(K * N);
        for (let i = 0; i < M; i++)
          for (let k = 0; k < K; k++)
            for (let j = 0; j < N; j++) {
              const gij = gv[i * N + j];
              wantA[transA ? k * M + i : i * K + k] += gij * bt(k, j);
              wantB[transB ? j * K + k : k * N + j] += at(i, k) * gij;
            }
        const gotA = real(dA);
        const gotB = real(dB);
        expect(program.slots[dA].shape).to.deep.equal(aShape);
        expect(program.slots[dB].shape).to.deep.equal(bShape);
        for (let i = 0; i < wantA.length; i++) expect(gotA[i]).to.be.closeTo(wantA[i], 2e-5);
        for (let i = 0; i < wantB.length; i++) expect(gotB[i]).to.be.closeTo(wantB[i], 2e-5);
      });
    }
  }
});
