import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { LibraryHarness } from "../../../typechain-types";

// Expected values are worked out by hand from docs/MECHANISM.md ("Wick filter", "Volatility adaptation",
// "Pace"); the arithmetic is written next to each literal.
const WAD = 10n ** 18n;
const HOUR = 3_600n;
const DAY = 86_400n;
const YEAR = 365n * DAY; // 31_536_000 s
/** $2,000 for WETH(18)/USDC(6): 2000e6 debt units per 1e18 collateral units, times 1e18. */
const P2000 = 2_000_000_000n;
const CONFIRM_DELAY = 900n;
const VOL_TAU = DAY;
const MAX_VARIANCE = 16n * WAD;

async function deployHarness(): Promise<LibraryHarness> {
  return (await ethers.deployContract("LibraryHarness")) as unknown as LibraryHarness;
}

describe("PriceSmoothing", () => {
  let h: LibraryHarness;

  beforeEach(async () => {
    h = await loadFixture(deployHarness);
  });

  describe("nextEma: E' = E + (P - E) w, w = min(dt / tau, 1/4)", () => {
    it("returns spot when tau is 0 (smoothing disabled), whatever the elapsed time", async () => {
      expect(await h.nextEma(P2000, 1_800_000_000n, 0n, 0n)).to.equal(1_800_000_000n);
      expect(await h.nextEma(P2000, 1_800_000_000n, 5n, 0n)).to.equal(1_800_000_000n);
    });

    it("returns spot on the first observation (E = 0)", async () => {
      expect(await h.nextEma(0n, 1_800_000_000n, 0n, CONFIRM_DELAY)).to.equal(1_800_000_000n);
      expect(await h.nextEma(0n, 1_800_000_000n, DAY, CONFIRM_DELAY)).to.equal(1_800_000_000n);
    });

    it("does not move within a block (dt = 0) or when spot equals E", async () => {
      expect(await h.nextEma(P2000, 1_600_000_000n, 0n, CONFIRM_DELAY)).to.equal(P2000);
      expect(await h.nextEma(P2000, P2000, 300n, CONFIRM_DELAY)).to.equal(P2000);
    });

    it("caps the weight at 1/4 after a long idle period: 2000 -> 1600 moves E to 1900", async () => {
      // w = min(86400 / 900, 0.25) = 0.25: 2e9 - 0.4e9 * 0.25 = 1.9e9.
      expect(await h.nextEma(P2000, 1_600_000_000n, DAY, CONFIRM_DELAY)).to.equal(1_900_000_000n);
      // dt = tau / 4 = 225 s reaches the cap exactly.
      expect(await h.nextEma(P2000, 1_600_000_000n, 225n, CONFIRM_DELAY)).to.equal(1_900_000_000n);
    });

    it("uses w = dt / tau just below the cap, rounded down: dt = 224 s", async () => {
      // w = floor(224e18 / 900) = 248_888_888_888_888_888;
      // move = floor(0.4e9 * w / 1e18) = floor(99_555_555.55) = 99_555_555; E' = 2e9 - 99_555_555.
      expect(await h.nextEma(P2000, 1_600_000_000n, 224n, CONFIRM_DELAY)).to.equal(1_900_444_445n);
    });

    it("moves up by (P - E) dt / tau on a small step: 1600 -> 2000 over 90 s", async () => {
      // w = 90 / 900 = 0.1: 1.6e9 + 0.4e9 * 0.1 = 1.64e9.
      expect(await h.nextEma(1_600_000_000n, P2000, 90n, CONFIRM_DELAY)).to.equal(1_640_000_000n);
    });

    it("moves down by (E - P) dt / tau on a small step: 2000 -> 1600 over 90 s", async () => {
      // 2e9 - 0.4e9 * 0.1 = 1.96e9.
      expect(await h.nextEma(P2000, 1_600_000_000n, 90n, CONFIRM_DELAY)).to.equal(1_960_000_000n);
    });

    it("rounds the move toward the old value, up and down", async () => {
      // 10 -> 13 with w = 0.1: exact 10.3, kept at 10; 13 -> 10: exact 12.7, kept at 13.
      expect(await h.nextEma(10n, 13n, 90n, CONFIRM_DELAY)).to.equal(10n);
      expect(await h.nextEma(13n, 10n, 90n, CONFIRM_DELAY)).to.equal(13n);
      // w = floor(1e18 / 7) = 142_857_142_857_142_857; move = floor(7e18 * w / 1e18) = 1e18 - 1.
      // Exact results would be 2e18 and 7e18; both stay one wei on the old side.
      expect(await h.nextEma(WAD, 8n * WAD, 1n, 7n)).to.equal(2n * WAD - 1n);
      expect(await h.nextEma(8n * WAD, WAD, 1n, 7n)).to.equal(7n * WAD + 1n);
    });
  });

  describe("nextVariance: v' = v (1 - w) + r^2 YEAR / max(dt, tau), w = min(dt / tau, 1)", () => {
    it("returns the variance unchanged when there is no previous price (lastPrice 0)", async () => {
      expect(await h.nextVariance(3n * 10n ** 17n, 0n, P2000, HOUR, VOL_TAU)).to.equal(3n * 10n ** 17n);
    });

    it("returns the variance unchanged when no time has elapsed", async () => {
      expect(await h.nextVariance(3n * 10n ** 17n, P2000, 1_000_000_000n, 0n, VOL_TAU)).to.equal(
        3n * 10n ** 17n,
      );
    });

    it("adds r^2 YEAR / tau when dt <= tau: +1 % over an hour, from 0", async () => {
      // r = 0.01e18, r^2 = 1e14; 1e14 * 31_536_000 / 86_400 = 1e14 * 365 = 3.65e16.
      expect(await h.nextVariance(0n, P2000, 2_020_000_000n, HOUR, VOL_TAU)).to.equal(365n * 10n ** 14n);
    });

    it("decays an existing variance by dt / tau and adds the sample (dt <= tau)", async () => {
      // w = floor(3600e18 / 86400) = 41_666_666_666_666_666;
      // v (1 - w) = 1e18 - 41_666_666_666_666_666 = 958_333_333_333_333_334; + 3.65e16.
      expect(await h.nextVariance(WAD, P2000, 2_020_000_000n, HOUR, VOL_TAU)).to.equal(
        994_833_333_333_333_334n,
      );
    });

    it("replaces the variance at dt = tau (w = 1)", async () => {
      // 1e18 (1 - 1) + 1e14 * 365 = 3.65e16.
      expect(await h.nextVariance(WAD, P2000, 2_020_000_000n, VOL_TAU, VOL_TAU)).to.equal(365n * 10n ** 14n);
    });

    it("divides by dt, not tau, when dt > tau, and forgets the old variance: -10 % over two days", async () => {
      // w = min(2, 1) = 1; r = 0.1, r^2 = 0.01e18; 0.01e18 * 31_536_000 / 172_800 = 0.01e18 * 182.5.
      expect(await h.nextVariance(4n * WAD, P2000, 1_800_000_000n, 2n * DAY, VOL_TAU)).to.equal(
        1_825n * 10n ** 15n,
      );
    });

    it("decays an existing variance with no price move: half of tau halves it", async () => {
      expect(await h.nextVariance(WAD, P2000, P2000, DAY / 2n, VOL_TAU)).to.equal(WAD / 2n);
    });

    it("counts a return of more than 50 % (up or down) as 50 %", async () => {
      // Over 30 days (> tau, w = 1): r = 0.5, 0.25e18 * 31_536_000 / 2_592_000 = 3_041_666_666_666_666_666.4.
      const thirtyDays = 30n * DAY;
      const atCap = 3_041_666_666_666_666_666n;
      expect(await h.nextVariance(0n, P2000, 3_000_000_000n, thirtyDays, VOL_TAU)).to.equal(atCap); // +50 %
      expect(await h.nextVariance(0n, P2000, 4_000_000_000n, thirtyDays, VOL_TAU)).to.equal(atCap); // +100 %
      expect(await h.nextVariance(0n, P2000, 800_000_000n, thirtyDays, VOL_TAU)).to.equal(atCap); // -60 %
      expect(await h.nextVariance(0n, P2000, 0n, thirtyDays, VOL_TAU)).to.equal(atCap); // -100 %
      // Just below the cap, r = 0.49: 0.2401e18 * 31_536_000 / 2_592_000 = 2_921_216_666_666_666_666.6.
      expect(await h.nextVariance(0n, P2000, 2_980_000_000n, thirtyDays, VOL_TAU)).to.equal(
        2_921_216_666_666_666_666n,
      );
    });

    it("caps the estimate at 16e18 ((400 %)^2)", async () => {
      // tau = 1 h, r = 0.5 over 1 h: 0.25e18 * 8760 = 2190e18 -> 16e18.
      expect(await h.nextVariance(0n, P2000, 3_000_000_000n, HOUR, HOUR)).to.equal(MAX_VARIANCE);
      // From the cap: w = floor(60e18 / 3600) = 16_666_666_666_666_666,
      // 16e18 - floor(16e18 * w / 1e18) = 15_733_333_333_333_333_344; + 1e14 * 8760 = 16.609e18 -> 16e18.
      expect(await h.nextVariance(MAX_VARIANCE, P2000, 2_020_000_000n, 60n, HOUR)).to.equal(MAX_VARIANCE);
    });

    it("rounds the return, its square and the sample down", async () => {
      // 300 -> 301: r = floor(1e18 / 300) = 3_333_333_333_333_333 (exact …333.3);
      // r^2 = floor(r * r / 1e18) = 11_111_111_111_111 (exact 11_111_111_111_111.1);
      // * 365 = 4_055_555_555_555_515, where the exact (1/300)^2 * 365 is 4_055_555_555_555_555.5.
      expect(await h.nextVariance(0n, 300n, 301n, VOL_TAU, VOL_TAU)).to.equal(4_055_555_555_555_515n);
    });

    it("keeps v - floor(v w) of the old variance (the kept part is not rounded down)", async () => {
      // v = 1 wei, w = 0.5: v (1 - w) = 0.5; the library keeps 1 - floor(0.5) = 1.
      expect(await h.nextVariance(1n, P2000, P2000, DAY / 2n, VOL_TAU)).to.equal(1n);
      // v = 3 wei, w = 1/3 (floor(1e18 / 3)): 3 - floor(3 * 333_333_333_333_333_333 / 1e18) = 3 - 0 = 3.
      expect(await h.nextVariance(3n, P2000, P2000, 8n * HOUR, VOL_TAU)).to.equal(3n);
    });
  });

  describe("drainedPace: used - cap * dt / window, floored at 0", () => {
    const CAP = 1_000_000n * 10n ** 6n; // 1,000,000 USDC per window
    const WINDOW = HOUR;

    it("is unchanged when no time has elapsed", async () => {
      expect(await h.drainedPace(600_000n * 10n ** 6n, 0n, CAP, WINDOW)).to.equal(600_000n * 10n ** 6n);
    });

    it("drains linearly: half a window drains half the cap", async () => {
      // 600,000 - 1,000,000 * 1800 / 3600 = 100,000 USDC.
      expect(await h.drainedPace(600_000n * 10n ** 6n, 1_800n, CAP, WINDOW)).to.equal(100_000n * 10n ** 6n);
      // 500,000 - 500,000 = 0 exactly.
      expect(await h.drainedPace(500_000n * 10n ** 6n, 1_800n, CAP, WINDOW)).to.equal(0n);
    });

    it("floors at zero when the drain exceeds what was used", async () => {
      expect(await h.drainedPace(600_000n * 10n ** 6n, WINDOW, CAP, WINDOW)).to.equal(0n);
      expect(await h.drainedPace(1n, 365n * DAY, CAP, WINDOW)).to.equal(0n);
    });

    it("rounds the drain down (room reappears no faster than the cap allows)", async () => {
      // 1 s: floor(1e12 / 3600) = 277_777_777 (exact …777.7) drained.
      expect(await h.drainedPace(600_000n * 10n ** 6n, 1n, CAP, WINDOW)).to.equal(
        600_000n * 10n ** 6n - 277_777_777n,
      );
      // cap 10 over 1000 s of 3600: floor(2.77) = 2 drained.
      expect(await h.drainedPace(1_000n, 1_000n, 10n, WINDOW)).to.equal(998n);
    });
  });
});
