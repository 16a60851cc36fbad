import type { IntTensor, PinProgram, SlotId } from "../pinir/types";
import { isChecked } from "./checked";
import { ExecCode, execError } from "./errors";

/** Largest magnitude an exact integer may have in float64: 2^53 − 1. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** Number of elements of a row-major shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Builds an {@link IntTensor}, checking the element count, integrality and bounds. */
export function intTensor(
  shape: readonly number[],
  data: Float64Array | readonly number[],
  scale: number,
): IntTensor {
  const arr = data instanceof Float64Array ? data : Float64Array.from(data);
  if (arr.length !== sizeOf(shape)) {
    throw execError(
      ExecCode.ShapeMismatch,
      `tensor of shape [${shape.join(",")}] needs ${sizeOf(shape)} elements, got ${arr.length}`,
      {
        shape: [...shape],
        length: arr.length,
      },
    );
  }
  canonicalize(arr, "tensor");
  return { shape: [...shape], data: arr, scale };
}

/**
 * Canonicalises in place (−0 → +0) and checks every element is an integer with |v| ≤ 2^53 − 1.
 * One pass; this is what runs on every tensor the executor hands back, before anything can hash
 * or compare it. Throws EXEC_NON_INTEGER naming `what` and the first offending index.
 */
export function canonicalize(data: Float64Array, what: string): Float64Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === 0) {
      data[i] = 0; // turns −0 into +0
    } else if (!(v >= -MAX_EXACT && v <= MAX_EXACT) || Math.floor(v) !== v) {
      throw execError(
        ExecCode.NonInteger,
        `${what}[${i}] = ${v} is not an exact integer below 2^53: the program's bounds were violated or the runtime misbehaved; do not hash or commit this value`,
        { what, index: i, value: String(v) },
      );
    }
  }
  return data;
}

/**
 * The fast path's check for tensors that cannot hold −0 (see mayBeNegativeZero): every element
 * within ±(2^53 − 1) (also rejects NaN and ±∞). Integrality needs no check there: every PinIR op
 * maps integers to integers (Rescale floors), and every float64 of magnitude ≥ 2^53 is caught here.
 */
export function checkRange(data: Float64Array, what: string): Float64Array {
  let ok = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v <= MAX_EXACT && v >= -MAX_EXACT)) ok = false;
  }
  if (!ok) return canonicalize(data, what); // names the first offending element
  return data;
}

/** True when both tensors have the same shape, scale and bit-identical data (after canonicalisation, −0 = +0 is not allowed). */
export function tensorsEqual(a: IntTensor, b: IntTensor): boolean {
  if (a.scale !== b.scale || !sameShape(a.shape, b.shape) || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

/** Index of the first differing element, or −1 (shapes must match). */
export function firstDifference(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : n;
}

/** Checks that `t` fits slot `id` of `program` (shape; the scale is taken from the slot). */
export function checkSlotTensor(program: PinProgram, id: SlotId, t: IntTensor | undefined): IntTensor {
  const slot = program.slots[id];
  if (t === undefined) {
    throw execError(
      ExecCode.MissingInput,
      `no value for slot ${id} "${slot.name}" (${slot.kind}); pass one of shape [${slot.shape.join(",")}]`,
      {
        slot: id,
        name: slot.name,
      },
    );
  }
  if (!sameShape(t.shape, slot.shape) || t.data.length !== sizeOf(slot.shape)) {
    throw execError(
      ExecCode.ShapeMismatch,
      `slot ${id} "${slot.name}" (${slot.kind}) has shape [${slot.shape.join(",")}] but the tensor given has shape [${t.shape.join(",")}] with ${t.data.length} elements`,
      { slot: id, name: slot.name, expected: [...slot.shape], got: [...t.shape] },
    );
  }
  return t;
}

/** A const slot's data as an IntTensor. */
export function constTensor(program: PinProgram, id: SlotId): IntTensor {
  const slot = program.slots[id];
  if (slot.data === undefined) {
    throw execError(ExecCode.BadProgram, `const slot ${id} "${slot.name}" has no data`, { slot: id });
  }
  return intTensor(slot.shape, slot.data, slot.scale);
}

/**
 * Checks that every value fed to slot `id` is an integer with |v| ≤ maxAbs: the compiler's bound
 * proof assumes it (docs/PINIR.md), and outside it float64 results could stop being exact.
 * Tensors the executor produced itself (marked checked) are not scanned again.
 */
export function checkInputBounds(program: PinProgram, id: SlotId, t: IntTensor): IntTensor {
  if (isChecked(t)) return t;
  const slot = program.slots[id];
  const m = slot.maxAbs;
  const d = t.data;
  let ok = true;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!(v <= m && v >= -m) || Math.floor(v) !== v) {
      ok = false;
      break;
    }
  }
  if (!ok) {
    const i = d.findIndex((v) => !(v <= m && v >= -m) || Math.floor(v) !== v);
    throw execError(
      ExecCode.InputBounds,
      `slot ${id} "${slot.name}" (${slot.kind}) element ${i} is ${d[i]}, outside the proven bound ±${m} (or not an integer): quantize inputs at scale ${slot.scale} and clip them to ±${m} before running`,
      { slot: id, name: slot.name, index: i, value: String(d[i]), maxAbs: m },
    );
  }
  return t;
}
