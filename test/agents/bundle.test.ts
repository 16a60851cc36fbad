import { expect } from "chai";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  decodeBundle,
  encodeBundle,
  fetchBundle,
  loadBundle,
  makeTrainingBundle,
  publishBundle,
  verifyBundle,
  type DatasetDescriptor,
} from "../../src/agents";
import { IntegrityError, InputError } from "../../src/errors";

const IRIS: DatasetDescriptor = { source: "iris", seed: 3, testFraction: 0.2, fracBits: 16 };

describe("task bundles", function () {
  const bundle = makeTrainingBundle({ model: "iris-mlp", dataset: IRIS, batchSize: 8, learningRate: 0.5 });

  it("round-trips through its encoding with identical commitments", function () {
    const again = decodeBundle(encodeBundle(bundle));
    expect(loadBundle(again).commitments).to.deep.equal(loadBundle(bundle).commitments);
    expect(loadBundle(bundle).commitments.batchSize).to.equal(8);
    expect(loadBundle(bundle).commitments.nSamples).to.equal(120);
  });

  it("names every commitment that differs from the chain's", function () {
    const loaded = loadBundle(bundle);
    const other = loadBundle({ ...bundle, dataset: { ...IRIS, seed: 4 } });
    expect(() => verifyBundle(loaded, loaded.commitments)).not.to.throw();
    try {
      verifyBundle(other, { ...loaded.commitments, batchSize: 16 });
      expect.fail("mismatch accepted");
    } catch (err) {
      expect(err).to.be.instanceOf(IntegrityError);
      expect((err as IntegrityError).details.fields).to.deep.equal(["datasetHash", "batchSize"]);
    }
  });

  it("publishes content-addressed files and refuses a corrupted or foreign file", async function () {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pin-bundle-"));
    const { file, uri } = await publishBundle(dir, bundle);
    expect(loadBundle(await fetchBundle(uri)).commitments).to.deep.equal(loadBundle(bundle).commitments);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 10] ^= 1;
    await fs.writeFile(file, bytes);
    await fetchBundle(uri).then(
      () => expect.fail("corrupt bundle accepted"),
      (err: unknown) => expect((err as IntegrityError).code).to.equal("BUNDLE_CORRUPT"),
    );
    await fs.writeFile(path.join(dir, "x.json"), "{}");
    await fetchBundle(path.join(dir, "x.json")).then(
      () => expect.fail("foreign file accepted"),
      (err: unknown) => expect(err).to.be.instanceOf(InputError),
    );
    await fetchBundle(path.join(dir, "missing.json")).then(
      () => expect.fail("missing file accepted"),
      (err: unknown) => expect((err as InputError).code).to.equal("BUNDLE_FETCH"),
    );
  });
});
