import { expect } from "chai";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Checkpointer, CheckpointStore, stateHash } from "../../src/commit";
import { loadIris } from "../../src/data";
import { createExecutor, train } from "../../src/exec";
import { builtinModel, deriveTrainStep, initialState } from "../../src/pinir";

describe("solver crash and resume (iris MLP, ONNX Runtime)", function () {
  it("a run that crashes mid-write resumes from its last good checkpoint and ends in the same state", async function () {
    const T = 120;
    const k = 20;
    const iris = loadIris({ seed: 3 });
    const model = builtinModel("iris-mlp");
    const program = deriveTrainStep(model, { batchSize: 8, loss: "mse", optimizer: { kind: "sgd", learningRate: 0.1 } });
    const s0 = initialState(program, model);
    const executor = await createExecutor(program);
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "pinpoint-resume-"));
    try {
      // Reference: one uninterrupted run.
      const ref = new Checkpointer({ interval: k, totalSteps: T });
      const full = await train({ program, initialState: s0, dataset: iris.train, steps: T, executor, lossEvery: 0, onStep: (s) => ref.onStep(s) });
      const refHashes = await ref.finish();

      // Crashing run: the write of checkpoint 4 (step 80) dies between write and rename, and
      // the newest complete file (step 60) is then corrupted on disk.
      let writes = 0;
      const crashing = await CheckpointStore.open(dir, {
        fsync: false,
        beforeRename: () => {
          if (++writes === 4) throw new Error("power cut");
        },
      });
      const cp = new Checkpointer({ store: crashing, interval: k, totalSteps: T });
      await train({ program, initialState: s0, dataset: iris.train, steps: 80, executor, lossEvery: 0, onStep: (s) => cp.onStep(s) }).catch(() => {});
      await cp.finish().catch((e: Error) => expect(e.message).to.equal("power cut"));
      const f60 = crashing.pathOf(refHashes.checkpointHashes[2]);
      const buf = await fsp.readFile(f60);
      buf[buf.length - 40] ^= 1;
      await fsp.writeFile(f60, buf);

      // Restart: recover the complete temp file of step 80; the corrupt step-60 file is set aside.
      const store = await CheckpointStore.open(dir, { fsync: false });
      const r = await store.resume();
      expect(r.recovered).to.have.length(1);
      expect(r.checkpoint?.step).to.equal(80);
      expect(r.checkpoint?.stateHash.equals(refHashes.checkpointHashes[3])).to.equal(true);

      // If the step-80 temp file had been lost too, the last good checkpoint would be step 40.
      await fsp.rename(r.recovered[0], r.recovered[0] + ".moved");
      const older = await store.resume();
      expect(older.checkpoint?.step).to.equal(40);
      await fsp.rename(r.recovered[0] + ".moved", r.recovered[0]);

      // Continue from step 80 to T: the final state matches the uninterrupted run.
      const resumed = new Checkpointer({ store, interval: k, totalSteps: T });
      const rest = await train({
        program,
        initialState: r.checkpoint!.tensors,
        dataset: iris.train,
        steps: T - 80,
        firstStep: 81,
        executor,
        lossEvery: 0,
        onStep: (s) => resumed.onStep(s),
      });
      const done = await resumed.finish();
      expect(stateHash(rest.state).equals(stateHash(full.state))).to.equal(true);
      expect(done.finalStateHash?.equals(refHashes.finalStateHash!)).to.equal(true);
      expect(done.checkpointHashes.map((h) => h.toString("hex"))).to.deep.equal(refHashes.checkpointHashes.slice(4).map((h) => h.toString("hex")));
    } finally {
      await executor.dispose();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
