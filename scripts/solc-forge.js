#!/usr/bin/env node
/**
 * A native-solc stand-in for Foundry (`solc = "scripts/solc-forge.js"` in foundry.toml).
 *
 * Forge cannot download a compiler on these machines, but it runs whatever executable
 * `solc` names, in two ways only:
 *   solc --version                      → it reads the last line, `Version: 0.8.28+commit.<sha>.<platform>`
 *   solc [path flags] --standard-json   → standard JSON input on stdin, output on stdout
 * Both are answered by the npm `solc` package (soljson, the compiler Hardhat uses too), so
 * Forge and Hardhat compile with the same, lockfile-pinned compiler and nothing is downloaded.
 *
 * Forge normally puts every source's content into the input; imports it left out are resolved
 * by the import callback: relative to --base-path / --include-path / the working directory,
 * then under node_modules/, after applying the input's remappings.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);

function loadSolc() {
  const solc = require(require.resolve("solc", { paths: [root, process.cwd()] }));
  return solc;
}

/** `0.8.28+commit.7893614a.Emscripten.clang` → `0.8.28+commit.7893614a.Linux.g++` (native build's form). */
function nativeVersion(solc) {
  const long = solc.version();
  const m = /^(\d+\.\d+\.\d+)\+commit\.([0-9a-f]+)/.exec(long);
  if (!m) throw new Error(`solc-forge: cannot parse npm solc version ${long}`);
  return `${m[1]}+commit.${m[2]}.Linux.g++`;
}

function flagValues(name) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].startsWith(`${name}=`)) out.push(args[i].slice(name.length + 1));
  }
  return out;
}

function parseRemappings(list) {
  return (list ?? [])
    .map((r) => {
      // [context:]prefix=target
      const eq = r.indexOf("=");
      if (eq < 0) return undefined;
      let prefix = r.slice(0, eq);
      const colon = prefix.indexOf(":");
      if (colon >= 0) prefix = prefix.slice(colon + 1);
      return { prefix, target: r.slice(eq + 1) };
    })
    .filter(Boolean)
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

function makeImportCallback(remappings) {
  const bases = [...flagValues("--base-path"), ...flagValues("--include-path"), process.cwd(), root].map(
    (p) => path.resolve(p),
  );
  const roots = [...bases, ...bases.map((b) => path.join(b, "node_modules"))];
  return (importPath) => {
    const candidates = [importPath];
    for (const { prefix, target } of remappings) {
      if (importPath.startsWith(prefix)) {
        candidates.unshift(target + importPath.slice(prefix.length));
        break;
      }
    }
    for (const c of candidates) {
      const tries = path.isAbsolute(c) ? [c] : roots.map((r) => path.join(r, c));
      for (const t of tries) {
        try {
          return { contents: fs.readFileSync(t, "utf8") };
        } catch {
          // try the next location
        }
      }
    }
    return { error: `solc-forge: file not found: ${importPath}` };
  };
}

function readStdin() {
  const chunks = [];
  let n;
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      if (e.code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function main() {
  if (args.includes("--version") || args.includes("-v")) {
    const solc = loadSolc();
    process.stdout.write(
      `solc, the solidity compiler commandline interface\nVersion: ${nativeVersion(solc)}\n`,
    );
    return;
  }
  if (args.includes("--help") || args.length === 0) {
    process.stdout.write("solc-forge: supports --version and --standard-json (stdin) only\n");
    return;
  }
  if (!args.includes("--standard-json")) {
    process.stderr.write(
      `solc-forge: unsupported arguments ${args.join(" ")} (only --version and --standard-json)\n`,
    );
    process.exit(1);
  }
  const solc = loadSolc();
  const inputText = readStdin();
  let input;
  try {
    input = JSON.parse(inputText);
  } catch (e) {
    process.stdout.write(
      JSON.stringify({
        errors: [
          {
            severity: "error",
            type: "JSONError",
            formattedMessage: `solc-forge: bad input: ${e.message}`,
            message: String(e.message),
          },
        ],
      }),
    );
    return;
  }
  const output = solc.compile(JSON.stringify(input), {
    import: makeImportCallback(parseRemappings(input.settings?.remappings)),
  });
  process.stdout.write(output);
}

main();
