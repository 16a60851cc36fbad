/**
 * Helpers for tests that run Pinpoint as separate OS processes: a `hardhat node` and
 * `hardhat pin …` commands against it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface NodeProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on a free port and waits until it serves JSON-RPC. */
export async function startNode(env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<NodeProcess> {
  const port = await freePort();
  const proc = spawn(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start in ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const check = () => {
      if (log.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve();
      } else if (proc.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`hardhat node exited with ${proc.exitCode}:\n${log}`));
      } else setTimeout(check, 100);
    };
    check();
  });
  return {
    url,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hardhat <args>` as a separate process and collects its output. */
export async function hardhat(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(HARDHAT, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`hardhat ${args.join(" ")} timed out after ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Runs a `pin` task with `--json` and parses its output; throws with the output on failure. */
export async function pinJson<T = Record<string, unknown>>(args: readonly string[], env: NodeJS.ProcessEnv): Promise<T> {
  const res = await hardhat(["pin", ...args, "--json"], env);
  if (res.code !== 0) throw new Error(`pin ${args.join(" ")} failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    throw new Error(`pin ${args.join(" ")} printed no JSON:\n${res.stdout}\n${res.stderr}`);
  }
}

export interface BackgroundProcess {
  readonly proc: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<number | null>;
}

/** Starts `hardhat <args>` in the background (a long-running agent). */
export function startHardhat(args: readonly string[], env: NodeJS.ProcessEnv = {}): BackgroundProcess {
  const proc = spawn(HARDHAT, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  return {
    proc,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once("exit", (code) => resolve(code));
        proc.kill("SIGTERM");
      }),
  };
}
