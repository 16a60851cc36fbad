/**
 * The float32 baseline: the same train-step structure run in ordinary float32 ONNX Runtime
 * (see emitFloat32Onnx). Used by the executor benchmark to price exact arithmetic; its results
 * are not exact and never committed.
 */
import * as ort from "onnxruntime-node";
import type { IntTensor, PinProgram } from "../pinir/types";
import { createSession, type ExecutorOptions } from "./executor";
import { emitFloat32Onnx, type EmittedModel } from "./onnx";
import { batchLayout } from "./train";
import { sizeOf } from "./tensor";

export interface Float32Runner {
  readonly model: EmittedModel;
  /** Real-valued state (integer / 2^scale), in state-slot order; replaced by each step. */
  state: Float32Array[];
  /** One step on a real-valued batch x [B, d], y [B, C]; fetches only the next state (and "loss" when asked). */
  step(x: Float32Array, y: Float32Array | undefined, withLoss?: boolean): Promise<number | undefined>;
  dispose(): Promise<void>;
}

/** Real values of an IntTensor as float32. */
export function toFloat32(t: IntTensor): Float32Array {
  const f = 2 ** -t.scale;
  return Float32Array.from(t.data, (v) => v * f);
}

export async function createFloat32Runner(
  program: PinProgram,
  initialState: readonly IntTensor[],
  opts: ExecutorOptions = {},
): Promise<Float32Runner> {
  const model = emitFloat32Onnx(program);
  const session = await createSession(model, opts);
  // steps without the loss run a graph that computes only the next state, as the exact
  // executor's fast path does (so neither side of the benchmark computes what it does not fetch)
  const stateOnly =
    program.stateUpdates.length > 0
      ? await createSession(emitFloat32Onnx(program, { outputs: [] }), opts)
      : session;
  const { input, target } = batchLayout(program);
  const stateSlots = program.slots.flatMap((s, i) => (s.kind === "state" ? [i] : []));
  const updateOf = new Map(program.stateUpdates.map(({ from }, k) => [from, k]));
  // ping-pong output buffers, as the exact executor's recycling train loop does
  const pool = [0, 1].map(() => stateSlots.map((id) => new Float32Array(sizeOf(program.slots[id].shape))));
  let turn = 0;
  const runner: Float32Runner = {
    model,
    state: initialState.map(toFloat32),
    async step(x, y, withLoss = false) {
      const feeds: Record<string, ort.Tensor> = {};
      stateSlots.forEach(
        (id, i) =>
          (feeds[`s${id}`] = new ort.Tensor("float32", runner.state[i], program.slots[id].shape as number[])),
      );
      feeds[`s${input}`] = new ort.Tensor("float32", x, program.slots[input].shape as number[]);
      if (target !== undefined && y)
        feeds[`s${target}`] = new ort.Tensor("float32", y, program.slots[target].shape as number[]);
      const fetches: Record<string, ort.Tensor | null> = {};
      const next = stateSlots.map((id, i) => {
        const k = updateOf.get(id);
        if (k === undefined) return runner.state[i];
        const buf = pool[turn][i];
        fetches[model.stateOutputs[k]] = new ort.Tensor("float32", buf, program.slots[id].shape as number[]);
        return buf;
      });
      const lossName = model.namedOutputs.loss;
      if (withLoss && lossName) fetches[lossName] = null;
      const res = await (withLoss && lossName ? session : stateOnly).run(feeds, fetches);
      runner.state = next;
      turn ^= 1;
      return withLoss && lossName ? (res[lossName].data as Float32Array)[0] : undefined;
    },
    async dispose() {
      await session.release();
      if (stateOnly !== session) await stateOnly.release();
    },
  };
  return runner;
}
