/** `pin agent solver|verifier`: long-running agents that watch the chain and act on their own. */
import { formatEther } from "ethers";
import path from "node:path";
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, deviceArg, runTask, signerAt, toJson } from "./util";

interface AgentArgs {
  role: string;
  account?: number;
  checkpoints: string;
  serve?: number;
  cheatStep: number;
  keep: string;
  all: boolean;
  count?: number;
  probability?: number;
  seed?: number;
  noChallenge: boolean;
  device: string;
  poll: number;
  exitWhenIdle?: number;
  json: boolean;
}

export function registerAgentTasks(pin: ScopeDefinition): void {
  pin
    .task("agent", "Run a solver or verifier agent that watches the chain and acts until stopped (Ctrl-C); restartable")
    .addPositionalParam("role", "solver or verifier")
    .addOptionalParam("account", "Signer account index (default: 1 for solver, 2 for verifier)", undefined, types.int)
    .addOptionalParam("checkpoints", "Solver: checkpoint store directory", ".pinpoint/checkpoints")
    .addOptionalParam("serve", "Solver: serve checkpoints over HTTP on this port (default: announce the store directory)", undefined, types.int)
    .addOptionalParam("cheatStep", "Solver, DEMO ONLY: claim a trajectory that is wrong at this step", 0, types.int)
    .addOptionalParam("keep", "Solver: checkpoints kept once a task's challenge window and games are over: all, final or none", "all")
    .addFlag("all", "Verifier: re-execute every interval")
    .addOptionalParam("count", "Verifier: intervals sampled per task", undefined, types.int)
    .addOptionalParam("probability", "Verifier: sample each interval with this probability", undefined, types.float)
    .addOptionalParam("seed", "Verifier: sampling seed", undefined, types.int)
    .addFlag("noChallenge", "Verifier: report mismatches without opening disputes")
    .addOptionalParam("device", "cpu or cuda", "cpu")
    .addOptionalParam("poll", "Milliseconds between polls when idle", 2000, types.int)
    .addOptionalParam("exitWhenIdle", "Exit after this many consecutive idle polls", undefined, types.int)
    .addFlag("json", "Print events as JSON lines")
    .setAction(async (args: AgentArgs, hre) =>
      runTask(args.json, async () => {
        const { parseKeep, runAgent, serveCheckpoints } = await import("../src/agents");
        const { CheckpointStore } = await import("../src/commit");
        const { InputError } = await import("../src/errors");
        if (args.role !== "solver" && args.role !== "verifier") throw new InputError("BAD_ROLE", `role must be solver or verifier, got "${args.role}"`);
        const keep = parseKeep(args.keep);
        const device = await deviceArg(args.device);
        const signer = await signerAt(hre, args.account ?? (args.role === "solver" ? 1 : 2));
        const contracts = await contractsFor(hre, signer);
        const who = await signer.getAddress();
        const print = (e: object): void => {
          if (args.json) console.log(JSON.stringify(JSON.parse(toJson(e))));
          else {
            const line = describe(e as { kind: string } & Record<string, unknown>);
            if (line) console.log(line);
          }
        };
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        process.once("SIGTERM", () => abort.abort());
        const run = { pollMs: args.poll, signal: abort.signal, ...(args.exitWhenIdle !== undefined ? { exitWhenIdle: args.exitWhenIdle } : {}) };
        if (args.role === "solver") {
          const store = await CheckpointStore.open(path.resolve(args.checkpoints));
          const server = args.serve !== undefined ? await serveCheckpoints(store, { port: args.serve }) : undefined;
          const checkpointUri = server?.url ?? `file://${store.dir}`;
          if (!args.json) console.log(`solver agent ${who}: checkpoints at ${checkpointUri}`);
          try {
            await runAgent(
              { solver: { contracts, signer, store, checkpointUri, device, keep, onEvent: print, ...(args.cheatStep ? { cheatStep: args.cheatStep } : {}) } },
              run,
            );
          } finally {
            await server?.close();
          }
        } else {
          if (!args.json) console.log(`verifier agent ${who}`);
          const sample = { all: args.all, count: args.count, probability: args.probability, seed: args.seed };
          await runAgent({ verifier: { contracts, signer, sample, challenge: !args.noChallenge, device, onEvent: print } }, run);
        }
      }),
    );
}

function describe(e: { kind: string } & Record<string, unknown>): string {
  const s = (v: unknown): string => String(v);
  switch (e.kind) {
    case "solving":
      return `task ${s(e.taskId)}: solving`;
    case "solver": {
      const ev = e.event as { kind: string } & Record<string, unknown>;
      if (ev.kind === "checkpoint") return `task ${s(e.taskId)}: checkpoint ${s(ev.index)} at step ${s(ev.step)}`;
      if (ev.kind === "committed") return `task ${s(e.taskId)}: ${s(ev.committed)} checkpoints committed`;
      if (ev.kind === "step") return "";
      return `task ${s(e.taskId)}: ${ev.kind}`;
    }
    case "submitted":
      return `task ${s(e.taskId)}: final state ${s(e.finalStateHash)} submitted`;
    case "paid":
      return `task ${s(e.taskId)}: finalized, reward paid`;
    case "checked":
      return `task ${s(e.taskId)}: intervals ${(e.intervals as number[]).join(", ")} ${e.ok ? "agree" : `— interval ${s(e.wrong)} is WRONG`}`;
    case "challenged":
      return `task ${s(e.taskId)}: opened game ${s(e.game)} on interval ${s(e.interval)}`;
    case "move":
      return `game ${s(e.game)}: ${s(e.move)} (gas ${s(e.gas)})`;
    case "resolved":
      return `game ${s(e.game)}: resolved, ${s(e.winner)} won`;
    case "rewarded":
      return `task ${s(e.taskId)}: challenge reward claimed (${formatEther(e.amount as bigint)} of the solver's stake slashed to us, sink share included)`;
    case "pruned":
      return `task ${s(e.taskId)}: over; retention "${s(e.policy)}" deleted ${s(e.deleted)} checkpoint file(s)`;
    case "error":
      return `error${e.taskId !== undefined ? ` (task ${s(e.taskId)})` : ""}${e.game !== undefined ? ` (game ${s(e.game)})` : ""}: ${s(e.message)}`;
    default:
      return JSON.stringify(e);
  }
}
