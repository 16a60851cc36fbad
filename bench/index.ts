/**
 * Runs every benchmark module (bench/*.bench.ts) and prints one JSON object per benchmark on
 * its own line, then a combined JSON document to bench/results/latest.json (with BENCH, the
 * modules not run keep their previous entries there).
 *
 * A benchmark module exports `name` and `run(): Promise<Record<string, unknown>>`, or an array of
 * records for a module that measures several configurations: each is printed as its own line
 * (with `bench` first) and the array is kept under the module's name in latest.json.
 * Select some with `BENCH=commit,executor npm run bench`.
 */
import fs from "node:fs";
import path from "node:path";

interface BenchModule {
  name: string;
  run(): Promise<Record<string, unknown> | Record<string, unknown>[]>;
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
    const out = await mod.run();
    const lines = (Array.isArray(out) ? out : [out]).map((r) => ({ bench: mod.name, ...r }));
    results[mod.name] = Array.isArray(out) ? lines : lines[0];
    for (const line of lines) process.stdout.write(JSON.stringify(line) + "\n");
  }
  const outDir = path.join(__dirname, "results");
  fs.mkdirSync(outDir, { recursive: true });
  const latest = path.join(outDir, "latest.json");
  // With BENCH selecting some modules, the others keep their last results.
  const previous =
    only && fs.existsSync(latest)
      ? (JSON.parse(fs.readFileSync(latest, "utf8")) as Record<string, unknown>)
      : {};
  fs.writeFileSync(latest, JSON.stringify({ ...previous, ...results }, null, 2) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
