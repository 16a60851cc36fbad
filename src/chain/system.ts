/**
 * Addresses and typed handles of a deployed Pinpoint system. Works with any ethers runner
 * (Signer or Provider); never imports Hardhat.
 */
import fs from "node:fs";
import path from "node:path";
import { getAddress, type ContractRunner } from "ethers";
import {
  StakeManager__factory,
  TaskMarket__factory,
  TestToken__factory,
  DisputeGame__factory,
  type StakeManager,
  type TaskMarket,
  type TestToken,
  type DisputeGame,
} from "../../typechain-types";
import { InputError } from "../errors";

export interface PinpointAddresses {
  readonly token: string;
  readonly stakeManager: string;
  readonly taskMarket: string;
  /** Absent until the dispute game is deployed. */
  readonly disputeGame?: string;
}

export interface PinpointContracts {
  readonly addresses: PinpointAddresses;
  /** The stake/reward token (TestToken ABI: a plain ERC-20 plus `mint` on local deployments). */
  readonly token: TestToken;
  readonly stakeManager: StakeManager;
  readonly taskMarket: TaskMarket;
  readonly disputeGame?: DisputeGame;
}

/** Typed contract handles for a deployment, bound to `runner`. */
export function connectPinpoint(addresses: PinpointAddresses, runner: ContractRunner): PinpointContracts {
  return {
    addresses,
    token: TestToken__factory.connect(addresses.token, runner),
    stakeManager: StakeManager__factory.connect(addresses.stakeManager, runner),
    taskMarket: TaskMarket__factory.connect(addresses.taskMarket, runner),
    ...(addresses.disputeGame ? { disputeGame: DisputeGame__factory.connect(addresses.disputeGame, runner) } : {}),
  };
}

/**
 * Where `pin deploy` records a deployment: `<dir>/<network>.json`, keyed by the Hardhat network
 * name because the in-process network and a local `hardhat node` share chain id 31337.
 */
export function addressBookPath(dir: string, network: string): string {
  return path.join(dir, `${network}.json`);
}

/** Saves a deployment's addresses (atomically). */
export function saveAddresses(
  dir: string,
  network: string,
  chainId: bigint | number,
  addresses: PinpointAddresses,
): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = addressBookPath(dir, network);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ chainId: Number(chainId), ...addresses }, null, 2) + "\n");
  fs.renameSync(tmp, file);
  return file;
}

/** Loads the addresses `pin:deploy` saved for a chain; a clear error says how to get them. */
export function loadAddresses(dir: string, network: string, chainId?: bigint | number): PinpointAddresses {
  const file = addressBookPath(dir, network);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new InputError(
      "NO_DEPLOYMENT",
      `no Pinpoint deployment recorded for network ${network} (${file}): run \`npx hardhat pin deploy --network ${network}\` first`,
      { file, network },
      { cause: err },
    );
  }
  if (chainId !== undefined && doc.chainId !== Number(chainId)) {
    throw new InputError(
      "WRONG_CHAIN",
      `${file} records a deployment on chain ${String(doc.chainId)}, but network ${network} is chain ${chainId}: redeploy with \`npx hardhat pin deploy --network ${network}\``,
      { file, network, recorded: doc.chainId, actual: Number(chainId) },
    );
  }
  const need = (k: string): string => {
    const v = doc[k];
    if (typeof v !== "string") throw new InputError("BAD_DEPLOYMENT", `${file} lacks the ${k} address`, { file });
    return getAddress(v);
  };
  return {
    token: need("token"),
    stakeManager: need("stakeManager"),
    taskMarket: need("taskMarket"),
    ...(typeof doc.disputeGame === "string" ? { disputeGame: getAddress(doc.disputeGame) } : {}),
  };
}
