import { CompileCode, compileError } from "./errors";
import type { ForwardModel } from "./model";
import type { IntTensor, PinProgram } from "./types";

/**
 * Fixed-point quantization: v = clip(floor(x·2^scale + 1/2), −(2^bound − 1), 2^bound − 1)
 * (round half up, the same rule as Rescale). −0 never appears.
 */
export function quantize(values: ArrayLike<number>, scale: number, boundBits = 52): Float64Array {
  const limit = 2 ** boundBits - 1;
  const f = 2 ** scale;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) throw compileError(CompileCode.BadModel, `cannot quantize non-finite value ${x} at index ${i}`, { index: i });
    let v = Math.floor(x * f + 0.5);
    if (v > limit) v = limit;
    else if (v < -limit) v = -limit;
    out[i] = v === 0 ? 0 : v;
  }
  return out;
}

/** Real values of fixed-point integers: x = v / 2^scale. */
export function dequantize(values: ArrayLike<number>, scale: number): Float64Array {
  const f = 2 ** scale;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] / f;
  return out;
}

/**
 * Initial state of a program compiled from `model`: one tensor per state slot, in slot order
 * (the order of the state hash), each the model parameter of the same name quantized at the
 * slot's scale and clipped to the slot's maxAbs.
 */
export function initialState(program: PinProgram, model: ForwardModel): IntTensor[] {
  const byName = new Map(model.params.map((p) => [p.name, p]));
  const out: IntTensor[] = [];
  for (const s of program.slots) {
    if (s.kind !== "state") continue;
    const p = byName.get(s.name);
    if (!p) throw compileError(CompileCode.BadModel, `program state slot "${s.name}" has no parameter of that name in the model`, { slot: s.name });
    if (p.data.length !== s.shape.reduce((a, d) => a * d, 1)) {
      throw compileError(CompileCode.BadModel, `parameter "${s.name}" has ${p.data.length} values, slot shape is [${s.shape}]`, { slot: s.name });
    }
    const bound = Math.log2(s.maxAbs + 1);
    out.push({ shape: [...s.shape], data: quantize(p.data, s.scale, Number.isInteger(bound) ? bound : 52), scale: s.scale });
  }
  return out;
}
