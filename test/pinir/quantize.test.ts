import { expect } from "chai";
import { CompileError } from "../../src/errors";
import {
  CompileCode,
  checkBounds,
  dequantize,
  deriveTrainStep,
  initialState,
  learningRateConstant,
  lowerForward,
  mlp,
  quantize,
  type ForwardModel,
} from "../../src/pinir";

describe("pinir quantize / initialState", () => {
  it("rounds half up at the given scale, like Rescale, and never yields −0", () => {
    const q = quantize([0.5 / 16, -0.5 / 16, 1.5 / 16, -1.5 / 16, -0.2 / 16, 1], 4);
    expect(Array.from(q)).to.deep.equal([1, 0, 2, -1, 0, 16]);
    expect(Object.is(q[1], -0)).to.equal(false);
    expect(Object.is(q[4], -0)).to.equal(false);
  });

  it("clips to ±(2^B − 1) and refuses non-finite values", () => {
    expect(Array.from(quantize([100, -100, 15.99], 16, 20))).to.deep.equal([2 ** 20 - 1, -(2 ** 20 - 1), Math.floor(15.99 * 65536 + 0.5)]);
    expect(() => quantize([NaN], 16)).to.throw(CompileError);
    expect(() => quantize([Infinity], 16)).to.throw(/non-finite/);
  });

  it("dequantize inverts quantize to within half an ulp", () => {
    const xs = [0.1234567, -3.25, 7.999, -0.00001];
    const back = dequantize(quantize(xs, 16), 16);
    xs.forEach((x, i) => expect(Math.abs(back[i] - x)).to.be.at.most(2 ** -17));
  });

  it("initialState gives one tensor per state slot, in slot order, quantized at the slot scale", () => {
    const model = mlp([4, 16, 3]);
    const program = lowerForward(model, { batchSize: 2, fracBits: 12, boundBits: 18 });
    const state = initialState(program, model);
    expect(state.map((t) => t.shape)).to.deep.equal([[16, 4], [16], [3, 16], [3]]);
    expect(state.every((t) => t.scale === 12)).to.equal(true);
    expect(Array.from(state[0].data.slice(0, 4))).to.deep.equal(Array.from(quantize(model.params[0].data.slice(0, 4), 12)));
  });

  it("initialState refuses a model that does not match the program", () => {
    const program = lowerForward(mlp([4, 16, 3]), { batchSize: 2 });
    const other: ForwardModel = { ...mlp([4, 16, 3]), params: mlp([4, 16, 3]).params.slice(1) };
    try {
      initialState(program, other);
      expect.fail("expected a CompileError");
    } catch (e) {
      expect((e as CompileError).code).to.equal(CompileCode.BadModel);
      expect((e as CompileError).message).to.contain('"fc0.weight"');
    }
  });
});

describe("pinir learning-rate constant", () => {
  it("represents η/S with about 24 significant bits and a valid shift", () => {
    for (const x of [1, 0.5 / 320, 1e-5, 3.7, 0.0123]) {
      const { q, bits } = learningRateConstant(x, 2 ** 20 - 1, -6);
      expect(q).to.be.within(2 ** 22, 2 ** 25);
      expect(Math.abs(q / 2 ** bits - x) / x).to.be.below(2 ** -22);
      expect(bits - 6).to.be.within(1, 52);
      expect(BigInt(q) * BigInt(2 ** 20 - 1) < 2n ** 53n).to.equal(true);
    }
  });

  it("refuses non-positive and non-finite rates", () => {
    for (const x of [0, -1, NaN, Infinity]) expect(() => learningRateConstant(x, 2 ** 20 - 1, -6)).to.throw(CompileError);
  });
});

describe("pinir train steps at large batch", () => {
  it("bounds a raw backward adjoint before a batch reduction would pass 2^53 (batch 2048)", () => {
    // d(hidden) = e·W₂ at scale 2F is ≤ 10·2^40; summing 2048 rows raw would reach 2^54.3.
    const program = deriveTrainStep(mlp([8, 64, 10]), { batchSize: 2048, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } });
    expect(checkBounds(program).maxLog2).to.be.below(53);
    const biasSum = program.ops.find((o) => o.op === "ReduceSum" && program.slots[o.out].name.includes("fc0"));
    expect(biasSum && program.slots[(biasSum as { a: number }).a].scale).to.equal(16);
  });
});
