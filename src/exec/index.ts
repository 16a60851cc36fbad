/**
 * Executor: runs PinIR programs exactly.
 *
 * - `createExecutor(program, { device, intraOpThreads, graphOptimizationLevel })` emits the exact
 *   float64 ONNX graphs (`emitOnnx`) and runs the fast path (`step`: next state + chosen named
 *   outputs) on a pruned, more fused graph, and evidence runs (`evidence` / `fetchSlots`: every
 *   slot of the value table) on the graph that exposes every slot. CPU by default; CUDA only when asked, never a
 *   silent fallback (EXEC_CUDA_UNAVAILABLE; CUDA sessions disable ORT's CPU fallback).
 * - Every tensor handed back is canonical (no −0) and checked to be within ±(2^53 − 1); every
 *   input, target and state value fed in must lie within its slot's maxAbs (EXEC_INPUT_BOUNDS).
 * - `runReference` / `evalOp` / `evalElement`: the exact TypeScript reference interpreter
 *   (docs/SPEC.md §1), element-level with the reduction terms and partial sums s_0..s_K.
 * - `train` / `accuracy`: the training loop over the batch view of docs/SPEC.md §4 (src/data).
 * - `emitFloat32Onnx` / `createFloat32Runner`: the float32 baseline used by bench/executor.bench.ts.
 *
 * Results are bit-identical across devices, thread counts and graph optimisation levels because
 * every value is an integer below 2^53 (test/exec/property.test.ts checks this against the
 * reference interpreter on random programs).
 */
export * from "./errors";
export * from "./tensor";
export * from "./shapes";
export * from "./program";
export * from "./reference";
export * from "./onnx";
export * from "./executor";
export * from "./train";
export * from "./baseline";
