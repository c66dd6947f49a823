import { expect } from "chai";
import {
  bumpFees,
  effectiveGasPrice,
  isStuck,
  nextNonce,
  suggestFees,
  withHeadroom,
  type FeePolicy,
} from "../../../src/keeper/txpolicy";

const GWEI = 10n ** 9n;
const POLICY: FeePolicy = { priorityFeeWei: 1n * GWEI, maxFeePerGasWei: 500n * GWEI, feeBumpBps: 1_250 };

describe("keeper transaction policy", () => {
  describe("suggestFees", () => {
    it("offers 2 x base fee + priority, with the priority at least the configured floor", () => {
      expect(suggestFees(30n * GWEI, 2n * GWEI, POLICY)).to.deep.equal({
        maxFeePerGas: 62n * GWEI,
        maxPriorityFeePerGas: 2n * GWEI,
      });
      expect(suggestFees(30n * GWEI, 1n, POLICY).maxPriorityFeePerGas).to.equal(1n * GWEI);
      expect(suggestFees(30n * GWEI, undefined, POLICY).maxPriorityFeePerGas).to.equal(1n * GWEI);
    });

    it("caps the max fee, and the priority fee at the max fee", () => {
      expect(suggestFees(400n * GWEI, 600n * GWEI, POLICY)).to.deep.equal({
        maxFeePerGas: 500n * GWEI,
        maxPriorityFeePerGas: 500n * GWEI,
      });
    });
  });

  describe("effectiveGasPrice", () => {
    it("is base fee + priority, capped by the max fee", () => {
      const fees = { maxFeePerGas: 50n, maxPriorityFeePerGas: 2n };
      expect(effectiveGasPrice(fees, 10n)).to.equal(12n);
      expect(effectiveGasPrice(fees, 49n)).to.equal(50n);
    });
  });

  describe("bumpFees", () => {
    const prev = { maxFeePerGas: 40n * GWEI, maxPriorityFeePerGas: 2n * GWEI };

    it("raises both fees by at least the bump, rounded up", () => {
      expect(bumpFees(prev, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, POLICY)).to.deep.equal({
        maxFeePerGas: 45n * GWEI,
        maxPriorityFeePerGas: 2_250_000_000n,
      });
      const odd = { maxFeePerGas: 9n, maxPriorityFeePerGas: 9n };
      expect(bumpFees(odd, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, POLICY)).to.deep.equal({
        maxFeePerGas: 11n, // 10.125 rounded up
        maxPriorityFeePerGas: 11n,
      });
    });

    it("follows the current suggestion when it is above the minimum bump", () => {
      const current = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 3n * GWEI };
      expect(bumpFees(prev, current, POLICY)).to.deep.equal(current);
    });

    it("stops at the cap, and returns undefined when the cap leaves no room for the minimum bump", () => {
      const current = { maxFeePerGas: 900n * GWEI, maxPriorityFeePerGas: 3n * GWEI };
      expect(bumpFees(prev, current, POLICY)!.maxFeePerGas).to.equal(500n * GWEI);
      const atCap = { maxFeePerGas: 450n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
      expect(bumpFees(atCap, current, POLICY)).to.equal(undefined);
    });
  });

  describe("isStuck", () => {
    const policy = { stuckAfterMs: 30_000, stuckAfterBlocks: 3 };
    const sent = { atMs: 1_000, atBlock: 100 };

    it("is stuck after stuckAfterMs or after stuckAfterBlocks blocks, whichever comes first", () => {
      expect(isStuck(sent, 30_999, 102, policy)).to.equal(false);
      expect(isStuck(sent, 31_000, 100, policy)).to.equal(true);
      expect(isStuck(sent, 1_000, 103, policy)).to.equal(true);
    });

    it("judges by time only when stuckAfterBlocks is 0", () => {
      expect(isStuck(sent, 1_000, 10_000, { ...policy, stuckAfterBlocks: 0 })).to.equal(false);
    });
  });

  describe("nextNonce", () => {
    it("uses the local count unless the chain's pending count is ahead or there is none", () => {
      expect(nextNonce(undefined, 5)).to.equal(5);
      expect(nextNonce(7, 5)).to.equal(7);
      expect(nextNonce(7, 9)).to.equal(9);
    });
  });

  describe("withHeadroom", () => {
    it("adds the headroom in bps, rounded up", () => {
      expect(withHeadroom(100_000n, 2_500)).to.equal(125_000n);
      expect(withHeadroom(3n, 1)).to.equal(4n);
    });
  });
});
