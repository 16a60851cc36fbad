/**
 * Whether the tests run under `hardhat coverage` (solidity-coverage 0.8), which marks the Hardhat
 * runtime environment with `__SOLIDITY_COVERAGE_RUNNING` before it runs the tests. Instrumented
 * contracts are compiled without the optimizer and execute a counter per statement and branch, so
 * their gas says nothing about the real contracts: gas-budget assertions are skipped there (never
 * loosened) and still run in `npm test`.
 */
import hre from "hardhat";

export const UNDER_COVERAGE: boolean =
  (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
