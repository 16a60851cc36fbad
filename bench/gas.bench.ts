/**
 * Gas per staking / escrow entry point (see test/fixtures/gas.ts for the scenario), as JSON.
 * Run with `BENCH=gas npm run bench`.
 */
import { deployMarketFixture } from "../test/fixtures/market";
import { GasBudget, measureGas } from "../test/fixtures/gas";

export const name = "gas";

export async function run(): Promise<Record<string, unknown>> {
  const g = await measureGas(await deployMarketFixture());
  const gas = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Number(v)]));
  const budgets = Object.fromEntries(Object.entries(GasBudget).map(([k, v]) => [k, Number(v)]));
  const withinBudget =
    g.createTask <= GasBudget.createTask &&
    g.claim <= GasBudget.claim &&
    g.finalize <= GasBudget.finalize &&
    g.perCheckpointIn64 <= GasBudget.perCheckpointIn64;
  return { unit: "gas (receipt.gasUsed, incl. 21k intrinsic)", gas, budgets, withinBudget };
}
