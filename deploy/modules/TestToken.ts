import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * TestToken (ERC-20 + EIP-2612 permit, anyone can mint) for local chains.
 * Parameters: `name` (default "Pinpoint Test Token"), `symbol` (default "PINT").
 */
const TestTokenModule = buildModule("TestToken", (m) => {
  const token = m.contract("TestToken", [
    m.getParameter("name", "Pinpoint Test Token"),
    m.getParameter("symbol", "PINT"),
  ]);
  return { token };
});

export default TestTokenModule;
