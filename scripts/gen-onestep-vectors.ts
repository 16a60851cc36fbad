/**
 * Generates test/vectors/onestep.json: one-step vectors for every PinIR op, computed by the
 * reference interpreter (src/exec/reference.ts evalElement) and checked against the op
 * descriptors' TypeScript semantics (src/dispute/semantics.ts) before they are written. The
 * Solidity OneStepVerifier is tested against the file (test/dispute/OneStepVerifier.test.ts).
 *
 *   npx ts-node scripts/gen-onestep-vectors.ts            # writes the file
 *   npx ts-node scripts/gen-onestep-vectors.ts --check    # fails if the file is stale
 */
import fs from "node:fs";
import path from "node:path";
import { buildOneStepVectors } from "../src/dispute/vectors";

const file = path.join(__dirname, "..", "test", "vectors", "onestep.json");
const text = JSON.stringify(buildOneStepVectors(), null, 1) + "\n";
if (process.argv.includes("--check")) {
  if (fs.readFileSync(file, "utf8") !== text) {
    console.error(`${file} is stale: run npx ts-node scripts/gen-onestep-vectors.ts`);
    process.exit(1);
  }
  console.log("onestep vectors up to date");
} else {
  fs.writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
