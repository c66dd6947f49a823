import { expect } from "chai";
import { AbiCoder, zeroPadValue } from "ethers";
import { BorrowerIndex, logRanges, parseMarketLog, WATCHED_TOPICS } from "../../../src/keeper/indexer";
import { LendingMarket__factory } from "../../../typechain-types";

const iface = LendingMarket__factory.createInterface();
const MARKET = "0x61c36a8d610163660E21a8b7359e1Cac0C9133e1";
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

function log(name: string, args: unknown[], blockNumber = 5) {
  const encoded = iface.encodeEventLog(name, args);
  return { address: MARKET.toLowerCase(), topics: encoded.topics, data: encoded.data, blockNumber };
}

describe("keeper indexer", () => {
  describe("logRanges", () => {
    it("splits [from, to] into inclusive ranges of at most maxSpan blocks", () => {
      expect(logRanges(10, 24, 5)).to.deep.equal([
        [10, 14],
        [15, 19],
        [20, 24],
      ]);
      expect(logRanges(10, 10, 5)).to.deep.equal([[10, 10]]);
      expect(logRanges(11, 10, 5)).to.deep.equal([]);
    });

    it("rejects a span below one block", () => {
      expect(() => logRanges(0, 1, 0)).to.throw("maxSpan must be at least 1");
    });
  });

  describe("parseMarketLog", () => {
    it("reads BorrowerRegistered as a registration with its index and the account checksummed", () => {
      const e = parseMarketLog(log("BorrowerRegistered", [ALICE, 7n]));
      expect(e).to.deep.equal({ kind: "registered", market: MARKET, account: ALICE, index: 7, block: 5 });
      // (chai's deep equality in this setup ignores address case: check the exact strings)
      expect(e?.kind === "registered" && e.account === ALICE && e.market === MARKET.toLowerCase()).to.equal(
        true,
      );
    });

    it("reads the account from the right topic of each position event", () => {
      const touched = (name: string, args: unknown[]) => parseMarketLog(log(name, args));
      const expected = { kind: "touched", market: MARKET, account: BOB, block: 5 };
      expect(touched("CollateralSupplied", [ALICE, BOB, 1n])).to.deep.equal(expected);
      expect(touched("Repaid", [ALICE, BOB, 1n, 1n])).to.deep.equal(expected);
      expect(touched("CollateralWithdrawn", [BOB, ALICE, 1n])).to.deep.equal(expected);
      expect(touched("Borrowed", [BOB, ALICE, 1n, 1n])).to.deep.equal(expected);
      expect(touched("LiquidationStepped", [BOB, ALICE, 2, 1n, 1n, 1n, 0n, 1n, 1n])).to.deep.equal(expected);
      expect(touched("BadDebtRealized", [BOB, 1n])).to.deep.equal(expected);
      // Touched accounts stay lower-case: no keccak per log.
      const e = touched("Borrowed", [BOB, ALICE, 1n, 1n]);
      expect(e?.kind === "touched" && e.account === BOB.toLowerCase()).to.equal(true);
    });

    it("reads ParamsUpdated as a change to every position", () => {
      const params = Array(19).fill(1n);
      expect(parseMarketLog(log("ParamsUpdated", [params]))).to.deep.equal({
        kind: "params",
        market: MARKET,
        block: 5,
      });
    });

    it("ignores other events", () => {
      expect(parseMarketLog(log("InterestAccrued", [1n, 1n, 1n]))).to.equal(undefined);
      const transfer = {
        address: MARKET,
        topics: [iface.getEvent("Transfer")!.topicHash, zeroPadValue(ALICE, 32), zeroPadValue(BOB, 32)],
        data: AbiCoder.defaultAbiCoder().encode(["uint256"], [1n]),
        blockNumber: 1,
      };
      expect(parseMarketLog(transfer)).to.equal(undefined);
    });

    it("asks eth_getLogs only for the events it reads", () => {
      expect(WATCHED_TOPICS).to.have.length(8);
      expect(WATCHED_TOPICS).to.include(iface.getEvent("BorrowerRegistered")!.topicHash);
      expect(WATCHED_TOPICS).not.to.include(iface.getEvent("InterestAccrued")!.topicHash);
    });
  });

  describe("BorrowerIndex", () => {
    it("finds an indexed account in any letter case, as it was indexed", () => {
      const i = new BorrowerIndex();
      i.add(BOB, 0);
      expect(i.lookup(BOB.toLowerCase()) === BOB).to.equal(true);
      expect(i.has(BOB.toUpperCase().replace("0X", "0x"))).to.equal(true);
      expect(i.lookup(ALICE)).to.equal(undefined);
    });

    it("keeps accounts in list order and ignores a repeated index", () => {
      const i = new BorrowerIndex();
      expect(i.add(BOB, 1)).to.equal(true);
      expect(i.add(ALICE, 0)).to.equal(true);
      expect(i.add(ALICE, 1)).to.equal(false);
      expect(i.accounts()).to.deep.equal([ALICE, BOB]);
      expect(i.size).to.equal(2);
      expect(i.has(BOB)).to.equal(true);
    });

    it("reports the index ranges missing below the market's borrower count", () => {
      const i = new BorrowerIndex();
      i.add(ALICE, 0);
      i.add(BOB, 3);
      expect(i.gaps(6)).to.deep.equal([
        [1, 2],
        [4, 2],
      ]);
      expect(i.gaps(1)).to.deep.equal([]);
    });
  });
});
