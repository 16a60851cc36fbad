/**
 * How verifiers get a solver's checkpoint files: the solver agent serves its checkpoint store over
 * HTTP (`GET /<state hash hex>.ckpt`), or, for a local demo, the verifier reads the solver's
 * store directory. Whatever the transport, a fetched file is only used after its content hashes
 * to the committed state hash.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { CHECKPOINT_EXT, CheckpointStore, decodeCheckpointFile, stateHash, type Checkpoint } from "../commit";
import { IntegrityError, InputError } from "../errors";

const HASH_FILE = /^\/(?:0x)?([0-9a-f]{64})\.ckpt$/;

/** A running checkpoint file server. */
export interface CheckpointServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `store` read-only over HTTP on `host:port` (port 0 = any free port). Only file names that
 * are state hashes are served; nothing else in the directory is reachable.
 */
export async function serveCheckpoints(store: CheckpointStore, opts: { host?: string; port?: number } = {}): Promise<CheckpointServer> {
  const server = http.createServer((req, res) => {
    const m = req.method === "GET" ? HASH_FILE.exec(req.url ?? "") : null;
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const file = store.pathOf(m[1]);
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": st.size });
      fs.createReadStream(file).pipe(res);
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Fetches the checkpoint with state hash `hash` from `source`: an `http(s)://` base URL served by
 * {@link serveCheckpoints}, or a store directory (path or `file://`). Throws IntegrityError
 * CHECKPOINT_MISSING when the solver does not provide it and CHECKPOINT_HASH_MISMATCH (or the
 * store's corruption codes) when what it provides is not that state.
 */
export async function fetchCheckpoint(source: string, hash: string): Promise<Checkpoint> {
  const hex = hash.replace(/^0x/, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new InputError("CHECKPOINT_HASH", `a state hash is 32 bytes of hex, got ${hash}`);
  if (!/^https?:\/\//.test(source)) {
    const dir = source.startsWith("file://") ? new URL(source).pathname : source;
    return new CheckpointStore(path.resolve(dir)).get(hex);
  }
  const url = `${source.replace(/\/$/, "")}/${hex}${CHECKPOINT_EXT}`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new IntegrityError("CHECKPOINT_MISSING", `cannot reach ${url}: ${(err as Error).message}`, { url }, { cause: err });
  }
  if (!res.ok) throw new IntegrityError("CHECKPOINT_MISSING", `${url} answered HTTP ${res.status}: the solver does not provide checkpoint 0x${hex}`, { url });
  const cp = decodeCheckpointFile(Buffer.from(await res.arrayBuffer()), url);
  const actual = stateHash(cp.tensors).toString("hex");
  if (actual !== hex) {
    throw new IntegrityError("CHECKPOINT_HASH_MISMATCH", `${url} holds state 0x${actual}, not the committed 0x${hex}`, { url, expected: "0x" + hex, actual: "0x" + actual });
  }
  return cp;
}
