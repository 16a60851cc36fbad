import { expect } from "chai";
import fs from "node:fs/promises";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getTask } from "../../src/chain";
import { stateHash } from "../../src/commit";
import { cheatingTrajectory, loadBundle, solveTask, committedCheckpoints, type SolverEvent } from "../../src/agents";
import { train } from "../../src/exec";
import { agentsFixture as systemFixture, INTERVAL, irisBundle as bundle, STEPS, tempStore } from "./fixture";

const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

describe("solver agent", function () {
  let reference: { final: string; checkpoints: string[] };

  before(async function () {
    // The honest result, computed independently of the agent.
    let state = bundle.initialState.slice();
    const checkpoints: string[] = [];
    for (let i = 1; i <= Math.ceil(STEPS / INTERVAL); i++) {
      const from = (i - 1) * INTERVAL;
      const to = Math.min(i * INTERVAL, STEPS);
      state = (await train({ program: bundle.program, initialState: state, dataset: bundle.splits.train, steps: to - from, firstStep: from + 1 })).state;
      checkpoints.push(hex(stateHash(state)));
    }
    reference = { final: checkpoints[checkpoints.length - 1], checkpoints };
  });

  it("claims, trains, streams every checkpoint and submits the honest final state", async function () {
    const { cs, solver, taskId } = await loadFixture(systemFixture);
    const store = await tempStore();
    const events: SolverEvent[] = [];
    const res = await solveTask({ contracts: cs, signer: solver, taskId, bundle, store, maxBatch: 4, onEvent: (e) => events.push(e) });
    expect(res.status).to.equal("submitted");
    expect(res.finalStateHash).to.equal(reference.final);
    expect(await committedCheckpoints(cs, taskId)).to.deep.equal(reference.checkpoints.slice(0, -1));
    const t = await getTask(cs, taskId);
    expect(t.status).to.equal("Submitted");
    expect(t.finalStateHash).to.equal(reference.final);
    // Every checkpoint file is kept and verifies.
    for (const h of reference.checkpoints) expect((await store.get(h)).step).to.be.greaterThan(0);
    expect(events.filter((e) => e.kind === "step")).to.have.length(STEPS);
    expect(events.filter((e) => e.kind === "checkpoint").map((e) => (e as { step: number }).step)).to.deep.equal([3, 6, 9, 12, 15, 18, 20]);
  });

  it("resumes after a crash from the chain and its store, with identical results", async function () {
    const { cs, solver, taskId } = await loadFixture(systemFixture);
    const store = await tempStore();
    const first = await solveTask({ contracts: cs, signer: solver, taskId, bundle, store, stopAfterSteps: 10 });
    expect(first.status).to.equal("stopped");
    expect((await committedCheckpoints(cs, taskId)).length).to.equal(3);
    const events: SolverEvent[] = [];
    const second = await solveTask({ contracts: cs, signer: solver, taskId, bundle, store, onEvent: (e) => events.push(e) });
    expect(events[0]).to.deep.equal({ kind: "resumed", fromStep: 9, committed: 3 });
    expect(second.stepsRun).to.equal(STEPS - 9);
    expect(second.finalStateHash).to.equal(reference.final);
    expect(await committedCheckpoints(cs, taskId)).to.deep.equal(reference.checkpoints.slice(0, -1));
  });

  it("recomputes checkpoints whose files were lost and refuses to diverge from what it committed", async function () {
    const { cs, solver, taskId } = await loadFixture(systemFixture);
    const store = await tempStore();
    await solveTask({ contracts: cs, signer: solver, taskId, bundle, store, stopAfterSteps: 7 });
    await fs.rm(store.pathOf(reference.checkpoints[1])); // checkpoint 2 lost: resume from 1, recompute 2
    const res = await solveTask({ contracts: cs, signer: solver, taskId, bundle, store });
    expect(res.finalStateHash).to.equal(reference.final);
    expect(res.stepsRun).to.equal(STEPS - 3);
  });

  it("a faulty solver commits a different history from the fault on", async function () {
    const { cs, solver, taskId } = await loadFixture(systemFixture);
    const store = await tempStore();
    const res = await solveTask({
      contracts: cs,
      signer: solver,
      taskId,
      bundle,
      store,
      claimed: cheatingTrajectory(bundle, STEPS, 7),
    });
    const committed = await committedCheckpoints(cs, taskId);
    expect(committed.slice(0, 2)).to.deep.equal(reference.checkpoints.slice(0, 2));
    expect(committed[2]).to.not.equal(reference.checkpoints[2]);
    expect(res.finalStateHash).to.not.equal(reference.final);
  });

  it("refuses a bundle that does not match the task", async function () {
    const { cs, solver, taskId } = await loadFixture(systemFixture);
    const other = loadBundle({ ...bundle, dataset: { source: "iris", seed: 9, testFraction: 0.2, fracBits: 16 } });
    await solveTask({ contracts: cs, signer: solver, taskId, bundle: other, store: await tempStore() }).then(
      () => expect.fail("solved with a foreign bundle"),
      (err: { code?: string }) => expect(err.code).to.equal("BUNDLE_MISMATCH"),
    );
  });
});
