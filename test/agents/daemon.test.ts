import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AgentWorkspace, publishBundle, solverTick, verifierTick, type AgentEvent } from "../../src/agents";
import { announce, getTask } from "../../src/chain";
import { agentsFixture, E18, irisBundle as bundle, tempStore } from "./fixture";

describe("long-running agents", function () {
  it("solver and verifier agents settle a cheating solver's task, surviving restarts of both mid-game", async function () {
    const f = await loadFixture(agentsFixture);
    const { uri } = await publishBundle(await fs.mkdtemp(path.join(os.tmpdir(), "pin-daemon-")), bundle);
    await announce(f.c, f.submitter, f.taskId, "Bundle", uri);
    const store = await tempStore();
    const events: AgentEvent[] = [];
    const solverOpts = { contracts: f.cs, signer: f.solver, store, checkpointUri: store.dir, cheatStep: 11, onEvent: (e: AgentEvent) => events.push(e) };
    const verifierOpts = { contracts: f.cv, signer: f.verifier, sample: { all: true }, onEvent: (e: AgentEvent) => events.push(e) };
    let sw = new AgentWorkspace("cpu");
    let vw = new AgentWorkspace("cpu");
    const checked = new Set<bigint>();
    try {
      expect(await solverTick(solverOpts, sw)).to.equal(true); // claims, trains (wrongly), submits
      expect((await getTask(f.c, f.taskId)).status).to.equal("Submitted");
      expect(await verifierTick(verifierOpts, vw, checked)).to.equal(true); // checks, stakes the bond, opens a game
      expect(events.find((e) => e.kind === "challenged")).to.include({ interval: 4 }); // step 11 lies in steps 9..12
      for (let round = 0; round < 200 && (await getTask(f.c, f.taskId)).status === "Submitted"; round++) {
        if (round === 3) {
          // Both processes "restart": fresh workspaces, nothing kept but the chain and the store.
          await sw.dispose();
          await vw.dispose();
          sw = new AgentWorkspace("cpu");
          vw = new AgentWorkspace("cpu");
        }
        const a = await solverTick(solverOpts, sw);
        const b = await verifierTick(verifierOpts, vw, new Set([f.taskId]));
        if (!a && !b) await time.increase(3600);
      }
      expect((await getTask(f.c, f.taskId)).status).to.equal("Rejected");
      expect(events.filter((e) => e.kind === "move").length).to.be.greaterThan(8);
      expect(events.some((e) => e.kind === "resolved" && e.winner === "challenger")).to.equal(true);
      expect(events.filter((e) => e.kind === "error")).to.deep.equal([]);
      // Once every game is settled the verifier claims its reward (in this round or the next).
      if (!events.some((e) => e.kind === "rewarded")) await verifierTick(verifierOpts, vw, new Set([f.taskId]));
      expect(events.find((e) => e.kind === "rewarded")).to.deep.include({ taskId: f.taskId, amount: 50n * E18 });
      const v = await f.c.stakeManager.balancesOf(f.verifier.address);
      // Its bond back plus 80 % of the 50-token pot (half the 100-token stake; the other half burned).
      expect(v.free).to.equal(40n * E18 + 10n * E18);
    } finally {
      await sw.dispose();
      await vw.dispose();
    }
  });
});
