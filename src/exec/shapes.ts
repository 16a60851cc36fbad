import type { PinOp, PinProgram, SlotId } from "../pinir/types";
import { broadcastShapes } from "../pinir/infer";
import { ExecCode, execError } from "./errors";

export { broadcastShapes };

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * For an output of shape `out`, the flat index into an operand of shape `src` that numpy
 * broadcasting reads for each output flat index (a precomputed map; identity when shapes agree).
 */
export function broadcastIndex(out: readonly number[], src: readonly number[]): Int32Array | undefined {
  if (out.length === src.length && out.every((d, i) => d === src[i])) return undefined;
  const n = out.reduce((p, d) => p * d, 1);
  const map = new Int32Array(n);
  const rank = out.length;
  const srcStrides = stridesOf(src);
  // stride of each output axis in the source (0 where broadcast)
  const st = new Array<number>(rank).fill(0);
  for (let i = 0; i < rank; i++) {
    const j = src.length - rank + i;
    if (j >= 0 && src[j] !== 1) st[i] = srcStrides[j];
  }
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let f = 0; f < n; f++) {
    map[f] = off;
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      off += st[ax];
      if (idx[ax] < out[ax]) break;
      off -= st[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
  return map;
}

/** Source flat index read by broadcasting for one output flat index. */
export function broadcastOne(out: readonly number[], src: readonly number[], flat: number): number {
  const rank = out.length;
  const outStrides = stridesOf(out);
  const srcStrides = stridesOf(src);
  let off = 0;
  for (let i = 0; i < rank; i++) {
    const coord = Math.floor(flat / outStrides[i]) % out[i];
    const j = src.length - rank + i;
    if (j >= 0 && src[j] !== 1) off += coord * srcStrides[j];
  }
  return off;
}

function bad(op: PinOp, index: number, program: PinProgram, msg: string): never {
  const out = program.slots[op.out];
  throw execError(
    ExecCode.ShapeMismatch,
    `op ${index} (${op.op}) writing slot ${op.out} "${out?.name}": ${msg}`,
    {
      op: index,
      opName: op.op,
      slot: op.out,
    },
  );
}

/** The output shape an op produces from its operands' slot shapes (throws EXEC_SHAPE_MISMATCH). */
export function inferShape(program: PinProgram, op: PinOp, index: number): number[] {
  const sh = (id: SlotId): readonly number[] => program.slots[id].shape;
  switch (op.op) {
    case "MatMul": {
      const a = sh(op.a);
      const b = sh(op.b);
      if (a.length !== 2 || b.length !== 2)
        bad(op, index, program, `operands must be rank 2, got [${a}] and [${b}]`);
      const [m, ka] = op.transA ? [a[1], a[0]] : [a[0], a[1]];
      const [kb, n] = op.transB ? [b[1], b[0]] : [b[0], b[1]];
      if (ka !== kb)
        bad(
          op,
          index,
          program,
          `contracted dimensions differ: ${ka} vs ${kb} (a [${a}], b [${b}], transA ${op.transA}, transB ${op.transB})`,
        );
      return [m, n];
    }
    case "Add":
    case "Sub":
    case "Mul": {
      const r = broadcastShapes(sh(op.a), sh(op.b));
      if (!r) bad(op, index, program, `cannot broadcast [${sh(op.a)}] with [${sh(op.b)}]`);
      return r;
    }
    case "MulConst":
    case "Relu":
    case "Rescale":
    case "Clip":
      return [...sh(op.a)];
    case "ReluGrad": {
      const g = sh(op.g);
      const x = sh(op.x);
      if (g.length !== x.length || g.some((d, i) => d !== x[i]))
        bad(op, index, program, `g [${g}] and x [${x}] must have the same shape`);
      return [...g];
    }
    case "Transpose": {
      const a = sh(op.a);
      if (a.length !== 2) bad(op, index, program, `Transpose needs rank 2, got [${a}]`);
      return [a[1], a[0]];
    }
    case "ReduceSum": {
      const a = sh(op.a);
      if (!Number.isInteger(op.axis) || op.axis < 0 || op.axis >= a.length)
        bad(op, index, program, `axis ${op.axis} out of range for [${a}]`);
      return a.filter((_, i) => i !== op.axis);
    }
    case "Reshape":
      return [...program.slots[op.out].shape];
    default: {
      const unknown = op as { op: string };
      throw execError(ExecCode.BadProgram, `op ${index}: unsupported PinIR op "${unknown.op}"`, {
        op: index,
        opName: unknown.op,
      });
    }
  }
}
