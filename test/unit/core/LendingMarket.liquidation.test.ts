import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import {
  MockV3Aggregator__factory,
  type FlashKeeper,
  type KinkedRateModel,
  type PokingKeeper,
  type ReentrantKeeper,
  type StepBatcher,
} from "../../../typechain-types";
import type { StepPreviewStructOutput } from "../../../typechain-types/contracts/core/LendingMarket";
import {
  deployMarket,
  FEED_HEARTBEAT,
  GRACE_PERIOD,
  type MarketFixtureOptions,
} from "../../helpers/fixtures";
import {
  WAD,
  min,
  mulDivDown,
  mulDivUp,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
} from "../../helpers/math";

// ------------------------------------------------------------------ units and enums

const MAX = ethers.MaxUint256;
const YEAR = 31_536_000n;
/** WETH amount (18 decimals). */
const eth = (amount: string): bigint => ethers.parseEther(amount);
/** USDC amount (6 decimals). */
const usd = (amount: string): bigint => ethers.parseUnits(amount, 6);
/** Feed answer (8 decimals) for a WETH price in dollars. */
const answer = (dollars: number): bigint => BigInt(Math.round(dollars * 100)) * 10n ** 6n;
/** Oracle price for WETH(18)/USDC(6): debt base units per collateral base unit x 1e18 = dollars x 1e6. */
const px = (dollars: number): bigint => BigInt(Math.round(dollars * 100)) * 10n ** 4n;

const Zone = { None: 0n, Healthy: 1n, Soft: 2n, Hard: 3n } as const;
const StepStatus = {
  Ready: 0n,
  NoDebt: 1n,
  Healthy: 2n,
  OracleUnavailable: 3n,
  SequencerNotReady: 4n,
  TooSoon: 5n,
  Unconfirmed: 6n,
  PaceCapReached: 7n,
  LeavesDust: 8n,
  RepayTooSmall: 9n,
} as const;

// ------------------------------------------------------------------ the documented formulas, by hand

/** PriceSmoothing.nextEma: E + (P - E) w with w = min(dt / confirmDelay, 1/4), the move rounded toward E. */
function nextEma(ema: bigint, spot: bigint, elapsed: bigint, confirmDelay: bigint): bigint {
  if (confirmDelay === 0n || ema === 0n) return spot;
  const w = min((elapsed * WAD) / confirmDelay, WAD / 4n);
  return spot >= ema ? ema + wadMulDown(spot - ema, w) : ema - wadMulDown(ema - spot, w);
}

/** PriceSmoothing.nextVariance: v (1 - w) + r^2 YEAR / max(dt, tau), w = min(dt / tau, 1), |r| <= 50 %, v <= 16. */
function nextVariance(v: bigint, last: bigint, spot: bigint, elapsed: bigint, tau = 86_400n): bigint {
  if (elapsed === 0n) return v;
  const r = min(wadDivDown(spot > last ? spot - last : last - spot, last), WAD / 2n);
  const w = min((elapsed * WAD) / tau, WAD);
  const sample = (wadMulDown(r, r) * YEAR) / (elapsed > tau ? elapsed : tau);
  return min(v - wadMulDown(v, w) + sample, 16n * WAD);
}

/** m = 1 + clamp((v - volLow^2) / (volHigh^2 - volLow^2), 0, 1), defaults volLow 50 %, volHigh 150 %. */
function volMultiplier(v: bigint): bigint {
  const low = 25n * 10n ** 16n; // 0.5^2
  const high = 225n * 10n ** 16n; // 1.5^2
  if (v <= low) return WAD;
  if (v >= high) return 2n * WAD;
  return WAD + mulDivDown(v - low, WAD, high - low);
}

/** PriceSmoothing.VARIANCE_SAMPLE_SECONDS: the market samples the variance at most once per 300 s. */
const SAMPLE = 300n;

/** Spacing stepInterval / m, rounded down (default 600 s). */
const spacing = (v: bigint): bigint => mulDivDown(600n, WAD, volMultiplier(v));

// ------------------------------------------------------------------ fixtures

/** Wick filter off, volatility scaling off (volLow^2 = 36 is above the variance cap of 16, so m = 1 always). */
const CALM = { confirmDelaySeconds: 0, volLowBps: 60_000, volHighBps: 65_000 };

/**
 * A market from the shared fixture whose rate model is replaced by a flat `ratePerSecondWad` (zero by default:
 * debts do not move with time, so every figure below can be worked out by hand), plus a funded StepBatcher.
 */
async function marketWith(options: MarketFixtureOptions, ratePerSecondWad = 0n) {
  const f = await deployMarket(options);
  const flatRate = (await ethers.deployContract("KinkedRateModel", [
    ratePerSecondWad * YEAR, // base per year; per second exactly ratePerSecondWad
    0n,
    0n,
    WAD,
  ])) as unknown as KinkedRateModel;
  await f.market.connect(f.admin).setRateModel(flatRate);
  const batcher = (await ethers.deployContract("StepBatcher", [f.market, f.usdc])) as unknown as StepBatcher;
  await f.usdc.mint(batcher, usd("1000000"));
  return { ...f, batcher };
}

type Market = Awaited<ReturnType<typeof marketWith>>;

async function open(f: Market, who: HardhatEthersSigner, collateral: bigint, debt: bigint) {
  await f.market.connect(who).supplyCollateral(who.address, collateral);
  await f.market.connect(who).borrow(debt, who.address);
}

const latest = async (): Promise<bigint> => BigInt(await time.latest());
/** The next transaction is mined at `t` exactly. */
const at = (t: bigint) => time.setNextBlockTimestamp(t);

/**
 * CALM market. alice: 12.5 WETH / 17,000 USDC (LTV 0.68 at $2000, 0.85 at $1600, 0.9067 at $1500).
 * bob: 0.078125 WETH / 100 USDC = minDebt (LTV 0.8 at $1600). carol: 0.0859375 WETH / 110 USDC (LTV 0.8 at $1600).
 */
async function calmFixture() {
  const f = await marketWith({ params: CALM });
  await open(f, f.alice, eth("12.5"), usd("17000"));
  await open(f, f.bob, eth("0.078125"), usd("100"));
  await open(f, f.carol, eth("0.0859375"), usd("110"));
  return { ...f, T: await latest() };
}

/** CALM with a 6,000 USDC pace bucket per hour; alice, bob and carol each 12.5 WETH / 17,000 USDC. */
async function paceFixture() {
  const f = await marketWith({ params: { ...CALM, maxSoftSeizePerWindow: usd("6000") } });
  for (const s of [f.alice, f.bob, f.carol]) await open(f, s, eth("12.5"), usd("17000"));
  return { ...f, T: await latest() };
}

/** CALM with a close factor up to 100 % and a 0.75 target: the target binds. alice 12.5 / 17,000. */
async function targetFixture() {
  const f = await marketWith({ params: { ...CALM, closeFactorMaxBps: 10_000, targetLtvBps: 7_500 } });
  await open(f, f.alice, eth("12.5"), usd("17000"));
  return { ...f, T: await latest() };
}

/**
 * Default parameters (wick filter and volatility scaling on). alice shallow 12.5 / 16,200, bob deep 12.5 / 17,800.
 * S: alice's borrow, the first price read, took the first variance sample; T: bob's borrow (last price update).
 */
async function filterFixture() {
  const f = await marketWith({});
  await open(f, f.alice, eth("12.5"), usd("16200")); // LTV 0.81 at $1600: q = 0.1
  const S = await latest();
  await open(f, f.bob, eth("12.5"), usd("17800")); // LTV 0.89 at $1600: q = 0.9
  return { ...f, S, T: await latest() };
}

/** Default volatility scaling, wick filter off. alice 12.5 / 16,150 (LTV 0.85 at $1520). */
async function volFixture() {
  const f = await marketWith({ params: { confirmDelaySeconds: 0 } });
  await open(f, f.alice, eth("12.5"), usd("16150"));
  return { ...f, T: await latest() };
}

/** CALM with an L2 sequencer feed (up for a day, one-hour grace). alice 12.5 / 17,000. */
async function sequencerFixture() {
  const f = await marketWith({ params: CALM, sequencer: true });
  await open(f, f.alice, eth("12.5"), usd("17000"));
  const sequencerFeed = MockV3Aggregator__factory.connect(await f.oracle.sequencerFeed(), f.deployer);
  return { ...f, sequencerFeed, T: await latest() };
}

/**
 * Default parameters with a sequencer and a pace bucket of exactly one step of alice's (8,750.836 USDC of
 * collateral value). alice 12.5 / 17,800 (LTV 0.89 at $1600).
 */
async function guardedFixture() {
  const f = await marketWith({ sequencer: true, params: { maxSoftSeizePerWindow: 8_750_836_000n } });
  await open(f, f.alice, eth("12.5"), usd("17800"));
  const sequencerFeed = MockV3Aggregator__factory.connect(await f.oracle.sequencerFeed(), f.deployer);
  return { ...f, sequencerFeed, T: await latest() };
}

/** CALM, interest at exactly 1e11 per second (index 1.001 after 10,000 s), alice 12.5 / 17,000: reserves for tips. */
async function tipFixture() {
  const f = await marketWith({ params: CALM }, 10n ** 11n);
  await open(f, f.alice, eth("12.5"), usd("17000"));
  return { ...f, T: await latest() };
}

/** As tipFixture with a 5,000 USDC pace bucket. */
async function tipPaceFixture() {
  const f = await marketWith({ params: { ...CALM, maxSoftSeizePerWindow: usd("5000") } }, 10n ** 11n);
  await open(f, f.alice, eth("12.5"), usd("17000"));
  return { ...f, T: await latest() };
}

/** As tipFixture with a 0.01 % close factor, so a full-size step repays less than the tip. alice 6.25 / 8,500. */
async function tinyStepFixture() {
  const f = await marketWith({ params: { ...CALM, closeFactorMinBps: 1, closeFactorMaxBps: 1 } }, 10n ** 11n);
  await open(f, f.alice, eth("6.25"), usd("8500"));
  return { ...f, T: await latest() };
}

/**
 * calmFixture plus keepers with callbacks: a FlashKeeper that sells to `other` at $1600, one that sells at $1500
 * (not enough to repay), and a ReentrantKeeper.
 */
async function keepersFixture() {
  const f = await calmFixture();
  const deployFlash = async (buyPriceWad: bigint) =>
    (await ethers.deployContract("FlashKeeper", [
      f.market,
      f.weth,
      f.usdc,
      f.other.address,
      buyPriceWad,
    ])) as unknown as FlashKeeper;
  const flash = await deployFlash(px(1600));
  const cheapFlash = await deployFlash(px(1500));
  await f.usdc.connect(f.other).approve(flash, MAX);
  await f.usdc.connect(f.other).approve(cheapFlash, MAX);
  const reentrant = (await ethers.deployContract("ReentrantKeeper", [
    f.market,
    f.usdc,
  ])) as unknown as ReentrantKeeper;
  const poker = (await ethers.deployContract("PokingKeeper", [f.market, f.usdc])) as unknown as PokingKeeper;
  return { ...f, flash, cheapFlash, reentrant, poker, T: await latest() };
}

/** CALM with minDebt = 1 unit and a 0.01 % close factor; alice: 0.00000390625 WETH / 0.005 USDC (LTV 0.8 at $1600). */
async function tinyDebtFixture() {
  const f = await marketWith({
    params: { ...CALM, closeFactorMinBps: 1, closeFactorMaxBps: 1, minDebt: 1n, keeperTip: 0n },
  });
  await open(f, f.alice, 3_906_250_000_000n, 5_000n);
  return { ...f, T: await latest() };
}

/** A market nobody has borrowed from: its price state was never read. */
async function freshFixture() {
  return marketWith({});
}

// ------------------------------------------------------------------ assertion helpers

interface StepFields {
  status: bigint;
  zone: bigint;
  repaid: bigint;
  seized: bigint;
  incentiveWad: bigint;
  tip: bigint;
  badDebt: bigint;
  ltvBeforeWad: bigint;
  ltvAfterWad: bigint;
}

const FIELDS: (keyof StepFields)[] = [
  "status",
  "zone",
  "repaid",
  "seized",
  "incentiveWad",
  "tip",
  "badDebt",
  "ltvBeforeWad",
  "ltvAfterWad",
];

/** Compares all nine fields of a StepPreview; the ones not given must be zero. */
function expectStep(actual: StepPreviewStructOutput, expected: Partial<StepFields>) {
  for (const k of FIELDS) {
    expect(actual[k], k).to.equal(expected[k] ?? 0n);
  }
}

/** The market events of a transaction, parsed. */
async function marketEvents(f: Market, tx: ContractTransactionResponse) {
  const receipt = await tx.wait();
  const address = await f.market.getAddress();
  return receipt!.logs
    .filter((l) => l.address === address)
    .map((l) => f.market.interface.parseLog(l)!)
    .filter((e) => e !== null);
}

/**
 * Runs `previewLiquidationStep` and `liquidationStep` in one transaction (StepBatcher) and checks that the preview,
 * the step's return values, its events and the token movements all agree with each other and with `expected`.
 */
async function expectPreviewEqualsStep(
  f: Market,
  account: string,
  maxRepay: bigint,
  expected: Omit<StepFields, "status">,
) {
  const { market, batcher, usdc, weth } = f;
  const usdcBefore = await usdc.balanceOf(batcher);
  const wethBefore = await weth.balanceOf(batcher);
  const marketUsdcBefore = await usdc.balanceOf(market);
  const tx = await batcher.run([{ account, maxRepay, minSeized: 0n }]);
  const events = await marketEvents(f, tx);
  const [preview] = await batcher.previews();
  const [outcome] = await batcher.outcomes();

  // The preview against the hand-computed step.
  expectStep(preview, { status: StepStatus.Ready, ...expected });
  // The step's return values.
  expect(outcome.ok).to.equal(true);
  expect(outcome.repaid).to.equal(preview.repaid);
  expect(outcome.seized).to.equal(preview.seized);
  // The step's events, field by field.
  const stepped = events.filter((e) => e.name === "LiquidationStepped");
  expect(stepped).to.have.length(1);
  const a = stepped[0].args;
  expect(a.account).to.equal(account);
  expect(a.keeper).to.equal(await batcher.getAddress());
  expect(a.zone).to.equal(preview.zone);
  expect(a.repaid).to.equal(preview.repaid);
  expect(a.seized).to.equal(preview.seized);
  expect(a.incentiveWad).to.equal(preview.incentiveWad);
  expect(a.tip).to.equal(preview.tip);
  expect(a.ltvBeforeWad).to.equal(preview.ltvBeforeWad);
  expect(a.ltvAfterWad).to.equal(preview.ltvAfterWad);
  const bad = events.filter((e) => e.name === "BadDebtRealized");
  if (preview.badDebt === 0n) {
    expect(bad).to.have.length(0);
  } else {
    expect(bad).to.have.length(1);
    expect(bad[0].args.account).to.equal(account);
    expect(bad[0].args.amount).to.equal(preview.badDebt);
  }
  // The token movements: the keeper paid repaid - tip and received seized.
  expect(await usdc.balanceOf(batcher)).to.equal(usdcBefore - (preview.repaid - preview.tip));
  expect(await weth.balanceOf(batcher)).to.equal(wethBefore + preview.seized);
  expect(await usdc.balanceOf(market)).to.equal(marketUsdcBefore + (preview.repaid - preview.tip));
}

// ================================================================== tests

describe("LendingMarket: liquidation", () => {
  // ---------------------------------------------------------------- refusals
  describe("liquidationStep refusals", () => {
    it("reverts MarketZeroAmount when maxRepay is zero, even for a liquidatable position", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600)); // alice in the soft zone
      await expect(
        f.market.connect(f.keeper).liquidationStep(f.alice.address, 0n, 0n, "0x"),
      ).to.be.revertedWithCustomError(f.market, "MarketZeroAmount");
    });

    it("reverts MarketStepNotAllowed(NoDebt, 0) for an account that never borrowed", async () => {
      const f = await loadFixture(calmFixture);
      await expect(f.market.connect(f.keeper).liquidationStep(f.other.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.NoDebt, 0n);
      expectStep(await f.market.previewLiquidationStep(f.other.address, MAX), { status: StepStatus.NoDebt });
    });

    it("reverts MarketStepNotAllowed(NoDebt, 0) once a position has been closed", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      await at(f.T + 11n);
      await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"); // hard: closed
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.NoDebt, 0n);
    });

    it("reverts MarketStepNotAllowed(Healthy, 0) below softLtv", async () => {
      const f = await loadFixture(calmFixture);
      // $2000: LTV = 17,000 / 25,000 = 0.68 < 0.80
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Healthy, 0n);
      expectStep(await f.market.previewLiquidationStep(f.alice.address, MAX), {
        status: StepStatus.Healthy,
        zone: Zone.Healthy,
        ltvBeforeWad: eth("0.68"),
      });
    });

    it("reverts with the oracle's OracleStale when the feed is stale, while the preview reports OracleUnavailable", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500)); // hard zone: no status check would stop a step on a live price
      // Still fresh at exactly the heartbeat...
      await time.increaseTo(f.T + 10n + BigInt(FEED_HEARTBEAT));
      expectStep(await f.market.previewLiquidationStep(f.alice.address, MAX), {
        status: StepStatus.Ready,
        zone: Zone.Hard,
        repaid: usd("17000"),
        seized: eth("11.9"),
        incentiveWad: eth("0.05"),
        ltvBeforeWad: 906_666_666_666_666_667n, // ceil(17,000 / 18,750)
      });
      // ...stale one second later.
      await at(f.T + 11n + BigInt(FEED_HEARTBEAT));
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.oracle, "OracleStale")
        .withArgs(await f.feed.getAddress(), f.T + 10n, FEED_HEARTBEAT);
      expectStep(await f.market.previewLiquidationStep(f.alice.address, MAX), {
        status: StepStatus.OracleUnavailable,
      });
      await expect(f.market.updatePriceState()).to.be.revertedWithCustomError(f.oracle, "OracleStale");
    });

    it("reverts MarketStepNotAllowed(SequencerNotReady, 0) for a soft step while the sequencer is down", async () => {
      const f = await loadFixture(sequencerFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await f.sequencerFeed.updateRoundData(2, 1, f.T + 11n, f.T + 11n); // down
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.SequencerNotReady, 0n);
      expectStep(await f.market.previewLiquidationStep(f.alice.address, MAX), {
        status: StepStatus.SequencerNotReady,
        zone: Zone.Soft,
        ltvBeforeWad: eth("0.85"),
      });
    });

    it("reverts SequencerNotReady for a soft step through the whole grace period and allows it right after", async () => {
      const f = await loadFixture(sequencerFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      const upSince = f.T + 11n;
      await at(upSince);
      await f.sequencerFeed.updateRoundData(3, 0, upSince, upSince); // back up: grace starts
      await at(upSince + 1n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.SequencerNotReady, 0n);
      await at(upSince + 3_000n);
      await f.setAnswer(answer(1600)); // keep the price fresh
      await at(upSince + BigInt(GRACE_PERIOD)); // grace is inclusive
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.SequencerNotReady, 0n);
      await at(upSince + BigInt(GRACE_PERIOD) + 1n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          usd("5100"),
          eth("3.283125"),
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("11900"), usd("14747")),
        );
    });

    it("reverts MarketStepNotAllowed(TooSoon, lastStepAt + 600) one second before the spacing ends and steps at it", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      const first = f.T + 11n;
      await at(first);
      await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      // LTV after: 11,900 / 14,747 = 0.8069: still soft.
      await at(first + 599n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.TooSoon, first + 600n);
      expectStep(await f.market.previewLiquidationStep(f.alice.address, MAX), {
        status: StepStatus.TooSoon,
        zone: Zone.Soft,
        ltvBeforeWad: wadDivUp(usd("11900"), usd("14747")),
      });

      // Second step at first + 600 on D = 11,900, C = 9.216875, V = 14,747:
      const ltv = wadDivUp(usd("11900"), usd("14747"));
      const q = mulDivDown(ltv - eth("0.8"), WAD, eth("0.1"));
      const inc = eth("0.01") + wadMulDown(eth("0.04"), q);
      const cf = eth("0.1") + wadMulDown(eth("0.4"), q);
      const repaid = wadMulDown(usd("11900"), cf); // < target repay (~4,734 USDC)
      const seized = mulDivDown(repaid, WAD + inc, px(1600));
      const ltvAfter = wadDivUp(usd("11900") - repaid, wadMulDown(eth("9.216875") - seized, px(1600)));
      await at(first + 600n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(f.alice.address, f.keeper.address, Zone.Soft, repaid, seized, inc, 0n, ltv, ltvAfter);
    });

    it("reverts MarketStepNotAllowed(Unconfirmed, 0) when the smoothed price does not confirm the dip", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      // E = 2000 - 400 x 11/900 = 1995.11: LTV at E 0.650 < 0.8
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Unconfirmed, 0n);
    });

    it("reverts MarketStepNotAllowed(LeavesDust, 0) when a keeper cap would leave less than minDebt", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600)); // bob: D = minDebt = 100, V = 125, LTV 0.8
      // Full repay 100 (10 % would leave 90): any cap from half of it up to 99.999999 leaves dust.
      for (const maxRepay of [usd("50"), usd("99.999999")]) {
        await expect(f.market.connect(f.keeper).liquidationStep(f.bob.address, maxRepay, 0n, "0x"))
          .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
          .withArgs(StepStatus.LeavesDust, 0n);
      }
      expectStep(await f.market.previewLiquidationStep(f.bob.address, usd("50")), {
        status: StepStatus.LeavesDust,
        zone: Zone.Soft,
        incentiveWad: eth("0.01"),
        ltvBeforeWad: eth("0.8"),
      });
    });
  });

  // ---------------------------------------------------------------- minimum soft repay
  describe("minimum soft repay", () => {
    it("reverts MarketStepNotAllowed(RepayTooSmall, 0) for a soft step asking less than half of the allowed repay", async () => {
      // allowed = min(rFull, pace cap); maxRepay must be at least allowed - floor(allowed / 2)
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600)); // full repay 5,100: at least 2,550
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("2550") - 1n, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.RepayTooSmall, 0n);
      expect((await f.market.previewLiquidationStep(f.alice.address, usd("2550") - 1n)).status).to.equal(
        StepStatus.RepayTooSmall,
      );
      await at(f.T + 12n);
      await expect(
        f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("2550"), 0n, "0x"),
      ).to.emit(f.market, "LiquidationStepped");
    });

    it("measures the minimum against the pace cap when the bucket binds", async () => {
      const f = await loadFixture(tipPaceFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1600));
      // allowed = 5,000 / 1.03034 = 4,852.767047 (pace); minimum 4,852.767047 - 2,426.383523 = 2,426.383524
      // Both calls in one transaction, so both see the same accrued debt (17,017).
      const repaid = 2_426_383_524n;
      const seized = mulDivDown(repaid, eth("1.03034"), px(1600));
      await at(f.T + 10_000n);
      const tx = await f.batcher.run([
        { account: f.alice.address, maxRepay: repaid - 1n, minSeized: 0n },
        { account: f.alice.address, maxRepay: repaid, minSeized: 0n },
      ]);
      const outcomes = await f.batcher.outcomes();
      expect(outcomes[0].revertData).to.equal(
        f.market.interface.encodeErrorResult("MarketStepNotAllowed", [StepStatus.RepayTooSmall, 0n]),
      );
      expect(outcomes[1].ok).to.equal(true);
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          await f.batcher.getAddress(),
          Zone.Soft,
          repaid,
          seized,
          eth("0.03034"),
          0n,
          eth("0.85085"),
          wadDivUp(usd("17017") - repaid, wadMulDown(eth("12.5") - seized, px(1600))),
        );
    });

    it("takes any keeper cap in the hard zone", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      await at(f.T + 11n);
      // 1 x 1.05 / 1500 = 0.0007 WETH; after: D 16,999, V (12.5 - 0.0007) x 1500 = 18,748.95
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("1"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("1"),
          eth("0.0007"),
          eth("0.05"),
          0n,
          906_666_666_666_666_667n,
          wadDivUp(usd("16999"), usd("18748.95")),
        );
    });
  });

  // ---------------------------------------------------------------- soft step
  describe("soft step", () => {
    it("repays the close-factor share, pays the incentive in collateral and moves every balance exactly", async () => {
      const f = await loadFixture(calmFixture);
      const { market, keeper, alice, usdc, weth } = f;
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      // D = 17,000, V = 12.5 x 1600 = 20,000, L = 0.85, q = (0.85 - 0.80) / 0.10 = 0.5
      // inc = 1 % + 0.5 x 4 % = 3 %; cf = 10 % + 0.5 x 40 % = 30 % -> 5,100 USDC
      // target repay (17,000 - 0.72 x 20,000) / (1 - 0.72 x 1.03) = 10,061.92 > 5,100: the close factor binds
      // seized = 5,100 x 1.03 / 1600 = 3.283125 WETH; after: D 11,900, C 9.216875, V 14,747
      const repaid = usd("5100");
      const seized = eth("3.283125");
      await at(f.T + 11n);
      const tx = await market.connect(keeper).liquidationStep(alice.address, MAX, 0n, "0x");
      await expect(tx)
        .to.emit(market, "LiquidationStepped")
        .withArgs(
          alice.address,
          keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("11900"), usd("14747")), // 0.806943...
        );
      await expect(tx).not.to.emit(market, "BadDebtRealized");
      await expect(tx).to.changeTokenBalances(usdc, [keeper, market], [-repaid, repaid]);
      await expect(tx).to.changeTokenBalances(weth, [keeper, market], [seized, -seized]);
      expect(await market.collateralOf(alice.address)).to.equal(eth("9.216875"));
      expect(await market.debtOf(alice.address)).to.equal(usd("11900"));
      const [cash, debt, reserves] = await market.accounting();
      expect(cash).to.equal(usd("10000000") - usd("17210") + repaid);
      expect(debt).to.equal(usd("17210") - repaid);
      expect(reserves).to.equal(0n);
      // The pace bucket holds the seized value, 3.283125 x 1600 = 5,253 USDC.
      expect((await market.priceState()).paceUsed).to.equal(usd("5253"));
    });

    it("limits the repay to the target when the target is below the close factor, landing exactly on targetLtv", async () => {
      const f = await loadFixture(targetFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      // q = 0.5, inc = 3 %, cf = 10 % + 0.5 x 90 % = 55 % -> 9,350 USDC
      // target: (17,000 - 0.75 x 20,000) / (1 - 0.75 x 1.03) = 2,000 / 0.2275 = 8,791.208791.. -> up: 8,791.208792
      const repaid = 8_791_208_792n;
      const seized = mulDivDown(repaid, eth("1.03"), px(1600)); // 5.65934065985 WETH
      expect(seized).to.equal(5_659_340_659_850_000_000n);
      const ltvAfter = wadDivUp(usd("17000") - repaid, wadMulDown(eth("12.5") - seized, px(1600)));
      expect(ltvAfter).to.equal(eth("0.75")); // 8,208.791208 / 10,945.054944 = 0.75 exactly
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("0.03"),
          0n,
          eth("0.85"),
          ltvAfter,
        );
    });

    it("caps the repay at a keeper's maxRepay", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      // 3,000 x 1.03 / 1600 = 1.93125 WETH; after: D 14,000, C 10.56875, V 16,910; no tip
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("3000"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          usd("3000"),
          eth("1.93125"),
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("14000"), usd("16910")),
        );
    });

    it("reverts MarketStepSlippage(seized, minSeized) when the collateral out is below minSeized, and steps at exactly minSeized", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expect(
        f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, eth("3.283125") + 1n, "0x"),
      )
        .to.be.revertedWithCustomError(f.market, "MarketStepSlippage")
        .withArgs(eth("3.283125"), eth("3.283125") + 1n);
      await at(f.T + 12n);
      await expect(
        f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, eth("3.283125"), "0x"),
      ).to.emit(f.market, "LiquidationStepped");
    });
  });

  // ---------------------------------------------------------------- volatility
  describe("volatility scaling", () => {
    /**
     * alice's borrow at T took the first sample ($2000). T+300, the first time a sample is allowed: a 20 % fall
     * is sampled (v = 0.2^2 x YEAR / volTau = 14.6); a day later at an unchanged price (w = 1) the estimate is
     * back to 0; 300 s after that, a 5 % fall (1600 -> 1520) gives v = 0.05^2 x 365 = 0.9125 and
     * m = 1 + (0.9125 - 0.25) / (2.25 - 0.25) = 1.33125. Returns the time U of the step at $1520.
     */
    async function stepAfterFivePercentMove(f: Awaited<ReturnType<typeof volFixture>>) {
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      // 11 s after the sample at T: the smoothed price moves (no smoothing here), the variance does not.
      await expect(f.market.updatePriceState())
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(1600), px(1600), 0n);
      await at(f.T + SAMPLE);
      await expect(f.market.updatePriceState())
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(1600), px(1600), eth("14.6"));
      expect(nextVariance(0n, px(2000), px(1600), SAMPLE)).to.equal(eth("14.6"));
      await at(f.T + SAMPLE + 86_399n);
      await f.setAnswer(answer(1600));
      await at(f.T + SAMPLE + 86_400n);
      await expect(f.market.updatePriceState())
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(1600), px(1600), 0n);
      const U = f.T + SAMPLE + 86_400n + SAMPLE;
      await at(U - 1n);
      await f.setAnswer(answer(1520));
      return U;
    }

    it("raises the close factor after a price move: m = 1.33125 gives cf = 0.3165625 instead of 0.30", async () => {
      const f = await loadFixture(volFixture);
      const U = await stepAfterFivePercentMove(f);
      const v = eth("0.9125");
      expect(nextVariance(0n, px(1600), px(1520), SAMPLE)).to.equal(v);
      expect(volMultiplier(v)).to.equal(eth("1.33125"));
      // L = 16,150 / (12.5 x 1520 = 19,000) = 0.85, q = 0.5, inc = 3 %
      // cfLow = 10 % x 1.33125 = 13.3125 %; cf = 13.3125 % + 0.5 x (50 % - 13.3125 %) = 31.65625 %
      // repaid = 16,150 x 0.3165625 = 5,112.484375 (4,845 at m = 1); target 9,558.8 does not bind
      const repaid = 5_112_484_375n;
      const seized = 3_464_380_859_375_000_000n; // 5,112.484375 x 1.03 / 1520
      expect(mulDivDown(repaid, eth("1.03"), px(1520))).to.equal(seized);
      await at(U);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx).to.emit(f.market, "PriceStateUpdated").withArgs(px(1520), px(1520), v);
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("16150") - repaid, wadMulDown(eth("12.5") - seized, px(1520))),
        );
    });

    it("shortens the spacing to 600 / m, with m from the variance decayed to the time of the next attempt", async () => {
      const f = await loadFixture(volFixture);
      const U = await stepAfterFivePercentMove(f);
      await at(U);
      await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      // Right after the step: v = 0.9125, spacing = 600 / 1.33125 = 450.7 -> 450.
      expect(spacing(eth("0.9125"))).to.equal(450n);
      expect((await f.lens.positionState(f.market, f.alice.address)).nextSoftStepAt).to.equal(U + 450n);
      // 450 s later (>= 300 s after the sample the step took) the attempt samples a zero return, so the estimate
      // has decayed: v = 0.9125 x (1 - 450 / 86,400), m = 1.3288737, spacing 451.
      const v450 = nextVariance(eth("0.9125"), px(1520), px(1520), 450n);
      expect(v450).to.equal(907_747_395_833_333_334n);
      expect(spacing(v450)).to.equal(451n);
      await at(U + 450n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.TooSoon, U + 451n);
      const v451 = nextVariance(eth("0.9125"), px(1520), px(1520), 451n);
      expect(spacing(v451)).to.equal(451n);
      await at(U + 451n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(1520), px(1520), v451);
    });
  });

  describe("volatility estimate and update frequency", () => {
    /**
     * The same $2000 -> $1800 path in four oracle updates a minute apart (T+60 ... T+240), then one update at
     * T+300, 300 s after alice's borrow took the first sample; `pokes` = minutes after whose oracle update
     * someone calls updatePriceState (one second later). Each poke is less than 300 s after that sample, so it
     * moves the smoothed price (spot: no smoothing here) and leaves the variance at 0. Returns the variance
     * stored at T+300.
     */
    async function varianceAfterPath(pokes: bigint[]) {
      const f = await loadFixture(volFixture);
      for (const k of [1n, 2n, 3n, 4n]) {
        const price = px(2000 - 50 * Number(k));
        await at(f.T + 60n * k);
        await f.setAnswer(answer(2000 - 50 * Number(k)));
        if (pokes.includes(k)) {
          await at(f.T + 60n * k + 1n);
          await expect(f.market.updatePriceState())
            .to.emit(f.market, "PriceStateUpdated")
            .withArgs(price, price, 0n);
        }
      }
      await at(f.T + SAMPLE);
      await f.market.updatePriceState();
      return (await f.market.priceState()).varianceWad;
    }

    it("samples a move seen in one update as r^2 x YEAR / volTau", async () => {
      expect(await varianceAfterPath([])).to.equal(eth("3.65")); // 0.1^2 x 365: m = 2
    });

    it("samples at most once per 300 s: poking after every oracle update in between leaves the variance as one update does", async () => {
      // Pokes at T+61, T+121, T+181 and T+241 all fall within 300 s of the sample at T: none samples. The
      // update at T+300 samples the whole move $2000 -> $1800 over 300 s: 0.1^2 x 365 = 3.65, as with no pokes.
      const once = await varianceAfterPath([]);
      const everyUpdate = await varianceAfterPath([1n, 2n, 3n, 4n]);
      expect(everyUpdate).to.equal(eth("3.65"));
      expect(everyUpdate).to.equal(once);
    });

    it("samples a steady fall every 300 s as the EWMA of r^2 x YEAR / volTau, whether or not anyone pokes in between", async () => {
      /**
       * $10 down every minute from $2000 (feed at T+60k - 1) for 20 minutes; updates at the 300 s marks only,
       * or after every oracle update. Either way the samples are taken at T+300j (j = 1..4) at $2000 - 50j.
       */
      async function walk(everyMinute: boolean) {
        const f = await loadFixture(volFixture);
        const stored: bigint[] = [];
        for (let k = 1n; k <= 20n; k++) {
          await at(f.T + 60n * k - 1n);
          await f.setAnswer(answer(2000 - 10 * Number(k)));
          if (everyMinute || k % 5n === 0n) {
            await at(f.T + 60n * k);
            await f.market.updatePriceState();
            if (k % 5n === 0n) stored.push((await f.market.priceState()).varianceWad);
          }
        }
        return stored;
      }
      // Each 300 s sample: v' = v (1 - 300 / 86,400) + r^2 x 365, with r = 50 / 2000, 50 / 1950, 50 / 1900,
      // 50 / 1850 (each rounded down), i.e. about 0.2281 + 0.2400 + 0.2528 + 0.2665 less the decay.
      let v = 0n;
      const expected: bigint[] = [];
      for (const j of [1, 2, 3, 4]) {
        v = nextVariance(v, px(2000 - 50 * (j - 1)), px(2000 - 50 * j), SAMPLE);
        expected.push(v);
      }
      expect(expected[0]).to.equal(eth("0.228125")); // 0.025^2 x 365
      expect(expected[3]).to.equal(982_577_428_614_584_633n);
      expect(await walk(false)).to.deep.equal(expected);
      expect(await walk(true)).to.deep.equal(expected);
      // m = 1 + (0.98258 - 0.25) / 2 = 1.36629: spacing 600 / m = 439 s.
      expect(spacing(expected[3])).to.equal(439n);
    });
  });

  // ---------------------------------------------------------------- pace
  describe("pace bucket", () => {
    it("caps the second position's step at the room left and refuses a third in the same block with PaceCapReached", async () => {
      const f = await loadFixture(paceFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      const tx = await f.batcher.run([
        { account: f.alice.address, maxRepay: MAX, minSeized: 0n },
        { account: f.bob.address, maxRepay: MAX, minSeized: 0n },
        { account: f.carol.address, maxRepay: MAX, minSeized: 0n },
      ]);
      // alice: full step, 5,100 repaid, 3.283125 WETH worth 5,253 USDC: room 6,000 - 5,253 = 747.
      // bob: r = 747 / 1.03 = 725.242718 (rounded down), no tip (pace-capped).
      const bobRepaid = 725_242_718n;
      const bobSeized = mulDivDown(bobRepaid, eth("1.03"), px(1600));
      expect(bobSeized).to.equal(466_874_999_712_500_000n);
      // bucket: 5,253 + ceil(0.4668749997125 x 1600 = 746.99999954) = 6,000: full.
      const bobValue = wadMulUp(bobSeized, px(1600));
      expect(usd("5253") + bobValue).to.equal(usd("6000"));
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          await f.batcher.getAddress(),
          Zone.Soft,
          usd("5100"),
          eth("3.283125"),
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("11900"), usd("14747")),
        );
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.bob.address,
          await f.batcher.getAddress(),
          Zone.Soft,
          bobRepaid,
          bobSeized,
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("17000") - bobRepaid, wadMulDown(eth("12.5") - bobSeized, px(1600))),
        );
      const outcomes = await f.batcher.outcomes();
      expect(outcomes.map((o) => o.ok)).to.deep.equal([true, true, false]);
      expect(outcomes[2].revertData).to.equal(
        f.market.interface.encodeErrorResult("MarketStepNotAllowed", [StepStatus.PaceCapReached, 0n]),
      );
      expectStep((await f.batcher.previews())[2], {
        status: StepStatus.PaceCapReached,
        zone: Zone.Soft,
        incentiveWad: eth("0.03"),
        ltvBeforeWad: eth("0.85"),
      });
      expect((await f.market.priceState()).paceUsed).to.equal(usd("6000"));
    });

    it("drains the bucket linearly: half the window later, half the cap is room again", async () => {
      const f = await loadFixture(paceFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await f.batcher.run([
        { account: f.alice.address, maxRepay: MAX, minSeized: 0n },
        { account: f.bob.address, maxRepay: MAX, minSeized: 0n },
      ]); // bucket full: 6,000
      // A quarter window (900 s) drains 6,000 x 900 / 3600 = 1,500: carol may repay 1,500 / 1.03 = 1,456.310679.
      await time.increaseTo(f.T + 911n);
      expect((await f.market.priceState()).paceUsed).to.equal(usd("4500"));
      expectStep(await f.market.previewLiquidationStep(f.carol.address, MAX), {
        status: StepStatus.Ready,
        zone: Zone.Soft,
        repaid: 1_456_310_679n,
        seized: mulDivDown(1_456_310_679n, eth("1.03"), px(1600)),
        incentiveWad: eth("0.03"),
        ltvBeforeWad: eth("0.85"),
        ltvAfterWad: wadDivUp(
          usd("17000") - 1_456_310_679n,
          wadMulDown(eth("12.5") - mulDivDown(1_456_310_679n, eth("1.03"), px(1600)), px(1600)),
        ),
      });
      // Half a window (1,800 s): room 3,000, repay 3,000 / 1.03 = 2,912.621359, no tip.
      const repaid = 2_912_621_359n;
      const seized = mulDivDown(repaid, eth("1.03"), px(1600));
      await at(f.T + 1811n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.carol.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.carol.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("17000") - repaid, wadMulDown(eth("12.5") - seized, px(1600))),
        );
      expect((await f.market.priceState()).paceUsed).to.equal(usd("3000") + wadMulUp(seized, px(1600)));
    });
  });

  // ---------------------------------------------------------------- wick filter
  describe("wick filter and price state", () => {
    it("refuses a shallow position during a short dip and never steps it once the price recovers", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Unconfirmed, 0n);
      await at(f.T + 60n);
      await f.setAnswer(answer(2000));
      await at(f.T + 61n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Healthy, 0n);
      expect(await f.market.debtOf(f.alice.address)).to.equal(usd("16200"));
      expect(await f.market.collateralOf(f.alice.address)).to.equal(eth("12.5"));
    });

    it("keeps a deep position waiting too (the filter does not fade with depth), and confirms it first", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      // bob (LTV 0.89 at spot, q = 0.9) at T+11: E = 2000 - 400 x 11/900 = 1995.11 -> LTV at E 0.714 < 0.8.
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.bob.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Unconfirmed, 0n);
      // Updates 225 s apart move E by a quarter of the gap: 1900, 1825, 1768.75. bob is in the soft zone at E once
      // E <= 17,800 / (12.5 x 0.8) = 1780, alice only once E <= 16,200 / 10 = 1620.
      const emas = [px(1900), px(1825), px(1768.75)];
      for (const [k, ema] of emas.entries()) {
        await at(f.T + 225n * BigInt(k + 1));
        await f.market.connect(f.other).updatePriceState();
        expect((await f.market.priceState()).emaPriceWad).to.equal(ema);
        const bob = await f.market.previewLiquidationStep(f.bob.address, MAX);
        expect(bob.status).to.equal(k < 2 ? StepStatus.Unconfirmed : StepStatus.Ready);
        expect(bob.ltvBeforeWad).to.equal(eth("0.89"));
        expect((await f.market.previewLiquidationStep(f.alice.address, MAX)).status).to.equal(
          StepStatus.Unconfirmed,
        );
      }
      await expect(f.market.connect(f.keeper).liquidationStep(f.bob.address, MAX, 0n, "0x")).to.emit(
        f.market,
        "LiquidationStepped",
      );
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Unconfirmed, 0n);
    });

    it("converges the smoothed price by a quarter of the gap per 225 s update until the shallow position is confirmed", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      let ema = px(2000);
      let v = 0n;
      // The variance is sampled only when 300 s have passed since the last sample (the first: alice's borrow
      // at S, a couple of seconds before T): at T+450, T+900, ..., T+2250 (every second update).
      let sampled = px(2000);
      let sampledAt = f.S;
      const sampleTimes: bigint[] = [];
      const expectedEmas = [px(1900), px(1825), px(1768.75), 1_726_562_500n];
      for (let k = 1n; k <= 10n; k++) {
        const t = f.T + 225n * k;
        ema = nextEma(ema, px(1600), 225n, 900n); // w = 225 / 900 = 1/4
        if (t - sampledAt >= SAMPLE) {
          v = nextVariance(v, sampled, px(1600), t - sampledAt);
          [sampled, sampledAt] = [px(1600), t];
          sampleTimes.push(t - f.T);
        }
        if (k <= 4n) expect(ema).to.equal(expectedEmas[Number(k) - 1]);
        await at(t);
        await expect(f.market.connect(f.other).updatePriceState())
          .to.emit(f.market, "PriceStateUpdated")
          .withArgs(px(1600), ema, v);
        const state = await f.market.priceState();
        expect(state.emaPriceWad).to.equal(ema);
        expect(state.varianceWad).to.equal(v);
      }
      expect(sampleTimes).to.deep.equal([450n, 900n, 1350n, 1800n, 2250n]);
      // v = 0.2^2 x 365 = 14.6 at T+450, then four zero returns 450 s apart: 14.6 x (1 - 450 / 86,400)^4 ~ 14.298
      expect(v).to.equal(14_298_201_395_111_319_481n);
      // After 10 updates E = 1622.525407: at E (one second later, 1622.28) LTV 0.7989 < 0.8.
      expect(ema).to.equal(1_622_525_407n);
      await at(f.T + 2251n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.Unconfirmed, 0n);
      // The 11th update is the step: E = 1616.894056 -> LTV at E 0.8015 >= 0.8.
      // It comes 225 s after the sample at T+2250, so the variance is not sampled: v stays 14.298 >= 2.25, m = 2.
      ema = nextEma(ema, px(1600), 225n, 900n);
      expect(ema).to.equal(1_616_894_056n);
      expect(v).to.be.gte(eth("2.25")); // m = 2
      // q = 0.1: inc = 1.4 %, cf = 20 % + 0.1 x 30 % = 23 % -> 3,726; seized 3,726 x 1.014 / 1600 = 2.3613525
      await at(f.T + 2475n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx).to.emit(f.market, "PriceStateUpdated").withArgs(px(1600), ema, v);
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          usd("3726"),
          eth("2.3613525"),
          eth("0.014"),
          0n,
          eth("0.81"),
          wadDivUp(usd("12474"), usd("16221.836")),
        );
    });

    it("moves the smoothed price by at most a quarter of its gap in one update after a long idle period", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1600));
      await at(f.T + 10_000n);
      // w = min(10,000 / 900, 1/4) = 1/4: E = 2000 - 400 / 4 = 1900; v = 0.04 x YEAR / 86,400 = 14.6
      await expect(f.market.updatePriceState())
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(1600), px(1900), eth("14.6"));
    });

    it("samples the variance over the time since the last sample when it exceeds volTau", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.S + 172_799n);
      await f.setAnswer(answer(1600));
      await at(f.S + 172_800n);
      // Two days after the sample at S (alice's borrow): w = 1/4 for the price (idle since T, a couple of
      // seconds after S); v = 0.04 x YEAR / 172,800 = 7.3
      await expect(f.market.updatePriceState())
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(1600), px(1900), eth("7.3"));
    });

    it("updates the price state once per block: a second update in the same block emits nothing", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 100n);
      await f.setAnswer(answer(1600));
      await at(f.T + 200n);
      const tx = await f.batcher.updateTwice();
      const updates = (await marketEvents(f, tx)).filter((e) => e.name === "PriceStateUpdated");
      expect(updates).to.have.length(1);
      // E = 2000 - 400 x 200/900 (below the 1/4 cap) -> 2000 - 88.888888 = 1911.111112; T+200 is less than
      // 300 s after the first sample (S), so the variance is not sampled: 0.
      expect(f.T + 200n - f.S).to.be.lt(SAMPLE);
      expect([...updates[0].args]).to.deep.equal([px(1600), nextEma(px(2000), px(1600), 200n, 900n), 0n]);
      expect(nextEma(px(2000), px(1600), 200n, 900n)).to.equal(1_911_111_112n);
      expect([...(await f.market.priceState())]).to.deep.equal([true, px(1600), 1_911_111_112n, 0n, 0n]);
    });

    it("does not read or move the price state on a repay", async () => {
      const f = await loadFixture(filterFixture);
      await at(f.T + 100n);
      await expect(f.market.connect(f.alice).repay(f.alice.address, usd("1"))).not.to.emit(
        f.market,
        "PriceStateUpdated",
      );
    });

    it("starts the smoothed price at spot on the first price read of a fresh market", async () => {
      const f = await loadFixture(freshFixture);
      expect([...(await f.market.priceState())]).to.deep.equal([true, px(2000), px(2000), 0n, 0n]);
      expectStep(await f.market.previewLiquidationStep(f.alice.address, MAX), { status: StepStatus.NoDebt });
      await expect(f.market.updatePriceState())
        .to.emit(f.market, "PriceStateUpdated")
        .withArgs(px(2000), px(2000), 0n);
    });
  });

  // ---------------------------------------------------------------- hard zone
  describe("hard zone", () => {
    it("closes at once at incMax when collateral covers debt x 1.05", async () => {
      const f = await loadFixture(calmFixture);
      const { market, keeper, alice, usdc, weth } = f;
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      // V = 18,750 >= 17,000 x 1.05 = 17,850: repaid 17,000, seized 17,000 x 1.05 / 1500 = 11.9 WETH
      await at(f.T + 11n);
      const tx = await market.connect(keeper).liquidationStep(alice.address, MAX, 0n, "0x");
      await expect(tx).to.emit(market, "LiquidationStepped").withArgs(
        alice.address,
        keeper.address,
        Zone.Hard,
        usd("17000"),
        eth("11.9"),
        eth("0.05"),
        0n,
        906_666_666_666_666_667n, // ceil(17,000 / 18,750)
        0n,
      );
      await expect(tx).not.to.emit(market, "BadDebtRealized");
      await expect(tx).to.changeTokenBalances(usdc, [keeper, market], [-usd("17000"), usd("17000")]);
      await expect(tx).to.changeTokenBalances(weth, [keeper, market], [eth("11.9"), -eth("11.9")]);
      expect(await market.debtOf(alice.address)).to.equal(0n);
      expect(await market.collateralOf(alice.address)).to.equal(eth("0.6")); // left to the borrower
      expect((await market.priceState()).paceUsed).to.equal(0n); // hard steps do not fill the bucket
    });

    it("pays all collateral pro rata between debt x 1.02 and debt x 1.05, so lenders lose nothing", async () => {
      const f = await loadFixture(calmFixture);
      const { market, keeper, alice, lender } = f;
      await at(f.T + 10n);
      await f.setAnswer(answer(1400));
      const assetsBefore = await market.totalAssets();
      const lenderAssetsBefore = await market.convertToAssets(await market.balanceOf(lender.address));
      expect(assetsBefore).to.equal(usd("10000000"));
      // V = 17,500: 17,340 <= V < 17,850. inc = 17,500 / 17,000 - 1 = 2.9411764705882352 %, all 12.5 WETH.
      await at(f.T + 11n);
      const tx = await market.connect(keeper).liquidationStep(alice.address, MAX, 0n, "0x");
      await expect(tx).to.emit(market, "LiquidationStepped").withArgs(
        alice.address,
        keeper.address,
        Zone.Hard,
        usd("17000"),
        eth("12.5"),
        29_411_764_705_882_352n,
        0n,
        971_428_571_428_571_429n, // ceil(17,000 / 17,500)
        0n,
      );
      await expect(tx).not.to.emit(market, "BadDebtRealized");
      expect(await market.totalAssets()).to.equal(assetsBefore);
      expect(await market.convertToAssets(await market.balanceOf(lender.address))).to.equal(
        lenderAssetsBefore,
      );
      expect(await market.collateralOf(alice.address)).to.equal(0n);
      expect(await market.debtOf(alice.address)).to.equal(0n);
    });

    it("below debt x 1.02 takes all collateral for V / 1.02 and writes the rest off: totalAssets falls by exactly BadDebtRealized", async () => {
      const f = await loadFixture(calmFixture);
      const { market, keeper, alice, lender } = f;
      await at(f.T + 10n);
      await f.setAnswer(answer(1200));
      const shares = await market.balanceOf(lender.address);
      expect(shares).to.equal(10n ** 19n); // 10M USDC x 10^6 virtual shares per unit
      expect(await market.totalAssets()).to.equal(usd("10000000"));
      expect(await market.convertToAssets(shares)).to.equal(usd("10000000"));
      // V = 15,000 < 17,340: repaid = ceil(15,000 / 1.02) = 14,705.882353; bad debt 17,000 - repaid
      const repaid = 14_705_882_353n;
      const badDebt = usd("17000") - repaid; // 2,294.117647
      expect(badDebt).to.equal(2_294_117_647n);
      await at(f.T + 11n);
      const tx = await market.connect(keeper).liquidationStep(alice.address, MAX, 0n, "0x");
      await expect(tx).to.emit(market, "LiquidationStepped").withArgs(
        alice.address,
        keeper.address,
        Zone.Hard,
        repaid,
        eth("12.5"),
        eth("0.02"),
        0n,
        1_133_333_333_333_333_334n, // ceil(17,000 / 15,000)
        0n,
      );
      await expect(tx).to.emit(market, "BadDebtRealized").withArgs(alice.address, badDebt);
      await expect(tx).to.changeTokenBalances(f.usdc, [keeper, market], [-repaid, repaid]);
      const assetsAfter = usd("10000000") - badDebt;
      expect(await market.totalAssets()).to.equal(assetsAfter);
      // ERC-4626 share price: shares x (assets + 1) / (supply + 10^6), rounded down.
      expect(await market.convertToAssets(shares)).to.equal(
        mulDivDown(shares, assetsAfter + 1n, shares + 10n ** 6n),
      );
      const [cash, debt] = await market.accounting();
      expect(cash).to.equal(usd("10000000") - usd("17210") + repaid);
      expect(debt).to.equal(usd("210"));
      expect(await market.debtOf(alice.address)).to.equal(0n);
      expect(await market.collateralOf(alice.address)).to.equal(0n);
    });

    it("with interest accrued and a tip paid, totalAssets still falls by exactly BadDebtRealized", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1200));
      // After 10,000 s: D = 17,017, reserves 1.7. V = 15,000 < 17,017 x 1.02: repaid ceil(15,000 / 1.02),
      // all 12.5 WETH, tip 1 (full-size step); written off 17,017 - 14,705.882353 = 2,311.117647.
      const repaid = 14_705_882_353n;
      const badDebt = usd("17017") - repaid;
      expect(badDebt).to.equal(2_311_117_647n);
      await at(f.T + 10_000n);
      const tx = await f.batcher.run([{ account: f.alice.address, maxRepay: MAX, minSeized: 0n }]);
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          await f.batcher.getAddress(),
          Zone.Hard,
          repaid,
          eth("12.5"),
          eth("0.02"),
          usd("1"),
          wadDivUp(usd("17017"), usd("15000")),
          0n,
        );
      await expect(tx).to.emit(f.market, "BadDebtRealized").withArgs(f.alice.address, badDebt);
      // Same block: the accrual is already in the figure before the step.
      expect(await f.batcher.assetsBefore(0)).to.equal(usd("10000000") + usd("17") - usd("1.7"));
      expect((await f.batcher.assetsBefore(0)) - (await f.batcher.assetsAfter(0))).to.equal(badDebt);
      expect(await f.market.totalDebt()).to.equal(0n);
    });

    it("ignores spacing, the pace bucket, the wick filter and a down sequencer", async () => {
      const f = await loadFixture(guardedFixture);
      await at(f.T + 1n);
      await f.setAnswer(answer(1600));
      // E moves a quarter of the gap per 225 s update: 1900 at T+226, 1825 at T+451 (the first variance sample,
      // 451 s after alice's borrow took the first one: v = 0.2^2 x 365 = 14.6, m = 2), 1768.75 at the soft step
      // (T+676): LTV at E 17,800 / 22,109.375 = 0.805 >= 0.8, confirmed. cf 47 %, inc 4.6 %: 8,366 repaid,
      // 5.4692725 WETH, worth 8,750.836 = the whole pace bucket. Spacing is now 300 s.
      const stepAt = f.T + 676n;
      for (const t of [f.T + 226n, f.T + 451n]) {
        await at(t);
        await f.market.connect(f.other).updatePriceState();
      }
      await at(stepAt);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          usd("8366"),
          eth("5.4692725"),
          eth("0.046"),
          0n,
          eth("0.89"),
          wadDivUp(usd("9434"), usd("11249.164")),
        );
      expect([...(await f.market.priceState())]).to.deep.equal([
        true,
        px(1600),
        px(1768.75),
        eth("14.6"),
        8_750_836_000n,
      ]);
      await at(stepAt + 1n);
      await f.sequencerFeed.updateRoundData(2, 1, stepAt + 1n, stepAt + 1n); // sequencer down
      await at(stepAt + 2n);
      await f.setAnswer(answer(1450));
      // 3 s after the last step, bucket nearly full (room 7.29 USDC), E = 1768.75 - 318.75 x 3/900 = 1767.69
      // (far above spot), sequencer down.
      // D 9,434, C 7.0307275, V = 10,194.554875 >= 9,434 x 1.05: repaid 9,434, seized 9,434 x 1.05 / 1450
      const seized = mulDivDown(usd("9434"), eth("1.05"), px(1450));
      await at(stepAt + 3n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("9434"),
          seized,
          eth("0.05"),
          0n,
          wadDivUp(usd("9434"), usd("10194.554875")),
          0n,
        );
      expect(await f.market.debtOf(f.alice.address)).to.equal(0n);
      // The bucket only drained (3 s x 8,750.836 / 3600 = 7.292363) and was not filled.
      expect((await f.market.priceState()).paceUsed).to.equal(8_750_836_000n - 7_292_363n);
    });

    it("closes at once while the sequencer is in its grace period", async () => {
      const f = await loadFixture(sequencerFixture);
      await at(f.T + 10n);
      await f.sequencerFeed.updateRoundData(3, 0, f.T + 10n, f.T + 10n);
      await at(f.T + 11n);
      await f.setAnswer(answer(1500));
      expect((await f.oracle.priceWithStatus())[1]).to.equal(1n); // SequencerGrace
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("17000"),
          eth("11.9"),
          eth("0.05"),
          0n,
          906_666_666_666_666_667n,
          0n,
        );
    });
  });

  // ---------------------------------------------------------------- dust
  describe("dust", () => {
    it("closes a position in full when the close-factor step would leave less than minDebt", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      // bob: D 100, V 125, L 0.8 (q = 0): cf 10 % -> 10 would leave 90 < 100: full repay 100
      // seized = 100 x 1.01 / 1600 = 0.063125 WETH
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.bob.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.bob.address,
          f.keeper.address,
          Zone.Soft,
          usd("100"),
          eth("0.063125"),
          eth("0.01"),
          0n,
          eth("0.8"),
          0n,
        );
      expect(await f.market.debtOf(f.bob.address)).to.equal(0n);
      expect(await f.market.collateralOf(f.bob.address)).to.equal(eth("0.015"));
    });

    it("closes in full when the close-factor repay of a tiny debt rounds to zero", async () => {
      const f = await loadFixture(tinyDebtFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      // D = 5,000 units, V = 6,250, L = 0.8: 5,000 x 0.01 % = 0.5 -> 0, so the full repay is D;
      // seized = 5,000 x 1.01 / 1600 (per 1e18) = 3,156,250,000,000 wei
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          5_000n,
          3_156_250_000_000n,
          eth("0.01"),
          0n,
          eth("0.8"),
          0n,
        );
      expect(await f.market.debtOf(f.alice.address)).to.equal(0n);
    });

    it("cuts a keeper-capped soft repay so that exactly minDebt remains", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      // carol: D 110, V 137.5; full repay is 110 (11 would leave 99). A 60 cap would leave 50 < 100:
      // cut to min(110 - 100, (137.5 - 100) / 1.01) = 10; seized 10 x 1.01 / 1600 = 0.0063125
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.carol.address, usd("60"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.carol.address,
          f.keeper.address,
          Zone.Soft,
          usd("10"),
          eth("0.0063125"),
          eth("0.01"),
          0n,
          eth("0.8"),
          wadDivUp(usd("100"), usd("127.4")), // V after = 0.079625 x 1600
        );
      expect(await f.market.debtOf(f.carol.address)).to.equal(usd("100"));
    });

    it("cuts a keeper-capped hard repay so that exactly minDebt remains", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      // 16,950 would leave 50: cut to 17,000 - 100 = 16,900; seized 16,900 x 1.05 / 1500 = 11.83
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("16950"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("16900"),
          eth("11.83"),
          eth("0.05"),
          0n,
          906_666_666_666_666_667n,
          wadDivUp(usd("100"), usd("1005")), // 0.67 WETH x 1500
        );
      expect(await f.market.debtOf(f.alice.address)).to.equal(usd("100"));
    });

    it("cuts a partial step below the incentive floor so the collateral left is worth minDebt", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1200));
      // Full repay 14,705.882353 for all 12.5 WETH. One unit less would take 12.4999999992 WETH and leave
      // collateral worth 0.00096 USDC: cut to (15,000 - 100) / 1.02 = 14,607.843137 (rounded down).
      const repaid = 14_607_843_137n;
      const seized = mulDivDown(repaid, eth("1.02"), px(1200));
      const valueLeft = wadMulDown(eth("12.5") - seized, px(1200));
      expect(valueLeft).to.be.gte(usd("100"));
      await at(f.T + 11n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, 14_705_882_352n, 0n, "0x");
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          repaid,
          seized,
          eth("0.02"),
          0n,
          1_133_333_333_333_333_334n,
          wadDivUp(usd("17000") - repaid, valueLeft),
        );
      await expect(tx).not.to.emit(f.market, "BadDebtRealized");
    });
  });

  // ---------------------------------------------------------------- keeper tip
  describe("keeper tip", () => {
    // tipFixture: index = 1 + 1e-7 x dt. After 10,000 s: D = 17,017, interest 17, reserves 1.7 USDC.
    it("pays the full tip from reserves on a full-size soft step; the keeper transfers repaid - tip", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1600));
      // L = 17,017 / 20,000 = 0.85085, q = 0.5085: inc = 1 % + 0.5085 x 4 % = 3.034 %
      // cf = 10 % + 0.5085 x 40 % = 30.34 % -> 17,017 x 0.3034 = 5,162.9578; tip = min(1, 1.7, r) = 1
      const repaid = 5_162_957_800n;
      const seized = mulDivDown(repaid, eth("1.03034"), px(1600));
      await at(f.T + 10_000n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx).to.emit(f.market, "InterestAccrued").withArgs(eth("1.001"), usd("17"), usd("1.7"));
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("0.03034"),
          usd("1"),
          eth("0.85085"),
          wadDivUp(usd("17017") - repaid, wadMulDown(eth("12.5") - seized, px(1600))),
        );
      await expect(tx).to.changeTokenBalances(
        f.usdc,
        [f.keeper, f.market],
        [-(repaid - usd("1")), repaid - usd("1")],
      );
      const [, , reserves] = await f.market.accounting();
      expect(reserves).to.equal(usd("0.7"));
    });

    it("pays no tip on a keeper-capped step", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1600));
      await at(f.T + 10_000n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("5000"), 0n, "0x");
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          usd("5000"),
          eth("3.2198125"), // 5,000 x 1.03034 / 1600
          eth("0.03034"),
          0n,
          eth("0.85085"),
          wadDivUp(usd("12017"), wadMulDown(eth("9.2801875"), px(1600))),
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.keeper], [-usd("5000")]);
      expect((await f.market.accounting())[2]).to.equal(usd("1.7"));
    });

    it("pays no tip on a pace-capped step", async () => {
      const f = await loadFixture(tipPaceFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1600));
      // Room 5,000 of value: r = 5,000 / 1.03034 = 4,852.767047 < full 5,162.9578
      const repaid = mulDivDown(usd("5000"), WAD, eth("1.03034"));
      expect(repaid).to.equal(4_852_767_047n);
      const seized = mulDivDown(repaid, eth("1.03034"), px(1600));
      await at(f.T + 10_000n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("0.03034"),
          0n,
          eth("0.85085"),
          wadDivUp(usd("17017") - repaid, wadMulDown(eth("12.5") - seized, px(1600))),
        );
    });

    it("pays no tip on a dust-cut step and the full tip on the full hard step", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1500));
      // D 17,017 at $1500 (V 18,750): hard row 1. A 16,950 cap leaves 67 < 100: cut to 16,917, no tip.
      await at(f.T + 10_000n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("16950"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("16917"),
          eth("11.8419"), // 16,917 x 1.05 / 1500
          eth("0.05"),
          0n,
          wadDivUp(usd("17017"), usd("18750")),
          wadDivUp(usd("100"), usd("987.15")), // 0.6581 x 1500
        );
    });

    it("pays the full tip on a full hard step", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1500));
      await at(f.T + 10_000n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("17017"),
          eth("11.9119"), // 17,017 x 1.05 / 1500
          eth("0.05"),
          usd("1"),
          wadDivUp(usd("17017"), usd("18750")),
          0n,
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.keeper], [-usd("17016")]);
    });

    it("caps the tip at the reserves", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 99n);
      await f.setAnswer(answer(1500));
      // After 100 s: index 1.00001, D = 17,000.17, interest 0.17, reserves 0.017 < 1: tip = 0.017
      await at(f.T + 100n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("17000.17"),
          eth("11.900119"), // 17,000.17 x 1.05 / 1500
          eth("0.05"),
          usd("0.017"),
          wadDivUp(usd("17000.17"), usd("18750")),
          0n,
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.keeper], [-usd("17000.153")]);
      expect((await f.market.accounting())[2]).to.equal(0n);
    });

    it("caps the tip at the repay: a full-size step smaller than the tip costs the keeper nothing", async () => {
      const f = await loadFixture(tinyStepFixture);
      await at(f.T + 19_999n);
      await f.setAnswer(answer(1600));
      // After 20,000 s: index 1.002, D = 8,517, reserves 1.7. L = 8,517 / 10,000 = 0.8517, q = 0.517,
      // inc = 1 % + 0.517 x 4 % = 3.068 %; cf = 0.01 %: repaid 0.8517 USDC = tip.
      const repaid = usd("0.8517");
      const seized = mulDivDown(repaid, eth("1.03068"), px(1600));
      await at(f.T + 20_000n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          eth("1.03068") - WAD,
          repaid,
          eth("0.8517"),
          wadDivUp(usd("8517") - repaid, wadMulDown(eth("6.25") - seized, px(1600))),
        );
      await expect(tx).to.changeTokenBalances(f.usdc, [f.keeper, f.market], [0n, 0n]);
      await expect(tx).to.changeTokenBalances(f.weth, [f.keeper], [seized]);
      expect((await f.market.accounting())[2]).to.equal(usd("1.7") - repaid);
    });
  });

  // ---------------------------------------------------------------- griefing and splitting
  describe("griefing and splitting", () => {
    it("a one-wei repay sent ahead changes the amounts of a maxRepay = MaxUint256 step, not its outcome", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await f.market.connect(f.bob).repay(f.alice.address, 1n); // front-run
      // D = 16,999.999999: L = 0.84999999995, q = 0.4999999995
      const debt = usd("17000") - 1n;
      const ltv = wadDivUp(debt, usd("20000"));
      expect(ltv).to.equal(849_999_999_950_000_000n);
      const q = mulDivDown(ltv - eth("0.8"), WAD, eth("0.1"));
      const inc = eth("0.01") + wadMulDown(eth("0.04"), q);
      const repaid = wadMulDown(debt, eth("0.1") + wadMulDown(eth("0.4"), q));
      const seized = mulDivDown(repaid, WAD + inc, px(1600));
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, eth("3.2"), "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Soft,
          repaid,
          seized,
          inc,
          0n,
          ltv,
          wadDivUp(debt - repaid, wadMulDown(eth("12.5") - seized, px(1600))),
        );
    });

    it("a keeper asking for the previewed amount after a one-wei front-run still steps, capped at the new full repay", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      expect((await f.market.previewLiquidationStep(f.alice.address, MAX)).repaid).to.equal(usd("5100"));
      await at(f.T + 11n);
      await f.market.connect(f.bob).repay(f.alice.address, 1n);
      await at(f.T + 12n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("5100"), 0n, "0x");
      const [stepped] = (await marketEvents(f, tx)).filter((e) => e.name === "LiquidationStepped");
      // 16,999.999999 x 0.2999999998 = 5,099.9999963 -> rounded down
      expect(stepped.args.repaid).to.equal(5_099_999_996n);
    });

    it("in the soft zone a second call right after a split step is TooSoon", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("2550"), 0n, "0x");
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("2550"), 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.TooSoon, f.T + 611n);
    });

    it("in the pro-rata hard row two calls take exactly what one call takes", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1400));
      // One call: 17,000 for 12.5 WETH (previous test). Two calls: 8,500.000001 then the rest.
      const first = usd("8500") + 1n;
      const seized1 = mulDivDown(eth("12.5"), first, usd("17000")); // C x r / D
      expect(seized1).to.equal(6_250_000_000_735_294_117n);
      const keeperWeth = await f.weth.balanceOf(f.keeper.address);
      const keeperUsdc = await f.usdc.balanceOf(f.keeper.address);
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, first, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          first,
          seized1,
          29_411_764_705_882_352n,
          0n,
          971_428_571_428_571_429n,
          wadDivUp(usd("17000") - first, wadMulDown(eth("12.5") - seized1, px(1400))),
        );
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("17000") - first,
          eth("12.5") - seized1,
          // V / D - 1 from the exact C x P (hardTerms does not round V before dividing)
          ((eth("12.5") - seized1) * px(1400)) / (usd("17000") - first) - WAD,
          0n,
          wadDivUp(usd("17000") - first, wadMulDown(eth("12.5") - seized1, px(1400))),
          0n,
        );
      expect(await f.weth.balanceOf(f.keeper.address)).to.equal(keeperWeth + eth("12.5"));
      expect(await f.usdc.balanceOf(f.keeper.address)).to.equal(keeperUsdc - usd("17000"));
    });

    it("below the incentive floor two calls repay, seize and write off exactly what one call does", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1200));
      // First 7,000 at 2 %: 7,000 x 1.02 / 1200 = 5.95 WETH. Left: D 10,000, C 6.55, V 7,860 (L 1.27).
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("7000"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("7000"),
          eth("5.95"),
          eth("0.02"),
          0n,
          1_133_333_333_333_333_334n,
          wadDivUp(usd("10000"), usd("7860")),
        );
      // Then ceil(7,860 / 1.02) = 7,705.882353 for the rest: 7,000 + 7,705.882353 = 14,705.882353 as in one
      // call, and the same 2,294.117647 written off.
      await at(f.T + 12n);
      const tx = await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          7_705_882_353n,
          eth("6.55"),
          eth("0.02"),
          0n,
          wadDivUp(usd("10000"), usd("7860")),
          0n,
        );
      await expect(tx).to.emit(f.market, "BadDebtRealized").withArgs(f.alice.address, 2_294_117_647n);
      expect(usd("7000") + 7_705_882_353n).to.equal(14_705_882_353n);
    });

    it("in the first hard row a half call brings the position back to soft, where the other half waits for spacing", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      // 8,500 x 1.05 / 1500 = 5.95 WETH; left D 8,500, C 6.55, V 9,825: L 0.8651 (soft)
      await at(f.T + 11n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, usd("8500"), 0n, "0x"))
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          f.keeper.address,
          Zone.Hard,
          usd("8500"),
          eth("5.95"),
          eth("0.05"),
          0n,
          906_666_666_666_666_667n,
          wadDivUp(usd("8500"), usd("9825")),
        );
      await at(f.T + 12n);
      await expect(f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x"))
        .to.be.revertedWithCustomError(f.market, "MarketStepNotAllowed")
        .withArgs(StepStatus.TooSoon, f.T + 611n);
    });
  });

  // ---------------------------------------------------------------- flash steps and reentrancy
  describe("flash steps and reentrancy", () => {
    it("sends the collateral, calls the keeper back with (account, repaid, seized, tip, data) and then pulls the repay", async () => {
      const f = await loadFixture(keepersFixture);
      const { flash } = f;
      expect(await f.usdc.balanceOf(flash)).to.equal(0n); // no capital of its own
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      const tx = await flash.connect(f.keeper).step(f.alice.address, MAX, 0n, 0n);
      const data = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [1n]);
      await expect(tx)
        .to.emit(flash, "CallbackSeen")
        .withArgs(f.alice.address, usd("5100"), eth("3.283125"), 0n, data);
      await expect(tx)
        .to.emit(f.market, "LiquidationStepped")
        .withArgs(
          f.alice.address,
          await flash.getAddress(),
          Zone.Soft,
          usd("5100"),
          eth("3.283125"),
          eth("0.03"),
          0n,
          eth("0.85"),
          wadDivUp(usd("11900"), usd("14747")),
        );
      // The buyer paid 3.283125 x 1600 = 5,253; the market took 5,100; the keeper keeps 153.
      await expect(tx).to.changeTokenBalances(
        f.usdc,
        [flash, f.other, f.market],
        [usd("153"), -usd("5253"), usd("5100")],
      );
      await expect(tx).to.changeTokenBalances(
        f.weth,
        [flash, f.other, f.market],
        [0n, eth("3.283125"), -eth("3.283125")],
      );
    });

    it("reverts when a caller without code passes callback data", async () => {
      const f = await loadFixture(keepersFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expect(
        f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x01"),
      ).to.be.revertedWithoutReason();
    });

    it("reverts the whole step when the callback does not leave the keeper enough to repay", async () => {
      const f = await loadFixture(keepersFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      // The cheap buyer pays 3.283125 x 1500 = 4,924.6875 < 5,100.
      await expect(f.cheapFlash.step(f.alice.address, MAX, 0n, 0n))
        .to.be.revertedWithCustomError(f.usdc, "ERC20InsufficientBalance")
        .withArgs(await f.cheapFlash.getAddress(), usd("4924.6875"), usd("5100"));
      expect(await f.market.debtOf(f.alice.address)).to.equal(usd("17000"));
      expect(await f.market.collateralOf(f.alice.address)).to.equal(eth("12.5"));
    });

    for (const [mode, what] of [
      [0n, "another step"],
      [1n, "a repay"],
      [2n, "a borrow"],
      [3n, "a vault deposit"],
    ] as const) {
      it(`reverts ReentrancyGuardReentrantCall when the callback tries ${what}`, async () => {
        const f = await loadFixture(keepersFixture);
        await at(f.T + 10n);
        await f.setAnswer(answer(1600));
        await at(f.T + 11n);
        await expect(f.reentrant.step(f.alice.address, mode)).to.be.revertedWithCustomError(
          f.market,
          "ReentrancyGuardReentrantCall",
        );
      });
    }

    it("reverts ReentrancyGuardReentrantCall when the callback tries updatePriceState", async () => {
      const f = await loadFixture(keepersFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expect(f.poker.step(f.alice.address)).to.be.revertedWithCustomError(
        f.market,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  // ---------------------------------------------------------------- preview
  describe("previewLiquidationStep", () => {
    it("equals the soft step exactly", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expectPreviewEqualsStep(f, f.alice.address, MAX, {
        zone: Zone.Soft,
        repaid: usd("5100"),
        seized: eth("3.283125"),
        incentiveWad: eth("0.03"),
        tip: 0n,
        badDebt: 0n,
        ltvBeforeWad: eth("0.85"),
        ltvAfterWad: wadDivUp(usd("11900"), usd("14747")),
      });
    });

    it("equals the hard step exactly", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      await at(f.T + 11n);
      await expectPreviewEqualsStep(f, f.alice.address, MAX, {
        zone: Zone.Hard,
        repaid: usd("17000"),
        seized: eth("11.9"),
        incentiveWad: eth("0.05"),
        tip: 0n,
        badDebt: 0n,
        ltvBeforeWad: 906_666_666_666_666_667n,
        ltvAfterWad: 0n,
      });
    });

    it("equals the bad-debt step exactly", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1200));
      await at(f.T + 11n);
      await expectPreviewEqualsStep(f, f.alice.address, MAX, {
        zone: Zone.Hard,
        repaid: 14_705_882_353n,
        seized: eth("12.5"),
        incentiveWad: eth("0.02"),
        tip: 0n,
        badDebt: 2_294_117_647n,
        ltvBeforeWad: 1_133_333_333_333_333_334n,
        ltvAfterWad: 0n,
      });
    });

    it("equals the dust-closing step exactly", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expectPreviewEqualsStep(f, f.bob.address, MAX, {
        zone: Zone.Soft,
        repaid: usd("100"),
        seized: eth("0.063125"),
        incentiveWad: eth("0.01"),
        tip: 0n,
        badDebt: 0n,
        ltvBeforeWad: eth("0.8"),
        ltvAfterWad: 0n,
      });
    });

    it("equals the dust-cut step exactly", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await expectPreviewEqualsStep(f, f.carol.address, usd("60"), {
        zone: Zone.Soft,
        repaid: usd("10"),
        seized: eth("0.0063125"),
        incentiveWad: eth("0.01"),
        tip: 0n,
        badDebt: 0n,
        ltvBeforeWad: eth("0.8"),
        ltvAfterWad: wadDivUp(usd("100"), usd("127.4")),
      });
    });

    it("equals a tipped step exactly, interest included", async () => {
      const f = await loadFixture(tipFixture);
      await at(f.T + 9_999n);
      await f.setAnswer(answer(1500));
      await at(f.T + 10_000n);
      await expectPreviewEqualsStep(f, f.alice.address, MAX, {
        zone: Zone.Hard,
        repaid: usd("17017"),
        seized: eth("11.9119"),
        incentiveWad: eth("0.05"),
        tip: usd("1"),
        badDebt: 0n,
        ltvBeforeWad: wadDivUp(usd("17017"), usd("18750")),
        ltvAfterWad: 0n,
      });
    });

    it("returns OracleUnavailable and zeros instead of reverting when the feed is stale", async () => {
      const f = await loadFixture(calmFixture);
      await time.increase(FEED_HEARTBEAT + 1);
      await expect(f.oracle.priceWithStatus()).to.be.revertedWithCustomError(f.oracle, "OracleStale");
      for (const account of [f.alice.address, f.other.address]) {
        expectStep(await f.market.previewLiquidationStep(account, MAX), {
          status: StepStatus.OracleUnavailable,
        });
      }
    });

    it("reports RepayTooSmall for maxRepay = 0, which the step refuses with MarketZeroAmount", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      expectStep(await f.market.previewLiquidationStep(f.alice.address, 0n), {
        status: StepStatus.RepayTooSmall,
        zone: Zone.Soft,
        ltvBeforeWad: eth("0.85"),
      });
      await expect(
        f.market.connect(f.keeper).liquidationStep(f.alice.address, 0n, 0n, "0x"),
      ).to.be.revertedWithCustomError(f.market, "MarketZeroAmount");
    });
  });

  // ---------------------------------------------------------------- positionState
  describe("positionState", () => {
    it("reports a healthy position with its liquidation prices and no step", async () => {
      const f = await loadFixture(calmFixture);
      const st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.collateral).to.equal(eth("12.5"));
      expect(st.debt).to.equal(usd("17000"));
      expect(st.ltvWad).to.equal(eth("0.68"));
      expect(st.zone).to.equal(Zone.Healthy);
      expect(st.softLiquidationPriceWad).to.equal(px(1700)); // 17,000 / (12.5 x 0.8)
      expect(st.hardLiquidationPriceWad).to.equal(1_511_111_112n); // 17,000 / (12.5 x 0.9), rounded up
      expect(st.nextSoftStepAt).to.equal(0n);
      expectStep(st.step, { status: StepStatus.Healthy, zone: Zone.Healthy, ltvBeforeWad: eth("0.68") });
    });

    it("after a soft step reports the next step time and a TooSoon step, then the step itself once due", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1600));
      await at(f.T + 11n);
      await f.market.connect(f.keeper).liquidationStep(f.alice.address, MAX, 0n, "0x");
      const ltv = wadDivUp(usd("11900"), usd("14747"));
      let st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.collateral).to.equal(eth("9.216875"));
      expect(st.debt).to.equal(usd("11900"));
      expect(st.ltvWad).to.equal(ltv);
      expect(st.zone).to.equal(Zone.Soft);
      expect(st.softLiquidationPriceWad).to.equal(
        mulDivUp(usd("11900"), WAD * WAD, eth("9.216875") * eth("0.8")),
      );
      expect(st.hardLiquidationPriceWad).to.equal(
        mulDivUp(usd("11900"), WAD * WAD, eth("9.216875") * eth("0.9")),
      );
      expect(st.nextSoftStepAt).to.equal(f.T + 611n);
      expectStep(st.step, { status: StepStatus.TooSoon, zone: Zone.Soft, ltvBeforeWad: ltv });
      await time.increaseTo(f.T + 611n);
      st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.step.status).to.equal(StepStatus.Ready);
      expect(st.step.repaid).to.be.gt(0n);
      expect([...st.step]).to.deep.equal([...(await f.market.previewLiquidationStep(f.alice.address, MAX))]);
    });

    it("reports the hard-zone step an unlimited maxRepay would do", async () => {
      const f = await loadFixture(calmFixture);
      await at(f.T + 10n);
      await f.setAnswer(answer(1500));
      const st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.zone).to.equal(Zone.Hard);
      expect(st.ltvWad).to.equal(906_666_666_666_666_667n);
      expectStep(st.step, {
        status: StepStatus.Ready,
        zone: Zone.Hard,
        repaid: usd("17000"),
        seized: eth("11.9"),
        incentiveWad: eth("0.05"),
        ltvBeforeWad: 906_666_666_666_666_667n,
      });
    });

    it("reports zeros and NoDebt for an account without a position", async () => {
      const f = await loadFixture(calmFixture);
      const st = await f.lens.positionState(f.market, f.other.address);
      expect([st.collateral, st.debt, st.ltvWad, st.zone, st.softLiquidationPriceWad]).to.deep.equal([
        0n,
        0n,
        0n,
        Zone.None,
        0n,
      ]);
      expect([st.hardLiquidationPriceWad, st.nextSoftStepAt]).to.deep.equal([0n, 0n]);
      expectStep(st.step, { status: StepStatus.NoDebt });
    });

    it("keeps the book figures and reports OracleUnavailable when the feed is stale", async () => {
      const f = await loadFixture(calmFixture);
      await time.increase(FEED_HEARTBEAT + 1);
      const st = await f.lens.positionState(f.market, f.alice.address);
      expect(st.collateral).to.equal(eth("12.5"));
      expect(st.debt).to.equal(usd("17000"));
      expect(st.softLiquidationPriceWad).to.equal(px(1700));
      expect(st.hardLiquidationPriceWad).to.equal(1_511_111_112n);
      expect(st.ltvWad).to.equal(0n); // no price, no LTV
      expect(st.zone).to.equal(Zone.None);
      expectStep(st.step, { status: StepStatus.OracleUnavailable });
    });
  });
});
