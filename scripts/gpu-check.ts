/**
 * GPU check: runs the same fixed-point train-step program on CUDA and on CPU for a few steps and
 * prints the state hash after every step side by side; exits non-zero on the first mismatch.
 *
 * Usage (needs an NVIDIA GPU, driver, CUDA 12 + cuDNN 9 and the ONNX Runtime CUDA EP libraries,
 * which npm does not bundle: install them once with `npm run gpu:install`):
 *
 *   npx ts-node scripts/gpu-check.ts [--steps 20] [--batch 32] [--model mnist|iris] [--evidence]
 *   GPU_CHECK_STEPS=20 GPU_CHECK_MODEL=iris npx hardhat run scripts/gpu-check.ts
 *
 * --evidence also compares every slot of the value table of the first step (the dispute
 * evidence), not just the state. --dry-run replaces CUDA with a second CPU session (2 threads,
 * graph optimisations disabled) to exercise the script where no GPU exists.
 *
 * Exit codes: 0 all hashes equal; 1 a hash differs (the step and the first differing state
 * tensor are printed); 2 CUDA is unavailable (the reason and how to install it are printed) or
 * another error occurred. Output is one JSON object per line.
 */
import { stateHash } from "../src/commit";
import { batchAt, loadIris, loadMnist, type Dataset } from "../src/data";
import { PinpointError } from "../src/errors";
import { createExecutor, cudaAvailable, ExecCode, firstDifference, type Executor } from "../src/exec";
import { builtinModel, deriveTrainStep, initialState } from "../src/pinir";
import type { IntTensor } from "../src/pinir/types";

function arg(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[env] ?? fallback;
}

async function main(): Promise<number> {
  const steps = Number(arg("steps", "GPU_CHECK_STEPS", "20"));
  const which = arg("model", "GPU_CHECK_MODEL", "mnist");
  const withEvidence = process.argv.includes("--evidence") || process.env.GPU_CHECK_EVIDENCE === "1";
  if (which !== "mnist" && which !== "iris") throw new Error(`--model must be mnist or iris, got ${which}`);
  const batchSize = Number(arg("batch", "GPU_CHECK_BATCH", which === "mnist" ? "32" : "8"));
  const dryRun = process.argv.includes("--dry-run") || process.env.GPU_CHECK_DRY_RUN === "1";
  const probe = dryRun ? { available: true } : await cudaAvailable();
  if (!probe.available) {
    console.error(
      JSON.stringify({
        ok: false,
        code: ExecCode.CudaUnavailable,
        reason: probe.reason,
        fix: "install the CUDA EP libraries with `npm run gpu:install` on a machine with an NVIDIA GPU, driver, CUDA 12 and cuDNN 9",
      }),
    );
    return 2;
  }
  const model = builtinModel(which === "mnist" ? "mnist-mlp" : "iris-mlp");
  const program = deriveTrainStep(model, {
    batchSize,
    loss: "mse",
    optimizer: { kind: "sgd", learningRate: 0.5 },
  });
  const dataset: Dataset =
    which === "mnist" ? loadMnist({ train: 2048, test: 1, seed: 7 }).train : loadIris({ seed: 3 }).train;
  const s0 = initialState(program, model);
  const cpu = await createExecutor(program, { device: "cpu" });
  let gpu: Executor | undefined;
  try {
    gpu = await createExecutor(
      program,
      dryRun ? { device: "cpu", intraOpThreads: 2, graphOptimizationLevel: "disabled" } : { device: "cuda" },
    );
    const against = dryRun ? "cpu (2 threads, optimisations disabled; --dry-run)" : "cuda";
    console.log(
      JSON.stringify({
        model: which,
        batchSize,
        steps,
        against,
        ops: program.ops.length,
        initialStateHash: stateHash(s0).toString("hex"),
      }),
    );
    if (withEvidence) {
      const batch = batchAt(dataset, 1, batchSize);
      const [a, b] = [await cpu.evidence(s0, batch), await gpu.evidence(s0, batch)];
      const bad = a.findIndex((t, i) => firstDifference(t.data, b[i].data) >= 0);
      console.log(
        JSON.stringify({
          evidence: "step 1",
          slots: a.length,
          identical: bad < 0,
          ...(bad >= 0 ? { firstDifferingSlot: bad } : {}),
        }),
      );
      if (bad >= 0) return 1;
    }
    let sc: IntTensor[] = s0;
    let sg: IntTensor[] = s0;
    let cpuMs = 0;
    let gpuMs = 0;
    for (let t = 1; t <= steps; t++) {
      const batch = batchAt(dataset, t, batchSize);
      let t0 = performance.now();
      sc = (await cpu.step(sc, batch)).state;
      cpuMs += performance.now() - t0;
      t0 = performance.now();
      sg = (await gpu.step(sg, batch)).state;
      gpuMs += performance.now() - t0;
      const hc = stateHash(sc).toString("hex");
      const hg = stateHash(sg).toString("hex");
      console.log(JSON.stringify({ step: t, cpu: hc, cuda: hg, equal: hc === hg }));
      if (hc !== hg) {
        const tensor = sc.findIndex((x, i) => firstDifference(x.data, sg[i].data) >= 0);
        const elem = firstDifference(sc[tensor].data, sg[tensor].data);
        console.error(
          JSON.stringify({
            ok: false,
            step: t,
            stateTensor: tensor,
            element: elem,
            cpu: sc[tensor].data[elem],
            cuda: sg[tensor].data[elem],
          }),
        );
        return 1;
      }
    }
    console.log(
      JSON.stringify({
        ok: true,
        steps,
        cpuStepsPerSec: (1000 * steps) / cpuMs,
        cudaStepsPerSec: (1000 * steps) / gpuMs,
      }),
    );
    return 0;
  } finally {
    await cpu.dispose();
    await gpu?.dispose();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(
      JSON.stringify(
        err instanceof PinpointError ? { ok: false, ...err.toJSON() } : { ok: false, message: String(err) },
      ),
    );
    process.exitCode = 2;
  },
);
