import { expect } from "chai";
import { backoffDelay, cooldownMs, withRetry } from "../../../src/keeper/retry";
import { StepTracker } from "../../../src/keeper/tracker";

const BACKOFF = { baseMs: 100, maxMs: 1_000 };
const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });
const reverted = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data: "0x" });

describe("keeper retry and cooldown", () => {
  describe("backoffDelay", () => {
    it("doubles from the base, is capped, and keeps half of the delay fixed under jitter", () => {
      expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, BACKOFF, 1))).to.deep.equal([
        100, 200, 400, 800, 1_000, 1_000,
      ]);
      expect(backoffDelay(2, BACKOFF, 0)).to.equal(200);
      expect(backoffDelay(2, BACKOFF, 0.5)).to.equal(300);
    });
  });

  describe("cooldownMs", () => {
    it("is 0 without failures, then base x 2^(failures-1), capped", () => {
      expect([0, 1, 2, 3, 5].map((f) => cooldownMs(f, BACKOFF))).to.deep.equal([0, 100, 200, 400, 1_000]);
    });
  });

  describe("withRetry", () => {
    it("retries transient errors with the backoff schedule and returns the first success", async () => {
      const sleeps: number[] = [];
      let calls = 0;
      const result = await withRetry(
        async () => {
          calls++;
          if (calls < 3) throw refused;
          return "ok";
        },
        { attempts: 5, backoff: BACKOFF, sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
      );
      expect(result).to.equal("ok");
      expect(calls).to.equal(3);
      expect(sleeps).to.deep.equal([50, 100]);
    });

    it("does not retry a revert", async () => {
      let calls = 0;
      const p = withRetry(
        async () => {
          calls++;
          throw reverted;
        },
        { attempts: 5, backoff: BACKOFF, sleep: async () => undefined },
      );
      await expect(p).to.be.rejectedWith("execution reverted");
      expect(calls).to.equal(1);
    });

    it("gives up after the last attempt with the last error", async () => {
      let calls = 0;
      const p = withRetry(
        async () => {
          calls++;
          throw refused;
        },
        { attempts: 3, backoff: BACKOFF, sleep: async () => undefined },
      );
      await expect(p).to.be.rejectedWith("ECONNREFUSED");
      expect(calls).to.equal(3);
    });
  });

  describe("StepTracker", () => {
    it("blocks a position while its transaction is in flight", () => {
      const t = new StepTracker(BACKOFF);
      t.markSent("k", "7", 0);
      expect(t.blocked("k", 0, 10)).to.equal("in-flight");
      expect(t.inFlightCount).to.equal(1);
      expect(t.blocked("other", 0, 10)).to.equal(undefined);
    });

    it("after a successful step, blocks evaluations older than the block that mined it", () => {
      const t = new StepTracker(BACKOFF);
      t.markSent("k", "7", 0);
      t.markMined("k", 12, true, 50);
      expect(t.blocked("k", 50, 11)).to.equal("awaiting-state");
      expect(t.blocked("k", 50, 12)).to.equal(undefined);
    });

    it("cools a position down after failures, doubling per consecutive failure, and a success resets it", () => {
      const t = new StepTracker(BACKOFF);
      t.markFailed("k", 0, "MarketStepNotAllowed(5, 0)");
      expect(t.blocked("k", 99, 0)).to.equal("cooldown: MarketStepNotAllowed(5, 0)");
      expect(t.blocked("k", 100, 0)).to.equal(undefined);
      t.markSent("k", "1", 100);
      t.markMined("k", 3, false, 100, "reverted");
      expect(t.failures("k")).to.equal(2);
      expect(t.blocked("k", 299, 3)).to.match(/^cooldown/);
      expect(t.blocked("k", 300, 3)).to.equal(undefined);
      t.markMined("k", 4, true, 300);
      expect(t.failures("k")).to.equal(0);
    });

    it("applies a cooldown without counting a failure for dry-run sightings", () => {
      const t = new StepTracker(BACKOFF);
      t.markCooldown("k", 0, "dry-run");
      expect(t.blocked("k", 50, 0)).to.equal("cooldown: dry-run");
      expect(t.failures("k")).to.equal(0);
    });

    it("forgets everything on clear", () => {
      const t = new StepTracker(BACKOFF);
      t.markSent("a", "1", 0);
      t.markFailed("b", 0, "x");
      t.clear();
      expect(t.blocked("a", 0, 0)).to.equal(undefined);
      expect(t.blocked("b", 0, 0)).to.equal(undefined);
    });
  });
});
