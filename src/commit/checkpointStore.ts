/**
 * Checkpoint store: a directory of state checkpoints, content-addressed by state hash
 * (docs/SPEC.md §3). A verifier that fetched a file checks it against the committed hash the
 * same way: {@link decodeCheckpointFile} + {@link stateHash}.
 *
 * File `<stateHash hex>.ckpt`, all integers big-endian:
 *
 *   magic "PINCKPT\0" (8) ‖ u16 version (= 1) ‖ u16 flags (bit 0: program hash present)
 *   ‖ u64 step ‖ [32-byte program hash] ‖ u32 nTensors
 *   ‖ per tensor: u32 scale ‖ u32 rank ‖ u64 dim…            (header)
 *   ‖ per tensor: i64 elements, row-major (docs/SPEC.md §2)  (data)
 *   ‖ SHA-256 of everything before it                         (checksum, 32)
 *
 * Writes are atomic: a temporary file in the same directory is written, fsynced and renamed
 * into place, then the directory is fsynced. Reads re-check the checksum and the state hash, so
 * a truncated, corrupted, renamed or missing file is reported (IntegrityError with a
 * CHECKPOINT_* code) and never used. The store deletes nothing on its own: bad files are at most
 * moved aside under a quarantine name, and complete temporary files left by a crash are recovered;
 * only {@link CheckpointStore.remove}, called by the solver's retention policy once no dispute can
 * ask for a checkpoint (src/agents/retention.ts), deletes a file.
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { InputError, IntegrityError } from "../errors";
import type { IntTensor } from "../pinir/types";
import { type Hash, sha256 } from "./hash";
import { stateHash } from "./lists";
import { checkTensorHeader, decodeTensor, encodeTensorInto, numElements } from "./tensor";

export const CHECKPOINT_MAGIC = Buffer.from("PINCKPT\0", "latin1");
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_EXT = ".ckpt";
const FIXED_HEADER = 8 + 2 + 2 + 8; // magic, version, flags, step
const CHECKSUM_BYTES = 32;
const FLAG_PROGRAM = 1;
const TMP_SUFFIX = ".tmp";
const QUARANTINE_INFIX = ".corrupt";

/** Error codes raised by the store. */
export const CheckpointCode = {
  Missing: "CHECKPOINT_MISSING",
  Truncated: "CHECKPOINT_TRUNCATED",
  Corrupt: "CHECKPOINT_CORRUPT",
  HashMismatch: "CHECKPOINT_HASH_MISMATCH",
} as const;

/** A checkpoint: the program's state tensors (slot order) after step `step`. */
export interface Checkpoint {
  readonly step: number;
  readonly tensors: readonly IntTensor[];
  /** Optional program hash the state belongs to. */
  readonly programHash?: Hash;
}

/** A checkpoint read back from the store, with its verified state hash. */
export interface StoredCheckpoint extends Checkpoint {
  readonly stateHash: Hash;
  readonly file: string;
}

/** A file the store could not use, with the reason. */
export interface BadCheckpointFile {
  readonly file: string;
  readonly error: IntegrityError;
  /** Where it was moved, when it was quarantined. */
  readonly quarantinedTo?: string;
}

export interface CheckpointStoreOptions {
  /** fsync files and the directory (default true; tests and benchmarks may turn it off). */
  readonly fsync?: boolean;
  /** Test hook: runs after the temporary file is written and before it is renamed. */
  readonly beforeRename?: (tmpFile: string) => void | Promise<void>;
}

function toHex(h: Uint8Array | string): string {
  const s = typeof h === "string" ? h.replace(/^0x/, "").toLowerCase() : Buffer.from(h).toString("hex");
  if (!/^[0-9a-f]{64}$/.test(s)) throw new InputError("CHECKPOINT_HASH", `a state hash is 32 bytes of hex, got "${String(h)}"`);
  return s;
}

function fail(code: string, message: string, file: string, details: Record<string, unknown> = {}): IntegrityError {
  return new IntegrityError(code, message, { file, ...details });
}

// ------------------------------------------------------------------ file format

/** Serialises a checkpoint (validates the tensors). */
export function encodeCheckpointFile(cp: Checkpoint): Buffer {
  if (!Number.isSafeInteger(cp.step) || cp.step < 0) throw new InputError("CHECKPOINT_STEP", `checkpoint step ${cp.step} must be a non-negative integer`);
  if (cp.programHash && cp.programHash.length !== 32) throw new InputError("CHECKPOINT_PROGRAM", "program hash must be 32 bytes");
  let headerLen = FIXED_HEADER + (cp.programHash ? 32 : 0) + 4;
  let dataLen = 0;
  for (const t of cp.tensors) {
    dataLen += 8 * checkTensorHeader(t);
    headerLen += 8 + 8 * t.shape.length;
  }
  // One allocation for the whole file: header, data, checksum.
  const file = Buffer.allocUnsafe(headerLen + dataLen + CHECKSUM_BYTES);
  CHECKPOINT_MAGIC.copy(file, 0);
  file.writeUInt16BE(CHECKPOINT_VERSION, 8);
  file.writeUInt16BE(cp.programHash ? FLAG_PROGRAM : 0, 10);
  file.writeBigUInt64BE(BigInt(cp.step), 12);
  let o = FIXED_HEADER;
  if (cp.programHash) {
    file.set(cp.programHash, o);
    o += 32;
  }
  file.writeUInt32BE(cp.tensors.length, o);
  o += 4;
  for (const t of cp.tensors) {
    file.writeUInt32BE(t.scale, o);
    file.writeUInt32BE(t.shape.length, o + 4);
    o += 8;
    for (const d of t.shape) {
      file.writeBigUInt64BE(BigInt(d), o);
      o += 8;
    }
  }
  for (const t of cp.tensors) o = encodeTensorInto(t, file, o);
  sha256(file.subarray(0, o)).copy(file, o);
  return file;
}

/**
 * Parses and checks a checkpoint file: magic, version, lengths and checksum. Throws
 * IntegrityError CHECKPOINT_TRUNCATED (file shorter than its header says) or
 * CHECKPOINT_CORRUPT (anything else). Does not check the state hash (see {@link stateHash}).
 */
export function decodeCheckpointFile(buf: Buffer, file = "<buffer>"): Checkpoint {
  const truncated = (need: number): IntegrityError =>
    fail(CheckpointCode.Truncated, `checkpoint ${file} is truncated: ${buf.length} bytes, needs at least ${need}; it was not completely written`, file, {
      bytes: buf.length,
      needed: need,
    });
  if (buf.length < FIXED_HEADER) throw truncated(FIXED_HEADER);
  if (!buf.subarray(0, 8).equals(CHECKPOINT_MAGIC)) throw fail(CheckpointCode.Corrupt, `${file} is not a Pinpoint checkpoint (bad magic)`, file);
  const version = buf.readUInt16BE(8);
  if (version !== CHECKPOINT_VERSION) {
    throw fail(CheckpointCode.Corrupt, `checkpoint ${file} has format version ${version}; this build reads version ${CHECKPOINT_VERSION}`, file);
  }
  const flags = buf.readUInt16BE(10);
  if (flags & ~FLAG_PROGRAM) throw fail(CheckpointCode.Corrupt, `checkpoint ${file} has unknown flags ${flags}`, file);
  const step = Number(buf.readBigUInt64BE(12));
  let o = FIXED_HEADER;
  let programHash: Hash | undefined;
  if (flags & FLAG_PROGRAM) {
    if (buf.length < o + 32) throw truncated(o + 32);
    programHash = Buffer.from(buf.subarray(o, o + 32));
    o += 32;
  }
  if (buf.length < o + 4) throw truncated(o + 4);
  const count = buf.readUInt32BE(o);
  o += 4;
  const headers: { scale: number; shape: number[]; n: number }[] = [];
  let dataBytes = 0;
  for (let i = 0; i < count; i++) {
    if (buf.length < o + 8) throw truncated(o + 8);
    const scale = buf.readUInt32BE(o);
    const rank = buf.readUInt32BE(o + 4);
    o += 8;
    if (buf.length < o + 8 * rank) throw truncated(o + 8 * rank);
    const shape: number[] = [];
    for (let k = 0; k < rank; k++, o += 8) shape.push(Number(buf.readBigUInt64BE(o)));
    let n: number;
    try {
      n = numElements(shape);
    } catch {
      throw fail(CheckpointCode.Corrupt, `checkpoint ${file} tensor ${i} has an invalid shape [${shape.join(", ")}]`, file);
    }
    headers.push({ scale, shape, n });
    dataBytes += 8 * n;
    if (dataBytes > buf.length) throw truncated(o + dataBytes + CHECKSUM_BYTES);
  }
  const total = o + dataBytes + CHECKSUM_BYTES;
  if (buf.length < total) throw truncated(total);
  if (buf.length > total) {
    throw fail(CheckpointCode.Corrupt, `checkpoint ${file} has ${buf.length - total} bytes after its checksum`, file);
  }
  const body = buf.subarray(0, total - CHECKSUM_BYTES);
  if (!sha256(body).equals(buf.subarray(total - CHECKSUM_BYTES))) {
    throw fail(CheckpointCode.Corrupt, `checkpoint ${file} fails its checksum: the file is corrupted`, file);
  }
  const tensors: IntTensor[] = [];
  for (const h of headers) {
    try {
      tensors.push(decodeTensor(buf.subarray(o, o + 8 * h.n), h.shape, h.scale));
    } catch (err) {
      throw fail(CheckpointCode.Corrupt, `checkpoint ${file}: ${(err as Error).message}`, file);
    }
    o += 8 * h.n;
  }
  return { step, tensors, ...(programHash ? { programHash } : {}) };
}

// ------------------------------------------------------------------ store

export class CheckpointStore {
  readonly dir: string;
  private readonly fsync: boolean;
  private readonly beforeRename?: (tmpFile: string) => void | Promise<void>;

  constructor(dir: string, opts: CheckpointStoreOptions = {}) {
    this.dir = path.resolve(dir);
    this.fsync = opts.fsync ?? true;
    this.beforeRename = opts.beforeRename;
  }

  /** Opens (creating if needed) a store directory. */
  static async open(dir: string, opts: CheckpointStoreOptions = {}): Promise<CheckpointStore> {
    await fsp.mkdir(dir, { recursive: true });
    return new CheckpointStore(dir, opts);
  }

  /** Path of the file holding the checkpoint with this state hash. */
  pathOf(hash: Uint8Array | string): string {
    return path.join(this.dir, toHex(hash) + CHECKPOINT_EXT);
  }

  /**
   * Stores a checkpoint atomically and returns its state hash. Idempotent: storing the same
   * state again rewrites the same content (and repairs a damaged copy).
   */
  async put(cp: Checkpoint): Promise<{ stateHash: Hash; file: string; bytes: number }> {
    return this.prepare(cp).write();
  }

  /**
   * The synchronous half of {@link put}: hashes and serialises the checkpoint now (so the
   * caller may reuse the tensors' buffers right after) and returns the state hash with a
   * `write()` that does the file I/O.
   */
  prepare(cp: Checkpoint): { stateHash: Hash; bytes: number; write(): Promise<{ stateHash: Hash; file: string; bytes: number }> } {
    const hash = stateHash(cp.tensors);
    const bytes = encodeCheckpointFile(cp);
    return { stateHash: hash, bytes: bytes.length, write: () => this.writeFile(hash, bytes) };
  }

  /**
   * Writes bytes made by {@link encodeCheckpointFile} for the state with hash `hash` (e.g. by
   * the off-thread hasher). A wrong hash only yields a file that {@link get} rejects.
   */
  writeEncoded(hash: Hash, bytes: Buffer): Promise<{ stateHash: Hash; file: string; bytes: number }> {
    return this.writeFile(hash, bytes);
  }

  private async writeFile(hash: Hash, bytes: Buffer): Promise<{ stateHash: Hash; file: string; bytes: number }> {
    const file = this.pathOf(hash);
    const tmp = path.join(this.dir, `.${toHex(hash)}.${process.pid}.${randomBytes(4).toString("hex")}${TMP_SUFFIX}`);
    const fh = await fsp.open(tmp, "wx");
    try {
      await fh.writeFile(bytes);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    if (this.beforeRename) await this.beforeRename(tmp);
    await fsp.rename(tmp, file);
    if (this.fsync) await this.syncDir();
    return { stateHash: hash, file, bytes: bytes.length };
  }

  /**
   * Reads and fully verifies the checkpoint with state hash `hash`. Throws IntegrityError
   * CHECKPOINT_MISSING, CHECKPOINT_TRUNCATED, CHECKPOINT_CORRUPT or CHECKPOINT_HASH_MISMATCH.
   */
  async get(hash: Uint8Array | string): Promise<StoredCheckpoint> {
    const file = this.pathOf(hash);
    let buf: Buffer;
    try {
      buf = await fsp.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw fail(CheckpointCode.Missing, `no checkpoint with state hash 0x${toHex(hash)} in ${this.dir}`, file);
      }
      throw err;
    }
    return this.verify(buf, file, toHex(hash));
  }

  /** Whether a file for this state hash exists (it is not verified: use {@link get}). */
  async has(hash: Uint8Array | string): Promise<boolean> {
    try {
      await fsp.access(this.pathOf(hash));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Deletes the checkpoint with this state hash; false when there was none. Only for retention
   * (src/agents/retention.ts), which first makes sure no dispute can still ask for it.
   */
  async remove(hash: Uint8Array | string): Promise<boolean> {
    try {
      await fsp.unlink(this.pathOf(hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    if (this.fsync) await this.syncDir();
    return true;
  }

  /** Checks a file's content against the state hash its name claims. */
  private verify(buf: Buffer, file: string, expectedHex: string): StoredCheckpoint {
    const cp = decodeCheckpointFile(buf, path.basename(file));
    const h = stateHash(cp.tensors);
    if (h.toString("hex") !== expectedHex) {
      throw fail(
        CheckpointCode.HashMismatch,
        `checkpoint ${path.basename(file)} holds state 0x${h.toString("hex")}, not the state its name claims`,
        file,
        { expected: "0x" + expectedHex, actual: "0x" + h.toString("hex") },
      );
    }
    return { ...cp, stateHash: h, file };
  }

  /** Checkpoint files, temporary files and quarantined files in the directory. */
  async listFiles(): Promise<{ checkpoints: string[]; temps: string[]; quarantined: string[] }> {
    const names = await fsp.readdir(this.dir);
    return {
      checkpoints: names.filter((n) => /^[0-9a-f]{64}\.ckpt$/.test(n)).map((n) => path.join(this.dir, n)),
      temps: names.filter((n) => n.startsWith(".") && n.endsWith(TMP_SUFFIX)).map((n) => path.join(this.dir, n)),
      quarantined: names.filter((n) => n.includes(QUARANTINE_INFIX)).map((n) => path.join(this.dir, n)),
    };
  }

  /** Step recorded in a file's header, or undefined if the header is unreadable. */
  private async peekStep(file: string): Promise<number | undefined> {
    const fh = await fsp.open(file, "r");
    try {
      const buf = Buffer.alloc(FIXED_HEADER);
      const { bytesRead } = await fh.read(buf, 0, FIXED_HEADER, 0);
      if (bytesRead < FIXED_HEADER || !buf.subarray(0, 8).equals(CHECKPOINT_MAGIC)) return undefined;
      return Number(buf.readBigUInt64BE(12));
    } finally {
      await fh.close();
    }
  }

  /** Moves a bad file aside (never deletes it) and returns the new path. */
  async quarantine(file: string): Promise<string> {
    let target = file + QUARANTINE_INFIX;
    for (let i = 1; await exists(target); i++) target = `${file}${QUARANTINE_INFIX}.${i}`;
    await fsp.rename(file, target);
    if (this.fsync) await this.syncDir();
    return target;
  }

  /**
   * The good checkpoint with the highest step (optionally of one program), verifying candidates
   * from the highest step down and reporting every bad file met on the way (moved aside when
   * `quarantine` is set). Temporary files are never read as checkpoints.
   */
  async latest(opts: { programHash?: Uint8Array; quarantine?: boolean } = {}): Promise<{
    checkpoint: StoredCheckpoint | null;
    bad: BadCheckpointFile[];
  }> {
    const { checkpoints } = await this.listFiles();
    const withStep: { file: string; step: number }[] = [];
    const bad: BadCheckpointFile[] = [];
    for (const file of checkpoints) {
      const step = await this.peekStep(file);
      // Unreadable headers sort last but are still verified (and reported) below.
      withStep.push({ file, step: step ?? -1 });
    }
    withStep.sort((a, b) => b.step - a.step || a.file.localeCompare(b.file));
    for (const { file } of withStep) {
      try {
        const cp = this.verify(await fsp.readFile(file), file, path.basename(file, CHECKPOINT_EXT));
        if (opts.programHash && !(cp.programHash && cp.programHash.equals(opts.programHash))) continue;
        return { checkpoint: cp, bad };
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        bad.push({ file, error: err, ...(opts.quarantine ? { quarantinedTo: await this.quarantine(file) } : {}) });
      }
    }
    return { checkpoint: null, bad };
  }

  /**
   * Handles temporary files left by a crash between write and rename: a complete, valid one is
   * renamed into place (no work is lost), anything else is moved aside. Never deletes.
   */
  async recoverTemps(): Promise<{ recovered: string[]; bad: BadCheckpointFile[] }> {
    const { temps } = await this.listFiles();
    const recovered: string[] = [];
    const bad: BadCheckpointFile[] = [];
    for (const tmp of temps) {
      const claimed = /^\.([0-9a-f]{64})\./.exec(path.basename(tmp))?.[1];
      try {
        if (!claimed) throw fail(CheckpointCode.Corrupt, `temporary file ${path.basename(tmp)} does not name a state hash`, tmp);
        const cp = this.verify(await fsp.readFile(tmp), tmp, claimed);
        const file = this.pathOf(cp.stateHash);
        await fsp.rename(tmp, file);
        recovered.push(file);
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        bad.push({ file: tmp, error: err, quarantinedTo: await this.quarantine(tmp) });
      }
    }
    if (this.fsync && recovered.length) await this.syncDir();
    return { recovered, bad };
  }

  /**
   * What a solver calls after a crash: recover temporary files, then return the last good
   * checkpoint (bad files are reported and moved aside).
   */
  async resume(opts: { programHash?: Uint8Array } = {}): Promise<{
    checkpoint: StoredCheckpoint | null;
    recovered: string[];
    bad: BadCheckpointFile[];
  }> {
    const temps = await this.recoverTemps();
    const { checkpoint, bad } = await this.latest({ ...opts, quarantine: true });
    return { checkpoint, recovered: temps.recovered, bad: [...temps.bad, ...bad] };
  }

  private async syncDir(): Promise<void> {
    let fh: FileHandle | undefined;
    try {
      fh = await fsp.open(this.dir, "r");
      await fh.sync();
    } catch (err) {
      // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
      if (!["EISDIR", "EPERM", "EINVAL", "EBADF"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
    } finally {
      await fh?.close();
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}
