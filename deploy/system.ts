/**
 * Deploys the whole Pinpoint system through the Ignition modules and returns its addresses.
 * Used by `pin deploy`, the demo and the end-to-end tests.
 */
import fs from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { PinpointAddresses } from "../src/chain/system";
import DisputeModule from "./modules/Dispute";
import SystemModule from "./modules/System";

export interface DeploySystemOptions {
  /** An existing ERC-20 to stake and pay in (System module); default: a fresh TestToken (Dispute module). */
  readonly token?: string;
  /** Ignition parameters, keyed by module id (TestToken, LocalMarket or Market, Dispute or System). */
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
  const fromFile = opts.parametersFile ? JSON.parse(fs.readFileSync(opts.parametersFile, "utf8")) : {};
  const parameters: Record<string, Record<string, unknown>> = {
    TestToken: { name: "Pinpoint Test Token", symbol: "PINT" },
    ...fromFile,
    ...(opts.parameters ?? {}),
  };
  if (opts.token) parameters.Market = { ...(parameters.Market ?? parameters.LocalMarket ?? {}), token: opts.token };
  const deploymentId = deploymentIdFor(hre.network.name);
  if (opts.reset) {
    fs.rmSync(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  }
  const deployed = opts.token
    ? await hre.ignition.deploy(SystemModule, { parameters: parameters as never, deploymentId, displayUi: false })
    : await hre.ignition.deploy(DisputeModule, { parameters: parameters as never, deploymentId, displayUi: false });
  return {
    token: await deployed.token.getAddress(),
    stakeManager: await deployed.stakeManager.getAddress(),
    taskMarket: await deployed.taskMarket.getAddress(),
    disputeGame: await deployed.game.getAddress(),
  };
}
