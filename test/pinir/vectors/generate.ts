/**
 * Writes program.json: the encoding, commitment and op proofs of the every-op test program, a
 * shared vector for the Solidity one-step verifier. Run:
 * `TS_NODE_TRANSPILE_ONLY=1 npx ts-node test/pinir/vectors/generate.ts`.
 */
import fs from "node:fs";
import path from "node:path";
import { encodeOp, encodeProgram, opLeaf, opProof, programCommitment } from "../../../src/pinir";
import { everyOpProgram } from "../programs";

const p = everyOpProgram();
const c = programCommitment(p);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const vector = {
  description: "PinIR program commitment (docs/PINIR.md): every op kind once; proofs are bottom-up sibling paths into opsRoot",
  version: c.version,
  program: hex(encodeProgram(p)),
  hash: hex(c.hash),
  metaHash: hex(c.metaHash),
  nSlots: c.nSlots,
  slotsRoot: hex(c.slotsRoot),
  nOps: c.nOps,
  opsRoot: hex(c.opsRoot),
  ops: p.ops.map((op, index) => ({ index, op: op.op, encoding: hex(encodeOp(op)), leaf: hex(opLeaf(op)), proof: opProof(p, index).map(hex) })),
};
fs.writeFileSync(path.join(__dirname, "program.json"), JSON.stringify(vector, null, 2) + "\n");
console.log(`program.json: ${p.ops.length} ops, hash ${vector.hash}`);
