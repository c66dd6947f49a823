import { expect } from "chai";
import { Interface, JsonRpcProvider, MaxUint256 } from "ethers";
import { abis } from "../../../src/frontend";
import { decodeRevert, describeError } from "../../../app/src/errors";
import {
  formatAmount,
  formatBps,
  formatDuration,
  formatPrice,
  formatUnitsFixed,
  formatVolatility,
  formatWadPercent,
} from "../../../app/src/format";

describe("app/src/format", () => {
  it("formatUnitsFixed rounds down and groups thousands", () => {
    expect(formatUnitsFixed(1_234_567_899n, 6, 2)).to.equal("1,234.56");
    expect(formatUnitsFixed(5n, 6, 2)).to.equal("0.00");
    expect(formatUnitsFixed(12n, 0, 2)).to.equal("12.00");
    expect(formatUnitsFixed(-1_500_000n, 6, 2)).to.equal("-1.50");
  });

  it("formats amounts with the token's decimals, percentages, bps, prices and durations", () => {
    expect(formatAmount(12_400n * 10n ** 6n, 6, "USDC")).to.equal("12,400.00 USDC");
    expect(formatAmount(6_702_012_345_678_901_234n, 18, "WETH")).to.equal("6.7020 WETH");
    expect(formatWadPercent(822_222_222_222_222_223n)).to.equal("82.22 %");
    expect(formatWadPercent(MaxUint256)).to.equal("∞");
    expect(formatBps(8000n)).to.equal("80.00 %");
    // 1,850 USDC per WETH: 1850e6 base units per 1e18 base units, × 1e18.
    expect(formatPrice(1_850n * 10n ** 6n, 18, 6, "USDC")).to.equal("1,850.00 USDC");
    expect(formatVolatility(64n * 10n ** 16n)).to.equal("80.00 %");
    expect(formatDuration(3_600)).to.equal("1 h 00 min");
    expect(formatDuration(300)).to.equal("5 min 00 s");
  });
});

describe("app/src/errors", () => {
  const market = new Interface(abis.LendingMarket);
  const token = new Interface(abis.ERC20);

  it("decodes a market error with its enum argument by name", () => {
    const data = market.encodeErrorResult("MarketStepNotAllowed", [2, 0]);
    expect(decodeRevert(data)?.text).to.equal("MarketStepNotAllowed(status: Healthy, nextAt: 0)");
  });

  it("decodes a token error and finds revert data nested in an ethers error", () => {
    const holder = "0x" + "11".repeat(20);
    const data = token.encodeErrorResult("ERC20InsufficientBalance", [holder, 5n, 7n]);
    const error = { code: "CALL_EXCEPTION", info: { error: { data: { data } } } };
    expect(describeError(error)).to.equal(
      `Reverted: ERC20InsufficientBalance(sender: ${holder}, balance: 5, needed: 7)`,
    );
  });

  it("shows what the node said when ethers cannot map a JSON-RPC error (could not coalesce error)", () => {
    const provider = new JsonRpcProvider("http://127.0.0.1:1", 31337, { staticNetwork: true });
    const payload = { method: "eth_sendRawTransaction", params: ["0x02"], id: 7, jsonrpc: "2.0" as const };
    const error = provider.getRpcError(payload, {
      id: 7,
      error: { code: -32603, message: "Internal error" },
    });
    provider.destroy();
    expect(error.message).to.match(/^could not coalesce error/);
    expect(describeError(error)).to.equal(
      "The node refused the request: eth_sendRawTransaction: Internal error",
    );
  });

  it("reports an unknown error by its selector only, never the raw data", () => {
    const message = describeError({ data: "0xdeadbeef" + "00".repeat(64) });
    expect(message).to.equal("Reverted with an unknown error (selector 0xdeadbeef)");
  });
});
