/**
 * The one place that turns a failed chain call into a {@link ChainError}: Solidity custom errors
 * from every Pinpoint contract (and OpenZeppelin's) are decoded by name with typed arguments.
 */
import { Interface, isCallException, type ErrorDescription } from "ethers";
import {
  IDisputeGame__factory,
  IOneStepVerifier__factory,
  IStakeManager__factory,
  ITaskMarket__factory,
  ICommitErrors__factory,
  StakeManager__factory,
  TaskMarket__factory,
  DisputeGame__factory,
  TestToken__factory,
} from "../../typechain-types";
import { ChainError, PinpointError } from "../errors";

const ABIS = [
  ITaskMarket__factory.abi,
  IStakeManager__factory.abi,
  IDisputeGame__factory.abi,
  IOneStepVerifier__factory.abi,
  ICommitErrors__factory.abi,
  // Implementations add OpenZeppelin's errors (AccessControl, SafeERC20, ReentrancyGuard…).
  TaskMarket__factory.abi,
  StakeManager__factory.abi,
  DisputeGame__factory.abi,
  // OpenZeppelin's ERC-20 errors (insufficient balance or allowance…).
  TestToken__factory.abi,
];

let errorInterface: Interface | undefined;

/** An Interface holding every custom error any Pinpoint contract can revert with (deduplicated). */
export function pinpointErrorInterface(): Interface {
  if (!errorInterface) {
    const seen = new Set<string>();
    const fragments: unknown[] = [];
    for (const abi of ABIS) {
      for (const item of abi as unknown as readonly { type: string; name?: string; inputs?: readonly { type: string }[] }[]) {
        if (item.type !== "error") continue;
        const sig = `${item.name}(${(item.inputs ?? []).map((i) => i.type).join(",")})`;
        if (seen.has(sig)) continue;
        seen.add(sig);
        fragments.push(item);
      }
    }
    errorInterface = new Interface(fragments as never);
  }
  return errorInterface;
}

/** Decodes revert data (0x-prefixed) into a custom error, or undefined if it is not one of ours. */
export function decodeRevertData(data: string | null | undefined): ErrorDescription | undefined {
  if (!data || data === "0x") return undefined;
  try {
    return pinpointErrorInterface().parseError(data) ?? undefined;
  } catch {
    return undefined;
  }
}

function findRevertData(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e && typeof e === "object"; depth++) {
    const o = e as { data?: unknown; error?: unknown; cause?: unknown; info?: { error?: unknown } };
    if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
    if (o.data && typeof o.data === "object" && typeof (o.data as { data?: unknown }).data === "string") {
      return (o.data as { data: string }).data;
    }
    e = o.error ?? o.info?.error ?? o.cause;
  }
  return undefined;
}

function formatArg(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatArg).join(", ")}]`;
  return String(v);
}

/**
 * Wraps any error thrown by a contract call or transaction as a ChainError. A decoded custom
 * error becomes code `REVERT_<Name>` with its arguments in details; PinpointErrors pass through.
 * @param action what the caller was trying to do, e.g. "claim task 3".
 */
export function toChainError(err: unknown, action: string): PinpointError {
  if (err instanceof PinpointError) return err;
  const decoded = decodeRevertData(findRevertData(err));
  if (decoded) {
    const args: Record<string, string> = {};
    decoded.fragment.inputs.forEach((input, i) => {
      args[input.name || `arg${i}`] = formatArg(decoded.args[i]);
    });
    const argText = Object.entries(args)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return new ChainError(
      `REVERT_${decoded.name}`,
      `${action} reverted with ${decoded.name}(${argText})`,
      { action, error: decoded.name, args },
      { cause: err },
    );
  }
  if (isCallException(err)) {
    const reason = err.reason ?? err.shortMessage;
    return new ChainError("REVERT", `${action} reverted: ${reason}`, { action, reason }, { cause: err });
  }
  const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new ChainError("CHAIN_CALL_FAILED", `${action} failed: ${message}`, { action }, { cause: err });
}

/** Runs a chain call, rethrowing any failure as a decoded ChainError. */
export async function chainCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toChainError(err, action);
  }
}
