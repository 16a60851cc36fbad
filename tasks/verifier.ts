/** `pin verify`: the verifier's side. */
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, deviceArg, output, runTask, signerAt } from "./util";

interface VerifyArgs {
  id: number;
  bundle?: string;
  from?: string;
  count?: number;
  probability?: number;
  all: boolean;
  seed?: number;
  device: string;
  account: number;
  challenge: boolean;
  json: boolean;
}

export function registerVerifierTasks(pin: ScopeDefinition): void {
  pin
    .task("verify", "Re-execute sampled checkpoint intervals of a submitted task and report any mismatch")
    .addPositionalParam("id", "Task id", undefined, types.int)
    .addOptionalParam("bundle", "Task bundle URI (default: announced on chain)")
    .addOptionalParam("from", "Solver checkpoint source: http(s) URL or directory (default: announced on chain)")
    .addOptionalParam("count", "Number of intervals to sample (default 1)", undefined, types.int)
    .addOptionalParam("probability", "Sample each interval with this probability", undefined, types.float)
    .addFlag("all", "Re-execute every interval")
    .addOptionalParam("seed", "Sampling seed (default: random)", undefined, types.int)
    .addOptionalParam("device", "cpu or cuda", "cpu")
    .addOptionalParam("account", "Signer account index", 2, types.int)
    .addFlag("challenge", "On a mismatch, open a dispute game on that interval (the bond must be staked); play it with `pin dispute`")
    .addFlag("json", "Print JSON")
    .setAction(async (args: VerifyArgs, hre) =>
      runTask(args.json, async () => {
        const { checkTask, resolveTaskBundle } = await import("../src/agents");
        const { announced } = await import("../src/chain/market");
        const { InputError } = await import("../src/errors");
        const device = await deviceArg(args.device);
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        const taskId = BigInt(args.id);
        const bundle = await resolveTaskBundle(c, taskId, args.bundle);
        const source = args.from ?? (await announced(c, taskId, "Checkpoints"));
        if (!source) throw new InputError("NO_CHECKPOINTS", `the solver of task ${args.id} announced no checkpoint source: pass --from <url or dir>`);
        const res = await checkTask({
          contracts: c,
          taskId,
          bundle,
          source,
          device,
          sample: { all: args.all, count: args.count, probability: args.probability, seed: args.seed },
          onEvent: (e) => {
            if (args.json) return;
            if (e.kind === "sampled") console.log(`sampled intervals ${e.intervals.join(", ") || "(none)"} of ${e.total}`);
            if (e.kind === "withheld") console.log(`checkpoint ${e.index} withheld (${e.reason}); recomputing from the last agreed state`);
            if (e.kind === "checked") console.log(`interval ${e.check.index} (steps ${e.check.fromStep}..${e.check.toStep}): ${e.check.status}`);
          },
        });
        const { mismatch, ...rest } = res;
        let game: bigint | null = null;
        if (mismatch && args.challenge) {
          const { challengeTask, checkpointAnchors, taskTrajectory } = await import("../src/agents");
          const { createExecutor } = await import("../src/exec");
          const executor = await createExecutor(bundle.program, { device });
          try {
            // The evidence starts at the interval's agreed start state (already checked), not at step 0.
            const held = { step: mismatch.fromStep, state: mismatch.startState };
            const anchors = checkpointAnchors(c, taskId, { source, held });
            const evidence = taskTrajectory(bundle, Number((await c.taskMarket.getTask(taskId)).totalSteps), { executor, anchors });
            game = await challengeTask(c, taskId, bundle, evidence, mismatch.index);
          } finally {
            await executor.dispose();
          }
        }
        const value = { ...rest, mismatch: mismatch ? { ...mismatch, startState: undefined } : null, game };
        output(args.json, value, () => [
          mismatch
            ? `task ${args.id}: interval ${mismatch.index} (steps ${mismatch.fromStep}..${mismatch.toStep}) is WRONG: committed ${mismatch.committed}, recomputed ${mismatch.computed}`
            : `task ${args.id}: all ${res.checks.length} sampled intervals agree`,
          ...(game !== null ? [`opened dispute game ${game}: play it with \`npx hardhat pin dispute ${game} --side challenger\``] : []),
        ]);
      }),
    );
}
