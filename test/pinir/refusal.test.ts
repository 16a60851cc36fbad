import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { onnx } from "onnx-proto";
import { CompileError } from "../../src/errors";
import {
  CompileCode,
  buildOnnx,
  deriveTrainStep,
  floatTensor,
  importOnnx,
  int64Tensor,
  lowerForward,
  mlp,
  mlpOnnx,
  linearInit,
  type GraphSpec,
} from "../../src/pinir";

const FIXTURES = path.join(__dirname, "../fixtures/onnx");

function compileErr(fn: () => unknown): CompileError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(CompileError);
    return e as CompileError;
  }
  expect.fail("expected a CompileError");
}

const linear = (extra: Partial<GraphSpec> = {}): GraphSpec => ({
  input: { name: "x", shape: ["N", 4] },
  output: { name: "y", shape: ["N", 2] },
  initializers: [floatTensor("W", [2, 4], [0.1, 0.2, 0.3, 0.4, -0.1, -0.2, -0.3, -0.4]), floatTensor("b", [2], [0, 0])],
  nodes: [{ opType: "Gemm", name: "/fc/Gemm", inputs: ["x", "W", "b"], outputs: ["y"], attrs: { transB: 1 } }],
  ...extra,
});

describe("pinir refusals", () => {
  describe("unsupported ops", () => {
    it("refuses Sigmoid, naming the node, the op and the supported set", () => {
      const e = compileErr(() => importOnnx(new Uint8Array(fs.readFileSync(path.join(FIXTURES, "mlp_sigmoid.onnx")))));
      expect(e.code).to.equal(CompileCode.UnsupportedOp);
      expect(e.message).to.contain('node "/act/Sigmoid" (Sigmoid)');
      expect(e.message).to.contain("outside the PinIR op set");
      expect(e.message).to.contain("Gemm, MatMul, Add, Relu");
      expect(e.details).to.include({ node: "/act/Sigmoid", opType: "Sigmoid" });
    });

    it("refuses Conv, naming the node", () => {
      const e = compileErr(() => importOnnx(new Uint8Array(fs.readFileSync(path.join(FIXTURES, "conv.onnx")))));
      expect(e.code).to.equal(CompileCode.UnsupportedOp);
      expect(e.message).to.contain('node "/conv1/Conv" (Conv)');
    });

    it("names an unnamed node by op type and position", () => {
      const spec = linear();
      const bytes = buildOnnx({ ...spec, nodes: [...spec.nodes, { opType: "Softmax", name: "", inputs: ["y"], outputs: ["p"] }], output: { name: "p", shape: ["N", 2] } });
      const e = compileErr(() => importOnnx(bytes));
      expect(e.message).to.contain('node "Softmax_1" (Softmax)');
    });

    it("refuses a rank-3 MatMul at lowering with the node name and what to do", () => {
      const bytes = buildOnnx({
        input: { name: "x", shape: ["N", 2, 4] },
        output: { name: "y", shape: ["N", 2, 3] },
        initializers: [floatTensor("W", [4, 3], new Array(12).fill(0.1))],
        nodes: [{ opType: "MatMul", name: "/attn/MatMul", inputs: ["x", "W"], outputs: ["y"] }],
      });
      const e = compileErr(() => lowerForward(importOnnx(bytes), { batchSize: 2 }));
      expect(e.code).to.equal(CompileCode.UnsupportedOp);
      expect(e.message).to.contain('node "/attn/MatMul" (MatMul)');
      expect(e.message).to.contain("rank-2");
    });

    it("refuses a Reshape whose shape is computed, and ops from custom domains", () => {
      const spec = linear();
      const dyn = buildOnnx({
        ...spec,
        nodes: [...spec.nodes, { opType: "Reshape", name: "/r", inputs: ["y", "x"], outputs: ["z"] }],
        output: { name: "z", shape: ["N", 2] },
      });
      expect(compileErr(() => importOnnx(dyn)).message).to.contain("constant int64");
      const custom = buildOnnx({ ...spec, nodes: [{ ...spec.nodes[0], domain: "com.microsoft" }] });
      expect(compileErr(() => importOnnx(custom)).message).to.contain('custom domain "com.microsoft"');
    });

    it("refuses a Transpose that is not a 2-D [1, 0] permutation", () => {
      const bytes = buildOnnx({
        input: { name: "x", shape: ["N", 2, 3] },
        output: { name: "y", shape: ["N", 3, 2] },
        initializers: [],
        nodes: [{ opType: "Transpose", name: "/t", inputs: ["x"], outputs: ["y"], attrs: { perm: [0, 2, 1] } }],
      });
      const e = compileErr(() => importOnnx(bytes));
      expect(e.code).to.equal(CompileCode.UnsupportedOp);
      expect(e.message).to.contain('node "/t" (Transpose): perm [0,2,1]');
    });

    it("refuses integer initializers used as data", () => {
      const bytes = buildOnnx(linear({ initializers: [int64Tensor("W", [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), floatTensor("b", [2], [0, 0])] }));
      const e = compileErr(() => importOnnx(bytes));
      expect(e.code).to.equal(CompileCode.UnsupportedOp);
      expect(e.message).to.contain('integer tensor "W"');
    });
  });

  describe("unbounded reductions", () => {
    it("refuses a 16384-wide MatMul at B = 20 (K·2^40 ≥ 2^53), naming the node", () => {
      const k = 16384;
      const bytes = buildOnnx({
        input: { name: "x", shape: ["N", k] },
        output: { name: "y", shape: ["N", 1] },
        initializers: [floatTensor("W", [k, 1], new Float64Array(k).fill(0.001))],
        nodes: [{ opType: "MatMul", name: "/wide/MatMul", inputs: ["x", "W"], outputs: ["y"] }],
      });
      const e = compileErr(() => lowerForward(importOnnx(bytes), { batchSize: 1 }));
      expect(e.code).to.equal(CompileCode.UnboundedReduction);
      expect(e.message).to.contain('node "/wide/MatMul" (MatMul)');
      expect(e.message).to.contain("K=16384");
      expect(e.message).to.match(/≥ 2\^53/);
      expect(e.message).to.contain("lower boundBits");
    });

    it("accepts the same width when B is lowered so K·2^(2B) < 2^53", () => {
      const k = 16384;
      const bytes = buildOnnx({
        input: { name: "x", shape: ["N", k] },
        output: { name: "y", shape: ["N", 1] },
        initializers: [floatTensor("W", [k, 1], new Float64Array(k).fill(0.001))],
        nodes: [{ opType: "MatMul", name: "/wide/MatMul", inputs: ["x", "W"], outputs: ["y"] }],
      });
      expect(() => lowerForward(importOnnx(bytes), { batchSize: 1, fracBits: 12, boundBits: 19 })).to.not.throw();
    });

    it("refuses the MNIST model with too large a bound (B = 24: 784·2^48 ≥ 2^53)", () => {
      const e = compileErr(() => lowerForward(mlp([784, 64, 10]), { batchSize: 8, boundBits: 24 }));
      expect(e.code).to.equal(CompileCode.UnboundedReduction);
      expect(e.message).to.contain('node "/fc0/Gemm" (Gemm)');
    });

    it("refuses a train step whose batch makes the weight-gradient reduction unbounded", () => {
      // dW = xᵀ·ḡ contracts over the batch: K = 8200 rows at |v| ≤ 2^20 − 1 on both sides exceeds 2^53.
      const e = compileErr(() => deriveTrainStep(mlp([4, 3, 2]), { batchSize: 8200, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.1 } }));
      expect(e.code).to.equal(CompileCode.UnboundedReduction);
      expect(e.message).to.contain("K=8200");
    });
  });

  describe("bad models and options", () => {
    it("refuses bytes that are not a ModelProto", () => {
      expect(compileErr(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff]))).code).to.equal(CompileCode.BadModel);
    });

    it("refuses opsets outside 13–18", () => {
      for (const opset of [11, 19]) {
        const e = compileErr(() => importOnnx(buildOnnx(linear({ opset }))));
        expect(e.code).to.equal(CompileCode.BadModel);
        expect(e.message).to.contain(`opset ${opset}`);
      }
    });

    it("refuses a dynamic feature dimension and a second data input", () => {
      expect(compileErr(() => importOnnx(buildOnnx(linear({ input: { name: "x", shape: ["N", "F"] } })))).message).to.contain("dynamic");
      const m = onnx.ModelProto.decode(buildOnnx(linear()));
      const graph = m.graph as onnx.GraphProto;
      graph.input.push(onnx.ValueInfoProto.create({ name: "x2", type: graph.input[0].type }));
      const e = compileErr(() => importOnnx(onnx.ModelProto.encode(m).finish()));
      expect(e.message).to.contain("exactly one data input");
    });

    it("refuses external data and non-finite weights", () => {
      const ext = buildOnnx(linear({ initializers: [{ ...floatTensor("W", [2, 4], new Array(8).fill(0)), dataLocation: 1 }, floatTensor("b", [2], [0, 0])] }));
      expect(compileErr(() => importOnnx(ext)).message).to.contain("external data");
      const nan = buildOnnx(linear({ initializers: [floatTensor("W", [2, 4], [NaN, 0, 0, 0, 0, 0, 0, 0]), floatTensor("b", [2], [0, 0])] }));
      expect(compileErr(() => importOnnx(nan)).message).to.contain("finite");
    });

    it("refuses a raw_data length that does not match the shape", () => {
      const t = floatTensor("W", [2, 4], new Array(8).fill(0));
      const bytes = buildOnnx(linear({ initializers: [{ ...t, rawData: t.rawData!.subarray(0, 28) }, floatTensor("b", [2], [0, 0])] }));
      expect(compileErr(() => importOnnx(bytes)).message).to.contain("raw_data has 28 bytes");
    });

    it("refuses out-of-range fixed-point options and unknown losses/optimizers", () => {
      const model = importOnnx(mlpOnnx(linearInit([4, 3, 2])));
      expect(compileErr(() => lowerForward(model, { batchSize: 2, fracBits: 0 })).code).to.equal(CompileCode.BadOptions);
      expect(compileErr(() => lowerForward(model, { batchSize: 2, fracBits: 16, boundBits: 16 })).code).to.equal(CompileCode.BadOptions);
      expect(compileErr(() => lowerForward(model, { batchSize: 0 })).code).to.equal(CompileCode.BadOptions);
      const bad = { batchSize: 2, loss: "hinge", optimizer: { kind: "sgd", learningRate: 0.1 } } as unknown as Parameters<typeof deriveTrainStep>[1];
      expect(compileErr(() => deriveTrainStep(model, bad)).code).to.equal(CompileCode.BadOptions);
      expect(compileErr(() => deriveTrainStep(model, { batchSize: 2, loss: "mse", optimizer: { kind: "sgd", learningRate: -1 } })).code).to.equal(CompileCode.BadOptions);
    });
  });
});
