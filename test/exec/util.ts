import type { IntTensor, PinOp, PinProgram, SlotInfo, SlotKind } from "../../src/pinir/types";

/** A slot declaration for hand-written test programs. */
export function slot(
  kind: SlotKind,
  shape: number[],
  maxAbs = 2 ** 20 - 1,
  extra: Partial<SlotInfo> = {},
): SlotInfo {
  return { name: `${kind}_${shape.join("x") || "scalar"}`, kind, shape, scale: 0, maxAbs, ...extra };
}

export function program(slots: SlotInfo[], ops: PinOp[], more: Partial<PinProgram> = {}): PinProgram {
  return {
    version: 1,
    fracBits: 16,
    boundBits: 20,
    slots: slots.map((s, i) => ({ ...s, name: `${s.name}#${i}` })),
    ops,
    stateUpdates: [],
    outputs: {},
    ...more,
  };
}

export function t(shape: number[], data: number[], scale = 0): IntTensor {
  return { shape, data: Float64Array.from(data), scale };
}

/** Value table with the given non-temp slot values. */
export function table(p: PinProgram, values: Record<number, IntTensor>): (IntTensor | undefined)[] {
  return p.slots.map((_, i) => values[i]);
}
