import { expect } from "chai";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { TaskMarket__factory } from "../../typechain-types";
import { hardhat, pinJson, startHardhat, startNode, type NodeProcess } from "../support/processes";

/**
 * Pinpoint against a real `hardhat node` in its own process, driven by `hardhat pin …`
 * commands each in a process of its own; then a forked in-process network on top of it.
 */
describe("against a separate hardhat node", function () {
  let node: NodeProcess;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(async function () {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pin-e2e-"));
    node = await startNode();
    env = {
      PINPOINT_LOCALHOST_URL: node.url,
      PINPOINT_DEPLOYMENTS: path.join(dir, "deployments"),
      PINPOINT_IGNITION_DIR: path.join(dir, "ignition"),
    };
  });

  after(async function () {
    await node?.stop();
  });

  it("deploys, then a solver process completes a task and is paid after the window", async function () {
    const net = ["--network", "localhost"];
    const deployed = await pinJson<{ taskMarket: string }>(["deploy", "--reset", ...net], env);
    expect(deployed.taskMarket).to.match(/^0x/);
    await pinJson(["mint", "--amount", "1000", "--account", "0", ...net], env);
    await pinJson(["mint", "--amount", "1000", "--account", "1", ...net], env);
    await pinJson(["stake", "--amount", "100", "--account", "1", ...net], env);
    const created = await pinJson<{ taskId: string; bundle: string }>(
      ["create", "--steps", "30", "--interval", "10", "--reward", "25", "--bundles", path.join(dir, "bundles"), ...net],
      env,
    );
    const solved = await pinJson<{ status: string; finalStateHash: string }>(
      ["solve", created.taskId, "--bundle", created.bundle, "--checkpoints", path.join(dir, "solver"), "--account", "1", ...net],
      env,
    );
    expect(solved.status).to.equal("submitted");

    const provider = new JsonRpcProvider(node.url);
    await provider.send("evm_increaseTime", [24 * 3600 + 1]);
    await provider.send("evm_mine", []);
    const fin = await pinJson<{ status: string }>(["finalize", created.taskId, "--account", "2", ...net], env);
    expect(fin.status).to.equal("Finalized");
    const balances = await pinJson<{ tokens: string; free: string }>(["balances", "--account", "1", ...net], env);
    expect(balances.tokens).to.equal((925n * 10n ** 18n).toString()); // 1000 − 100 staked + 25 reward
    expect(balances.free).to.equal((100n * 10n ** 18n).toString());

    // A failing command exits non-zero with one decoded line, not a stack trace.
    const bad = await hardhat(["pin", "finalize", created.taskId, ...net], env);
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim()).to.match(/^error: finalize task 1 reverted with TaskMarketWrongStatus\(/);
    provider.destroy();
  });

  it("a forked in-process network started from the node completes a task on the fork", async function () {
    const res = await hardhat(["run", "scripts/fork-smoke.ts"], {
      ...env,
      PINPOINT_FORK_URL: node.url,
      PINPOINT_DEPLOYMENT_FILE: path.join(dir, "deployments", "localhost.json"),
    });
    expect(res.code, res.stdout + res.stderr).to.equal(0);
    const out = JSON.parse(res.stdout.trim().split("\n").pop()!);
    expect(out).to.include({ forked: true, status: "Finalized" });
    // The node itself did not see the fork's task.
    const onNode = await pinJson<unknown[]>(["tasks", "--network", "localhost"], env);
    expect(onNode).to.have.length(1);
  });

  it("a solver agent and a verifier agent, each its own process, settle a cheating solver's task", async function () {
    const net = ["--network", "localhost"];
    for (const account of ["3", "4"]) await pinJson(["mint", "--amount", "500", "--account", account, ...net], env);
    await pinJson(["stake", "--amount", "100", "--account", "3", ...net], env);
    const created = await pinJson<{ taskId: string }>(
      ["create", "--steps", "30", "--interval", "10", "--reward", "20", "--bundles", path.join(dir, "bundles"), ...net],
      env,
    );
    const common = ["--poll", "300", "--exit-when-idle", "400", "--json", ...net];
    const solver = startHardhat(["pin", "agent", "solver", "--account", "3", "--cheat-step", "14", "--checkpoints", path.join(dir, "agent-solver"), ...common], env);
    const verifier = startHardhat(["pin", "agent", "verifier", "--account", "4", "--all", ...common], env);
    const provider = new JsonRpcProvider(node.url);
    try {
      const { taskMarket } = JSON.parse(await fs.readFile(path.join(dir, "deployments", "localhost.json"), "utf8"));
      const market = TaskMarket__factory.connect(taskMarket, provider);
      const deadline = Date.now() + 240_000;
      let status = 0n;
      while (Date.now() < deadline) {
        status = (await market.getTask(BigInt(created.taskId))).status;
        if (status === 5n) break; // Rejected: the solver lost a dispute
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(status, `solver:\n${solver.output()}\nverifier:\n${verifier.output()}`).to.equal(5n);
      const events = (p: { output(): string }) =>
        p
          .output()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { kind: string; winner?: string; wrong?: number });
      await new Promise((r) => setTimeout(r, 1500));
      const v = events(verifier);
      expect(v.find((e) => e.kind === "checked")?.wrong).to.equal(2); // step 14 lies in interval 2
      expect(v.some((e) => e.kind === "challenged")).to.equal(true);
      expect(v.find((e) => e.kind === "resolved")?.winner).to.equal("challenger");
      expect(events(solver).some((e) => e.kind === "submitted")).to.equal(true);
    } finally {
      await solver.stop();
      await verifier.stop();
      provider.destroy();
    }
  });
});
