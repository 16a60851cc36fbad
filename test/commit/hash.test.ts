import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { listProof, listRoot, nodeHash, rootFromPath, ZERO_HASH } from "../../src/commit";

describe("list tree", function () {
  it("is the item itself for one item and pairs an odd node with zero", function () {
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    expect(listRoot([a]).equals(a)).to.equal(true);
    expect(listRoot([a, b, c]).equals(nodeHash(nodeHash(a, b), nodeHash(c, ZERO_HASH)))).to.equal(true);
  });

  it("proves every item of lists of every length up to 33", function () {
    for (let n = 1; n <= 33; n++) {
      const items = Array.from({ length: n }, () => randomBytes(32));
      const root = listRoot(items);
      for (let i = 0; i < n; i++) {
        const path = listProof(items, i);
        expect(rootFromPath(items[i], i, path).equals(root)).to.equal(true);
        expect(rootFromPath(randomBytes(32), i, path).equals(root)).to.equal(false);
      }
    }
  });
});
