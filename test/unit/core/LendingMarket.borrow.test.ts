import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  MockV3Aggregator__factory,
  type FeeOnTransferToken,
  type KinkedRateModel,
  type LendingMarket,
  type ReenteringCallbackKeeper,
} from "../../../typechain-types";
import {
  deployMarket,
  defaultMarketFixture,
  deploySiblingMarket,
  FEED_HEARTBEAT,
  GRACE_PERIOD,
  INITIAL_ANSWER,
  type MarketFixture,
} from "../../helpers/fixtures";
import {
  BPS,
  WAD,
  bpsToWad,
  mulDivDown,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
} from "../../helpers/math";

// ---------------------------------------------------------------- constants

const WETH = 10n ** 18n; // one collateral token (18 decimals)
const USDC = 10n ** 6n; // one debt token (6 decimals)
const YEAR = 365 * 86_400;
const MAX_UINT = ethers.MaxUint256;

/** Oracle price at $2000: 2000e6 USDC base units per 1e18 WETH base units, × 1e18 / 1e18. */
const P2000 = 2_000n * USDC;

/** Per-second rates of the fixture's KinkedRateModel (0 %, 4 % at the 80 % kink, +60 % to 100 %), rounded down. */
const SLOPE1 = 40_000_000_000_000_000n / 31_536_000n; // 1_268_391_679
const SLOPE2 = 600_000_000_000_000_000n / 31_536_000n; // 19_025_875_190
const KINK = 8n * 10n ** 17n;

/** `Zone`, `StepStatus` and `OracleStatus` as numbers. */
const Zone = { None: 0n, Healthy: 1n, Soft: 2n, Hard: 3n } as const;
const Step = { Ready: 0n, NoDebt: 1n, Healthy: 2n, OracleUnavailable: 3n } as const;
const Oracle = { Ok: 0n, SequencerGrace: 1n, SequencerDown: 2n } as const;

/** Default maxLtv (7500 bps) in WAD. */
const MAX_LTV = bpsToWad(7_500);

// ---------------------------------------------------------------- fixtures

/** Swaps the market's rate model for a flat 0 % one: the index then stays at exactly 1e18. */
async function useFlatRate(f: MarketFixture) {
  const flat = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    KINK,
  ])) as unknown as KinkedRateModel;
  await f.market.connect(f.admin).setRateModel(flat);
  return f;
}

/** The default market (10M USDC supplied) with a flat 0 % rate. */
async function flatRateFixture() {
  return useFlatRate(await deployMarket());
}

/** Flat-rate market behind an L2 sequencer uptime feed (up for a day, one-hour grace). */
async function flatRateSequencerFixture() {
  return useFlatRate(await deployMarket({ sequencer: true }));
}

/** The default market (10M USDC supplied) where alice borrowed 5M USDC against 4000 WETH: 50 % utilisation. */
async function halfUtilisedFixture() {
  const f = await deployMarket();
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, 4_000n * WETH);
  await f.market.connect(f.alice).borrow(5_000_000n * USDC, f.alice.address);
  const t0 = await time.latest();
  return { ...f, t0 };
}

/** A market whose collateral is a token that burns 1 % of every transfer. */
async function feeCollateralFixture() {
  const f = await deployMarket();
  const fee = (await ethers.deployContract("FeeOnTransferToken", [100n])) as unknown as FeeOnTransferToken;
  // FEE (18 decimals) priced in USDC (6) by the fixture's feed: same scale as WETH.
  const feeMarket = await deploySiblingMarket(f, fee, f.usdc, f.params, "Fee collateral", "gFEE");
  await fee.mint(f.alice.address, 1_000n * WETH);
  await fee.connect(f.alice).approve(feeMarket, MAX_UINT);
  return { ...f, fee, feeMarket };
}

// ---------------------------------------------------------------- helpers

/** Mines a feed refresh at `ts - 1`, so that the next transaction runs at exactly `ts` with a fresh price. */
async function freshPriceAt(f: MarketFixture, ts: number, answer = INITIAL_ANSWER) {
  await time.setNextBlockTimestamp(ts - 1);
  await f.setAnswer(answer);
  await time.setNextBlockTimestamp(ts);
}

/** Sets the sequencer uptime feed: `down` (answer 1) or up (answer 0), status begun at `startedAt`. */
async function setSequencer(f: MarketFixture, down: boolean, startedAt?: bigint) {
  const feed = MockV3Aggregator__factory.connect(await f.oracle.sequencerFeed(), f.deployer);
  const now = BigInt(await time.latest()) + 1n;
  await feed.updateRoundData(
    await feed.latestRound().then((r) => r + 1n),
    down ? 1n : 0n,
    now,
    startedAt ?? now,
  );
}

/** Per-second rate of the fixture's model at utilisation `u` (WAD), as KinkedRateModel computes it. */
function fixtureRate(u: bigint): bigint {
  if (u <= KINK) return mulDivDown(SLOPE1, u, KINK);
  return SLOPE1 + mulDivDown(SLOPE2, u - KINK, WAD - KINK);
}

// ================================================================ tests

describe("LendingMarket: collateral, borrowing, repaying and interest", () => {
  // ------------------------------------------------------------ supplyCollateral
  describe("supplyCollateral", () => {
    it("credits the caller's own position, pulls the tokens and emits CollateralSupplied(caller, account, amount)", async () => {
      const { market, weth, alice } = await loadFixture(flatRateFixture);
      const tx = market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await expect(tx)
        .to.emit(market, "CollateralSupplied")
        .withArgs(alice.address, alice.address, 10n * WETH);
      await expect(tx).to.changeTokenBalances(weth, [alice, market], [-10n * WETH, 10n * WETH]);
      expect(await market.collateralOf(alice.address)).to.equal(10n * WETH);
    });

    it("credits another account when the caller supplies for it, pulling from the caller", async () => {
      const { market, weth, alice, bob } = await loadFixture(flatRateFixture);
      const tx = market.connect(bob).supplyCollateral(alice.address, 3n * WETH);
      await expect(tx)
        .to.emit(market, "CollateralSupplied")
        .withArgs(bob.address, alice.address, 3n * WETH);
      await expect(tx).to.changeTokenBalances(weth, [bob, alice, market], [-3n * WETH, 0n, 3n * WETH]);
      expect(await market.collateralOf(alice.address)).to.equal(3n * WETH);
      expect(await market.collateralOf(bob.address)).to.equal(0n);
    });

    it("adds to existing collateral", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 2n * WETH);
      await market.connect(alice).supplyCollateral(alice.address, 5n);
      expect(await market.collateralOf(alice.address)).to.equal(2n * WETH + 5n);
    });

    it("reverts MarketZeroAmount for a zero amount", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await expect(market.connect(alice).supplyCollateral(alice.address, 0n)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
    });

    it("reverts MarketZeroAddress for the zero account", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await expect(
        market.connect(alice).supplyCollateral(ethers.ZeroAddress, WETH),
      ).to.be.revertedWithCustomError(market, "MarketZeroAddress");
    });

    it("reverts SafeCastOverflowedUintDowncast(112, total) when the position would exceed uint112", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 1n);
      const amount = 2n ** 112n - 1n; // 1 + (2^112 - 1) = 2^112 does not fit
      await expect(market.connect(alice).supplyCollateral(alice.address, amount))
        .to.be.revertedWithCustomError(market, "SafeCastOverflowedUintDowncast")
        .withArgs(112, 2n ** 112n);
    });

    it("refuses a fee-on-transfer collateral token with MarketTransferMismatch(token, expected, received)", async () => {
      const { feeMarket, fee, alice } = await loadFixture(feeCollateralFixture);
      // 1 % burnt: 10 FEE sent, 9.9 FEE received.
      await expect(feeMarket.connect(alice).supplyCollateral(alice.address, 10n * WETH))
        .to.be.revertedWithCustomError(feeMarket, "MarketTransferMismatch")
        .withArgs(await fee.getAddress(), 10n * WETH, (10n * WETH * 9_900n) / 10_000n);
    });
  });

  // ------------------------------------------------------------ withdrawCollateral
  describe("withdrawCollateral", () => {
    it("without debt sends the collateral to the receiver and emits CollateralWithdrawn(account, receiver, amount)", async () => {
      const { market, weth, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      const tx = market.connect(alice).withdrawCollateral(4n * WETH, bob.address);
      await expect(tx)
        .to.emit(market, "CollateralWithdrawn")
        .withArgs(alice.address, bob.address, 4n * WETH);
      await expect(tx).to.changeTokenBalances(weth, [market, alice, bob], [-4n * WETH, 0n, 4n * WETH]);
      expect(await market.collateralOf(alice.address)).to.equal(6n * WETH);
    });

    it("without debt works with a stale feed (no price is read)", async () => {
      const { market, oracle, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await time.increase(FEED_HEARTBEAT + 100);
      const [usable] = await oracle.tryPrice();
      expect(usable).to.equal(false);
      await expect(market.connect(alice).withdrawCollateral(10n * WETH, alice.address))
        .to.emit(market, "CollateralWithdrawn")
        .withArgs(alice.address, alice.address, 10n * WETH);
      expect(await market.collateralOf(alice.address)).to.equal(0n);
    });

    it("without debt works while the sequencer is down", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await setSequencer(f, true);
      await expect(market.connect(alice).withdrawCollateral(WETH, alice.address))
        .to.emit(market, "CollateralWithdrawn")
        .withArgs(alice.address, alice.address, WETH);
    });

    it("reverts MarketZeroAmount for a zero amount", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, WETH);
      await expect(market.connect(alice).withdrawCollateral(0n, alice.address)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
    });

    it("reverts MarketZeroAddress for the zero receiver", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, WETH);
      await expect(
        market.connect(alice).withdrawCollateral(WETH, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(market, "MarketZeroAddress");
    });

    it("reverts MarketInsufficientCollateral(available, requested) above the position's collateral", async () => {
      const { market, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, WETH);
      await market.connect(bob).supplyCollateral(bob.address, 5n * WETH); // other positions do not count
      await expect(market.connect(alice).withdrawCollateral(WETH + 1n, alice.address))
        .to.be.revertedWithCustomError(market, "MarketInsufficientCollateral")
        .withArgs(WETH, WETH + 1n);
    });

    it("with debt accepts leaving an LTV of exactly maxLtv and refuses one wei of collateral more", async () => {
      const { market, weth, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(7_500n * USDC, alice.address);
      // 5 WETH left: value 10,000 USDC, LTV 7,500 / 10,000 = 0.75 exactly.
      await expect(market.connect(alice).withdrawCollateral(5n * WETH, alice.address)).to.changeTokenBalance(
        weth,
        alice,
        5n * WETH,
      );
      // 5 WETH - 1 wei: value 9,999.999999 USDC (rounded down), LTV 7,500 / 9,999.999999 rounded up.
      await expect(market.connect(alice).withdrawCollateral(1n, alice.address))
        .to.be.revertedWithCustomError(market, "MarketLtvTooHigh")
        .withArgs(750_000_000_075_000_001n, MAX_LTV);
      expect(await market.collateralOf(alice.address)).to.equal(5n * WETH);
    });

    it("with debt reverts MarketLtvTooHigh(ltv, maxLtv) with the exact LTV it would leave", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(10_000n * USDC, alice.address);
      // 6.6 WETH left: value 13,200 USDC, LTV 10,000 / 13,200 = 0.757575… rounded up.
      await expect(market.connect(alice).withdrawCollateral(3_400_000_000_000_000_000n, alice.address))
        .to.be.revertedWithCustomError(market, "MarketLtvTooHigh")
        .withArgs(757_575_757_575_757_576n, MAX_LTV);
    });

    it("with debt reverts MarketLtvTooHigh(max uint, maxLtv) when all collateral would go", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(100n * USDC, alice.address);
      await expect(market.connect(alice).withdrawCollateral(10n * WETH, alice.address))
        .to.be.revertedWithCustomError(market, "MarketLtvTooHigh")
        .withArgs(MAX_UINT, MAX_LTV);
    });

    it("with debt reverts MarketOracleNotReady(SequencerDown) while the sequencer is down", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(1_000n * USDC, alice.address);
      await setSequencer(f, true);
      await expect(market.connect(alice).withdrawCollateral(WETH, alice.address))
        .to.be.revertedWithCustomError(market, "MarketOracleNotReady")
        .withArgs(Oracle.SequencerDown);
    });

    it("with debt reverts MarketOracleNotReady(SequencerGrace) within the grace period after a restart", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(1_000n * USDC, alice.address);
      await setSequencer(f, false); // up since now: inside the one-hour grace
      await expect(market.connect(alice).withdrawCollateral(WETH, alice.address))
        .to.be.revertedWithCustomError(market, "MarketOracleNotReady")
        .withArgs(Oracle.SequencerGrace);
    });

    it("with debt works again once the grace period has passed", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(1_000n * USDC, alice.address);
      const now = BigInt(await time.latest());
      await setSequencer(f, false, now - BigInt(GRACE_PERIOD) - 1n);
      await expect(market.connect(alice).withdrawCollateral(WETH, alice.address))
        .to.emit(market, "CollateralWithdrawn")
        .withArgs(alice.address, alice.address, WETH);
    });

    it("with debt reverts with the oracle's OracleStale when the feed is stale", async () => {
      const { market, oracle, feed, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(1_000n * USDC, alice.address);
      const updatedAt = await feed.latestTimestamp();
      await time.increase(FEED_HEARTBEAT + 1);
      await expect(market.connect(alice).withdrawCollateral(WETH, alice.address))
        .to.be.revertedWithCustomError(oracle, "OracleStale")
        .withArgs(await feed.getAddress(), updatedAt, FEED_HEARTBEAT);
    });

    it("with debt accrues interest in the same transaction (InterestAccrued)", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, alice, t0 } = f;
      const dt = 1_000;
      await freshPriceAt(f, t0 + dt);
      // u = 5M / 10M = 0.5 → rate = floor(SLOPE1 × 0.5 / 0.8) = 792_744_799 per second.
      const index = WAD + 792_744_799n * BigInt(dt);
      const interest = wadMulUp(5_000_000n * USDC, index) - 5_000_000n * USDC;
      await expect(market.connect(alice).withdrawCollateral(WETH, alice.address))
        .to.emit(market, "InterestAccrued")
        .withArgs(index, interest, (interest * 1_000n) / BPS);
    });

    it("reverts EnforcedPause while paused, with or without debt", async () => {
      const { market, alice, bob, guardian } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      await market.connect(bob).borrow(1_000n * USDC, bob.address);
      await market.connect(guardian).pause();
      await expect(
        market.connect(alice).withdrawCollateral(WETH, alice.address),
      ).to.be.revertedWithCustomError(market, "EnforcedPause");
      await expect(market.connect(bob).withdrawCollateral(WETH, bob.address)).to.be.revertedWithCustomError(
        market,
        "EnforcedPause",
      );
    });
  });

  // ------------------------------------------------------------ borrow
  describe("borrow", () => {
    it("at index 1 books normDebt = assets, sends the assets to the receiver and emits Borrowed(account, receiver, assets, normDebt)", async () => {
      const { market, usdc, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      const tx = market.connect(alice).borrow(10_000n * USDC, bob.address);
      await expect(tx)
        .to.emit(market, "Borrowed")
        .withArgs(alice.address, bob.address, 10_000n * USDC, 10_000n * USDC);
      await expect(tx).to.changeTokenBalances(
        usdc,
        [market, alice, bob],
        [-10_000n * USDC, 0n, 10_000n * USDC],
      );
      expect(await market.debtOf(alice.address)).to.equal(10_000n * USDC);
      expect(await market.totalDebt()).to.equal(10_000n * USDC);
      const [cash, debt, reserves, index] = await market.accounting();
      expect([cash, debt, reserves, index]).to.deep.equal([
        10_000_000n * USDC - 10_000n * USDC,
        10_000n * USDC,
        0n,
        WAD,
      ]);
    });

    it("returns the normalised debt it booked", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      expect(await market.connect(alice).borrow.staticCall(1_234n * USDC, alice.address)).to.equal(
        1_234n * USDC,
      );
    });

    it("rounds the booked normDebt up when the index is above 1, so the borrower owes at least what was sent", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, bob, t0 } = f;
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      await freshPriceAt(f, t0 + YEAR);
      // After one year at u = 0.5: index = 1 + 792_744_799 × 31_536_000 / 1e18.
      const index = 1_024_999_999_981_264_000n;
      // 1000 USDC / 1.024999999981264 = 975_609_756.115… → rounded up.
      const norm = 975_609_757n;
      expect(wadDivUp(1_000n * USDC, index)).to.equal(norm);
      await expect(market.connect(bob).borrow(1_000n * USDC, bob.address))
        .to.emit(market, "Borrowed")
        .withArgs(bob.address, bob.address, 1_000n * USDC, norm);
      // 975_609_757 × 1.024999999981264 = 1_000_000_000.87… → rounded up.
      expect(await market.debtOf(bob.address)).to.equal(1_000_000_001n);
    });

    it("adds to the existing debt of the account", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(1_000n * USDC, alice.address);
      await market.connect(alice).borrow(500n * USDC, alice.address);
      expect(await market.debtOf(alice.address)).to.equal(1_500n * USDC);
    });

    it("accepts a debt of exactly minDebt and reverts MarketDebtBelowMinimum(debt, minDebt) one unit below", async () => {
      const { market, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      await expect(market.connect(alice).borrow(100n * USDC - 1n, alice.address))
        .to.be.revertedWithCustomError(market, "MarketDebtBelowMinimum")
        .withArgs(100n * USDC - 1n, 100n * USDC);
      await expect(market.connect(bob).borrow(100n * USDC, bob.address)).to.emit(market, "Borrowed");
    });

    it("counts existing debt toward minDebt (a small top-up of a large debt is accepted)", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(100n * USDC, alice.address);
      await expect(market.connect(alice).borrow(1n, alice.address))
        .to.emit(market, "Borrowed")
        .withArgs(alice.address, alice.address, 1n, 1n);
    });

    it("reverts MarketInsufficientCash(cash, assets) when the market holds less than asked", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10_000n * WETH); // worth 20M USDC
      await expect(market.connect(alice).borrow(10_000_000n * USDC + 1n, alice.address))
        .to.be.revertedWithCustomError(market, "MarketInsufficientCash")
        .withArgs(10_000_000n * USDC, 10_000_000n * USDC + 1n);
    });

    it("lends out the whole cash when asked exactly that", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10_000n * WETH);
      await market.connect(alice).borrow(10_000_000n * USDC, alice.address);
      const [cash] = await market.accounting();
      expect(cash).to.equal(0n);
    });

    it("accepts an LTV of exactly maxLtv and reverts MarketLtvTooHigh(ltv, maxLtv) one unit above", async () => {
      const { market, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      // 10 WETH × 2000 = 20,000 USDC; 0.75 × 20,000 = 15,000 USDC.
      // 15,000.000001 / 20,000 = 0.75 + 1e18 / 2e10 (= 5e7) exactly.
      await expect(market.connect(alice).borrow(15_000n * USDC + 1n, alice.address))
        .to.be.revertedWithCustomError(market, "MarketLtvTooHigh")
        .withArgs(750_000_000_050_000_000n, MAX_LTV);
      await expect(market.connect(bob).borrow(15_000n * USDC, bob.address)).to.emit(market, "Borrowed");
    });

    it("reverts MarketLtvTooHigh(max uint, maxLtv) without collateral", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.be.revertedWithCustomError(market, "MarketLtvTooHigh")
        .withArgs(MAX_UINT, MAX_LTV);
    });

    it("reverts MarketZeroAmount for zero assets", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await expect(market.connect(alice).borrow(0n, alice.address)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
    });

    it("reverts MarketZeroAddress for the zero receiver", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await expect(
        market.connect(alice).borrow(100n * USDC, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(market, "MarketZeroAddress");
    });

    it("registers the account on its first borrow only: BorrowerRegistered(account, index) and the list", async () => {
      const { market, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      expect(await market.borrowersLength()).to.equal(0n);

      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.emit(market, "BorrowerRegistered")
        .withArgs(alice.address, 0n);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address)).not.to.emit(
        market,
        "BorrowerRegistered",
      );
      await expect(market.connect(bob).borrow(100n * USDC, bob.address))
        .to.emit(market, "BorrowerRegistered")
        .withArgs(bob.address, 1n);

      expect(await market.borrowersLength()).to.equal(2n);
      expect(await market.borrowersSlice(0n, 2n)).to.deep.equal([alice.address, bob.address]);
    });

    it("keeps the list append-only: a repaid borrower who borrows again is not listed twice", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(100n * USDC, alice.address);
      await market.connect(alice).repay(alice.address, MAX_UINT);
      expect(await market.debtOf(alice.address)).to.equal(0n);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address)).not.to.emit(
        market,
        "BorrowerRegistered",
      );
      expect(await market.borrowersLength()).to.equal(1n);
      expect(await market.borrowersSlice(0n, 10n)).to.deep.equal([alice.address]);
    });

    it("borrowersSlice clips to the list's end and returns nothing past it", async () => {
      const { market, alice, bob, carol } = await loadFixture(flatRateFixture);
      for (const s of [alice, bob, carol]) {
        await market.connect(s).supplyCollateral(s.address, 10n * WETH);
        await market.connect(s).borrow(100n * USDC, s.address);
      }
      expect(await market.borrowersSlice(0n, 10n)).to.deep.equal([alice.address, bob.address, carol.address]);
      expect(await market.borrowersSlice(1n, 1n)).to.deep.equal([bob.address]);
      expect(await market.borrowersSlice(1n, 5n)).to.deep.equal([bob.address, carol.address]);
      expect(await market.borrowersSlice(0n, MAX_UINT)).to.deep.equal([
        alice.address,
        bob.address,
        carol.address,
      ]);
      expect(await market.borrowersSlice(2n, 0n)).to.deep.equal([]);
      expect(await market.borrowersSlice(3n, 1n)).to.deep.equal([]);
      expect(await market.borrowersSlice(7n, 2n)).to.deep.equal([]);
    });

    it("borrowersSlice(start > 0, max uint) clips to the list's end instead of overflowing", async () => {
      // ILendingMarket: "The borrowers at indices [start, start + count), clipped to the list's end." A keeper
      // asking for "everything from 1 on" with count = type(uint256).max gets the clipped list, not Panic(0x11).
      const { market, alice, bob } = await loadFixture(flatRateFixture);
      for (const s of [alice, bob]) {
        await market.connect(s).supplyCollateral(s.address, 10n * WETH);
        await market.connect(s).borrow(100n * USDC, s.address);
      }
      expect(await market.borrowersSlice(1n, MAX_UINT)).to.deep.equal([bob.address]);
      expect(await market.borrowersSlice(1n, MAX_UINT - 1n)).to.deep.equal([bob.address]);
      expect(await market.borrowersSlice(2n, MAX_UINT)).to.deep.equal([]);
      expect(await market.borrowersSlice(MAX_UINT, MAX_UINT)).to.deep.equal([]);
    });

    it("moves the price state on the first borrow: PriceStateUpdated(spot, ema = spot, variance 0)", async () => {
      const { market, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.emit(market, "PriceStateUpdated")
        .withArgs(P2000, P2000, 0n);
    });

    it("reverts with the oracle's OracleStale when the feed is stale", async () => {
      const { market, oracle, feed, alice } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      const updatedAt = await feed.latestTimestamp();
      await time.increase(FEED_HEARTBEAT + 1);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.be.revertedWithCustomError(oracle, "OracleStale")
        .withArgs(await feed.getAddress(), updatedAt, FEED_HEARTBEAT);
    });

    it("reverts with the oracle's OracleAnswerNotPositive when the feed answers zero", async () => {
      const f = await loadFixture(flatRateFixture);
      const { market, oracle, feed, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await f.setAnswer(0n);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.be.revertedWithCustomError(oracle, "OracleAnswerNotPositive")
        .withArgs(await feed.getAddress(), 0n);
    });

    it("reverts MarketOracleNotReady(SequencerDown) while the sequencer is down", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await setSequencer(f, true);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.be.revertedWithCustomError(market, "MarketOracleNotReady")
        .withArgs(Oracle.SequencerDown);
    });

    it("reverts MarketOracleNotReady(SequencerGrace) during the grace period", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await setSequencer(f, false);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.be.revertedWithCustomError(market, "MarketOracleNotReady")
        .withArgs(Oracle.SequencerGrace);
    });

    it("works behind a healthy sequencer (status Ok)", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await expect(market.connect(alice).borrow(100n * USDC, alice.address))
        .to.emit(market, "Borrowed")
        .withArgs(alice.address, alice.address, 100n * USDC, 100n * USDC);
    });

    it("reverts EnforcedPause while paused", async () => {
      const { market, alice, guardian } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(guardian).pause();
      await expect(market.connect(alice).borrow(100n * USDC, alice.address)).to.be.revertedWithCustomError(
        market,
        "EnforcedPause",
      );
      await market.connect(guardian).unpause();
      await expect(market.connect(alice).borrow(100n * USDC, alice.address)).to.emit(market, "Borrowed");
    });
  });

  // ------------------------------------------------------------ repay
  describe("repay", () => {
    /** Alice holds 10 WETH and owes 10,000 USDC at index 1. */
    async function aliceOwes10k() {
      const f = await loadFixture(flatRateFixture);
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 10n * WETH);
      await f.market.connect(f.alice).borrow(10_000n * USDC, f.alice.address);
      return f;
    }

    it("partially repays: pulls the assets, credits normDebt and emits Repaid(caller, account, assets, normDebt)", async () => {
      const { market, usdc, alice } = await aliceOwes10k();
      const tx = market.connect(alice).repay(alice.address, 4_000n * USDC);
      await expect(tx)
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, 4_000n * USDC, 4_000n * USDC);
      await expect(tx).to.changeTokenBalances(usdc, [alice, market], [-4_000n * USDC, 4_000n * USDC]);
      expect(await market.debtOf(alice.address)).to.equal(6_000n * USDC);
      const [cash, debt] = await market.accounting();
      expect([cash, debt]).to.deep.equal([10_000_000n * USDC - 6_000n * USDC, 6_000n * USDC]);
    });

    it("returns the assets actually pulled", async () => {
      const { market, alice } = await aliceOwes10k();
      expect(await market.connect(alice).repay.staticCall(alice.address, 4_000n * USDC)).to.equal(
        4_000n * USDC,
      );
      expect(await market.connect(alice).repay.staticCall(alice.address, MAX_UINT)).to.equal(10_000n * USDC);
    });

    it("repays in full and pulls only the debt when asked more than the debt", async () => {
      const { market, usdc, alice } = await aliceOwes10k();
      const tx = market.connect(alice).repay(alice.address, 25_000n * USDC);
      await expect(tx)
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, 10_000n * USDC, 10_000n * USDC);
      await expect(tx).to.changeTokenBalances(usdc, [alice, market], [-10_000n * USDC, 10_000n * USDC]);
      expect(await market.debtOf(alice.address)).to.equal(0n);
      expect(await market.totalDebt()).to.equal(0n);
    });

    it("repays in full with exactly the debt", async () => {
      const { market, alice } = await aliceOwes10k();
      await expect(market.connect(alice).repay(alice.address, 10_000n * USDC))
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, 10_000n * USDC, 10_000n * USDC);
      expect(await market.debtOf(alice.address)).to.equal(0n);
    });

    it("lets a third party repay someone else's debt from its own balance", async () => {
      const { market, usdc, alice, bob } = await aliceOwes10k();
      const tx = market.connect(bob).repay(alice.address, 1_000n * USDC);
      await expect(tx)
        .to.emit(market, "Repaid")
        .withArgs(bob.address, alice.address, 1_000n * USDC, 1_000n * USDC);
      await expect(tx).to.changeTokenBalances(
        usdc,
        [bob, alice, market],
        [-1_000n * USDC, 0n, 1_000n * USDC],
      );
      expect(await market.debtOf(alice.address)).to.equal(9_000n * USDC);
    });

    it("reverts MarketNoDebt(account) for an account without debt", async () => {
      const { market, alice, bob } = await aliceOwes10k();
      await expect(market.connect(alice).repay(bob.address, 1n))
        .to.be.revertedWithCustomError(market, "MarketNoDebt")
        .withArgs(bob.address);
    });

    it("reverts MarketZeroAmount for zero assets", async () => {
      const { market, alice } = await aliceOwes10k();
      await expect(market.connect(alice).repay(alice.address, 0n)).to.be.revertedWithCustomError(
        market,
        "MarketZeroAmount",
      );
    });

    it("refuses a repay leaving dust: MarketDebtBelowMinimum(remaining, minDebt)", async () => {
      const { market, alice } = await aliceOwes10k();
      // 10,000 - 9,900.000001 = 99.999999 USDC < 100 USDC.
      await expect(market.connect(alice).repay(alice.address, 9_900n * USDC + 1n))
        .to.be.revertedWithCustomError(market, "MarketDebtBelowMinimum")
        .withArgs(100n * USDC - 1n, 100n * USDC);
    });

    it("accepts a repay leaving exactly minDebt", async () => {
      const { market, alice } = await aliceOwes10k();
      await market.connect(alice).repay(alice.address, 9_900n * USDC);
      expect(await market.debtOf(alice.address)).to.equal(100n * USDC);
    });

    it("credits normDebt rounded down and keeps the remaining debt rounded up when the index is above 1", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, alice, t0 } = f;
      await freshPriceAt(f, t0 + YEAR);
      const index = 1_024_999_999_981_264_000n; // one year at 792_744_799 per second
      // 1000 USDC / 1.024999999981264 = 975_609_756.115… → rounded down.
      const normRepaid = 975_609_756n;
      expect(wadDivDown(1_000n * USDC, index)).to.equal(normRepaid);
      await expect(market.connect(alice).repay(alice.address, 1_000n * USDC))
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, 1_000n * USDC, normRepaid);
      expect(await market.debtOf(alice.address)).to.equal(wadMulUp(5_000_000n * USDC - normRepaid, index));
    });

    it("repays the full debt with interest, rounded up, for an overpayment after a year", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, usdc, alice, t0 } = f;
      await freshPriceAt(f, t0 + YEAR);
      // 5,000,000 × 1.024999999981264 = 5,124,999.999906320 USDC → 5_124_999_999_907 base units.
      const debt = 5_124_999_999_907n;
      const tx = market.connect(alice).repay(alice.address, MAX_UINT);
      await expect(tx)
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, debt, 5_000_000n * USDC);
      await expect(tx).to.changeTokenBalances(usdc, [alice, market], [-debt, debt]);
      expect(await market.totalDebt()).to.equal(0n);
    });

    it("works while paused", async () => {
      const { market, alice, guardian } = await aliceOwes10k();
      await market.connect(guardian).pause();
      await expect(market.connect(alice).repay(alice.address, 1_000n * USDC))
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, 1_000n * USDC, 1_000n * USDC);
    });

    it("works with a stale feed and with a broken feed (no price is read)", async () => {
      const f = await aliceOwes10k();
      const { market, alice } = f;
      await time.increase(FEED_HEARTBEAT + 1);
      await market.connect(alice).repay(alice.address, 1_000n * USDC);
      await f.setAnswer(-1n);
      await market.connect(alice).repay(alice.address, 1_000n * USDC);
      expect(await market.debtOf(alice.address)).to.equal(8_000n * USDC);
    });

    it("works while the sequencer is down", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(alice).borrow(1_000n * USDC, alice.address);
      await setSequencer(f, true);
      await expect(market.connect(alice).repay(alice.address, MAX_UINT))
        .to.emit(market, "Repaid")
        .withArgs(alice.address, alice.address, 1_000n * USDC, 1_000n * USDC);
    });
  });

  // ------------------------------------------------------------ supplyCollateral in degraded conditions
  describe("supplyCollateral in degraded conditions", () => {
    it("works while paused", async () => {
      const { market, alice, guardian } = await loadFixture(flatRateFixture);
      await market.connect(guardian).pause();
      await expect(market.connect(alice).supplyCollateral(alice.address, WETH))
        .to.emit(market, "CollateralSupplied")
        .withArgs(alice.address, alice.address, WETH);
    });

    it("works with a stale feed and while the sequencer is down", async () => {
      const f = await loadFixture(flatRateSequencerFixture);
      const { market, alice } = f;
      await setSequencer(f, true);
      await time.increase(FEED_HEARTBEAT + 1);
      await expect(market.connect(alice).supplyCollateral(alice.address, WETH))
        .to.emit(market, "CollateralSupplied")
        .withArgs(alice.address, alice.address, WETH);
    });
  });

  // ------------------------------------------------------------ interest
  describe("interest accrual", () => {
    it("grows the index by rate × Δt at 50 % utilisation, rate = floor(slope1 × 0.5 / 0.8)", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, t0 } = f;
      // rate = floor(1_268_391_679 × 5 / 8) = 792_744_799 per second.
      expect(fixtureRate(WAD / 2n)).to.equal(792_744_799n);
      await time.increaseTo(t0 + YEAR);
      // index = 1e18 + 792_744_799 × 31_536_000 = 1.024999999981264e18.
      const index = 1_024_999_999_981_264_000n;
      const debt = 5_124_999_999_907n; // 5e12 × index / 1e18 = 5_124_999_999_906.32 → up
      const interest = debt - 5_000_000n * USDC; // 124_999_999_907
      const reserves = 12_499_999_990n; // 10 % of the interest, rounded down
      expect(await market.accounting()).to.deep.equal([5_000_000n * USDC, debt, reserves, index]);
      expect(await market.totalDebt()).to.equal(debt);
      expect(await market.debtOf(f.alice.address)).to.equal(debt);
      // Lenders: cash + debt - reserves.
      expect(await market.totalAssets()).to.equal(5_000_000n * USDC + debt - reserves);
      expect(interest).to.equal(124_999_999_907n);
    });

    it("books the accrual on the next action and emits InterestAccrued(index, interest, reserveShare)", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, lender, t0 } = f;
      await time.setNextBlockTimestamp(t0 + YEAR);
      await expect(market.connect(lender).deposit(1n * USDC, lender.address))
        .to.emit(market, "InterestAccrued")
        .withArgs(1_024_999_999_981_264_000n, 124_999_999_907n, 12_499_999_990n);
      // The stored books now hold the accrual (cash grew by the deposit only).
      expect(await market.accounting()).to.deep.equal([
        5_000_000n * USDC + 1n * USDC,
        5_124_999_999_907n,
        12_499_999_990n,
        1_024_999_999_981_264_000n,
      ]);
    });

    it("uses the second slope above the kink: at 90 % utilisation rate = slope1 + slope2 × 0.1 / 0.2", async () => {
      const f = await loadFixture(defaultMarketFixture);
      const { market, alice } = f;
      await market.connect(alice).supplyCollateral(alice.address, 7_000n * WETH);
      await market.connect(alice).borrow(9_000_000n * USDC, alice.address);
      const t0 = await time.latest();
      // u = 9M / 10M = 0.9 → rate = 1_268_391_679 + floor(19_025_875_190 / 2) = 10_781_329_274 per second.
      expect(fixtureRate((WAD * 9n) / 10n)).to.equal(10_781_329_274n);
      const dt = 30 * 86_400;
      await time.increaseTo(t0 + dt);
      const index = WAD + 10_781_329_274n * BigInt(dt); // 1.027945205478208e18
      expect(index).to.equal(1_027_945_205_478_208_000n);
      const debt = wadMulUp(9_000_000n * USDC, index); // 9_251_506_849_303.872 → 9_251_506_849_304
      expect(debt).to.equal(9_251_506_849_304n);
      const reserves = ((debt - 9_000_000n * USDC) * 1_000n) / BPS;
      expect(await market.accounting()).to.deep.equal([1_000_000n * USDC, debt, reserves, index]);
    });

    it("compounds at each accrual: the second period's rate uses the grown debt", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, lender, t0 } = f;
      const half = YEAR / 2;
      await time.setNextBlockTimestamp(t0 + half);
      await market.connect(lender).deposit(1n, lender.address); // books the first half
      const index1 = WAD + 792_744_799n * BigInt(half); // 1.012499999990632e18
      const debt1 = wadMulUp(5_000_000n * USDC, index1);
      const cash1 = 5_000_000n * USDC + 1n;
      const reserves1 = ((debt1 - 5_000_000n * USDC) * 1_000n) / BPS;
      expect(await market.accounting()).to.deep.equal([cash1, debt1, reserves1, index1]);

      await time.increaseTo(t0 + YEAR);
      // Second half at the utilisation the first accrual left: u = debt1 / (cash1 + debt1), rounded down.
      const rate2 = fixtureRate(wadDivDown(debt1, cash1 + debt1));
      const index2 = wadMulUp(index1, WAD + rate2 * BigInt(half));
      const debt2 = wadMulUp(5_000_000n * USDC, index2);
      const reserves2 = reserves1 + ((debt2 - debt1) * 1_000n) / BPS;
      expect(await market.accounting()).to.deep.equal([cash1, debt2, reserves2, index2]);
      // Compounding beats the single-period index.
      expect(index2).to.be.greaterThan(1_024_999_999_981_264_000n);
    });

    it("accrues nothing without debt: the index stays 1e18 and no InterestAccrued is emitted", async () => {
      const { market, lender } = await loadFixture(defaultMarketFixture);
      await time.increase(YEAR);
      await expect(market.connect(lender).deposit(USDC, lender.address)).not.to.emit(
        market,
        "InterestAccrued",
      );
      expect(await market.accounting()).to.deep.equal([10_000_001n * USDC, 0n, 0n, WAD]);
    });

    it("charges a borrower who joins later only for the time since joining", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { market, bob, t0 } = f;
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      await freshPriceAt(f, t0 + YEAR);
      await market.connect(bob).borrow(1_000n * USDC, bob.address); // normDebt 975_609_757 at index1
      const index1 = 1_024_999_999_981_264_000n;
      await time.increaseTo(t0 + YEAR + 86_400);
      const totalNorm = 5_000_000n * USDC + 975_609_757n;
      const cash = 5_000_000n * USDC - 1_000n * USDC;
      const rate = fixtureRate(wadDivDown(wadMulUp(totalNorm, index1), cash + wadMulUp(totalNorm, index1)));
      const index2 = wadMulUp(index1, WAD + rate * 86_400n);
      expect(await market.debtOf(bob.address)).to.equal(wadMulUp(975_609_757n, index2));
      expect(await market.debtOf(bob.address)).to.be.lessThan(1_001n * USDC);
    });
  });

  // ------------------------------------------------------------ reentrancy and same-block updates
  describe("reentrancy", () => {
    /** Alice at LTV 0.75 and the price at $1600 (hard zone), so that a step reaches its callback. */
    async function stepReachesCallback() {
      const f = await loadFixture(flatRateFixture);
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 10n * WETH);
      await f.market.connect(f.alice).borrow(15_000n * USDC, f.alice.address);
      await f.setAnswer(1_600n * 10n ** 8n);
      const keeper = (await ethers.deployContract("ReenteringCallbackKeeper", [
        f.market,
      ])) as unknown as ReenteringCallbackKeeper;
      return { ...f, keeper };
    }

    /** Each borrower-side entry point, encoded as the keeper would call it (k: the keeper, a: alice). */
    const entries: [string, (m: LendingMarket, k: string, a: string) => string][] = [
      ["supplyCollateral", (m, _k, a) => m.interface.encodeFunctionData("supplyCollateral", [a, 1n])],
      ["withdrawCollateral", (m, k) => m.interface.encodeFunctionData("withdrawCollateral", [1n, k])],
      ["borrow", (m, k) => m.interface.encodeFunctionData("borrow", [1n, k])],
      ["repay", (m, _k, a) => m.interface.encodeFunctionData("repay", [a, 1n])],
      ["updatePriceState", (m) => m.interface.encodeFunctionData("updatePriceState")],
    ];
    for (const [name, encode] of entries) {
      it(`${name} from inside a step's callback reverts ReentrancyGuardReentrantCall`, async () => {
        const { market, keeper, alice } = await stepReachesCallback();
        const call = encode(market, await keeper.getAddress(), alice.address);
        await expect(keeper.stepAndReenter(alice.address, call)).to.be.revertedWithCustomError(
          market,
          "ReentrancyGuardReentrantCall",
        );
      });
    }
  });

  describe("price state within one block", () => {
    it("emits PriceStateUpdated for the first price-reading action of a block only", async () => {
      const { market, alice, bob } = await loadFixture(flatRateFixture);
      await market.connect(alice).supplyCollateral(alice.address, 10n * WETH);
      await market.connect(bob).supplyCollateral(bob.address, 10n * WETH);
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const first = await market
          .connect(alice)
          .borrow(100n * USDC, alice.address, { gasLimit: 1_000_000n });
        const second = await market.connect(bob).borrow(100n * USDC, bob.address, { gasLimit: 1_000_000n });
        await mine();
        const [r1, r2] = [await first.wait(), await second.wait()];
        expect(r1!.blockNumber).to.equal(r2!.blockNumber);
        const updates = (r: typeof r1) =>
          r!.logs.filter((l) => market.interface.parseLog(l)?.name === "PriceStateUpdated").length;
        expect([updates(r1), updates(r2)]).to.deep.equal([1, 0]);
        expect(await market.debtOf(bob.address)).to.equal(100n * USDC);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
    });
  });

  // ------------------------------------------------------------ views
  describe("views: MarketLens.positionState(s) over the market's views, accounting, priceState", () => {
    /** Alice: 10 WETH, 15,000 USDC at $2000 (LTV 0.75); flat rate. */
    async function aliceAtMaxLtv() {
      const f = await loadFixture(flatRateFixture);
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 10n * WETH);
      await f.market.connect(f.alice).borrow(15_000n * USDC, f.alice.address);
      return f;
    }

    it("positionState gives collateral, debt, LTV, zone and the liquidation prices D / (C × ltv), rounded up", async () => {
      const { market, lens, alice } = await aliceAtMaxLtv();
      const st = await lens.positionState(market, alice.address);
      expect(st.collateral).to.equal(10n * WETH);
      expect(st.debt).to.equal(15_000n * USDC);
      expect(st.ltvWad).to.equal(MAX_LTV); // 15,000 / 20,000
      expect(st.zone).to.equal(Zone.Healthy);
      // soft: 15,000 / (10 × 0.8) = 1875 USDC per WETH, exact.
      expect(st.softLiquidationPriceWad).to.equal(1_875n * USDC);
      // hard: 15,000 / (10 × 0.9) = 1666.666666…6 → 1_666_666_667.
      expect(st.hardLiquidationPriceWad).to.equal(1_666_666_667n);
      expect(st.nextSoftStepAt).to.equal(0n);
      expect(st.step.status).to.equal(Step.Healthy);
      expect(st.step.zone).to.equal(Zone.Healthy);
      expect(st.step.ltvBeforeWad).to.equal(MAX_LTV);
    });

    it("positionState of an account without a position is all zero, zone None, step NoDebt", async () => {
      const { market, lens, bob } = await aliceAtMaxLtv();
      const st = await lens.positionState(market, bob.address);
      expect([st.collateral, st.debt, st.ltvWad, st.zone]).to.deep.equal([0n, 0n, 0n, Zone.None]);
      expect([st.softLiquidationPriceWad, st.hardLiquidationPriceWad, st.nextSoftStepAt]).to.deep.equal([
        0n,
        0n,
        0n,
      ]);
      expect(st.step.status).to.equal(Step.NoDebt);
    });

    it("positionState of collateral without debt: LTV 0, zone None, liquidation prices 0", async () => {
      const { market, lens, bob } = await aliceAtMaxLtv();
      await market.connect(bob).supplyCollateral(bob.address, 3n * WETH);
      const st = await lens.positionState(market, bob.address);
      expect([st.collateral, st.debt, st.ltvWad, st.zone]).to.deep.equal([3n * WETH, 0n, 0n, Zone.None]);
      expect([st.softLiquidationPriceWad, st.hardLiquidationPriceWad]).to.deep.equal([0n, 0n]);
    });

    it("positionState reports the soft zone at $1850 (LTV 15,000 / 18,500 rounded up)", async () => {
      const f = await aliceAtMaxLtv();
      await f.setAnswer(1_850n * 10n ** 8n);
      const st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.ltvWad).to.equal(810_810_810_810_810_811n);
      expect(st.zone).to.equal(Zone.Soft);
    });

    it("positionState reports the hard zone at $1600 (LTV 0.9375)", async () => {
      const f = await aliceAtMaxLtv();
      await f.setAnswer(1_600n * 10n ** 8n);
      const st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.ltvWad).to.equal(937_500_000_000_000_000n);
      expect(st.zone).to.equal(Zone.Hard);
      expect(st.step.status).to.equal(Step.Ready);
    });

    it("positionState with an unusable oracle keeps collateral, debt and prices, with LTV 0, zone None, step OracleUnavailable", async () => {
      const { market, lens, alice } = await aliceAtMaxLtv();
      await time.increase(FEED_HEARTBEAT + 1);
      const st = await lens.positionState(market, alice.address);
      expect([st.collateral, st.debt, st.ltvWad, st.zone]).to.deep.equal([
        10n * WETH,
        15_000n * USDC,
        0n,
        Zone.None,
      ]);
      expect([st.softLiquidationPriceWad, st.hardLiquidationPriceWad]).to.deep.equal([
        1_875n * USDC,
        1_666_666_667n,
      ]);
      expect(st.step.status).to.equal(Step.OracleUnavailable);
    });

    it("positionState gives the next soft-step time after a step: lastStepAt + stepInterval / m (m = 2 when volatile)", async () => {
      const f = await aliceAtMaxLtv();
      const { market, lens, alice, keeper } = f;
      const t0 = await time.latest(); // the borrow took the first variance sample, at $2000
      await freshPriceAt(f, t0 + 300, 1_600n * 10n ** 8n); // hard zone
      await market.connect(keeper).liquidationStep(alice.address, 1_000n * USDC, 0n, "0x");
      const stepAt = BigInt(await time.latest());
      expect(stepAt).to.equal(BigInt(t0 + 300));
      // The step comes 300 s after the first sample, so it samples the 20 % move: within the variance time
      // constant, r² × YEAR / volTau = 0.04 × 365 = 14.6 ≥ 1.5² → m = 2, so spacing = 600 / 2 = 300 s.
      expect((await market.priceState()).varianceWad).to.equal(14_600_000_000_000_000_000n);
      const st = await lens.positionState(market, alice.address);
      expect(st.nextSoftStepAt).to.equal(stepAt + 300n);
      // The partial hard step repaid 1000 USDC for 1000 × 1.05 / 1600 = 0.65625 WETH.
      expect(st.debt).to.equal(14_000n * USDC);
      expect(st.collateral).to.equal(10n * WETH - 656_250_000_000_000_000n);
    });

    it("positionStates returns each account's state in order, with one oracle read", async () => {
      const { market, lens, alice, bob, carol } = await aliceAtMaxLtv();
      await market.connect(bob).supplyCollateral(bob.address, 20n * WETH);
      await market.connect(bob).borrow(10_000n * USDC, bob.address); // LTV 0.25
      const states = await lens.positionStates(market, [alice.address, bob.address, carol.address]);
      expect(states.length).to.equal(3);
      expect([states[0].collateral, states[0].debt, states[0].ltvWad]).to.deep.equal([
        10n * WETH,
        15_000n * USDC,
        MAX_LTV,
      ]);
      expect([states[1].collateral, states[1].debt, states[1].ltvWad, states[1].zone]).to.deep.equal([
        20n * WETH,
        10_000n * USDC,
        250_000_000_000_000_000n,
        Zone.Healthy,
      ]);
      // bob: 10,000 / (20 × 0.8) = 625 and 10,000 / (20 × 0.9) = 555.5… → 555_555_556.
      expect([states[1].softLiquidationPriceWad, states[1].hardLiquidationPriceWad]).to.deep.equal([
        625n * USDC,
        555_555_556n,
      ]);
      expect([states[2].collateral, states[2].debt, states[2].zone, states[2].step.status]).to.deep.equal([
        0n,
        0n,
        Zone.None,
        Step.NoDebt,
      ]);
      expect(await lens.positionStates(market, [])).to.deep.equal([]);
    });

    it("positionStates with an unusable oracle marks every state OracleUnavailable", async () => {
      const { market, lens, alice, bob } = await aliceAtMaxLtv();
      await time.increase(FEED_HEARTBEAT + 1);
      const states = await lens.positionStates(market, [alice.address, bob.address]);
      expect(states.map((s) => s.step.status)).to.deep.equal([
        Step.OracleUnavailable,
        Step.OracleUnavailable,
      ]);
      expect(states[0].debt).to.equal(15_000n * USDC);
    });

    it("accounting gives the initial books: cash = deposits, no debt, no reserves, index 1e18", async () => {
      const { market } = await loadFixture(defaultMarketFixture);
      expect(await market.accounting()).to.deep.equal([10_000_000n * USDC, 0n, 0n, WAD]);
    });

    it("priceState before any price-reading action: spot from the oracle, ema = spot, variance and pace 0", async () => {
      const { market } = await loadFixture(flatRateFixture);
      expect(await market.priceState()).to.deep.equal([true, P2000, P2000, 0n, 0n]);
    });

    it("priceState moves ema by min(Δt / confirmDelay, 1/4) of the gap at once, and variance by r² × YEAR / volTau only 300 s after the last sample", async () => {
      const f = await aliceAtMaxLtv();
      const { market } = f;
      const t0 = await time.latest(); // the borrow stored ema = sampled price = 2000e6, sampled at t0
      await time.setNextBlockTimestamp(t0 + 90);
      await f.setAnswer(1_900n * 10n ** 8n);
      // w = 90 / 900 = 0.1: ema = 2000 - 100 × 0.1 = 1990 USDC. 90 s < 300 s since the sample: variance stays 0.
      expect(await market.priceState()).to.deep.equal([true, 1_900n * USDC, 1_990n * USDC, 0n, 0n]);
      await time.increaseTo(t0 + 299);
      // w = 299 / 900 capped at 1/4: ema = 2000 - 100 / 4 = 1975. 299 s: still no sample.
      expect(await market.priceState()).to.deep.equal([true, 1_900n * USDC, 1_975n * USDC, 0n, 0n]);
      await time.increaseTo(t0 + 300);
      // 300 s since the sample: r = 100 / 2000 = 0.05; r² = 0.0025; × 31_536_000 / max(300, 86_400) = 0.9125.
      expect(await market.priceState()).to.deep.equal([
        true,
        1_900n * USDC,
        1_975n * USDC,
        912_500_000_000_000_000n,
        0n,
      ]);
    });

    it("priceState caps the ema's move at a quarter of the gap after a long idle period", async () => {
      const f = await aliceAtMaxLtv();
      const t0 = await time.latest();
      await time.setNextBlockTimestamp(t0 + 2 * 86_400);
      await f.setAnswer(1_800n * 10n ** 8n);
      // w = min(172_800 / 900, 0.25) = 0.25: ema = 2000 - 200 / 4 = 1950.
      // Variance: w = min(2 days / 1 day, 1) = 1 forgets the past; sample = 0.01 × YEAR / 2 days = 1.825.
      expect(await f.market.priceState()).to.deep.equal([
        true,
        1_800n * USDC,
        1_950n * USDC,
        mulDivDown(wadMulDown(WAD / 10n, WAD / 10n), 31_536_000n, 172_800n),
        0n,
      ]);
    });

    it("priceState with an unusable oracle returns (false, 0) and the stored ema, variance and pace", async () => {
      const f = await aliceAtMaxLtv();
      const t0 = await time.latest();
      await freshPriceAt(f, t0 + 300, 1_900n * 10n ** 8n);
      await f.market.updatePriceState(); // stores ema 1975, variance 0.9125 (as above, Δt = 300 s)
      await f.setAnswer(0n);
      expect(await f.market.priceState()).to.deep.equal([
        false,
        0n,
        1_975n * USDC,
        912_500_000_000_000_000n,
        0n,
      ]);
    });
  });
});
