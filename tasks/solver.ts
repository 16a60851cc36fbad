/** `pin solve`: the solver's side. */
import path from "node:path";
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, output, runTask, signerAt } from "./util";

interface SolveArgs {
  id: number;
  bundle: string;
  checkpoints: string;
  device: string;
  account: number;
  json: boolean;
  cheatStep: number;
}

export function registerSolverTasks(pin: ScopeDefinition): void {
  pin
    .task("solve", "Claim a task, train it with ONNX Runtime, stream checkpoints and submit the final state (resumable)")
    .addPositionalParam("id", "Task id", undefined, types.int)
    .addParam("bundle", "Task bundle URI or path (printed by `pin create`)")
    .addOptionalParam("checkpoints", "Checkpoint store directory", ".pinpoint/checkpoints")
    .addOptionalParam("device", "cpu or cuda", "cpu")
    .addOptionalParam("account", "Signer account index", 1, types.int)
    .addOptionalParam("cheatStep", "DEMO ONLY: corrupt the state after this step (0 = honest)", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: SolveArgs, hre) =>
      runTask(args.json, async () => {
        const { fetchBundle, loadBundle, solveTask } = await import("../src/agents");
        const { CheckpointStore } = await import("../src/commit");
        const { InputError } = await import("../src/errors");
        if (args.device !== "cpu" && args.device !== "cuda") throw new InputError("BAD_DEVICE", `--device must be cpu or cuda, got ${args.device}`);
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        const bundle = loadBundle(await fetchBundle(args.bundle));
        const store = await CheckpointStore.open(path.resolve(args.checkpoints));
        const progress = args.json ? undefined : await progressBar();
        const res = await solveTask({
          contracts: c,
          signer,
          taskId: BigInt(args.id),
          bundle,
          store,
          device: args.device,
          ...(args.cheatStep > 0 ? { fault: { step: args.cheatStep, stateIndex: 0, element: 0, delta: 1 } } : {}),
          onEvent: (e) => progress?.(e),
        });
        progress?.("stop");
        output(args.json, res, () => [
          res.status === "submitted"
            ? `task ${res.taskId}: ${res.stepsRun} steps in ${res.seconds.toFixed(1)} s, ${res.checkpoints} checkpoints stored, final state ${res.finalStateHash} submitted`
            : `task ${res.taskId}: ${res.status} (final state ${res.finalStateHash ?? "-"})`,
        ]);
      }),
    );
}

/** A terminal progress bar over solver events (steps/s, loss, checkpoints committed). */
async function progressBar(): Promise<(e: import("../src/agents").SolverEvent | "stop") => void> {
  const { SingleBar, Presets } = await import("cli-progress");
  const bar = new SingleBar(
    { format: "train |{bar}| {value}/{total} steps | {rate} steps/s | loss {loss} | committed {committed}", hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  let committed = 0;
  let loss = "-";
  const t0 = performance.now();
  return (e) => {
    if (e === "stop") {
      if (started) bar.stop();
      return;
    }
    if (e.kind === "step") {
      if (!started) {
        bar.start(e.totalSteps, e.step - 1, { rate: "-", loss, committed });
        started = true;
      }
      if (e.loss !== undefined) loss = e.loss.toFixed(4);
      const rate = (e.step / ((performance.now() - t0) / 1000)).toFixed(1);
      bar.update(e.step, { rate, loss, committed });
    } else if (e.kind === "committed") {
      committed = e.committed;
    } else if (e.kind === "claimed") {
      console.log(`claimed; deadline ${new Date(e.deadline * 1000).toISOString()}`);
    } else if (e.kind === "resumed") {
      console.log(`resuming from step ${e.fromStep} (${e.committed} checkpoints already committed)`);
    }
  };
}
