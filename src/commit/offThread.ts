/**
 * Hashing and serialising checkpoints on a worker thread, so that a solver's main thread (which
 * drives ONNX Runtime) pays only for a copy of the state. One worker per process, started on
 * first use and unreferenced (it never keeps the process alive). Under ts-node (tests, Hardhat
 * scripts) the worker registers ts-node's transpile-only hook to load the same TypeScript
 * modules; from compiled JavaScript it loads them directly.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { IntegrityError } from "../errors";
import type { IntTensor } from "../pinir/types";
import type { Checkpoint } from "./checkpointStore";
import type { Hash } from "./hash";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.register) require(workerData.register);
const { stateHash } = require(workerData.lists);
const { encodeCheckpointFile } = require(workerData.store);
parentPort.on("message", (m) => {
  try {
    const hash = stateHash(m.cp.tensors);
    const cp = { ...m.cp, ...(m.cp.programHash ? { programHash: Buffer.from(m.cp.programHash) } : {}) };
    const bytes = m.encode ? encodeCheckpointFile(cp) : undefined;
    parentPort.postMessage({ id: m.id, hash, bytes });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

interface Pending {
  resolve(v: { stateHash: Hash; bytes?: Buffer }): void;
  reject(e: unknown): void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function getWorker(): Worker {
  if (worker) return worker;
  const tsNode = __filename.endsWith(".ts");
  const w = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      register: tsNode ? require.resolve("ts-node/register/transpile-only") : undefined,
      lists: path.join(__dirname, "lists"),
      store: path.join(__dirname, "checkpointStore"),
    },
  });
  w.unref();
  w.on("message", (m: { id: number; hash?: Uint8Array; bytes?: Uint8Array; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined || !m.hash) p.reject(new IntegrityError("CHECKPOINT_HASH_WORKER", `hashing a checkpoint failed: ${m.error}`));
    else p.resolve({ stateHash: Buffer.from(m.hash), ...(m.bytes ? { bytes: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength) } : {}) });
  });
  const fail = (err: unknown): void => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = undefined;
  };
  w.on("error", fail);
  w.on("exit", () => fail(new IntegrityError("CHECKPOINT_HASH_WORKER", "the checkpoint hashing worker exited")));
  worker = w;
  return w;
}

/**
 * Copies `cp`'s tensors now (so the caller may reuse its buffers) and hashes — and, with
 * `encode`, serialises — them on the worker thread.
 */
export function hashOffThread(cp: Checkpoint, encode: boolean): Promise<{ stateHash: Hash; bytes?: Buffer }> {
  const tensors: IntTensor[] = cp.tensors.map((t) => ({ shape: [...t.shape], scale: t.scale, data: new Float64Array(t.data) }));
  const w = getWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage(
      { id, encode, cp: { step: cp.step, tensors, ...(cp.programHash ? { programHash: new Uint8Array(cp.programHash) } : {}) } },
      tensors.map((t) => t.data.buffer as ArrayBuffer),
    );
  }).finally(() => {
    if (pending.size === 0) w.unref();
  }) as Promise<{ stateHash: Hash; bytes?: Buffer }>;
}
