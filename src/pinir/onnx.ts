import { onnx } from "onnx-proto";
import { CompileCode, compileError } from "./errors";
import type { FloatTensor, ForwardModel, ModelNode } from "./model";
import { sizeOf } from "./infer";
import { resolveFixedPoint } from "./options";

/** Default-domain opsets the importer accepts. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 18;

/** ONNX ops the importer understands (Constant is folded away). */
export const SUPPORTED_ONNX_OPS = ["Gemm", "MatMul", "Add", "Relu", "Flatten", "Reshape", "Identity", "Transpose", "Constant"] as const;

type Long = { low: number; high: number; unsigned?: boolean };

function toInt(v: number | Long): number {
  if (typeof v === "number") return v;
  const big = BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`int64 ${big} is not a safe integer`);
  }
  return Number(big);
}

const DT = onnx.TensorProto.DataType;

interface RawTensor {
  readonly name: string;
  readonly dataType: number;
  readonly shape: number[];
  readonly values: number[];
}

function bad(message: string, details: Record<string, unknown> = {}): never {
  throw compileError(CompileCode.BadModel, message, details);
}

/** Decodes a TensorProto (raw_data little-endian or typed fields) to numbers. */
function decodeTensor(t: onnx.ITensorProto, where: string): RawTensor {
  const name = t.name ?? "";
  const dataType = t.dataType ?? 0;
  const shape = (t.dims ?? []).map((d) => toInt(d as number | Long));
  const n = sizeOf(shape);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    bad(`${where}: tensor "${name}" uses external data; re-export the model with weights embedded`, { tensor: name });
  }
  let values: number[];
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const width = dataType === DT.FLOAT || dataType === DT.INT32 ? 4 : dataType === DT.DOUBLE || dataType === DT.INT64 ? 8 : 0;
    if (width === 0) bad(`${where}: tensor "${name}" has unsupported data type ${DT[dataType] ?? dataType}; use float32, float64, int32 or int64`, { tensor: name });
    if (raw.byteLength !== n * width) bad(`${where}: tensor "${name}" raw_data has ${raw.byteLength} bytes, expected ${n * width} for shape [${shape}]`, { tensor: name });
    values = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      if (dataType === DT.FLOAT) values[i] = dv.getFloat32(i * 4, true);
      else if (dataType === DT.DOUBLE) values[i] = dv.getFloat64(i * 8, true);
      else if (dataType === DT.INT32) values[i] = dv.getInt32(i * 4, true);
      else {
        const big = dv.getBigInt64(i * 8, true);
        values[i] = Number(big);
      }
    }
  } else if (dataType === DT.FLOAT) values = (t.floatData ?? []).slice();
  else if (dataType === DT.DOUBLE) values = (t.doubleData ?? []).slice();
  else if (dataType === DT.INT32) values = (t.int32Data ?? []).slice();
  else if (dataType === DT.INT64) values = (t.int64Data ?? []).map((v) => toInt(v as number | Long));
  else bad(`${where}: tensor "${name}" has unsupported data type ${DT[dataType] ?? dataType}; use float32, float64, int32 or int64`, { tensor: name });
  if (values.length !== n) bad(`${where}: tensor "${name}" has ${values.length} values, expected ${n} for shape [${shape}]`, { tensor: name });
  for (const v of values) if (!Number.isFinite(v)) bad(`${where}: tensor "${name}" contains ${v}; weights must be finite`, { tensor: name });
  return { name, dataType, shape, values };
}

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
function attrInt(node: onnx.INodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a ? toInt((a.i ?? 0) as number | Long) : dflt;
}
function attrFloat(node: onnx.INodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a ? (a.f ?? 0) : dflt;
}

function unsupported(nodeName: string, opType: string, reason: string): never {
  throw compileError(
    CompileCode.UnsupportedOp,
    `node "${nodeName}" (${opType}): ${reason}; supported ONNX ops are ${SUPPORTED_ONNX_OPS.join(", ")}`,
    { node: nodeName, opType, reason },
  );
}

export interface ImportOptions {
  /** Name given to the model (default: graph name). */
  readonly name?: string;
  /** Default F for programs lowered from this model (validated here, used by lowering). */
  readonly fracBits?: number;
  /** Default B for programs lowered from this model. */
  readonly boundBits?: number;
}

/**
 * Imports an ONNX ModelProto (as written by PyTorch and other exporters, opset 13–18) into a
 * {@link ForwardModel}: one data input with a leading batch dimension, one output, float
 * initializers (raw_data or typed fields) as parameters, Constant nodes folded.
 *
 * @throws CompileError COMPILE_BAD_MODEL (unreadable bytes, opset, inputs, dtypes…) or
 *   COMPILE_UNSUPPORTED_OP naming the node, its op type and why.
 */
export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ForwardModel {
  const fixedPoint = opts.fracBits !== undefined || opts.boundBits !== undefined ? resolveFixedPoint(opts) : undefined;
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw compileError(CompileCode.BadModel, `bytes are not an ONNX ModelProto (${(e as Error).message}); pass the .onnx file contents`, {}, e);
  }
  const graph = model.graph;
  if (!graph) bad("ONNX model has no graph; pass a model exported with torch.onnx.export or onnx.save");
  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  const opset = opsetEntry ? toInt((opsetEntry.version ?? 0) as number | Long) : 0;
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    bad(`ONNX default-domain opset ${opset} is not supported; export with opset_version between ${MIN_OPSET} and ${MAX_OPSET}`, { opset });
  }

  // Initializers and folded Constant nodes: name → decoded tensor.
  const consts = new Map<string, RawTensor>();
  for (const init of graph.initializer ?? []) {
    const t = decodeTensor(init, "initializer");
    consts.set(t.name, t);
  }
  const initNames = new Set(consts.keys());
  const dataInputs = (graph.input ?? []).filter((i) => !initNames.has(i.name ?? ""));
  if (dataInputs.length !== 1) {
    bad(`model must have exactly one data input (besides initializers), found ${dataInputs.length}: [${dataInputs.map((i) => i.name).join(", ")}]`);
  }
  const inputInfo = dataInputs[0];
  const dims = inputInfo.type?.tensorType?.shape?.dim ?? [];
  if (dims.length < 2) bad(`input "${inputInfo.name}" must have a batch dimension and at least one feature dimension, found rank ${dims.length}`);
  const featureShape = dims.slice(1).map((d, i) => {
    const v = d.dimValue !== undefined && d.dimValue !== null ? toInt(d.dimValue as number | Long) : 0;
    if (!(v > 0)) bad(`input "${inputInfo.name}" dimension ${i + 1} is dynamic (${d.dimParam || "?"}); only the batch dimension may be dynamic`);
    return v;
  });
  const elemType = inputInfo.type?.tensorType?.elemType;
  if (elemType !== undefined && elemType !== null && elemType !== DT.FLOAT && elemType !== DT.DOUBLE) {
    bad(`input "${inputInfo.name}" has element type ${DT[elemType] ?? elemType}; expected float`);
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) bad(`model must have exactly one output, found ${outputs.length}`);

  const nodes: ModelNode[] = [];
  const produced = new Set<string>([inputInfo.name ?? ""]);
  const paramOrder: string[] = [];
  const params = new Map<string, FloatTensor>();
  const nodeList = graph.node ?? [];

  // Reads a data operand: a produced tensor, or a float constant that becomes a parameter.
  const operand = (name: string | undefined, nodeName: string, opType: string): string => {
    if (!name) unsupported(nodeName, opType, "a required input is missing");
    if (produced.has(name)) return name;
    const c = consts.get(name);
    if (!c) bad(`node "${nodeName}" (${opType}) reads "${name}", which no earlier node produces; is the graph topologically sorted?`, { node: nodeName });
    if (c.dataType !== DT.FLOAT && c.dataType !== DT.DOUBLE) {
      unsupported(nodeName, opType, `integer tensor "${name}" used as data; only float weights are supported`);
    }
    if (!params.has(name)) {
      params.set(name, { name, shape: c.shape, data: Float64Array.from(c.values) });
      paramOrder.push(name);
    }
    return name;
  };

  nodeList.forEach((node, index) => {
    const opType = node.opType ?? "";
    const name = node.name || `${opType}_${index}`;
    if (node.domain && node.domain !== "ai.onnx") unsupported(name, opType, `custom domain "${node.domain}" is not supported`);
    const ins = node.input ?? [];
    const outs = (node.output ?? []).filter((o) => o !== "");
    if (opType === "Constant") {
      const t = attr(node, "value")?.t;
      if (!t || outs.length !== 1) unsupported(name, opType, "only Constant with a tensor `value` attribute is supported");
      consts.set(outs[0], decodeTensor({ ...t, name: outs[0] }, `Constant node "${name}"`));
      return;
    }
    if (outs.length !== 1) unsupported(name, opType, `expected one output, found ${outs.length}`);
    const output = outs[0];
    switch (opType) {
      case "Gemm": {
        const a = operand(ins[0], name, opType);
        const b = operand(ins[1], name, opType);
        const c = ins[2] ? operand(ins[2], name, opType) : undefined;
        nodes.push({
          kind: "Gemm",
          name,
          output,
          a,
          b,
          ...(c ? { c } : {}),
          transA: attrInt(node, "transA", 0) !== 0,
          transB: attrInt(node, "transB", 0) !== 0,
          alpha: attrFloat(node, "alpha", 1),
          beta: attrFloat(node, "beta", 1),
        });
        break;
      }
      case "MatMul":
      case "Add":
        nodes.push({ kind: opType, name, output, a: operand(ins[0], name, opType), b: operand(ins[1], name, opType) });
        break;
      case "Relu":
      case "Identity":
        nodes.push({ kind: opType, name, output, a: operand(ins[0], name, opType) });
        break;
      case "Transpose": {
        const perm = (attr(node, "perm")?.ints ?? []).map((v) => toInt(v as number | Long));
        if (perm.length !== 0 && !(perm.length === 2 && perm[0] === 1 && perm[1] === 0)) {
          unsupported(name, opType, `perm [${perm}] is not a 2-D transpose; only perm [1, 0] is supported`);
        }
        nodes.push({ kind: "Transpose", name, output, a: operand(ins[0], name, opType) });
        break;
      }
      case "Flatten":
        nodes.push({ kind: "Flatten", name, output, a: operand(ins[0], name, opType), axis: attrInt(node, "axis", 1) });
        break;
      case "Reshape": {
        const a = operand(ins[0], name, opType);
        const s = ins[1] ? consts.get(ins[1]) : undefined;
        if (!s || (s.dataType !== DT.INT64 && s.dataType !== DT.INT32)) {
          unsupported(name, opType, "the target shape must be a constant int64 tensor (initializer or Constant node)");
        }
        nodes.push({ kind: "Reshape", name, output, a, shape: s.values, allowzero: attrInt(node, "allowzero", 0) !== 0 });
        break;
      }
      default:
        unsupported(name, opType, `op ${opType} is outside the PinIR op set`);
    }
    produced.add(output);
  });

  const outName = outputs[0].name ?? "";
  if (!produced.has(outName) || outName === inputInfo.name) bad(`model output "${outName}" is not computed by any node`);
  return {
    name: opts.name ?? (graph.name || "model"),
    opset,
    input: { name: inputInfo.name ?? "input", shape: featureShape },
    output: outName,
    params: paramOrder.map((n) => params.get(n)!),
    nodes,
    ...(fixedPoint ? { fixedPoint } : {}),
  };
}
