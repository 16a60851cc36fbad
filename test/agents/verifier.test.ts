import { expect } from "chai";
import fs from "node:fs/promises";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { cheatingTrajectory, checkTask, sampleIntervals, serveCheckpoints, solveTask, fetchCheckpoint, type VerifierEvent } from "../../src/agents";
import { IntegrityError } from "../../src/errors";
import { agentsFixture, irisBundle as bundle, STEPS, tempStore } from "./fixture";

describe("verifier agent", function () {
  describe("sampleIntervals", function () {
    it("samples all, a seeded count, or a probability, sorted and within [1, N]", function () {
      expect(sampleIntervals(5, { all: true })).to.deep.equal([1, 2, 3, 4, 5]);
      const a = sampleIntervals(100, { count: 10, seed: 7 });
      expect(a).to.deep.equal(sampleIntervals(100, { count: 10, seed: 7 }));
      expect(a).to.have.length(10);
      expect(new Set(a).size).to.equal(10);
      expect(a.every((i, j) => i >= 1 && i <= 100 && (j === 0 || a[j - 1] < i))).to.equal(true);
      expect(sampleIntervals(3, { count: 10, seed: 1 })).to.deep.equal([1, 2, 3]);
      expect(sampleIntervals(1000, { probability: 0, seed: 1 })).to.deep.equal([]);
      expect(sampleIntervals(1000, { probability: 1, seed: 1 })).to.have.length(1000);
      const p = sampleIntervals(10_000, { probability: 0.1, seed: 3 }).length;
      expect(p).to.be.within(850, 1150);
      expect(() => sampleIntervals(5, { probability: 2 })).to.throw(/probability/);
    });
  });

  it("agrees with an honest solver on every interval, fetching checkpoints over HTTP", async function () {
    const f = await loadFixture(agentsFixture);
    const store = await tempStore();
    await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store });
    const server = await serveCheckpoints(store);
    try {
      const res = await checkTask({ contracts: f.cv, taskId: f.taskId, bundle, source: server.url, sample: { all: true } });
      expect(res.mismatch).to.equal(undefined);
      expect(res.checks.map((c) => c.status)).to.deep.equal(Array(7).fill("ok"));
      // The server serves nothing but state-hash files, and a wrong name is refused by content.
      expect((await fetch(`${server.url}/../../etc/passwd`)).status).to.equal(404);
    } finally {
      await server.close();
    }
  });

  it("finds the interval a cheating solver corrupted", async function () {
    const f = await loadFixture(agentsFixture);
    const store = await tempStore();
    await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store, claimed: cheatingTrajectory(bundle, STEPS, 7) });
    const res = await checkTask({ contracts: f.cv, taskId: f.taskId, bundle, source: store.dir, sample: { all: true } });
    expect(res.mismatch?.index).to.equal(3); // steps 6..9 hold step 7
    expect(res.mismatch?.fromStep).to.equal(6);
    expect(res.checks.map((c) => c.status)).to.deep.equal(["ok", "ok", "mismatch"]);
    // Sampling only a later interval still catches it: that interval starts from the solver's
    // (consistent) wrong state, so it checks out; the sample must hit the faulty interval.
    const later = await checkTask({ contracts: f.cv, taskId: f.taskId, bundle, source: store.dir, sample: { count: 1, seed: 1 } });
    expect(later.checks).to.have.length(1);
  });

  it("recomputes from its own last agreed state when the solver withholds checkpoints", async function () {
    const f = await loadFixture(agentsFixture);
    const store = await tempStore();
    const res0 = await solveTask({ contracts: f.cs, signer: f.solver, taskId: f.taskId, bundle, store, claimed: cheatingTrajectory(bundle, STEPS, 4) });
    expect(res0.status).to.equal("submitted");
    for (const file of (await store.listFiles()).checkpoints) await fs.rm(file, { force: true });
    const events: VerifierEvent[] = [];
    // Sample only interval 5: its start (checkpoint 4) is withheld, so the verifier walks from
    // checkpoint 0 and checks every committed checkpoint on the way.
    const res = await checkTask({ contracts: f.cv, taskId: f.taskId, bundle, source: store.dir, sample: { only: [5] }, onEvent: (e) => events.push(e) });
    expect(res.mismatch?.index).to.equal(2); // step 4 lies in interval 2 (steps 3..6)
    expect(res.mismatch?.recomputedFrom).to.equal(0);
    expect(res.checks.map((c) => [c.index, c.status])).to.deep.equal([[2, "mismatch"]]);
    expect(events.some((e) => e.kind === "withheld")).to.equal(true);
  });

  it("rejects a served file that is not the committed state", async function () {
    const store = await tempStore();
    await store.put({ step: 3, tensors: bundle.initialState });
    const files = (await store.listFiles()).checkpoints;
    const someOther = "0x" + "11".repeat(32);
    await fs.copyFile(files[0], store.pathOf(someOther));
    const server = await serveCheckpoints(store);
    try {
      await fetchCheckpoint(server.url, someOther).then(
        () => expect.fail("accepted a file that is not the committed state"),
        (err: IntegrityError) => expect(err.code).to.equal("CHECKPOINT_HASH_MISMATCH"),
      );
      await fetchCheckpoint(server.url, "0x" + "22".repeat(32)).then(
        () => expect.fail("accepted a missing file"),
        (err: IntegrityError) => expect(err.code).to.equal("CHECKPOINT_MISSING"),
      );
    } finally {
      await server.close();
    }
  });
});
