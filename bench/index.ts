/**
 * Runs every benchmark module (bench/*.bench.ts) and prints one JSON object per benchmark on
 * its own line, then a combined JSON document to bench/results/latest.json.
 *
 * A benchmark module exports `name` and `run(): Promise<Record<string, unknown>>`.
 * Select some with `BENCH=commit,executor npm run bench`.
 */
import fs from "node:fs";
import path from "node:path";

interface BenchModule {
  name: string;
  run(): Promise<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const only = process.env.BENCH?.split(",").map((s) => s.trim());
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .sort();
  const results: Record<string, unknown> = {};
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(__dirname, file)) as BenchModule;
    if (only && !only.includes(mod.name)) continue;
    process.stderr.write(`bench ${mod.name}…\n`);
    const result = { bench: mod.name, ...(await mod.run()) };
    results[mod.name] = result;
    process.stdout.write(JSON.stringify(result) + "\n");
  }
  const outDir = path.join(__dirname, "results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "latest.json"), JSON.stringify(results, null, 2) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
