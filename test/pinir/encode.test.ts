import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { rootFromPath } from "../../src/commit";
import { CompileError } from "../../src/errors";
import {
  CompileCode,
  OPCODES,
  PINIR_VERSION,
  checkBounds,
  decodeOp,
  decodeProgram,
  deriveTrainStep,
  encodeOp,
  encodeProgram,
  lowerForward,
  mlp,
  opLeaf,
  opProof,
  programCommitment,
  programHash,
  programHashFromParts,
  seededRandom,
  slotLeaf,
  slotProof,
  type PinOp,
  type PinProgram,
} from "../../src/pinir";
import { everyOpProgram } from "./programs";

const VECTORS = path.join(__dirname, "vectors/program.json");

function decodeErr(bytes: Uint8Array): CompileError {
  try {
    decodeProgram(bytes);
  } catch (e) {
    expect(e).to.be.instanceOf(CompileError);
    expect((e as CompileError).code).to.equal(CompileCode.BadEncoding);
    return e as CompileError;
  }
  expect.fail("expected decodeProgram to throw");
}

function withOps(p: PinProgram, ops: PinOp[]): PinProgram {
  return { ...p, ops };
}

const train = deriveTrainStep(mlp([4, 16, 3]), { batchSize: 8, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.5 } });

describe("pinir binary encoding", () => {
  const programs: [string, PinProgram][] = [
    ["every-op program with a const slot", everyOpProgram()],
    ["iris inference program", lowerForward(mlp([4, 16, 3]), { batchSize: 8 })],
    ["iris train-step program", train],
  ];

  for (const [name, p] of programs) {
    it(`round-trips the ${name} exactly`, () => {
      const bytes = encodeProgram(p);
      const back = decodeProgram(bytes);
      expect(back).to.deep.equal(JSON.parse(JSON.stringify(p)));
      expect(Buffer.from(encodeProgram(back)).equals(Buffer.from(bytes))).to.equal(true);
      expect(programHash(back).equals(programHash(p))).to.equal(true);
    });
  }

  it("encodes every op kind with a distinct opcode, and decodeOp inverts encodeOp", () => {
    const p = everyOpProgram();
    expect(new Set(p.ops.map((o) => o.op)).size).to.equal(Object.keys(OPCODES).length);
    for (const op of p.ops) {
      const enc = encodeOp(op);
      expect(enc[0]).to.equal(OPCODES[op.op]);
      expect(decodeOp(enc)).to.deep.equal(op);
    }
    const mc = p.ops.find((o) => o.op === "MulConst")!;
    expect(encodeOp(mc).toString("hex")).to.equal("05" + "0000000a" + "00000009" + "fffffffffffffffd"); // c = −3, i64
  });

  it("starts with the PNIR magic and the version", () => {
    const bytes = Buffer.from(encodeProgram(train));
    expect(bytes.subarray(0, 4).toString("ascii")).to.equal("PNIR");
    expect(bytes.readUInt32BE(4)).to.equal(PINIR_VERSION);
  });

  it("rejects an unknown version with a clear error", () => {
    const bytes = Buffer.from(encodeProgram(train));
    bytes.writeUInt32BE(PINIR_VERSION + 1, 4);
    const e = decodeErr(bytes);
    expect(e.message).to.contain(`version ${PINIR_VERSION + 1} is not supported`);
    expect(e.details).to.include({ version: PINIR_VERSION + 1 });
  });

  it("rejects an unknown opcode, naming the op index", () => {
    const p = everyOpProgram();
    const bytes = Buffer.from(encodeProgram(p));
    const opsLen = p.ops.reduce((n, op) => n + encodeOp(op).length, 0);
    const firstOp = bytes.length - opsLen;
    bytes[firstOp + encodeOp(p.ops[0]).length] = 0xee; // opcode of op 1
    const e = decodeErr(bytes);
    expect(e.message).to.contain("op 1 has unknown opcode 0xee");
  });

  it("rejects bad magic, truncation at any point and trailing bytes", () => {
    const bytes = Buffer.from(encodeProgram(everyOpProgram()));
    decodeErr(Buffer.concat([Buffer.from("XNIR"), bytes.subarray(4)]));
    for (const cut of [3, 9, 20, bytes.length - 1]) decodeErr(bytes.subarray(0, cut));
    expect(decodeErr(Buffer.concat([bytes, Buffer.from([0])])).message).to.contain("trailing bytes");
  });

  it("canonicalises outputs: the key order of `outputs` does not change bytes or hash", () => {
    const p = everyOpProgram();
    const q = { ...p, outputs: { z: p.outputs.z, y: p.outputs.y } };
    expect(Buffer.from(encodeProgram(q)).equals(Buffer.from(encodeProgram(p)))).to.equal(true);
  });
});

describe("pinir programHash", () => {
  const base = everyOpProgram();
  const h0 = programHash(base);

  it("is H(0x07 ‖ u32 version ‖ metaHash ‖ u32 nSlots ‖ slotsRoot ‖ u32 nOps ‖ opsRoot)", () => {
    const c = programCommitment(base);
    expect(c.hash.equals(h0)).to.equal(true);
    expect(programHashFromParts(c.version, c.metaHash, c.nSlots, c.slotsRoot, c.nOps, c.opsRoot).equals(h0)).to.equal(true);
    expect([c.nSlots, c.nOps]).to.deep.equal([base.slots.length, base.ops.length]);
  });

  it("proves every op and every slot with a list proof, and rejects a tampered op encoding", () => {
    const c = programCommitment(base);
    base.ops.forEach((op, j) => {
      expect(rootFromPath(opLeaf(op), j, opProof(base, j)).equals(c.opsRoot)).to.equal(true);
    });
    base.slots.forEach((s, i) => {
      expect(rootFromPath(slotLeaf(s), i, slotProof(base, i)).equals(c.slotsRoot)).to.equal(true);
    });
    const j = base.ops.findIndex((o) => o.op === "Rescale");
    const forged = { ...(base.ops[j] as Extract<PinOp, { op: "Rescale" }>), shift: 3 };
    expect(rootFromPath(opLeaf(forged), j, opProof(base, j)).equals(c.opsRoot)).to.equal(false);
    // The right op at the wrong index does not verify either.
    expect(rootFromPath(opLeaf(base.ops[j]), j + 1, opProof(base, j)).equals(c.opsRoot)).to.equal(false);
  });

  const tampers: [string, (p: PinProgram) => PinProgram][] = [
    ["an op field (Rescale shift)", (p) => withOps(p, p.ops.map((o) => (o.op === "Rescale" ? { ...o, shift: o.shift + 1 } : o)))],
    ["an op's operand slot", (p) => withOps(p, p.ops.map((o, i) => (i === 2 && o.op === "Add" ? { ...o, b: o.a } : o)))],
    ["MatMul transpose flags", (p) => withOps(p, p.ops.map((o) => (o.op === "MatMul" ? { ...o, transB: !o.transB } : o)))],
    ["the op order", (p) => withOps(p, [p.ops[1], p.ops[0], ...p.ops.slice(2)])],
    ["a dropped last op", (p) => withOps(p, p.ops.slice(0, -1))],
    ["a slot's maxAbs", (p) => ({ ...p, slots: p.slots.map((s, i) => (i === 0 ? { ...s, maxAbs: s.maxAbs - 1 } : s)) })],
    ["a slot's shape", (p) => ({ ...p, slots: p.slots.map((s) => (s.name === "re" ? { ...s, shape: [2, 1] } : s)) })],
    ["a const slot's data", (p) => ({ ...p, slots: p.slots.map((s) => (s.kind === "const" ? { ...s, data: [7, -1] } : s)) })],
    ["a slot's kind", (p) => ({ ...p, slots: p.slots.map((s) => (s.kind === "input" ? { ...s, kind: "target" as const } : s)) })],
    ["fracBits", (p) => ({ ...p, fracBits: p.fracBits + 1 })],
    ["boundBits", (p) => ({ ...p, boundBits: p.boundBits + 1 })],
    ["a state update", (p) => ({ ...p, stateUpdates: [p.stateUpdates[0], { from: p.stateUpdates[1].from, to: p.stateUpdates[0].to }] })],
    ["an output", (p) => ({ ...p, outputs: { ...p.outputs, y: p.outputs.z } })],
  ];
  for (const [what, tamper] of tampers) {
    it(`changes when ${what} changes`, () => {
      expect(programHash(tamper(base)).equals(h0)).to.equal(false);
    });
  }

  it("matches the committed vector (test/pinir/vectors/program.json) that Solidity checks against", () => {
    const v = JSON.parse(fs.readFileSync(VECTORS, "utf8")) as {
      program: string;
      hash: string;
      metaHash: string;
      slotsRoot: string;
      opsRoot: string;
      ops: { index: number; encoding: string; leaf: string; proof: string[] }[];
    };
    const c = programCommitment(base);
    expect(Buffer.from(encodeProgram(base)).toString("hex")).to.equal(v.program);
    expect(c.hash.toString("hex")).to.equal(v.hash);
    expect([c.metaHash.toString("hex"), c.slotsRoot.toString("hex"), c.opsRoot.toString("hex")]).to.deep.equal([v.metaHash, v.slotsRoot, v.opsRoot]);
    for (const o of v.ops) {
      expect(encodeOp(base.ops[o.index]).toString("hex")).to.equal(o.encoding);
      expect(opLeaf(base.ops[o.index]).toString("hex")).to.equal(o.leaf);
      expect(opProof(base, o.index).map((h) => h.toString("hex"))).to.deep.equal(o.proof);
    }
  });
});

describe("pinir decoding and checking hostile bytes", () => {
  it("every single-byte mutation either fails with a CompileError or decodes canonically (re-encodes to the same bytes)", () => {
    const bytes = Buffer.from(encodeProgram(everyOpProgram()));
    const rand = seededRandom(99);
    let decoded = 0;
    let rejected = 0;
    for (let trial = 0; trial < 600; trial++) {
      const mutated = Buffer.from(bytes);
      const at = Math.floor(rand() * mutated.length);
      mutated[at] = (mutated[at] + 1 + Math.floor(rand() * 255)) & 0xff;
      let p: PinProgram;
      try {
        p = decodeProgram(mutated);
      } catch (e) {
        expect(e, `mutation at byte ${at}`).to.be.instanceOf(CompileError);
        rejected++;
        continue;
      }
      decoded++;
      expect(Buffer.from(encodeProgram(p)).equals(mutated), `mutation at byte ${at}`).to.equal(true);
      expect(programHash(p).equals(programHash(everyOpProgram()))).to.equal(false);
      // Whatever decodes is either proven bounded or refused with a CompileError, never a crash.
      try {
        checkBounds(p);
      } catch (e) {
        expect(e, `checkBounds after mutation at byte ${at}`).to.be.instanceOf(CompileError);
      }
    }
    expect(decoded).to.be.greaterThan(50);
    expect(rejected).to.be.greaterThan(50);
  });
});

describe("pinir compilation is deterministic (a task's program hash must be reproducible)", () => {
  const mnist = () => mlp([784, 64, 10]);

  it("compiles the same model and options to the same hash, and different options to different hashes", () => {
    const opts = { batchSize: 64, loss: "mse" as const, optimizer: { kind: "sgd" as const, learningRate: 1 } };
    const h = programHash(deriveTrainStep(mnist(), opts));
    expect(programHash(deriveTrainStep(mnist(), opts)).equals(h)).to.equal(true);
    expect(programHash(deriveTrainStep(mnist(), { ...opts, optimizer: { kind: "sgd", learningRate: 0.5 } })).equals(h)).to.equal(false);
    expect(programHash(deriveTrainStep(mnist(), { ...opts, batchSize: 32 })).equals(h)).to.equal(false);
    expect(programHash(deriveTrainStep(mnist(), { ...opts, fracBits: 15 })).equals(h)).to.equal(false);
  });

  // Pinned hashes: a compiler change that alters them changes what existing tasks committed to.
  // If the change is deliberate, update these values (and bump PINIR_VERSION if the encoding changed).
  const pinned: [string, () => PinProgram, string][] = [
    ["MNIST MSE train step (batch 64, lr 1)", () => deriveTrainStep(mnist(), { batchSize: 64, loss: "mse", optimizer: { kind: "sgd", learningRate: 1 } }), "cc4103ef529009422babec022db03d575dfc55eaa4c30c1230f86a15ae4a9c32"],
    ["MNIST softmax-ce train step (batch 64, lr 0.5)", () => deriveTrainStep(mnist(), { batchSize: 64, loss: "softmax-ce", optimizer: { kind: "sgd", learningRate: 0.5 } }), "a928d261a3193818beed144447e9a689d618a2e54ec686a8441a0691b4d7d5fe"],
    ["iris inference (batch 30)", () => lowerForward(mlp([4, 16, 3]), { batchSize: 30 }), "b32c8a585f64a3e6ef5515e99ded6c1255d2878d9ed68d79b516cf5a0409fa39"],
  ];
  for (const [name, build, hash] of pinned) {
    it(`pins the program hash of the ${name}`, () => {
      expect(programHash(build()).toString("hex")).to.equal(hash);
    });
  }
});
