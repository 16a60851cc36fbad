/** `pin create`, `pin tasks`, `pin task`: the submitter's side and read-only views. */
import path from "node:path";
import fs from "node:fs";
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, formatAmount, output, parseAmount, runTask, signerAt } from "./util";

interface CreateArgs {
  model: string;
  dataset: string;
  train: number;
  test: number;
  seed: number;
  batch: number;
  lr: number;
  steps: number;
  interval: number;
  reward: string;
  stake: string;
  solveWindow: number;
  challengeWindow: number;
  bundles: string;
  account: number;
  json: boolean;
}

export function registerMarketTasks(pin: ScopeDefinition): void {
  pin
    .task("create", "Compile a training task, publish its bundle and escrow the reward")
    .addOptionalParam("model", "Built-in model (mnist-mlp, iris-mlp) or a path to a PyTorch-style .onnx file", "iris-mlp")
    .addOptionalParam("dataset", "mnist or iris", "iris")
    .addOptionalParam("train", "MNIST training samples", 2000, types.int)
    .addOptionalParam("test", "MNIST test samples", 500, types.int)
    .addOptionalParam("seed", "Dataset shuffle seed", 1, types.int)
    .addOptionalParam("batch", "Batch size", 8, types.int)
    .addOptionalParam("lr", "SGD learning rate", 0.5, types.float)
    .addOptionalParam("steps", "Total train steps", 64, types.int)
    .addOptionalParam("interval", "Checkpoint interval (steps)", 8, types.int)
    .addOptionalParam("reward", "Reward in whole tokens", "50")
    .addOptionalParam("stake", "Solver stake required, in whole tokens", "100")
    .addOptionalParam("solveWindow", "Seconds from claim to deadline (0 = market default)", 0, types.int)
    .addOptionalParam("challengeWindow", "Seconds of challenge window (0 = market default)", 0, types.int)
    .addOptionalParam("bundles", "Directory where task bundles are published", ".pinpoint/bundles")
    .addOptionalParam("account", "Signer account index", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: CreateArgs, hre) =>
      runTask(args.json, async () => {
        const { makeTrainingBundle, loadBundle, publishBundle } = await import("../src/agents/bundle");
        const { announce, createTask } = await import("../src/chain/market");
        const { InputError } = await import("../src/errors");
        const dataset =
          args.dataset === "mnist"
            ? ({ source: "mnist", train: args.train, test: args.test, seed: args.seed, fracBits: 16 } as const)
            : args.dataset === "iris"
              ? ({ source: "iris", seed: args.seed, testFraction: 0.2, fracBits: 16 } as const)
              : undefined;
        if (!dataset) throw new InputError("BAD_DATASET", `unknown dataset "${args.dataset}": use mnist or iris`);
        let model: "mnist-mlp" | "iris-mlp" | Uint8Array;
        if (args.model === "mnist-mlp" || args.model === "iris-mlp") model = args.model;
        else if (fs.existsSync(args.model)) model = fs.readFileSync(args.model);
        else throw new InputError("BAD_MODEL", `"${args.model}" is neither a built-in model (mnist-mlp, iris-mlp) nor an .onnx file`);
        const bundle = makeTrainingBundle({ model, dataset, batchSize: args.batch, learningRate: args.lr });
        const loaded = loadBundle(bundle);
        const published = await publishBundle(path.resolve(args.bundles), bundle);
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        const cm = loaded.commitments;
        const taskId = await createTask(c, signer, {
          ...cm,
          totalSteps: args.steps,
          checkpointInterval: args.interval,
          reward: parseAmount(args.reward),
          solverStake: parseAmount(args.stake),
          solveWindow: args.solveWindow,
          challengeWindow: args.challengeWindow,
        });
        await announce(c, signer, taskId, "Bundle", published.uri);
        const value = { taskId, bundle: published.uri, ...cm, ops: bundle.program.ops.length };
        output(args.json, value, () => [
          `task ${taskId} created: ${args.steps} steps of ${args.model} on ${args.dataset} (batch ${args.batch}, ${bundle.program.ops.length} PinIR ops), reward ${args.reward}`,
          `bundle ${published.uri} (announced on chain)`,
        ]);
      }),
    );

  pin
    .task("tasks", "List tasks")
    .addFlag("json", "Print JSON")
    .setAction(async (args: { json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { listTasks } = await import("../src/chain/market");
        const c = await contractsFor(hre, await signerAt(hre, 0));
        const tasks = await listTasks(c);
        output(args.json, tasks, () =>
          tasks.length === 0
            ? ["no tasks"]
            : tasks.map(
                (t) =>
                  `#${t.id} ${t.status.padEnd(9)} steps ${t.totalSteps}, checkpoints ${t.checkpointsCommitted}/${t.numCheckpoints - 1}+final, reward ${formatAmount(t.reward)}, disputes ${t.openDisputes}`,
              ),
        );
      }),
    );

  pin
    .task("task", "Show one task")
    .addPositionalParam("id", "Task id", undefined, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: { id: number; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { getTask } = await import("../src/chain/market");
        const c = await contractsFor(hre, await signerAt(hre, 0));
        const t = await getTask(c, BigInt(args.id));
        output(args.json, t, () => [
          `task #${t.id}: ${t.status}`,
          `  submitter   ${t.submitter}`,
          `  solver      ${t.solver}`,
          `  steps       ${t.totalSteps} (checkpoint every ${t.checkpointInterval}; ${t.checkpointsCommitted} of ${t.numCheckpoints - 1} streamed)`,
          `  reward      ${formatAmount(t.reward)}, solver stake ${formatAmount(t.solverStake)}`,
          `  deadline    ${t.deadline ? new Date(t.deadline * 1000).toISOString() : "-"}`,
          `  disputes    ${t.openDisputes} open`,
          `  initial     ${t.initialStateHash}`,
          `  final       ${t.finalStateHash}`,
          ...(t.spec ? [`  program     ${t.spec.programHash}`, `  dataset     ${t.spec.datasetHash} (${t.spec.nSamples} samples, batch ${t.spec.batchSize})`] : []),
        ]);
      }),
    );

  const simple = [
    ["finalize", "Pay the solver once the challenge window has passed with no open dispute", "finalizeTask", "finalized"],
    ["cancel", "Cancel an unclaimed task and refund the submitter", "cancelTask", "cancelled"],
    ["reclaim", "Return the reward of a rejected task to its submitter", "reclaimTask", "reclaimed"],
    ["expire", "Penalise a solver that missed its deadline and reopen the task", "expireTask", "expired"],
  ] as const;
  for (const [name, description, fn, done] of simple) {
    pin
      .task(name, description)
      .addPositionalParam("id", "Task id", undefined, types.int)
      .addOptionalParam("account", "Signer account index", 0, types.int)
      .addFlag("json", "Print JSON")
      .setAction(async (args: { id: number; account: number; json: boolean }, hre) =>
        runTask(args.json, async () => {
          const market = await import("../src/chain/market");
          const signer = await signerAt(hre, args.account);
          const c = await contractsFor(hre, signer);
          await market[fn](c, signer, BigInt(args.id));
          const t = await market.getTask(c, BigInt(args.id));
          output(args.json, { taskId: args.id, status: t.status }, () => [`task ${args.id} ${done}; status ${t.status}`]);
        }),
      );
  }
}
