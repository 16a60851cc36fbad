import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";

import "./tasks";

/**
 * Solidity is compiled by the npm `solc` package (soljson): the build never downloads a compiler.
 * The version below must match the installed `solc` package; `npm ci` pins it.
 */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "");
  if (!longVersion.startsWith(SOLC_VERSION)) {
    throw new Error(
      `npm package solc is ${longVersion}, hardhat.config.ts expects ${SOLC_VERSION}: run \`npm ci\` to restore the pinned compiler`,
    );
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion,
  };
});

// Networks beyond the in-process one come from the environment, so no secret is ever committed:
//   PINPOINT_FORK_URL (+ PINPOINT_FORK_BLOCK)   fork another chain into the in-process network
//   PINPOINT_RPC_URL + PINPOINT_PRIVATE_KEYS    `--network remote`: any JSON-RPC chain (comma-separated keys)
const forkUrl = process.env.PINPOINT_FORK_URL;
const forkBlock = process.env.PINPOINT_FORK_BLOCK ? Number(process.env.PINPOINT_FORK_BLOCK) : undefined;
const remoteUrl = process.env.PINPOINT_RPC_URL;
const remoteKeys = (process.env.PINPOINT_PRIVATE_KEYS ?? "")
  .split(",")
  .map((k) => k.trim())
  .filter(Boolean);

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      // Cancun runs on Ethereum mainnet and on Hardhat's in-process network.
      evmVersion: "cancun",
    },
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
      ...(forkUrl ? { forking: { url: forkUrl, ...(forkBlock !== undefined ? { blockNumber: forkBlock } : {}) } } : {}),
    },
    localhost: { url: process.env.PINPOINT_LOCALHOST_URL ?? "http://127.0.0.1:8545" },
    ...(remoteUrl ? { remote: { url: remoteUrl, accounts: remoteKeys } } : {}),
  },
  // Ignition modules live in deploy/modules; deployment journals go to <ignition>/deployments.
  paths: { ignition: process.env.PINPOINT_IGNITION_DIR ?? "deploy" },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    outputFile: process.env.REPORT_GAS_FILE ?? "gas-report.txt",
    noColors: true,
    offline: true,
  },
  mocha: { timeout: 300_000, reporter: path.join(__dirname, "test", "support", "summary-reporter.js") },
};

export default config;
