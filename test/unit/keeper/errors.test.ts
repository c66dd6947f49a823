import { expect } from "chai";
import { AbiCoder, Interface } from "ethers";
import { classifyError, decodeRevert, describeError, revertData } from "../../../src/keeper/errors";
import { LendingMarket__factory } from "../../../typechain-types";

const market = LendingMarket__factory.createInterface();

/** The shape ethers v6 gives a JSON-RPC error from a node. */
function rpcError(message: string, code = "UNKNOWN_ERROR", data?: string) {
  return Object.assign(new Error(`could not coalesce error`), {
    code,
    info: { error: { code: -32000, message, data } },
  });
}

describe("keeper errors", () => {
  describe("classifyError", () => {
    it("treats refused or reset connections, timeouts and rate limits as transient", () => {
      expect(
        classifyError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
      ).to.equal("transient");
      expect(classifyError(Object.assign(new Error("x"), { code: "TIMEOUT" }))).to.equal("transient");
      expect(classifyError(rpcError("429 Too Many Requests"))).to.equal("transient");
      expect(classifyError(rpcError("header not found"))).to.equal("transient");
      expect(classifyError(new Error("fetch failed", { cause: { code: "ECONNRESET" } }))).to.equal(
        "transient",
      );
    });

    it("recognises the nonce, replacement, known-transaction and funds errors of geth and Hardhat", () => {
      expect(classifyError(rpcError("nonce too low"))).to.equal("nonce-too-low");
      expect(
        classifyError(
          rpcError(
            "Nonce too high. Expected nonce to be 3 but got 5. Note that transactions can't be queued when automining.",
          ),
        ),
      ).to.equal("nonce-too-high");
      expect(classifyError(rpcError("replacement transaction underpriced"))).to.equal("underpriced");
      expect(classifyError(rpcError("already known"))).to.equal("already-known");
      expect(classifyError(rpcError("Sender doesn't have enough funds to send tx."))).to.equal(
        "insufficient-funds",
      );
      expect(classifyError(rpcError("insufficient funds for gas * price + value"))).to.equal(
        "insufficient-funds",
      );
    });

    it("tells an out-of-gas call from a revert", () => {
      expect(classifyError(rpcError("Transaction ran out of gas", "CALL_EXCEPTION"))).to.equal("out-of-gas");
      expect(classifyError(rpcError("Transaction requires at least 53138 gas but got 1"))).to.equal(
        "out-of-gas",
      );
      expect(classifyError(rpcError("execution reverted", "CALL_EXCEPTION", "0x"))).to.equal("revert");
    });

    it("calls anything else fatal", () => {
      expect(classifyError(new Error("invalid private key"))).to.equal("fatal");
    });
  });

  describe("revertData and decodeRevert", () => {
    it("finds the revert data nested in an ethers error", () => {
      const data = market.encodeErrorResult("MarketStepNotAllowed", [5, 1234n]);
      expect(revertData(rpcError("reverted", "CALL_EXCEPTION", data))).to.equal(data);
      expect(revertData(Object.assign(new Error("x"), { data }))).to.equal(data);
      expect(revertData(new Error("x"))).to.equal(undefined);
    });

    it("decodes the market's custom errors with their arguments", () => {
      expect(decodeRevert(market.encodeErrorResult("MarketStepNotAllowed", [5, 1234n]))).to.equal(
        "MarketStepNotAllowed(5, 1234)",
      );
      expect(decodeRevert(market.encodeErrorResult("MarketStepSlippage", [10n, 20n]))).to.equal(
        "MarketStepSlippage(10, 20)",
      );
    });

    it("decodes inherited ERC-20 and oracle errors", () => {
      const erc20 = market.encodeErrorResult("ERC20InsufficientAllowance", [
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        0n,
        5n,
      ]);
      expect(decodeRevert(erc20)).to.equal(
        "ERC20InsufficientAllowance(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 0, 5)",
      );
      const oracle = new Interface([
        "error OracleStale(address feed, uint256 updatedAt, uint256 heartbeatSeconds)",
      ]);
      const stale = oracle.encodeErrorResult("OracleStale", [
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        1n,
        3600n,
      ]);
      expect(decodeRevert(stale)).to.equal(
        "OracleStale(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 1, 3600)",
      );
    });

    it("decodes Error(string) and Panic(uint256), and shows unknown data raw", () => {
      const coder = AbiCoder.defaultAbiCoder();
      expect(decodeRevert("0x08c379a0" + coder.encode(["string"], ["only market"]).slice(2))).to.equal(
        'Error("only market")',
      );
      expect(decodeRevert("0x4e487b71" + coder.encode(["uint256"], [0x11n]).slice(2))).to.equal(
        "Panic(0x11)",
      );
      expect(decodeRevert("0xdeadbeef")).to.equal("unknown error 0xdeadbeef");
      expect(decodeRevert("0x")).to.equal("reverted without data");
      expect(decodeRevert(undefined)).to.equal("no revert data");
    });
  });

  describe("describeError", () => {
    it("prefers the decoded revert, else the first message", () => {
      const data = market.encodeErrorResult("MarketNoDebt", ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]);
      expect(describeError(rpcError("execution reverted", "CALL_EXCEPTION", data))).to.equal(
        "MarketNoDebt(0x70997970C51812dc3A010C7d01b50e0d17dc79C8)",
      );
      expect(describeError(new Error("boom"))).to.equal("boom");
    });
  });
});
