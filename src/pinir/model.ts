/**
 * A feed-forward model as imported from ONNX, before lowering: float weights and a list of
 * normalised nodes in execution order. Independent of fixed-point choices.
 */

/** A float tensor (row-major). */
export interface FloatTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

interface NodeBase {
  /** ONNX node name (or a generated `<opType>_<index>` when the exporter left it empty). */
  readonly name: string;
  /** Output tensor name. */
  readonly output: string;
}

/** Normalised model nodes; every input is a tensor name (graph input, parameter or node output). */
export type ModelNode =
  | (NodeBase & {
      readonly kind: "Gemm";
      readonly a: string;
      readonly b: string;
      readonly c?: string;
      readonly transA: boolean;
      readonly transB: boolean;
      readonly alpha: number;
      readonly beta: number;
    })
  | (NodeBase & { readonly kind: "MatMul"; readonly a: string; readonly b: string })
  | (NodeBase & { readonly kind: "Add"; readonly a: string; readonly b: string })
  | (NodeBase & { readonly kind: "Relu"; readonly a: string })
  | (NodeBase & { readonly kind: "Flatten"; readonly a: string; readonly axis: number })
  /** `shape` as written in the model (may contain −1 and, unless allowzero, 0 = copy). */
  | (NodeBase & { readonly kind: "Reshape"; readonly a: string; readonly shape: readonly number[]; readonly allowzero: boolean })
  | (NodeBase & { readonly kind: "Identity"; readonly a: string })
  /** 2-D transpose (perm absent or [1, 0]). */
  | (NodeBase & { readonly kind: "Transpose"; readonly a: string });

export type ModelNodeKind = ModelNode["kind"];

export interface ForwardModel {
  readonly name: string;
  /** Default-domain opset the model was exported with (13–18). */
  readonly opset: number;
  /** The one data input: name and per-sample shape (the leading batch dimension removed). */
  readonly input: { readonly name: string; readonly shape: readonly number[] };
  /** The output tensor (logits / predictions). */
  readonly output: string;
  /** Trainable parameters: every float initializer or Constant read as data, in first-use order. */
  readonly params: readonly FloatTensor[];
  readonly nodes: readonly ModelNode[];
  /** Fixed-point defaults given at import; lowering options override them. */
  readonly fixedPoint?: { readonly fracBits?: number; readonly boundBits?: number };
}
