/** Test helper: a small hand-built program that uses every PinIR op once (plus a const slot). */
import { ProgramBuilder, type PinProgram } from "../../src/pinir";

export function everyOpProgram(): PinProgram {
  const b = new ProgramBuilder(4, 10);
  const o = { node: "test", opType: "test" };
  const a = b.addSlot("state", "a", [2, 3], 4, 1023);
  const w = b.addSlot("state", "w", [3, 2], 4, 1023);
  const x = b.addSlot("input", "x", [2, 2], 4, 1023);
  const t = b.addSlot("target", "t", [2, 2], 4, 1023);
  const c = b.addSlot("const", "c", [2], 4, 7, [7, -2]);
  const mm = b.emit({ op: "MatMul", a, b: w, transA: false, transB: false }, "mm", o);
  const r = b.emit({ op: "Rescale", a: mm, shift: 4, bound: 10 }, "r", o);
  const add = b.emit({ op: "Add", a: r, b: c }, "add", o);
  const sub = b.emit({ op: "Sub", a: add, b: t }, "sub", o);
  const mul = b.emit({ op: "Mul", a: sub, b: x }, "mul", o);
  const mc = b.emit({ op: "MulConst", a: mul, c: -3 }, "mc", o, { scale: 8 });
  const relu = b.emit({ op: "Relu", a: mc }, "relu", o);
  const rg = b.emit({ op: "ReluGrad", g: relu, x: sub }, "rg", o);
  const tr = b.emit({ op: "Transpose", a: rg }, "tr", o);
  const rs = b.emit({ op: "ReduceSum", a: tr, axis: 1 }, "rs", o);
  const cl = b.emit({ op: "Clip", a: rs, bound: 12 }, "cl", o);
  const re = b.emit({ op: "Reshape", a: cl }, "re", o, { shape: [1, 2] });
  const mt = b.emit({ op: "MatMul", a: x, b: a, transA: true, transB: false }, "mt", o);
  const a2 = b.emit({ op: "Rescale", a: mt, shift: 4, bound: 10 }, "a'", o);
  return b.build({ stateUpdates: [{ from: a, to: a2 }, { from: w, to: w }], outputs: { y: re, z: relu } });
}
