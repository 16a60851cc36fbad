import { expect } from "chai";
import { bindSlots, runReference, validateProgram } from "../../src/exec";
import { CompileError } from "../../src/errors";
import {
  CompileCode,
  ProgramBuilder,
  checkBounds,
  decodeProgram,
  deriveTrainStep,
  encodeProgram,
  lowerForward,
  mlp,
  type PinOp,
  type PinProgram,
  type SlotInfo,
} from "../../src/pinir";
import { everyOpProgram } from "./programs";

const TWO53 = 2n ** 53n;

function boundsErr(p: PinProgram): CompileError {
  try {
    checkBounds(p);
  } catch (e) {
    expect(e).to.be.instanceOf(CompileError);
    return e as CompileError;
  }
  expect.fail("expected checkBounds to throw");
}

const setSlot = (p: PinProgram, id: number, patch: Partial<SlotInfo>): PinProgram => ({
  ...p,
  slots: p.slots.map((s, i) => (i === id ? { ...s, ...patch } : s)),
});
const setOps = (p: PinProgram, ops: PinOp[]): PinProgram => ({ ...p, ops });

describe("pinir checkBounds", () => {
  describe("the MNIST 784-64-10 train step (batch 64, F = 16, B = 20)", () => {
    const program = deriveTrainStep(mlp([784, 64, 10]), { batchSize: 64, loss: "mse", optimizer: { kind: "sgd", learningRate: 1 } });

    it("is proven bounded, also after an encode/decode round trip", () => {
      const report = checkBounds(program);
      expect(report.maxLog2).to.be.lessThan(53);
      expect(report.ops.length).to.equal(program.ops.length);
      checkBounds(decodeProgram(encodeProgram(program)));
      validateProgram(program); // the executor's independent validator agrees
    });

    it("bounds every reduction independently: K·maxAbs(a)·maxAbs(b) < 2^53 (MatMul), K·maxAbs(a) < 2^53 (ReduceSum)", () => {
      const s = program.slots;
      let reductions = 0;
      for (const op of program.ops) {
        if (op.op === "MatMul") {
          const [a, b] = [s[op.a], s[op.b]];
          const k = op.transA ? a.shape[0] : a.shape[1];
          expect(BigInt(k) * BigInt(a.maxAbs) * BigInt(b.maxAbs) < TWO53, s[op.out].name).to.equal(true);
          expect(s[op.out].maxAbs).to.equal(Number(BigInt(k) * BigInt(a.maxAbs) * BigInt(b.maxAbs)));
          reductions++;
        } else if (op.op === "ReduceSum") {
          expect(BigInt(s[op.a].shape[op.axis]) * BigInt(s[op.a].maxAbs) < TWO53).to.equal(true);
          reductions++;
        }
      }
      // forward 2 MatMuls; backward: 1 input-gradient and 2 weight-gradient MatMuls; bias sums and loss sums.
      expect(program.ops.filter((o) => o.op === "MatMul").length).to.equal(5);
      expect(reductions).to.be.greaterThan(5);
      // The weight gradients contract over the batch axis.
      const wgrads = program.ops.filter((o) => o.op === "MatMul" && s[o.out].name.startsWith("d(fc"));
      expect(wgrads.map((o) => s[o.out].shape)).to.deep.include.members([[64, 784], [10, 64]]);
    });

    it("keeps every activation, adjoint and next state within ±(2^B − 1) after each Rescale/Clip", () => {
      const limit = 2 ** 20 - 1;
      for (const op of program.ops) if ((op.op === "Rescale" || op.op === "Clip") && op.bound === 20) expect(program.slots[op.out].maxAbs).to.be.at.most(limit);
      for (const { from, to } of program.stateUpdates) {
        expect(program.slots[from]).to.include({ kind: "state", maxAbs: limit, scale: 16 });
        expect(program.slots[to].maxAbs).to.be.at.most(limit);
        expect(program.slots[to].shape).to.deep.equal(program.slots[from].shape);
      }
      expect(program.stateUpdates.map((u) => program.slots[u.from].name)).to.deep.equal(["fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias"]);
      expect(Object.keys(program.outputs).sort()).to.deep.equal(["logits", "loss"]);
    });
  });

  it("the MNIST softmax cross-entropy train step is proven bounded too (and accepted by the executor's validator)", () => {
    const program = deriveTrainStep(mlp([784, 64, 10]), { batchSize: 64, loss: "softmax-ce", optimizer: { kind: "sgd", learningRate: 0.5 } });
    expect(checkBounds(program).maxLog2).to.be.lessThan(53);
    validateProgram(program);
    checkBounds(decodeProgram(encodeProgram(program)));
    // The softmax constants (selectors, Horner coefficients, Newton start) are committed const slots.
    expect(program.slots.filter((s) => s.kind === "const").length).to.be.greaterThan(10);
  });

  it("accepts the largest K with K·(2^20 − 1)^2 < 2^53 and refuses K + 1", () => {
    const m = (2n ** 20n - 1n) ** 2n;
    const kMax = Number((TWO53 - 1n) / m);
    const build = (k: number) => {
      const b = new ProgramBuilder(16, 20);
      const x = b.addSlot("input", "x", [1, k], 16, 2 ** 20 - 1);
      const w = b.addSlot("state", "w", [k, 1], 16, 2 ** 20 - 1);
      b.emit({ op: "MatMul", a: x, b: w, transA: false, transB: false }, "y", { node: "probe", opType: "MatMul" });
      return b.build({ outputs: {} });
    };
    expect(kMax).to.equal(8192);
    checkBounds(build(kMax));
    try {
      build(kMax + 1);
      expect.fail("expected a CompileError");
    } catch (e) {
      expect((e as CompileError).code).to.equal(CompileCode.UnboundedReduction);
      expect((e as CompileError).message).to.contain('node "probe" (MatMul)');
    }
  });

  describe("refuses tampered programs, naming the op", () => {
    const base = everyOpProgram();
    const opIndex = (name: string) => base.ops.findIndex((o) => base.slots[o.out].name === name);

    it("accepts the untampered every-op program, which the reference interpreter also runs", () => {
      checkBounds(base);
      const t = (shape: number[], data: number[]) => ({ shape, data: Float64Array.from(data), scale: 4 });
      const state = [t([2, 3], [16, -32, 48, 5, 6, 7]), t([3, 2], [1, 2, 3, 4, 5, 6])];
      const vals = runReference(base, bindSlots(base, state, { x: t([2, 2], [16, 0, -16, 8]), y: t([2, 2], [1, 2, 3, 4]) }));
      expect(vals[base.outputs.y].shape).to.deep.equal([1, 2]);
    });

    it("a slot declaring a smaller maxAbs than its op can produce", () => {
      const j = opIndex("mm");
      const e = boundsErr(setSlot(base, base.ops[j].out, { maxAbs: 1000 }));
      expect(e.code).to.equal(CompileCode.UnboundedReduction);
      expect(e.message).to.contain(`op ${j} (MatMul`);
      expect(e.message).to.contain("declares maxAbs 1000");
    });

    it("a state slot whose bound makes a reduction reach 2^53", () => {
      const e = boundsErr(setSlot(base, 0, { maxAbs: 2 ** 45 }));
      expect(e.code).to.equal(CompileCode.UnboundedReduction);
      expect(e.message).to.match(/op 0 \(MatMul/);
    });

    it("a state update whose value can exceed the state's proven bound", () => {
      const next = base.stateUpdates[0].to;
      const e = boundsErr(setSlot(base, next, { maxAbs: 2000 }));
      expect(e.code).to.equal(CompileCode.UnboundedReduction);
      expect(e.message).to.contain("next value can reach 2000 > the state's proven bound 1023");
      const missing = boundsErr({ ...base, stateUpdates: [base.stateUpdates[0]] });
      expect(missing.message).to.contain('state slot 1 "w"');
    });

    it("SSA violations: a slot written twice, a read before write, a write to a state slot", () => {
      const ops = base.ops.slice();
      ops[3] = { ...ops[3], out: ops[2].out } as PinOp;
      expect(boundsErr(setOps(base, ops)).message).to.contain("second time");
      const early = base.ops.slice();
      [early[0], early[1]] = [early[1], early[0]];
      expect(boundsErr(setOps(base, early)).message).to.contain("before it is written");
      const st = base.ops.slice();
      st[0] = { ...st[0], out: 0 } as PinOp;
      expect(boundsErr(setOps(base, st)).message).to.contain("not a temp slot");
    });

    it("shape and scale mismatches, and a Rescale shifting more than the scale", () => {
      const j = opIndex("add");
      expect(boundsErr(setSlot(base, base.ops[j].out, { shape: [2, 3] })).message).to.contain("computes shape");
      expect(boundsErr(setSlot(base, base.ops[j].out, { scale: 5 })).message).to.contain("computes scale");
      const ops = base.ops.map((o) => (o.op === "Rescale" ? { ...o, shift: 9 } : o));
      expect(boundsErr(setOps(base, ops)).message).to.contain("exceeds the operand's scale");
    });

    it("const data outside its declared bound", () => {
      const c = base.slots.findIndex((s) => s.kind === "const");
      expect(boundsErr(setSlot(base, c, { data: [8, 0] })).message).to.contain("not an integer within maxAbs");
    });
  });

  it("lowered inference programs for the built-in models are bounded", () => {
    for (const [sizes, batch] of [
      [[784, 64, 10], 256],
      [[4, 16, 3], 150],
    ] as const) {
      const r = checkBounds(lowerForward(mlp(sizes), { batchSize: batch }));
      expect(r.maxLog2).to.be.lessThan(53);
    }
  });
});
