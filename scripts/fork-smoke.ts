/**
 * Completes a task on a fork: run with PINPOINT_FORK_URL set to a chain where Pinpoint is deployed
 * and PINPOINT_DEPLOYMENT_FILE pointing at its address book (deployments/<network>.json):
 *
 *   PINPOINT_FORK_URL=http://127.0.0.1:8545 PINPOINT_DEPLOYMENT_FILE=deployments/localhost.json \
 *     npx hardhat run scripts/fork-smoke.ts
 *
 * The in-process network forks that chain; the script funds accounts (test token), creates an
 * iris task, solves it with the solver agent, waits out the challenge window and finalizes,
 * then prints one JSON line. Nothing is sent to the forked chain itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { connectPinpoint, createTask, depositStake, finalizeTask, getTask, type PinpointAddresses } from "../src/chain";
import { loadBundle, makeTrainingBundle, solveTask } from "../src/agents";
import { CheckpointStore } from "../src/commit";

async function main(): Promise<void> {
  const file = process.env.PINPOINT_DEPLOYMENT_FILE;
  if (!process.env.PINPOINT_FORK_URL || !file) {
    throw new Error("set PINPOINT_FORK_URL (the chain to fork) and PINPOINT_DEPLOYMENT_FILE (its Pinpoint address book)");
  }
  const addresses = JSON.parse(fs.readFileSync(file, "utf8")) as PinpointAddresses;
  const [submitter, solver] = await hre.ethers.getSigners();
  const forkBlock = await hre.ethers.provider.getBlockNumber();
  // The market exists here only because the in-process chain is a fork of the deployed one.
  const forked = (await hre.ethers.provider.getCode(addresses.taskMarket)) !== "0x";
  if (!forked) throw new Error(`no TaskMarket at ${addresses.taskMarket}: is PINPOINT_FORK_URL the chain of ${file}?`);
  const c = connectPinpoint(addresses, submitter);
  const E18 = 10n ** 18n;
  await (await c.token.mint(submitter.address, 100n * E18)).wait();
  await (await c.token.mint(solver.address, 200n * E18)).wait();
  const bundle = loadBundle(
    makeTrainingBundle({ model: "iris-mlp", dataset: { source: "iris", seed: 5, testFraction: 0.2, fracBits: 16 }, batchSize: 8, learningRate: 0.5 }),
  );
  const taskId = await createTask(c, submitter, { ...bundle.commitments, totalSteps: 20, checkpointInterval: 5, reward: 10n * E18, solverStake: 100n * E18 });
  const cs = connectPinpoint(addresses, solver);
  await depositStake(cs, solver, 100n * E18);
  const store = await CheckpointStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "pin-fork-")), { fsync: false });
  const solved = await solveTask({ contracts: cs, signer: solver, taskId, bundle, store });
  await time.increase(24 * 3600 + 1);
  await finalizeTask(c, submitter, taskId);
  const t = await getTask(c, taskId);
  console.log(JSON.stringify({ forked, forkBlock, taskId: taskId.toString(), status: t.status, finalStateHash: solved.finalStateHash }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
