import { expect } from "chai";
import { bindSlots, createExecutor, runReference } from "../../src/exec";
import { deriveTrainStep, initialState, lowerForward, mlp, quantize, seededRandom, type IntTensor, type LossKind } from "../../src/pinir";

const F = 16;

describe("pinir programs on ONNX Runtime (src/exec executor) vs the exact reference interpreter", () => {
  const cases: [string, number[], number, LossKind | "inference"][] = [
    ["MNIST 784-64-10 MSE train step", [784, 64, 10], 16, "mse"],
    ["MNIST 784-64-10 softmax-ce train step", [784, 64, 10], 16, "softmax-ce"],
    ["iris 4-16-3 inference", [4, 16, 3], 30, "inference"],
  ];
  for (const [name, sizes, n, loss] of cases) {
    it(`${name}: next state and outputs are bit-identical`, async () => {
      const model = mlp(sizes);
      const program =
        loss === "inference" ? lowerForward(model, { batchSize: n }) : deriveTrainStep(model, { batchSize: n, loss, optimizer: { kind: "sgd", learningRate: 0.5 } });
      const [inF, outF] = [sizes[0], sizes[sizes.length - 1]];
      const rand = seededRandom(9);
      const x: IntTensor = { shape: [n, inF], data: quantize(Array.from({ length: n * inF }, () => rand() * 2 - 0.5), F), scale: F };
      const yd = new Float64Array(n * outF);
      for (let r = 0; r < n; r++) yd[r * outF + (r % outF)] = 2 ** F;
      const batch = loss === "inference" ? { x } : { x, y: { shape: [n, outF], data: yd, scale: F } };
      const state = initialState(program, model);
      const ref = runReference(program, bindSlots(program, state, batch));
      const ex = await createExecutor(program);
      try {
        const res = await ex.step(state, batch, { outputs: Object.keys(program.outputs) });
        program.stateUpdates.forEach((u, k) => expect(Array.from(res.state[k].data)).to.deep.equal(Array.from(ref[u.to].data)));
        for (const [out, id] of Object.entries(program.outputs)) expect(Array.from(res.outputs[out].data), out).to.deep.equal(Array.from(ref[id].data));
        if (loss !== "inference") {
          // The step really moved the parameters.
          expect(Array.from(res.state[0].data)).to.not.deep.equal(Array.from(state[0].data));
        }
      } finally {
        await ex.dispose();
      }
    });
  }
});
