import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { KinkedRateModel__factory, type KinkedRateModel } from "../../../typechain-types";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n; // 365 days
const MAX_RATE = 10n * WAD; // 1000 % a year

/** 2 % base, +4 % up to the 80 % kink, +60 % from the kink to 100 %. */
const BASE_Y = ethers.parseEther("0.02");
const SLOPE1_Y = ethers.parseEther("0.04");
const SLOPE2_Y = ethers.parseEther("0.6");
const KINK = ethers.parseEther("0.8");

// Per-second rates, rounded down:
const BASE = 634_195_839n; // 0.02e18 / 31_536_000 = 634_195_839.67…
const SLOPE1 = 1_268_391_679n; // 0.04e18 / 31_536_000 = 1_268_391_679.35…
const SLOPE2 = 19_025_875_190n; // 0.6e18 / 31_536_000 = 19_025_875_190.26…

async function deploy(base: bigint, slope1: bigint, slope2: bigint, kink: bigint): Promise<KinkedRateModel> {
  const [deployer] = await ethers.getSigners();
  return new KinkedRateModel__factory(deployer).deploy(base, slope1, slope2, kink);
}

async function modelFixture() {
  return { model: await deploy(BASE_Y, SLOPE1_Y, SLOPE2_Y, KINK) };
}

describe("KinkedRateModel", () => {
  describe("constructor", () => {
    it("stores the yearly rates as per-second rates rounded down, and the kink", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(BASE_Y / YEAR).to.equal(BASE);
      expect(SLOPE1_Y / YEAR).to.equal(SLOPE1);
      expect(SLOPE2_Y / YEAR).to.equal(SLOPE2);
      expect(await model.baseRatePerSecondWad()).to.equal(BASE);
      expect(await model.slope1PerSecondWad()).to.equal(SLOPE1);
      expect(await model.slope2PerSecondWad()).to.equal(SLOPE2);
      expect(await model.kinkWad()).to.equal(KINK);
    });

    it("declares the same curve (IKinkedRateModel.kinkedCurve), which markets compute in place", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.kinkedCurve()).to.deep.equal([BASE, SLOPE1, SLOPE2, KINK]);
    });

    it("reverts RateModelInvalidParams for a zero kink", async () => {
      const { model } = await loadFixture(modelFixture);
      await expect(deploy(BASE_Y, SLOPE1_Y, SLOPE2_Y, 0n)).to.be.revertedWithCustomError(
        model,
        "RateModelInvalidParams",
      );
    });

    it("reverts RateModelInvalidParams for a kink above 100 %", async () => {
      const { model } = await loadFixture(modelFixture);
      await expect(deploy(BASE_Y, SLOPE1_Y, SLOPE2_Y, WAD + 1n)).to.be.revertedWithCustomError(
        model,
        "RateModelInvalidParams",
      );
    });

    it("reverts RateModelInvalidParams for a base rate, slope1 or slope2 above 1000 % a year", async () => {
      const { model } = await loadFixture(modelFixture);
      await expect(deploy(MAX_RATE + 1n, 0n, 0n, KINK)).to.be.revertedWithCustomError(
        model,
        "RateModelInvalidParams",
      );
      await expect(deploy(0n, MAX_RATE + 1n, 0n, KINK)).to.be.revertedWithCustomError(
        model,
        "RateModelInvalidParams",
      );
      await expect(deploy(0n, 0n, MAX_RATE + 1n, KINK)).to.be.revertedWithCustomError(
        model,
        "RateModelInvalidParams",
      );
    });

    it("accepts the bounds themselves: kink 100 % and every rate at 1000 % a year", async () => {
      const model = await deploy(MAX_RATE, MAX_RATE, MAX_RATE, WAD);
      // 10e18 / 31_536_000 = 317_097_919_837.64… → rounded down.
      expect(await model.baseRatePerSecondWad()).to.equal(317_097_919_837n);
      expect(await model.kinkWad()).to.equal(WAD);
    });
  });

  describe("utilisationWad", () => {
    it("is 0 for an empty market and for a market without debt", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.utilisationWad(0n, 0n)).to.equal(0n);
      expect(await model.utilisationWad(1_000n, 0n)).to.equal(0n);
    });

    it("is 100 % without cash", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.utilisationWad(0n, 5n)).to.equal(WAD);
    });

    it("is debt / (cash + debt) rounded down", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.utilisationWad(3n * 10n ** 12n, 10n ** 12n)).to.equal(WAD / 4n);
      // 2 / 3 = 0.666… → 666_666_666_666_666_666.
      expect(await model.utilisationWad(1n, 2n)).to.equal(666_666_666_666_666_666n);
    });
  });

  describe("borrowRatePerSecondWad", () => {
    it("is the base rate at 0 % utilisation", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.borrowRatePerSecondWad(100n, 0n)).to.equal(BASE);
      expect(await model.borrowRatePerSecondWad(0n, 0n)).to.equal(BASE);
    });

    it("rises linearly to base + slope1 × u / kink below the kink (rounded down)", async () => {
      const { model } = await loadFixture(modelFixture);
      // u = 0.5: 634_195_839 + floor(1_268_391_679 × 0.5 / 0.8) = 634_195_839 + 792_744_799.
      expect(await model.borrowRatePerSecondWad(1_000n, 1_000n)).to.equal(BASE + 792_744_799n);
      // u = 0.25: floor(1_268_391_679 / 3.2) = 396_372_399 (0.6875 dropped).
      expect(await model.borrowRatePerSecondWad(3_000n, 1_000n)).to.equal(BASE + 396_372_399n);
    });

    it("is base + slope1 exactly at the kink", async () => {
      const { model } = await loadFixture(modelFixture);
      // cash 1, debt 4: u = 0.8.
      expect(await model.borrowRatePerSecondWad(1n, 4n)).to.equal(BASE + SLOPE1);
    });

    it("adds slope2 × (u - kink) / (1 - kink) above the kink", async () => {
      const { model } = await loadFixture(modelFixture);
      // u = 0.9: + floor(19_025_875_190 × 0.1 / 0.2) = 9_512_937_595.
      expect(await model.borrowRatePerSecondWad(1n, 9n)).to.equal(BASE + SLOPE1 + 9_512_937_595n);
      // u = 0.85 (cash 3, debt 17): + floor(19_025_875_190 / 4) = 4_756_468_797.
      expect(await model.borrowRatePerSecondWad(3n, 17n)).to.equal(BASE + SLOPE1 + 4_756_468_797n);
    });

    it("is base + slope1 + slope2 at 100 % utilisation", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.borrowRatePerSecondWad(0n, 1_000n)).to.equal(BASE + SLOPE1 + SLOPE2);
    });

    it("with the kink at 100 % never reaches the second slope (no division by zero)", async () => {
      const model = await deploy(BASE_Y, SLOPE1_Y, SLOPE2_Y, WAD);
      expect(await model.borrowRatePerSecondWad(0n, 1_000n)).to.equal(BASE + SLOPE1);
      // u = 0.5: floor(1_268_391_679 / 2) = 634_195_839.
      expect(await model.borrowRatePerSecondWad(1_000n, 1_000n)).to.equal(BASE + 634_195_839n);
    });

    it("handles market-sized figures without overflow (1e30 cash and debt)", async () => {
      const { model } = await loadFixture(modelFixture);
      expect(await model.borrowRatePerSecondWad(10n ** 30n, 10n ** 30n)).to.equal(BASE + 792_744_799n);
    });
  });
});
