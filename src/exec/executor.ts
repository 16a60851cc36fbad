/**
 * ONNX Runtime executor for PinIR programs. The fast path (`step`: fetch only the next state and
 * the named outputs asked for) runs the fast-path graph of the program (emitOnnx with evidence
 * false: pruned to those fetches and more fused), one session per set of named outputs fetched;
 * evidence runs (`evidence` / `fetchSlots`: every slot) run the evidence graph, which exposes
 * every temp slot as an output, in a session opened on first use. Both graphs compute the same
 * exact integers (test/exec/property.test.ts and fastpath.test.ts check them against the
 * reference interpreter).
 *
 * Devices: CPU by default; CUDA only when asked. Asking for CUDA where it cannot be loaded is
 * EXEC_CUDA_UNAVAILABLE, never a silent CPU run, and CUDA sessions disable ONNX Runtime's own CPU
 * fallback (`session.disable_cpu_ep_fallback = 1`), so every node runs on the GPU or the session
 * fails. Results are bit-identical either way because every value is an exact integer < 2^53.
 */
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import type { IntTensor, PinProgram, SlotId } from "../pinir/types";
import { markChecked } from "./checked";
import { ExecCode, execError } from "./errors";
import { emitOnnx, type EmittedModel } from "./onnx";
import { guaranteedBounds, mayBeNegativeZero, validateProgram } from "./program";
import { bindSlots, type SlotValues } from "./reference";
import { canonicalize, checkInputBounds, checkRange, checkSlotTensor, constTensor, sizeOf } from "./tensor";

export type Device = "cpu" | "cuda";
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";
export const GRAPH_OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = [
  "disabled",
  "basic",
  "extended",
  "all",
];

export interface ExecutorOptions {
  /** "cpu" (default) or "cuda" (never falls back to CPU). */
  readonly device?: Device;
  /** CUDA device ordinal (default 0). */
  readonly deviceId?: number;
  /**
   * ONNX Runtime intra-op threads (default 1: the step programs are small, and on a shared
   * machine a spinning thread pool costs more than it gains). Results are identical for any value.
   */
  readonly intraOpThreads?: number;
  /** ONNX Runtime graph optimisation level (default "all"); results are identical at every level. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
}

/** A batch: `x`/`y` bind the program's single input/target slot; `slots` binds any slot explicitly. */
export interface StepBatch {
  readonly x?: IntTensor;
  readonly y?: IntTensor;
  readonly slots?: ReadonlyMap<SlotId, IntTensor>;
}

export interface StepOptions {
  /** Named program outputs to fetch as well (e.g. "loss", "logits"). */
  readonly outputs?: readonly string[];
  /** Output buffers for the next state, one per `program.stateUpdates` entry (see Executor.step). */
  readonly into?: readonly Float64Array[];
}

export interface StepResult {
  /** Next state, in state-slot order (a state slot without an update keeps its tensor). */
  readonly state: IntTensor[];
  /** The named program outputs asked for. */
  readonly outputs: Record<string, IntTensor>;
}

export interface Executor {
  readonly program: PinProgram;
  readonly device: Device;
  readonly model: EmittedModel;
  /**
   * One step: state_{t+1} = step(state_t, batch). Fetches only the state and `outputs`.
   * `into`: buffers to write the next state into (one per state update, in stateUpdates order,
   * none of them aliasing `state`), so a loop can recycle memory instead of allocating per step.
   */
  step(state: readonly IntTensor[], batch: StepBatch, options?: StepOptions): Promise<StepResult>;
  /** Every slot's value (the value table after the last op), for evidence and dispute play. */
  evidence(state: readonly IntTensor[], batch: StepBatch): Promise<IntTensor[]>;
  /** Values of the given slots only. */
  fetchSlots(state: readonly IntTensor[], batch: StepBatch, slots: readonly SlotId[]): Promise<IntTensor[]>;
  dispose(): Promise<void>;
}

const CUDA_HINT =
  "install the CUDA 12 execution provider libraries with `npm run gpu:install` " +
  "(= `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`), and make sure an NVIDIA " +
  'driver, CUDA 12 and cuDNN 9 are on the library path; or run with device "cpu"';

/** A one-node float64 model used to probe whether an execution provider loads. */
function probeModel(): Uint8Array {
  const program: PinProgram = {
    version: 1,
    fracBits: 0,
    boundBits: 20,
    slots: [
      { name: "a", kind: "input", shape: [2], scale: 0, maxAbs: 1 },
      { name: "r", kind: "temp", shape: [2], scale: 0, maxAbs: 1 },
    ],
    ops: [{ op: "Relu", out: 1, a: 0 }],
    stateUpdates: [],
    outputs: {},
  };
  return emitOnnx(program).bytes;
}

/** CUDA EP shared libraries onnxruntime-node loads on Linux and that npm does not bundle. */
function missingCudaLibraries(): string[] {
  if (process.platform !== "linux") return [];
  const bin = path.join(
    path.dirname(require.resolve("onnxruntime-node/package.json")),
    "bin",
    "napi-v6",
    process.platform,
    process.arch,
  );
  return ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"].filter(
    (f) => !fs.existsSync(path.join(bin, f)),
  );
}

let cudaProbe: Promise<{ available: boolean; reason?: string }> | undefined;

/**
 * Whether the CUDA execution provider loads and can run a float64 node with CPU fallback
 * disabled. Memoised per process.
 */
export function cudaAvailable(): Promise<{ available: boolean; reason?: string }> {
  cudaProbe ??= (async () => {
    const backends = ort.listSupportedBackends?.() ?? [];
    if (!backends.some((b) => b.name === "cuda"))
      return { available: false, reason: "this onnxruntime-node build has no CUDA backend" };
    const missing = missingCudaLibraries();
    if (missing.length > 0)
      return {
        available: false,
        reason: `the CUDA execution provider libraries are not installed (missing ${missing.join(", ")})`,
      };
    try {
      const s = await ort.InferenceSession.create(probeModel(), {
        executionProviders: [{ name: "cuda" }],
        logSeverityLevel: 4,
        extra: { session: { disable_cpu_ep_fallback: "1" } },
      });
      await s.run({ s0: new ort.Tensor("float64", new Float64Array([-1, 1]), [2]) });
      await s.release();
      return { available: true };
    } catch (e) {
      return { available: false, reason: e instanceof Error ? e.message : String(e) };
    }
  })();
  return cudaProbe;
}

function sessionOptions(opts: ExecutorOptions): ort.InferenceSession.SessionOptions {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: opts.graphOptimizationLevel ?? "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    intraOpNumThreads: opts.intraOpThreads ?? 1,
  };
  if ((opts.device ?? "cpu") === "cuda") {
    return {
      ...base,
      executionProviders: [
        { name: "cuda", deviceId: opts.deviceId ?? 0 } as ort.InferenceSession.ExecutionProviderConfig,
      ],
      extra: { session: { disable_cpu_ep_fallback: "1" } },
    };
  }
  return { ...base, executionProviders: ["cpu"] };
}

/** Creates an ONNX Runtime session for `model` (float64 or float32) with the executor's device rules. */
export async function createSession(
  model: EmittedModel,
  opts: ExecutorOptions = {},
): Promise<ort.InferenceSession> {
  const device = opts.device ?? "cpu";
  if (device !== "cpu" && device !== "cuda")
    throw execError(ExecCode.BadProgram, `unknown device "${device as string}"; use "cpu" or "cuda"`);
  if (device === "cuda") {
    const probe = await cudaAvailable();
    if (!probe.available) {
      throw execError(
        ExecCode.CudaUnavailable,
        `CUDA was requested but is unavailable (${probe.reason}); ${CUDA_HINT}`,
        { reason: probe.reason },
      );
    }
  }
  try {
    return await ort.InferenceSession.create(model.bytes, sessionOptions(opts));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw execError(
      ExecCode.Runtime,
      `ONNX Runtime could not create a ${device} session: ${msg}`,
      { device },
      e,
    );
  }
}

function toOrt(t: IntTensor): ort.Tensor {
  return new ort.Tensor("float64", t.data, t.shape as number[]);
}

/** Creates an executor for `program`: validates it, emits the float64 graphs, opens the fast-path session (evidence session on first use). */
export async function createExecutor(program: PinProgram, options: ExecutorOptions = {}): Promise<Executor> {
  validateProgram(program);
  const model = emitOnnx(program);
  // fast-path sessions, one per set of named outputs fetched: each graph computes only what
  // feeds the next state and those outputs. The state-only one opens now, others on first use.
  // ONNX Runtime rejects a graph without outputs, so a step fetching nothing (no state updates,
  // no outputs asked for) runs no session.
  const fastSessions = new Map<string, Promise<ort.InferenceSession | undefined>>();
  const fastSession = (names: readonly string[]): Promise<ort.InferenceSession | undefined> => {
    const key = [...new Set(names)].sort().join("\n");
    let hit = fastSessions.get(key);
    if (!hit) {
      const m = emitOnnx(program, { evidence: false, outputs: key === "" ? [] : key.split("\n") });
      const empty = m.stateOutputs.length === 0 && Object.keys(m.namedOutputs).length === 0;
      hit = empty ? Promise.resolve(undefined) : createSession(m, options);
      fastSessions.set(key, hit);
    }
    return hit;
  };
  // the evidence graph (every temp a graph output) gets its own session, opened on first use, or
  // now when there is no state-only graph (so device and runtime errors surface here either way)
  let evidenceSession: Promise<ort.InferenceSession> | undefined;
  if (!(await fastSession([]))) await (evidenceSession = createSession(model, options));
  const device = options.device ?? "cpu";
  const stateSlots: SlotId[] = [];
  program.slots.forEach((s, i) => s.kind === "state" && stateSlots.push(i));
  const updateOf = new Map<SlotId, number>(program.stateUpdates.map(({ from }, k) => [from, k]));
  const negZero = mayBeNegativeZero(program);
  // a state output needs the −0 pass only if its graph output was not canonicalised in the graph
  // (the fast graphs' state outputs: they may differ from the evidence graph's, whose Rescales
  // never give −0; they are the same in every fast graph of the program)
  const stateOutputs = emitOnnx(program, { evidence: false, outputs: [] }).stateOutputs;
  const stateNeedsCanon = program.stateUpdates.map(
    ({ to }, k) => stateOutputs[k] === `s${to}` && negZero[to],
  );
  // next-state values provably within the state slot's bound need no input check next step
  const bounds = guaranteedBounds(program);
  const nextWithinBound = program.stateUpdates.map(
    ({ from, to }) => bounds[to] <= program.slots[from].maxAbs,
  );

  const feedsFor = (state: readonly IntTensor[], batch: StepBatch): Record<string, ort.Tensor> => {
    const values = bindSlots(program, state, batch);
    const feeds: Record<string, ort.Tensor> = {};
    for (const id of model.inputSlots)
      feeds[`s${id}`] = toOrt(checkInputBounds(program, id, checkSlotTensor(program, id, values[id])));
    return feeds;
  };

  const run = async (
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, ort.Tensor | null>,
    s: ort.InferenceSession,
  ): Promise<ort.InferenceSession.ReturnType> => {
    try {
      return await s.run(feeds, fetches);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw execError(
        ExecCode.Runtime,
        `ONNX Runtime failed to run the program on ${device}: ${msg}`,
        { device },
        e,
      );
    }
  };

  const slotTensor = (id: SlotId, data: Float64Array, what: string): IntTensor => ({
    shape: [...program.slots[id].shape],
    data: canonicalize(data, what),
    scale: program.slots[id].scale,
  });

  const executor: Executor = {
    program,
    device,
    model,
    async step(state, batch, opts = {}) {
      const feeds = feedsFor(state, batch);
      const fetches: Record<string, ort.Tensor | null> = {};
      if (opts.into && opts.into.length !== program.stateUpdates.length) {
        throw execError(
          ExecCode.ShapeMismatch,
          `step: ${opts.into.length} output buffers given for ${program.stateUpdates.length} state updates`,
        );
      }
      const buffers = program.stateUpdates.map(({ to }, k) => {
        const n = sizeOf(program.slots[to].shape);
        const buf = opts.into ? opts.into[k] : new Float64Array(n);
        if (buf.length !== n)
          throw execError(
            ExecCode.ShapeMismatch,
            `step: output buffer ${k} has ${buf.length} elements, slot ${to} needs ${n}`,
            { slot: to },
          );
        if (state.some((t) => t.data.buffer === buf.buffer)) {
          throw execError(
            ExecCode.BadProgram,
            `step: output buffer ${k} aliases an input state tensor; pass buffers from an older step`,
          );
        }
        fetches[stateOutputs[k]] = new ort.Tensor("float64", buf, program.slots[to].shape as number[]);
        return buf;
      });
      const wanted = opts.outputs ?? [];
      for (const name of wanted) {
        const out = model.namedOutputs[name];
        if (out === undefined)
          throw execError(
            ExecCode.MissingInput,
            `program has no output "${name}" (has: ${Object.keys(program.outputs).join(", ") || "none"})`,
          );
        if (!(out in fetches)) fetches[out] = null; // a state output of the same name is already fetched
      }
      // named outputs have the same names in every graph emitted from the program
      const fast = await fastSession(wanted);
      const res = fast ? await run(feeds, fetches, fast) : {};
      const stateBufferOf = new Map(stateOutputs.map((n, k) => [n, buffers[k]]));
      const next = stateSlots.map((id, i) => {
        const k = updateOf.get(id);
        if (k === undefined) return state[i];
        const what = `state slot ${id} "${program.slots[id].name}"`;
        // INVARIANT: a next state proven within its slot's maxAbs (< 2^53) and free of −0 is
        // trusted as ONNX Runtime wrote it: scanning it again costs more than the graph's
        // elementwise tail (the fast path's own outputs are trusted, as for the input check)
        const data = stateNeedsCanon[k]
          ? canonicalize(buffers[k], what)
          : nextWithinBound[k]
            ? buffers[k]
            : checkRange(buffers[k], what);
        const next: IntTensor = { shape: [...program.slots[id].shape], data, scale: program.slots[id].scale };
        return nextWithinBound[k] ? markChecked(next) : next;
      });
      const outputs: Record<string, IntTensor> = {};
      for (const name of wanted) {
        const id = program.outputs[name];
        const out = model.namedOutputs[name];
        const shared = stateBufferOf.get(out);
        outputs[name] = slotTensor(
          id,
          shared ? Float64Array.from(shared) : (res[out].data as Float64Array),
          `output "${name}"`,
        );
      }
      return { state: next, outputs };
    },
    async fetchSlots(state, batch, slots) {
      const values: SlotValues = bindSlots(program, state, batch);
      const temps = [...new Set(slots.filter((id) => program.slots[id]?.kind === "temp"))];
      const feeds = feedsFor(state, batch);
      const fetches: Record<string, null> = {};
      const outName = (id: SlotId): string => model.fusedEvidence.get(id)?.output ?? `s${id}`;
      for (const id of temps) fetches[outName(id)] = null;
      const res =
        temps.length > 0
          ? await run(feeds, fetches, await (evidenceSession ??= createSession(model, options)))
          : {};
      return slots.map((id) => {
        if (!(id >= 0 && id < program.slots.length))
          throw execError(ExecCode.OutOfRange, `slot ${id} does not exist`, { slot: id });
        const kind = program.slots[id].kind;
        const what = `slot ${id} "${program.slots[id].name}"`;
        const fused = model.fusedEvidence.get(id);
        if (fused) {
          // v = x·2^−s + offset exactly, so x = (v − offset)·2^s exactly (see emitOnnx)
          const v = res[fused.output].data as Float64Array;
          const k = 2 ** fused.shift;
          return slotTensor(
            id,
            v.map((e) => (e - fused.offset) * k),
            what,
          );
        }
        if (kind === "temp") return slotTensor(id, res[`s${id}`].data as Float64Array, what);
        if (kind === "const") return values[id] ?? constTensor(program, id);
        return checkSlotTensor(program, id, values[id]);
      });
    },
    async evidence(state, batch) {
      return executor.fetchSlots(
        state,
        batch,
        program.slots.map((_, i) => i),
      );
    },
    async dispose() {
      for (const f of fastSessions.values()) await (await f)?.release();
      if (evidenceSession) await (await evidenceSession).release();
    },
  };
  return executor;
}
