/** `pin solve`: the solver's side. */
import path from "node:path";
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, deviceArg, output, runTask, signerAt } from "./util";

interface SolveArgs {
  id: number;
  bundle?: string;
  serve?: number;
  checkpoints: string;
  device: string;
  account: number;
  json: boolean;
  cheatStep: number;
  keep: string;
}

export function registerSolverTasks(pin: ScopeDefinition): void {
  pin
    .task("solve", "Claim a task, train it with ONNX Runtime, stream checkpoints and submit the final state (resumable)")
    .addPositionalParam("id", "Task id", undefined, types.int)
    .addOptionalParam("bundle", "Task bundle URI or path (default: the one the submitter announced on chain)")
    .addOptionalParam("serve", "Serve checkpoint files over HTTP on this port (0 = any) and keep serving until the challenge window ends", undefined, types.int)
    .addOptionalParam("checkpoints", "Checkpoint store directory", ".pinpoint/checkpoints")
    .addOptionalParam("device", "cpu or cuda", "cpu")
    .addOptionalParam("account", "Signer account index", 1, types.int)
    .addOptionalParam("cheatStep", "DEMO ONLY: compute one element of one op wrong at this step (0 = honest)", 0, types.int)
    .addOptionalParam(
      "keep",
      "Checkpoints kept once the challenge window and every game are over: all, final or none (applied when this command ends and the task is over; `pin agent solver --keep` applies it later)",
      "all",
    )
    .addFlag("json", "Print JSON")
    .setAction(async (args: SolveArgs, hre) =>
      runTask(args.json, async () => {
        const { cheatingTrajectory, parseKeep, pruneCheckpoints, resolveTaskBundle, serveCheckpoints, solveTask } = await import("../src/agents");
        const { CheckpointStore } = await import("../src/commit");
        const keep = parseKeep(args.keep);
        const device = await deviceArg(args.device);
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        const taskId = BigInt(args.id);
        const bundle = await resolveTaskBundle(c, taskId, args.bundle);
        const store = await CheckpointStore.open(path.resolve(args.checkpoints));
        const server = args.serve !== undefined ? await serveCheckpoints(store, { port: args.serve }) : undefined;
        const checkpointUri = server?.url ?? `file://${store.dir}`;
        const progress = args.json ? undefined : await progressBar();
        const res = await solveTask({
          contracts: c,
          signer,
          taskId,
          bundle,
          store,
          checkpointUri,
          device,
          ...(args.cheatStep > 0 ? { claimed: cheatingTrajectory(bundle, Number((await c.taskMarket.getTask(taskId)).totalSteps), args.cheatStep) } : {}),
          onEvent: (e) => progress?.(e),
        });
        progress?.("stop");
        output(args.json, { ...res, checkpointUri }, () => [
          res.status === "submitted"
            ? `task ${res.taskId}: ${res.stepsRun} steps in ${res.seconds.toFixed(1)} s, ${res.checkpoints} checkpoints stored, final state ${res.finalStateHash} submitted`
            : `task ${res.taskId}: ${res.status} (final state ${res.finalStateHash ?? "-"})`,
          `checkpoints served at ${checkpointUri}`,
        ]);
        if (server) {
          // Keep serving checkpoint files to verifiers until the challenge window has passed.
          const t = await c.taskMarket.getTask(taskId);
          for (;;) {
            const now = (await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0;
            if (now > Number(t.deadline)) break;
            await new Promise((r) => setTimeout(r, 2000));
          }
          await server.close();
        }
        if (keep !== "all") {
          // Only once no dispute can ask for the checkpoints; otherwise they stay.
          const pruned = await pruneCheckpoints(c, store, taskId, keep);
          if (!args.json)
            console.log(
              pruned.status === "pruned"
                ? `retention "${keep}": deleted ${pruned.deleted.length} checkpoint file(s)`
                : `retention "${keep}": kept every checkpoint (${pruned.reason})`,
            );
        }
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
