import { expect } from "chai";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

/** Runs one `pin` task in-process with console output captured. */
async function pin(
  task: string,
  args: Record<string, unknown>,
): Promise<{ out: string[]; err: string[]; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    await hre.run({ scope: "pin", task }, args);
  } finally {
    console.log = log;
    console.error = error;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, exitCode };
}

const ckptFiles = async (dir: string) => (await fs.readdir(dir)).filter((n) => n.endsWith(".ckpt"));

describe("pin tasks: checkpoint retention (--keep)", function () {
  it("pin solve and pin agent solver refuse a --keep other than all, final or none", async function () {
    const solve = await pin("solve", { id: 1, keep: "some" });
    expect(solve.exitCode).to.equal(1);
    expect(solve.err.join("\n")).to.match(/--keep must be one of all, final, none, got "some"/);
    const agent = await pin("agent", { role: "solver", keep: "latest" });
    expect(agent.exitCode).to.equal(1);
    expect(agent.err.join("\n")).to.match(/--keep must be one of all, final, none, got "latest"/);
  });

  it("pin solve --keep final keeps every checkpoint while the window is open and only the final state once the task is over", async function () {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pin-keep-"));
    process.env.PINPOINT_DEPLOYMENTS = path.join(dir, "deployments");
    const checkpoints = path.join(dir, "ckpt");
    try {
      await pin("deploy", { json: true });
      await pin("mint", { amount: "1000", account: 0 });
      await pin("mint", { amount: "1000", account: 1 });
      await pin("stake", { amount: "150", account: 1 });
      await pin("create", {
        json: true,
        reward: "40",
        stake: "100",
        steps: 24,
        interval: 5,
        bundles: path.join(dir, "bundles"),
        account: 0,
      });
      const first = await pin("solve", { id: 1, checkpoints, account: 1, keep: "final" });
      expect(first.out.join("\n")).to.match(/retention "final": kept every checkpoint \(task 1 is Submitted/);
      expect(await ckptFiles(checkpoints)).to.have.length(5);
      await time.increase(24 * 3600 + 1);
      await pin("finalize", { id: 1, account: 2 });
      const again = await pin("solve", { id: 1, checkpoints, account: 1, keep: "final" });
      expect(again.out.join("\n")).to.match(/retention "final": deleted 4 checkpoint file\(s\)/);
      const left = await ckptFiles(checkpoints);
      expect(left).to.have.length(1);
    } finally {
      delete process.env.PINPOINT_DEPLOYMENTS;
      process.exitCode = 0;
    }
  });
});
