import { onnx } from "onnx-proto";

/**
 * Writes ONNX ModelProto bytes the way PyTorch's exporter does (opset 17, ir_version 8,
 * float32 initializers in raw_data, named nodes), so tests and demos can produce models without
 * Python. Used for the fixtures under test/fixtures/onnx and for the built-in models.
 */

export type InitializerEncoding = "raw" | "float_data";

type AttrValue = number | boolean | readonly number[] | { readonly float: number };

export interface NodeSpec {
  readonly opType: string;
  readonly name?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integer attributes as numbers/booleans, float attributes as `{ float }`, int lists as arrays. */
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  /** For Constant nodes: the `value` tensor. */
  readonly value?: onnx.ITensorProto;
  readonly domain?: string;
}

export interface GraphSpec {
  readonly name?: string;
  /** The data input: name and shape; a string dimension is symbolic (e.g. "batch"). */
  readonly input: { readonly name: string; readonly shape: readonly (number | string)[] };
  readonly output: { readonly name: string; readonly shape: readonly (number | string)[] };
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly onnx.ITensorProto[];
  readonly opset?: number;
  /** Also list initializers as graph inputs (older exporters did). */
  readonly initializersAsInputs?: boolean;
}

/** A float32 tensor, stored in raw_data (little-endian, PyTorch style) or in float_data. */
export function floatTensor(name: string, shape: readonly number[], data: ArrayLike<number>, encoding: InitializerEncoding = "raw"): onnx.ITensorProto {
  const base = { name, dims: [...shape], dataType: onnx.TensorProto.DataType.FLOAT };
  if (encoding === "float_data") return { ...base, floatData: Array.from(data, (v) => Math.fround(v)) };
  const buf = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) buf.writeFloatLE(data[i], i * 4);
  return { ...base, rawData: new Uint8Array(buf) };
}

/** An int64 tensor (e.g. a Reshape target shape), raw_data or int64_data. */
export function int64Tensor(name: string, shape: readonly number[], data: readonly number[], encoding: "raw" | "int64_data" = "raw"): onnx.ITensorProto {
  const base = { name, dims: [...shape], dataType: onnx.TensorProto.DataType.INT64 };
  if (encoding === "int64_data") return { ...base, int64Data: [...data] };
  const buf = Buffer.alloc(data.length * 8);
  data.forEach((v, i) => buf.writeBigInt64LE(BigInt(v), i * 8));
  return { ...base, rawData: new Uint8Array(buf) };
}

function valueInfo(name: string, shape: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === "number" || typeof v === "boolean") return { name, type: T.INT, i: Number(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as number[])] };
  return { name, type: T.FLOAT, f: (v as { float: number }).float };
}

/** Encodes a graph as ModelProto bytes. */
export function buildOnnx(spec: GraphSpec): Uint8Array {
  const nodes: onnx.INodeProto[] = spec.nodes.map((n, i) => {
    const attrs = Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v));
    if (n.value) attrs.push({ name: "value", type: onnx.AttributeProto.AttributeType.TENSOR, t: n.value });
    return {
      name: n.name ?? `/${n.opType}_${i}`,
      opType: n.opType,
      input: [...n.inputs],
      output: [...n.outputs],
      attribute: attrs,
      ...(n.domain ? { domain: n.domain } : {}),
    };
  });
  const inputs = [valueInfo(spec.input.name, spec.input.shape)];
  if (spec.initializersAsInputs) {
    for (const t of spec.initializers) inputs.push(valueInfo(t.name ?? "", (t.dims ?? []).map(Number)));
  }
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: "pinpoint",
    producerVersion: "0.1.0",
    opsetImport: [{ domain: "", version: spec.opset ?? 17 }],
    graph: {
      name: spec.name ?? "main_graph",
      node: nodes,
      initializer: [...spec.initializers],
      input: inputs,
      output: [valueInfo(spec.output.name, spec.output.shape)],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Weights of one fully connected layer, PyTorch layout: weight [out, in], bias [out]. */
export interface LinearWeights {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export interface MlpOnnxOptions {
  readonly name?: string;
  /** "gemm": Gemm(transB=1) like torch.nn.Linear; "matmul-add": MatMul with W [in,out] then Add. */
  readonly style?: "gemm" | "matmul-add";
  /** Per-sample input shape (default [inFeatures]); with more than one dimension a flatten step is added. */
  readonly inputShape?: readonly number[];
  /** How to flatten a multi-dimensional input: Flatten (default) or Reshape with a Constant shape. */
  readonly flatten?: "flatten" | "reshape";
  readonly initializers?: InitializerEncoding;
  /** Insert an Identity before the output. */
  readonly identity?: boolean;
  readonly opset?: number;
}

/**
 * An MLP exported PyTorch-style: [Flatten] → (Gemm transB=1 → Relu)* → Gemm, with parameters
 * named like torch's state dict (`fc0.weight`, `fc0.bias`, …) and nodes named like `/fc0/Gemm`.
 */
export function mlpOnnx(layers: readonly LinearWeights[], opts: MlpOnnxOptions = {}): Uint8Array {
  const style = opts.style ?? "gemm";
  const enc = opts.initializers ?? "raw";
  const inF = layers[0].inFeatures;
  const inputShape = opts.inputShape ?? [inF];
  const nodes: NodeSpec[] = [];
  const inits: onnx.ITensorProto[] = [];
  let cur = "input";
  if (inputShape.length > 1) {
    if (opts.flatten === "reshape") {
      nodes.push({ opType: "Constant", name: "/Constant", inputs: [], outputs: ["/Constant_output_0"], value: int64Tensor("", [2], [-1, inF]) });
      nodes.push({ opType: "Reshape", name: "/Reshape", inputs: [cur, "/Constant_output_0"], outputs: ["/Reshape_output_0"] });
      cur = "/Reshape_output_0";
    } else {
      nodes.push({ opType: "Flatten", name: "/flatten/Flatten", inputs: [cur], outputs: ["/flatten/Flatten_output_0"], attrs: { axis: 1 } });
      cur = "/flatten/Flatten_output_0";
    }
  }
  layers.forEach((l, i) => {
    const w = `fc${i}.weight`;
    const bName = `fc${i}.bias`;
    const last = i === layers.length - 1;
    const out = last && !opts.identity ? "output" : `/fc${i}/out`;
    if (style === "gemm") {
      inits.push(floatTensor(w, [l.outFeatures, l.inFeatures], l.weight, enc), floatTensor(bName, [l.outFeatures], l.bias, enc));
      nodes.push({ opType: "Gemm", name: `/fc${i}/Gemm`, inputs: [cur, w, bName], outputs: [out], attrs: { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 } });
    } else {
      const wt = new Float64Array(l.inFeatures * l.outFeatures);
      for (let o = 0; o < l.outFeatures; o++) for (let k = 0; k < l.inFeatures; k++) wt[k * l.outFeatures + o] = l.weight[o * l.inFeatures + k];
      inits.push(floatTensor(w, [l.inFeatures, l.outFeatures], wt, enc), floatTensor(bName, [l.outFeatures], l.bias, enc));
      nodes.push({ opType: "MatMul", name: `/fc${i}/MatMul`, inputs: [cur, w], outputs: [`/fc${i}/MatMul_output_0`] });
      nodes.push({ opType: "Add", name: `/fc${i}/Add`, inputs: [`/fc${i}/MatMul_output_0`, bName], outputs: [out] });
    }
    cur = out;
    if (!last) {
      nodes.push({ opType: "Relu", name: `/relu${i}/Relu`, inputs: [cur], outputs: [`/relu${i}/Relu_output_0`] });
      cur = `/relu${i}/Relu_output_0`;
    }
  });
  if (opts.identity) nodes.push({ opType: "Identity", name: "/Identity", inputs: [cur], outputs: ["output"] });
  const outF = layers[layers.length - 1].outFeatures;
  return buildOnnx({
    name: opts.name ?? "main_graph",
    input: { name: "input", shape: ["batch", ...inputShape] },
    output: { name: "output", shape: ["batch", outF] },
    nodes,
    initializers: inits,
    opset: opts.opset ?? 17,
  });
}
