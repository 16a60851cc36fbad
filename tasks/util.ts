/**
 * Shared plumbing for the `pin` tasks: resolving signers and the deployment, printing results
 * (readable or `--json`), and turning errors into one clear line. Loaded by hardhat.config.ts,
 * so it must not import "hardhat" or anything heavy at module level.
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import type { PinpointContracts } from "../src/chain/system";

/** Where deployments are recorded (`<dir>/<network>.json`); override with PINPOINT_DEPLOYMENTS. */
export function deploymentsDir(hre: HardhatRuntimeEnvironment): string {
  return process.env.PINPOINT_DEPLOYMENTS ?? path.join(hre.config.paths.root, "deployments");
}

/** Signer by account index (default 0) from the network's configured accounts. */
export async function signerAt(hre: HardhatRuntimeEnvironment, index: number): Promise<Signer> {
  const signers = await hre.ethers.getSigners();
  const s = signers[index];
  if (!s) throw new Error(`account #${index} is not configured for network ${hre.network.name} (it has ${signers.length})`);
  return s;
}

/** The recorded deployment on the current network, bound to `signer`. */
export async function contractsFor(hre: HardhatRuntimeEnvironment, signer: Signer): Promise<PinpointContracts> {
  const { connectPinpoint, loadAddresses } = await import("../src/chain/system");
  const { chainId } = await hre.ethers.provider.getNetwork();
  const addresses = loadAddresses(deploymentsDir(hre), hre.network.name, chainId);
  if ((await hre.ethers.provider.getCode(addresses.taskMarket)) === "0x") {
    const { InputError } = await import("../src/errors");
    throw new InputError(
      "NO_CONTRACTS",
      hre.network.name === "hardhat"
        ? `no TaskMarket at ${addresses.taskMarket}: the in-process network starts empty on every command; run \`npx hardhat node\` and use --network localhost (or run the tasks from one script)`
        : `no TaskMarket at ${addresses.taskMarket} on network ${hre.network.name} (was the chain restarted?): run \`npx hardhat pin deploy --reset --network ${hre.network.name}\``,
      { network: hre.network.name, taskMarket: addresses.taskMarket },
    );
  }
  return connectPinpoint(addresses, signer);
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Prints a result: JSON with `--json`, otherwise `lines`. */
export function output(json: boolean, value: unknown, lines: () => string[]): void {
  if (json) console.log(toJson(value));
  else for (const l of lines()) console.log(l);
}

/** Runs a task body; a PinpointError becomes one readable line (or JSON) and exit code 1. */
export async function runTask(json: boolean, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const { PinpointError } = await import("../src/errors");
    if (err instanceof PinpointError) {
      if (json) console.error(toJson({ error: err.toJSON() }));
      else console.error(`error: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

/** Parses a token amount like "100" or "2.5" (18 decimals) into base units. */
export function parseAmount(text: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text)) throw new Error(`"${text}" is not a token amount (e.g. 100 or 2.5)`);
  const [whole, frac = ""] = text.split(".");
  return BigInt(whole) * 10n ** 18n + BigInt(frac.padEnd(18, "0"));
}

/** Formats base units with 18 decimals. */
export function formatAmount(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = a / 10n ** 18n;
  const frac = (a % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/** Validates a `--device` argument. */
export async function deviceArg(device: string): Promise<"cpu" | "cuda"> {
  if (device === "cpu" || device === "cuda") return device;
  const { InputError } = await import("../src/errors");
  throw new InputError("BAD_DEVICE", `--device must be cpu or cuda, got ${device}`);
}
