import { expect } from "chai";
import { CompileError, PinpointError } from "../../src/errors";

describe("PinpointError", function () {
  it("keeps code, details and cause, and serialises without the stack", function () {
    const cause = new Error("inner");
    const err = new CompileError("COMPILE_UNSUPPORTED_OP", "node n1 uses Softsign", { node: "n1" }, { cause });
    expect(err).to.be.instanceOf(PinpointError);
    expect(err.name).to.equal("CompileError");
    expect(err.cause).to.equal(cause);
    expect(JSON.parse(JSON.stringify(err))).to.deep.equal({
      code: "COMPILE_UNSUPPORTED_OP",
      message: "node n1 uses Softsign",
      details: { node: "n1" },
    });
  });
});
