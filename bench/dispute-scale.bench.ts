/**
 * Dispute-scale benchmark (issue #10): a complete dispute about a fault in the last checkpoint
 * interval of MNIST 784-64-10 MLP jobs of 1,000 and 100,000 steps (checkpoint every 100). Each
 * size runs in its own process (bench/dispute-scale.child.ts) so that one size's training and heap
 * do not show in the other's RSS; `seconds` and `peakRssMiB` cover the dispute only (open, every
 * move, settle), not the training. One JSON line per size:
 * `{"bench":"dispute-scale","steps":…,"peakRssMiB":…,"seconds":…,"rounds":…,"gas":…}`.
 * Sizes: DISPUTE_SCALE_SIZES (comma-separated, default 1000,100000).
 */
import { spawn } from "node:child_process";
import path from "node:path";

export const name = "dispute-scale";

function runSize(steps: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const root = path.join(__dirname, "..");
    const hardhat = require.resolve("hardhat/internal/cli/bootstrap", { paths: [root] });
    const child = spawn(
      process.execPath,
      ["--expose-gc", hardhat, "run", "--no-compile", path.join(__dirname, "dispute-scale.child.ts")],
      {
        cwd: root,
        env: { ...process.env, DISPUTE_SCALE_STEPS: String(steps), HARDHAT_NETWORK: "hardhat" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out
        .split("\n")
        .reverse()
        .find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`dispute-scale ${steps} steps exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

/** One result line per job size. */
export async function run(): Promise<Record<string, unknown>[]> {
  const sizes = (process.env.DISPUTE_SCALE_SIZES ?? "1000,100000").split(",").map((s) => Number(s.trim()));
  const lines: Record<string, unknown>[] = [];
  for (const steps of sizes) lines.push(await runSize(steps));
  return lines;
}
