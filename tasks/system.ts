/** `pin deploy`, `pin mint`, `pin stake`, `pin unstake`, `pin withdraw`, `pin balances`. */
import { types } from "hardhat/config";
import type { ConfigurableScopeDefinition as ScopeDefinition } from "hardhat/types";
import { contractsFor, deploymentsDir, formatAmount, output, parseAmount, runTask, signerAt } from "./util";

export function registerSystemTasks(pin: ScopeDefinition): void {
  pin
    .task("deploy", "Deploy the Pinpoint system with Ignition and record its addresses")
    .addOptionalParam("token", "Existing ERC-20 to stake and pay in (default: deploy a TestToken)")
    .addOptionalParam("params", "Ignition parameters JSON file (see deploy/modules)")
    .addFlag("reset", "Discard Ignition's journal of an earlier deployment on this network (e.g. a restarted node)")
    .addFlag("json", "Print JSON")
    .setAction(async (args: { token?: string; params?: string; reset: boolean; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { deploySystem } = await import("../deploy/system");
        const { saveAddresses } = await import("../src/chain/system");
        const addresses = await deploySystem(hre, { token: args.token, parametersFile: args.params, reset: args.reset });
        const { chainId } = await hre.ethers.provider.getNetwork();
        const file = saveAddresses(deploymentsDir(hre), hre.network.name, chainId, addresses);
        output(args.json, { network: hre.network.name, chainId, ...addresses, file }, () => [
          `Pinpoint deployed on ${hre.network.name} (chain ${chainId}):`,
          ...Object.entries(addresses).map(([k, v]) => `  ${k.padEnd(13)} ${v}`),
          `addresses saved to ${file}`,
        ]);
      }),
    );

  pin
    .task("mint", "Mint test tokens (TestToken deployments only)")
    .addParam("amount", "Amount in whole tokens, e.g. 1000")
    .addOptionalParam("to", "Recipient (default: the signer)")
    .addOptionalParam("account", "Signer account index", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: { amount: string; to?: string; account: number; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { chainCall } = await import("../src/chain/errors");
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        const to = args.to ?? (await signer.getAddress());
        const amount = parseAmount(args.amount);
        await chainCall("mint test tokens", async () => (await c.token.mint(to, amount)).wait());
        const balance = await c.token.balanceOf(to);
        output(args.json, { to, amount, balance }, () => [`minted ${args.amount} to ${to}; balance ${formatAmount(balance)}`]);
      }),
    );

  pin
    .task("stake", "Deposit stake into the StakeManager")
    .addParam("amount", "Amount in whole tokens")
    .addOptionalParam("account", "Signer account index", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: { amount: string; account: number; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { depositStake } = await import("../src/chain/market");
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        await depositStake(c, signer, parseAmount(args.amount));
        const b = await c.stakeManager.balancesOf(await signer.getAddress());
        output(args.json, { account: await signer.getAddress(), free: b.free, locked: b.locked, pending: b.pending }, () => [
          `staked ${args.amount}; free ${formatAmount(b.free)}, locked ${formatAmount(b.locked)}`,
        ]);
      }),
    );

  pin
    .task("unstake", "Request withdrawal of free stake (starts the unbonding delay)")
    .addParam("amount", "Amount in whole tokens")
    .addOptionalParam("account", "Signer account index", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: { amount: string; account: number; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { requestUnstake } = await import("../src/chain/market");
        const signer = await signerAt(hre, args.account);
        const c = await contractsFor(hre, signer);
        await requestUnstake(c, signer, parseAmount(args.amount));
        const b = await c.stakeManager.balancesOf(await signer.getAddress());
        output(args.json, { pending: b.pending, releaseTime: b.releaseTime }, () => [
          `unbonding ${formatAmount(b.pending)} until ${new Date(Number(b.releaseTime) * 1000).toISOString()}`,
        ]);
      }),
    );

  pin
    .task("withdraw", "Withdraw stake whose unbonding delay has passed")
    .addOptionalParam("account", "Signer account index", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: { account: number; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const { withdrawStake } = await import("../src/chain/market");
        const signer = await signerAt(hre, args.account);
        const amount = await withdrawStake(await contractsFor(hre, signer), signer);
        output(args.json, { amount }, () => [`withdrew ${formatAmount(amount)}`]);
      }),
    );

  pin
    .task("balances", "Show token and stake balances of an account")
    .addOptionalParam("account", "Signer account index", 0, types.int)
    .addFlag("json", "Print JSON")
    .setAction(async (args: { account: number; json: boolean }, hre) =>
      runTask(args.json, async () => {
        const signer = await signerAt(hre, args.account);
        const who = await signer.getAddress();
        const c = await contractsFor(hre, signer);
        const [tokens, b] = await Promise.all([c.token.balanceOf(who), c.stakeManager.balancesOf(who)]);
        const value = { account: who, tokens, free: b.free, locked: b.locked, pending: b.pending, releaseTime: b.releaseTime };
        output(args.json, value, () => [
          `${who}: tokens ${formatAmount(tokens)}, stake free ${formatAmount(b.free)}, locked ${formatAmount(b.locked)}, unbonding ${formatAmount(b.pending)}`,
        ]);
      }),
    );
}
