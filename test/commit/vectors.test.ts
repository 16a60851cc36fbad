import { expect } from "chai";
import fs from "node:fs";
import { DEFAULT_SEED, generateVectors, serialiseVectors, VECTORS_PATH } from "../../scripts/gen-vectors";

describe("commitment vectors (TypeScript)", function () {
  it("the committed test/vectors/commit.json is exactly what scripts/gen-vectors.ts generates", function () {
    const committed = fs.readFileSync(VECTORS_PATH, "utf8");
    const v = JSON.parse(committed) as { seed: number };
    expect(v.seed).to.equal(DEFAULT_SEED);
    expect(serialiseVectors(generateVectors(v.seed)) === committed, "regenerate with `npx ts-node scripts/gen-vectors.ts`").to.equal(true);
  });

  it("covers 1-element, non-power-of-two, negative and ±(2^B − 1) / ±(2^53 − 1) tensors", function () {
    const v = generateVectors(DEFAULT_SEED);
    const all = v.tensors.flatMap((t) => t.data);
    expect(v.tensors.some((t) => t.data.length === 1)).to.equal(true);
    expect(v.tensors.some((t) => t.shape.length === 0)).to.equal(true);
    expect(v.tensors.some((t) => Math.ceil(t.data.length / 128) === 3)).to.equal(true);
    for (const x of [2 ** 20 - 1, -(2 ** 20 - 1), 2 ** 53 - 1, -(2 ** 53 - 1)]) expect(all).to.include(x);
    expect(all.some((x) => x < 0)).to.equal(true);
  });
});
