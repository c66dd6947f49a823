import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { LibraryHarness } from "../../../typechain-types";

// Expected values are worked out by hand in the comments; nothing here calls test/helpers/math.ts.
const WAD = 10n ** 18n;
const MAX = ethers.MaxUint256;
/** Solidity panic codes. */
const PANIC_OVERFLOW = 0x11;
const PANIC_DIVISION_BY_ZERO = 0x12;

async function deployHarness(): Promise<LibraryHarness> {
  return (await ethers.deployContract("LibraryHarness")) as unknown as LibraryHarness;
}

describe("WadMath", () => {
  let h: LibraryHarness;

  beforeEach(async () => {
    h = await loadFixture(deployHarness);
  });

  describe("mulDivDown / mulDivUp", () => {
    it("mulDivDown rounds a fractional quotient down: 7 * 3 / 2 = 10.5 -> 10", async () => {
      expect(await h.mulDivDown(7n, 3n, 2n)).to.equal(10n);
    });

    it("mulDivUp rounds a fractional quotient up: 7 * 3 / 2 = 10.5 -> 11", async () => {
      expect(await h.mulDivUp(7n, 3n, 2n)).to.equal(11n);
    });

    it("mulDivUp does not round an exact quotient: 6 * 3 / 2 = 9", async () => {
      expect(await h.mulDivUp(6n, 3n, 2n)).to.equal(9n);
      expect(await h.mulDivDown(6n, 3n, 2n)).to.equal(9n);
    });

    it("a quotient below one is 0 down and 1 up: 1 * 1 / 3", async () => {
      expect(await h.mulDivDown(1n, 1n, 3n)).to.equal(0n);
      expect(await h.mulDivUp(1n, 1n, 3n)).to.equal(1n);
    });

    it("a zero product is 0 both ways", async () => {
      expect(await h.mulDivDown(0n, 5n, 3n)).to.equal(0n);
      expect(await h.mulDivUp(0n, 5n, 3n)).to.equal(0n);
    });

    it("keeps a 512-bit intermediate: MAX * MAX / MAX = MAX, 2^255 * 4 / 8 = 2^254", async () => {
      expect(await h.mulDivDown(MAX, MAX, MAX)).to.equal(MAX);
      expect(await h.mulDivUp(MAX, MAX, MAX)).to.equal(MAX);
      expect(await h.mulDivDown(2n ** 255n, 4n, 8n)).to.equal(2n ** 254n);
      // (MAX - 1) * MAX / MAX = MAX - 1 exactly, so rounding up adds nothing.
      expect(await h.mulDivUp(MAX - 1n, MAX, MAX)).to.equal(MAX - 1n);
    });

    it("panics (0x11) when the quotient does not fit: MAX * 2 / 1", async () => {
      await expect(h.mulDivDown(MAX, 2n, 1n)).to.be.revertedWithPanic(PANIC_OVERFLOW);
      await expect(h.mulDivUp(MAX, 2n, 1n)).to.be.revertedWithPanic(PANIC_OVERFLOW);
    });

    it("panics (0x12) on a zero divisor, with a small or a 512-bit product", async () => {
      await expect(h.mulDivDown(1n, 1n, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
      await expect(h.mulDivUp(1n, 1n, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
      await expect(h.mulDivDown(MAX, MAX, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
      await expect(h.mulDivDown(0n, 5n, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
      await expect(h.mulDivUp(0n, 5n, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
    });

    it("the short path (product fits in 256 bits) and the 512-bit path agree at their border", async () => {
      // 2^128 * (2^128 - 1) = 2^256 - 2^128 fits: short path. 2^128 * 2^128 = 2^256 does not: 512-bit path.
      // Neither is a multiple of 7 (2^128 = 4 and 2^256 = 2 mod 7), so each rounds up by one.
      const TWO_128 = 2n ** 128n;
      expect(await h.mulDivDown(TWO_128, TWO_128 - 1n, 7n)).to.equal((2n ** 256n - TWO_128) / 7n);
      expect(await h.mulDivUp(TWO_128, TWO_128 - 1n, 7n)).to.equal((2n ** 256n - TWO_128) / 7n + 1n);
      expect(await h.mulDivDown(TWO_128, TWO_128, 7n)).to.equal(2n ** 256n / 7n);
      expect(await h.mulDivUp(TWO_128, TWO_128, 7n)).to.equal(2n ** 256n / 7n + 1n);
    });

    it("equals exact floor and ceiling on random operands of every size (fast-check)", async () => {
      const operand = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.bigInt({ min: 0n, max: MAX }));
      await fc.assert(
        fc.asyncProperty(operand, operand, fc.bigInt({ min: 1n, max: MAX }), async (x, y, d) => {
          const floor = (x * y) / d;
          const ceil = floor + ((x * y) % d === 0n ? 0n : 1n);
          if (ceil > MAX) {
            await expect(h.mulDivUp(x, y, d)).to.be.revertedWithPanic(PANIC_OVERFLOW);
          } else {
            expect(await h.mulDivUp(x, y, d)).to.equal(ceil);
          }
          if (floor > MAX) {
            await expect(h.mulDivDown(x, y, d)).to.be.revertedWithPanic(PANIC_OVERFLOW);
          } else {
            expect(await h.mulDivDown(x, y, d)).to.equal(floor);
          }
        }),
        { numRuns: 200, seed: 8 },
      );
    });
  });

  describe("wadMulDown / wadMulUp", () => {
    it("multiply two WAD figures exactly: 2e18 * 3e18 / 1e18 = 6e18", async () => {
      expect(await h.wadMulDown(2n * WAD, 3n * WAD)).to.equal(6n * WAD);
      expect(await h.wadMulUp(2n * WAD, 3n * WAD)).to.equal(6n * WAD);
    });

    it("round a fractional product: 1.5e18 * 3 / 1e18 = 4.5 -> 4 down, 5 up", async () => {
      expect(await h.wadMulDown(15n * 10n ** 17n, 3n)).to.equal(4n);
      expect(await h.wadMulUp(15n * 10n ** 17n, 3n)).to.equal(5n);
    });

    it("a product below one unit: 1 * 1 / 1e18 -> 0 down, 1 up", async () => {
      expect(await h.wadMulDown(1n, 1n)).to.equal(0n);
      expect(await h.wadMulUp(1n, 1n)).to.equal(1n);
    });

    it("does not overflow on a large intermediate: MAX * 1e18 / 1e18 = MAX", async () => {
      expect(await h.wadMulDown(MAX, WAD)).to.equal(MAX);
      expect(await h.wadMulUp(MAX, WAD)).to.equal(MAX);
    });
  });

  describe("wadDivDown / wadDivUp", () => {
    it("divide exactly: 2e18 * 1e18 / 4e18 = 0.5e18", async () => {
      expect(await h.wadDivDown(2n * WAD, 4n * WAD)).to.equal(5n * 10n ** 17n);
      expect(await h.wadDivUp(2n * WAD, 4n * WAD)).to.equal(5n * 10n ** 17n);
    });

    it("round a fractional quotient: 1 * 1e18 / 3 = 333…333.3 -> …333 down, …334 up", async () => {
      expect(await h.wadDivDown(1n, 3n)).to.equal(333_333_333_333_333_333n);
      expect(await h.wadDivUp(1n, 3n)).to.equal(333_333_333_333_333_334n);
    });

    it("panics (0x12) on a zero divisor", async () => {
      await expect(h.wadDivDown(1n, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
      await expect(h.wadDivUp(1n, 0n)).to.be.revertedWithPanic(PANIC_DIVISION_BY_ZERO);
    });
  });

  describe("bpsToWad", () => {
    it("scales bps by 1e14: 0 -> 0, 1 -> 1e14, 10000 -> 1e18, 7250 -> 0.725e18", async () => {
      expect(await h.bpsToWad(0n)).to.equal(0n);
      expect(await h.bpsToWad(1n)).to.equal(10n ** 14n);
      expect(await h.bpsToWad(10_000n)).to.equal(WAD);
      expect(await h.bpsToWad(7_250n)).to.equal(725n * 10n ** 15n);
    });

    it("takes a uint16, so the largest figure, 65,535 bps, is exact (6.5535e18) and nothing can overflow", async () => {
      expect(await h.bpsToWad(65_535n)).to.equal(65_535n * 10n ** 14n);
    });
  });

  describe("min", () => {
    it("returns the smaller argument whichever side it is on, and either when equal", async () => {
      expect(await h.min(3n, 5n)).to.equal(3n);
      expect(await h.min(5n, 3n)).to.equal(3n);
      expect(await h.min(4n, 4n)).to.equal(4n);
      expect(await h.min(0n, MAX)).to.equal(0n);
    });
  });

  describe("zeroFloorSub", () => {
    it("returns a - b when a > b", async () => {
      expect(await h.zeroFloorSub(5n, 3n)).to.equal(2n);
      expect(await h.zeroFloorSub(MAX, 1n)).to.equal(MAX - 1n);
    });

    it("returns 0 when a == b or a < b (no underflow)", async () => {
      expect(await h.zeroFloorSub(4n, 4n)).to.equal(0n);
      expect(await h.zeroFloorSub(3n, 5n)).to.equal(0n);
      expect(await h.zeroFloorSub(0n, MAX)).to.equal(0n);
    });
  });
});
