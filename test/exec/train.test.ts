import { expect } from "chai";
import { stateHash } from "../../src/commit";
import { batchAt, loadIris, loadMnist } from "../../src/data";
import {
  accuracy,
  bindSlots,
  createExecutor,
  createFloat32Runner,
  evalElement,
  runReference,
  sizeOf,
  tensorsEqual,
  toFloat32,
  train,
} from "../../src/exec";
import { Prng } from "../../src/data";
import { builtinModel, deriveTrainStep, initialState, lowerForward } from "../../src/pinir";
import type { IntTensor, PinProgram } from "../../src/pinir/types";
import { mlpInitialState, mlpTrainStep } from "./fixtures/mlp";

/** S_t via the reference interpreter for steps 1..n. */
function referenceSteps(
  program: PinProgram,
  state: readonly IntTensor[],
  dataset: Parameters<typeof batchAt>[0],
  n: number,
  batchSize: number,
): IntTensor[] {
  let s = [...state];
  for (let t = 1; t <= n; t++) {
    const values = runReference(program, bindSlots(program, s, batchAt(dataset, t, batchSize)));
    let k = 0;
    s = program.slots.flatMap((slot, id) => {
      if (slot.kind !== "state") return [];
      const upd = program.stateUpdates.find((u) => u.from === id);
      k++;
      return [upd ? values[upd.to] : s[k - 1]];
    });
  }
  return s;
}

describe("training with the derived train-step program", function () {
  const BATCH = 32;
  const mnist = loadMnist({ train: 5000, test: 1000, seed: 7 });
  const model = builtinModel("mnist-mlp");
  const program = deriveTrainStep(model, {
    batchSize: BATCH,
    loss: "mse",
    optimizer: { kind: "sgd", learningRate: 0.5 },
  });
  const s0 = initialState(program, model);

  it("784-64-10 MLP on an MNIST subset reaches ≥ 85 % test accuracy", async function () {
    const before = await accuracy(program, s0, mnist.test);
    const res = await train({ program, initialState: s0, dataset: mnist.train, steps: 500, lossEvery: 100 });
    const acc = await accuracy(program, res.state, mnist.test);
    console.log(
      `      MNIST 5000/1000, batch ${BATCH}, 500 steps: test accuracy ${(100 * before).toFixed(1)} % → ${(100 * acc).toFixed(1)} %, ${res.stepsPerSec.toFixed(0)} steps/s`,
    );
    expect(acc).to.be.at.least(0.85);
    expect(res.losses[res.losses.length - 1].loss).to.be.below(res.losses[0].loss);
  });

  it("gives the reference interpreter's state bits, step by step", async function () {
    const steps = 3;
    const want = referenceSteps(program, s0, mnist.train, steps, BATCH);
    const res = await train({ program, initialState: s0, dataset: mnist.train, steps });
    expect(res.state.length).to.equal(want.length);
    res.state.forEach((s, i) => expect(tensorsEqual(s, want[i]), `state tensor ${i}`).to.equal(true));
    expect(stateHash(res.state).equals(stateHash(want))).to.equal(true);
    expect(stateHash(res.state).equals(stateHash(s0))).to.equal(false);
  });

  it("feeds contiguous batches as views of the dataset and wrapping ones as copies, with the same bits as step(batchAt)", async function () {
    // 100 samples, batch 32: batches 4, 7, 8, … wrap around the end of the dataset
    const small = loadMnist({ train: 100, test: 1, seed: 9 }).train;
    const steps = 9;
    const ex = await createExecutor(program);
    try {
      let manual: IntTensor[] = [...s0];
      const perStep: string[] = [];
      for (let t = 1; t <= steps; t++) {
        manual = (await ex.step(manual, batchAt(small, t, BATCH))).state;
        perStep.push(stateHash(manual).toString("hex"));
      }
      const seen: string[] = [];
      for (const recycle of [false, true]) {
        seen.length = 0;
        const res = await train({
          program,
          initialState: s0,
          dataset: small,
          steps,
          executor: ex,
          recycle,
          onStep: ({ state }) => void seen.push(stateHash(state).toString("hex")),
        });
        expect(seen, `recycle ${recycle}`).to.deep.equal(perStep);
        expect(stateHash(res.state).toString("hex")).to.equal(perStep[steps - 1]);
      }
    } finally {
      await ex.dispose();
    }
  });

  it("is bit-identical across thread counts and optimisation levels, and resumes from a checkpoint", async function () {
    const a = await train({
      program,
      initialState: s0,
      dataset: mnist.train,
      steps: 40,
      intraOpThreads: 1,
      graphOptimizationLevel: "disabled",
    });
    const b = await train({
      program,
      initialState: s0,
      dataset: mnist.train,
      steps: 40,
      intraOpThreads: 2,
      graphOptimizationLevel: "all",
    });
    expect(stateHash(a.state).toString("hex")).to.equal(stateHash(b.state).toString("hex"));
    const recycled = await train({
      program,
      initialState: s0,
      dataset: mnist.train,
      steps: 40,
      recycle: true,
    });
    expect(stateHash(recycled.state).toString("hex")).to.equal(stateHash(a.state).toString("hex"));
    const half = await train({ program, initialState: s0, dataset: mnist.train, steps: 20 });
    const resumed = await train({
      program,
      initialState: half.state,
      dataset: mnist.train,
      steps: 20,
      firstStep: 21,
    });
    expect(stateHash(resumed.state).toString("hex")).to.equal(stateHash(a.state).toString("hex"));
  });

  it("evaluates accuracy identically with the forward-only program (lowerForward)", async function () {
    const res = await train({ program, initialState: s0, dataset: mnist.train, steps: 60 });
    const forward = lowerForward(model, { batchSize: 100 });
    const a = await accuracy(program, res.state, mnist.test);
    const b = await accuracy(forward, res.state, mnist.test);
    expect(b).to.equal(a);
    expect(a).to.be.above(0.5);
  });

  it("opens sampled elements of every op of the train step exactly as ONNX Runtime's evidence holds them", async function () {
    const ex = await createExecutor(program);
    try {
      const batch = batchAt(mnist.train, 7, BATCH);
      const evidence = await ex.evidence(s0, batch);
      const rng = new Prng(11);
      program.ops.forEach((op, j) => {
        const n = sizeOf(program.slots[op.out].shape);
        for (let k = 0; k < 4; k++) {
          const f = k === 0 ? n - 1 : rng.below(n);
          const e = evalElement(program, evidence, j, f);
          expect(e.value, `op ${j} (${op.op}) element ${f}`).to.equal(evidence[op.out].data[f]);
          if (e.partialSums) expect(e.partialSums[e.partialSums.length - 1]).to.equal(e.value);
        }
      });
    } finally {
      await ex.dispose();
    }
  });

  it("the float32 baseline graph trains the same model to nearly the same weights", async function () {
    const steps = 50;
    const exact = await train({ program, initialState: s0, dataset: mnist.train, steps });
    const f32 = await createFloat32Runner(program, s0);
    try {
      for (let t = 1; t <= steps; t++) {
        const b = batchAt(mnist.train, t, BATCH);
        await f32.step(toFloat32(b.x), toFloat32(b.y));
      }
      exact.state.forEach((s, i) => {
        const want = toFloat32(s);
        let maxErr = 0;
        let maxAbs = 0;
        for (let k = 0; k < want.length; k++) {
          maxErr = Math.max(maxErr, Math.abs(want[k] - f32.state[i][k]));
          maxAbs = Math.max(maxAbs, Math.abs(want[k]));
        }
        // fixed-point rounding (gradients at 2^−11) accumulates to ~2e−3 over 50 steps; weights reach ~0.2
        expect(maxErr, `state tensor ${i}`).to.be.below(0.005);
        expect(maxAbs).to.be.above(0.02);
      });
    } finally {
      await f32.dispose();
    }
  });

  it("Iris 4-16-3 reaches ≥ 90 % test accuracy", async function () {
    const iris = loadIris({ seed: 3 });
    const im = builtinModel("iris-mlp");
    const ip = deriveTrainStep(im, {
      batchSize: 8,
      loss: "mse",
      optimizer: { kind: "sgd", learningRate: 0.5 },
    });
    const res = await train({
      program: ip,
      initialState: initialState(ip, im),
      dataset: iris.train,
      steps: 600,
    });
    const acc = await accuracy(ip, res.state, iris.test);
    console.log(`      Iris 120/30, batch 8, 600 steps: test accuracy ${(100 * acc).toFixed(1)} %`);
    expect(acc).to.be.at.least(0.9);
  });

  it("runs a softmax cross-entropy train step (const slots, integer exp) bit-exactly and learns Iris", async function () {
    const iris = loadIris({ seed: 3 });
    const im = builtinModel("iris-mlp");
    const ce = deriveTrainStep(im, {
      batchSize: 8,
      loss: "softmax-ce",
      optimizer: { kind: "sgd", learningRate: 0.5 },
    });
    expect(ce.slots.some((sl) => sl.kind === "const")).to.equal(true);
    const c0 = initialState(ce, im);
    const want = referenceSteps(ce, c0, iris.train, 3, 8);
    const got = await train({ program: ce, initialState: c0, dataset: iris.train, steps: 3 });
    expect(stateHash(got.state).equals(stateHash(want))).to.equal(true);
    const res = await train({ program: ce, initialState: c0, dataset: iris.train, steps: 400 });
    expect(await accuracy(ce, res.state, iris.test)).to.be.at.least(0.9);
  });

  it("reports loss through onStep and reuses a given executor", async function () {
    const ex = await createExecutor(program);
    const seen: number[] = [];
    try {
      const res = await train({
        program,
        initialState: s0,
        dataset: mnist.train,
        steps: 4,
        executor: ex,
        lossEvery: 2,
        onStep: (i) => void seen.push(i.step),
      });
      expect(seen).to.deep.equal([1, 2, 3, 4]);
      expect(res.losses.map((l) => l.step)).to.deep.equal([1, 3]);
      expect(res.lastStep).to.equal(4);
      // the executor is still open; output buffers must not alias the input state
      expect((await ex.step(res.state, batchAt(mnist.train, 5, BATCH))).state).to.have.length(4);
      const into = res.state.map((t) => t.data);
      await ex.step(res.state, batchAt(mnist.train, 5, BATCH), { into }).then(
        () => expect.fail("aliasing buffers accepted"),
        (e: Error) => expect(e.message).to.match(/aliases an input state tensor/),
      );
    } finally {
      await ex.dispose();
    }
  });
});

describe("training with the hand-written MLP train step (independent of the compiler)", function () {
  it("ONNX Runtime and the reference agree for 3 steps and it learns Iris", async function () {
    const iris = loadIris({ seed: 3 });
    const p = mlpTrainStep({ layers: [4, 16, 3], batchSize: 8, lr: 0.1, inputMaxAbs: 2 ** 20 - 1 });
    const s0 = mlpInitialState(p, 1);
    const want = referenceSteps(p, s0, iris.train, 3, 8);
    const got = await train({ program: p, initialState: s0, dataset: iris.train, steps: 3 });
    expect(stateHash(got.state).equals(stateHash(want))).to.equal(true);
    const res = await train({ program: p, initialState: s0, dataset: iris.train, steps: 600 });
    expect(await accuracy(p, res.state, iris.test)).to.be.at.least(0.9);
  });
});
