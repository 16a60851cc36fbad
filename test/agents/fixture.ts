import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { deploySystem } from "../../deploy/system";
import { connectPinpoint, createTask, depositStake } from "../../src/chain";
import { CheckpointStore } from "../../src/commit";
import { loadBundle, makeTrainingBundle } from "../../src/agents";

export const E18 = 10n ** 18n;

/** A small iris training task: 20 steps, checkpoint every 3 (N = 7). */
export const irisBundle = loadBundle(
  makeTrainingBundle({
    model: "iris-mlp",
    dataset: { source: "iris", seed: 2, testFraction: 0.2, fracBits: 16 },
    batchSize: 8,
    learningRate: 0.5,
  }),
);
export const STEPS = 20;
export const INTERVAL = 3;

/** The whole system deployed, one task created, its solver staked. */
export async function agentsFixture() {
  const [submitter, solver, verifier] = await hre.ethers.getSigners();
  const addresses = await deploySystem(hre);
  const c = connectPinpoint(addresses, submitter);
  for (const who of [submitter, solver, verifier]) await c.token.mint(who.address, 1000n * E18);
  const taskId = await createTask(c, submitter, {
    ...irisBundle.commitments,
    totalSteps: STEPS,
    checkpointInterval: INTERVAL,
    reward: 50n * E18,
    solverStake: 100n * E18,
  });
  const cs = connectPinpoint(addresses, solver);
  await depositStake(cs, solver, 100n * E18);
  const cv = connectPinpoint(addresses, verifier);
  return { addresses, c, cs, cv, submitter, solver, verifier, taskId };
}

export async function tempStore(): Promise<CheckpointStore> {
  return CheckpointStore.open(await fs.mkdtemp(path.join(os.tmpdir(), "pin-agent-")), { fsync: false });
}
