/**
 * Deploys the whole Pinpoint system through the Ignition modules and returns its addresses.
 * Used by `pin deploy`, the demo and the end-to-end tests.
 */
import fs from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { PinpointAddresses } from "../src/chain/system";
import DisputeModule from "./modules/Dispute";

export interface DeploySystemOptions {
  /** An existing ERC-20; not supported yet by the combined module (see README). */
  readonly token?: string;
  /** Ignition parameters, keyed by module id (TestToken, LocalMarket, Dispute). */
  readonly parameters?: Record<string, Record<string, unknown>>;
  /** A JSON file with such parameters. */
  readonly parametersFile?: string;
  /**
   * Forget Ignition's journal of an earlier deployment on this network first (e.g. a restarted
   * local node): Ignition otherwise reconciles against the old journal and refuses to run.
   */
  readonly reset?: boolean;
}

/** Ignition deployment id used for a network (its journal lives in `<paths.ignition>/deployments/<id>`). */
export function deploymentIdFor(network: string): string {
  return `pinpoint-${network}`;
}

export async function deploySystem(hre: HardhatRuntimeEnvironment, opts: DeploySystemOptions = {}): Promise<PinpointAddresses> {
  if (opts.token) {
    throw new Error(
      "deploying on an existing token is done with the Market module (deploy/modules/Market.ts) plus DisputeRoles; the combined `pin deploy --token` is not available yet",
    );
  }
  const fromFile = opts.parametersFile ? JSON.parse(fs.readFileSync(opts.parametersFile, "utf8")) : {};
  const parameters = {
    TestToken: { name: "Pinpoint Test Token", symbol: "PINT" },
    ...fromFile,
    ...(opts.parameters ?? {}),
  };
  const deploymentId = deploymentIdFor(hre.network.name);
  if (opts.reset) {
    fs.rmSync(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  }
  const deployed = await hre.ignition.deploy(DisputeModule, { parameters, deploymentId, displayUi: false });
  return {
    token: await deployed.token.getAddress(),
    stakeManager: await deployed.stakeManager.getAddress(),
    taskMarket: await deployed.taskMarket.getAddress(),
    disputeGame: await deployed.game.getAddress(),
  };
}
