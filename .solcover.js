// solidity-coverage 0.8 configuration for `npm run coverage` (figures and the untaken branches:
// docs/COVERAGE.md). Tests that assert gas budgets skip those assertions under coverage
// (test/support/coverage.ts): instrumented bytecode is unoptimized and counts every statement.
module.exports = {
  // contracts/test/ holds mocks (adversarial tokens, Attacker) and harnesses that only expose
  // libraries to tests; tokens/TestToken.sol is the open-mint stand-in for the stake token on
  // local chains (OpenZeppelin ERC-20 + permit and a one-line mint, no branch of its own). None of
  // them is protocol code, so the figures cover the protocol contracts and libraries only.
  skipFiles: ["test/", "tokens/TestToken.sol"],
  // json-summary writes coverage/coverage-summary.json for scripts; json keeps the per-branch
  // locations (coverage/coverage-final.json).
  istanbulReporter: ["html", "lcov", "text", "json", "json-summary"],
  mocha: {
    // Excluded: test/e2e ("against a separate hardhat node"). It runs Pinpoint in other OS
    // processes (`hardhat node`, `hardhat pin …`) whose execution solidity-coverage cannot see, and
    // those processes recompile the contracts without instrumentation into the shared artifacts/
    // folder: every test file after it then deploys uninstrumented bytecode and records nothing
    // (and their `pin deploy` fails on the node). The contract paths it drives run in-process in
    // test/tasks and test/agents, which stay in the coverage run.
    grep: "against a separate hardhat node",
    invert: true,
  },
};
