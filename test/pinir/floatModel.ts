/**
 * Test helper: a float64 evaluator of the ONNX semantics of an imported ForwardModel (not of
 * PinIR), used as the ground truth the fixed-point programs are compared against.
 */
import type { ForwardModel, ModelNode } from "../../src/pinir";

export interface FloatValue {
  shape: number[];
  data: Float64Array;
}

function matmul(a: FloatValue, b: FloatValue, transA: boolean, transB: boolean): FloatValue {
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = transB ? b.shape[0] : b.shape[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) {
        const av = transA ? a.data[t * a.shape[1] + i] : a.data[i * a.shape[1] + t];
        const bv = transB ? b.data[j * b.shape[1] + t] : b.data[t * b.shape[1] + j];
        s += av * bv;
      }
      out[i * n + j] = s;
    }
  return { shape: [m, n], data: out };
}

/** a + b with b broadcast along leading axes (enough for biases). */
function add(a: FloatValue, b: FloatValue, scaleB = 1): FloatValue {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + scaleB * b.data[i % b.data.length];
  return { shape: a.shape, data: out };
}

export function floatForward(model: ForwardModel, x: FloatValue, params?: Map<string, Float64Array>): FloatValue {
  const env = new Map<string, FloatValue>();
  for (const p of model.params) env.set(p.name, { shape: [...p.shape], data: params?.get(p.name) ?? p.data });
  env.set(model.input.name, x);
  const get = (n: string) => env.get(n)!;
  for (const node of model.nodes as ModelNode[]) {
    let out: FloatValue;
    switch (node.kind) {
      case "Gemm": {
        let y = matmul(get(node.a), get(node.b), node.transA, node.transB);
        y = { shape: y.shape, data: y.data.map((v) => v * node.alpha) };
        out = node.c ? add(y, get(node.c), node.beta) : y;
        break;
      }
      case "MatMul":
        out = matmul(get(node.a), get(node.b), false, false);
        break;
      case "Add":
        out = add(get(node.a), get(node.b));
        break;
      case "Relu":
        out = { shape: get(node.a).shape, data: get(node.a).data.map((v) => Math.max(v, 0)) };
        break;
      case "Identity":
        out = get(node.a);
        break;
      case "Transpose": {
        const a = get(node.a);
        const [r, c] = a.shape;
        const data = new Float64Array(r * c);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[j * r + i] = a.data[i * c + j];
        out = { shape: [c, r], data };
        break;
      }
      case "Flatten":
      case "Reshape": {
        const a = get(node.a);
        out = { shape: [a.shape[0], a.data.length / a.shape[0]], data: a.data };
        break;
      }
    }
    env.set(node.output, out);
  }
  return get(model.output);
}

/** PyTorch MSELoss(reduction="mean"). */
export function mseLoss(y: FloatValue, t: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += (y.data[i] - t[i]) ** 2;
  return s / y.data.length;
}

/** Row-wise softmax of [N, C] logits. */
export function softmax(y: FloatValue): Float64Array {
  const [n, c] = y.shape;
  const out = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    const row = y.data.subarray(r * c, r * c + c);
    const m = Math.max(...row);
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(row[k] - m);
    for (let k = 0; k < c; k++) out[r * c + k] = Math.exp(row[k] - m) / s;
  }
  return out;
}

/** PyTorch CrossEntropyLoss with probability targets, reduction "mean" over the batch. */
export function softmaxCrossEntropy(y: FloatValue, t: Float64Array): number {
  const p = softmax(y);
  let s = 0;
  for (let i = 0; i < p.length; i++) if (t[i] !== 0) s -= t[i] * Math.log(p[i]);
  return s / y.shape[0];
}

export type LossFn = (y: FloatValue, t: Float64Array) => number;

/** Central finite-difference gradient of a loss (default MSE) with respect to every parameter. */
export function finiteDifferenceGrad(
  model: ForwardModel,
  params: Map<string, Float64Array>,
  x: FloatValue,
  t: Float64Array,
  h = 1e-6,
  loss: LossFn = mseLoss,
): Map<string, Float64Array> {
  const grads = new Map<string, Float64Array>();
  for (const p of model.params) {
    const base = params.get(p.name)!;
    const g = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const orig = base[i];
      base[i] = orig + h;
      const lp = loss(floatForward(model, x, params), t);
      base[i] = orig - h;
      const lm = loss(floatForward(model, x, params), t);
      base[i] = orig;
      g[i] = (lp - lm) / (2 * h);
    }
    grads.set(p.name, g);
  }
  return grads;
}
