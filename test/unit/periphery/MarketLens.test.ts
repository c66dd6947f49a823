import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import {
  LendingMarket__factory,
  MockV3Aggregator__factory,
  type KinkedRateModel,
  type LendingMarket,
  type MarketLens,
} from "../../../typechain-types";
import {
  deployMarket,
  toStruct,
  paramsTuple,
  INITIAL_ANSWER,
  type MarketFixture,
  type Params,
} from "../../helpers/fixtures";
import { WAD, wadMulUp } from "../../helpers/math";

const WETH = 10n ** 18n;
const USDC = 10n ** 6n;
const YEAR = 365 * 86_400;
const KINK = 8n * 10n ** 17n;
const P2000 = 2_000n * USDC;
/** 50 % utilisation of the fixture's model: floor(floor(0.04e18 / 365 days) × 0.5 / 0.8) per second. */
const RATE_AT_HALF = 792_744_799n;

const Zone = { None: 0n, Healthy: 1n, Soft: 2n, Hard: 3n } as const;
const Step = { Ready: 0n, NoDebt: 1n, Healthy: 2n, SequencerNotReady: 4n } as const;

type Summary = Awaited<ReturnType<MarketLens["marketSummary"]>>;

/** Summary fields by name, so that a failure names the field. */
function fields(s: Summary) {
  return {
    market: s.market,
    collateralToken: s.collateralToken,
    debtToken: s.debtToken,
    collateralDecimals: s.collateralDecimals,
    debtDecimals: s.debtDecimals,
    cash: s.cash,
    totalDebt: s.totalDebt,
    reserves: s.reserves,
    borrowIndexWad: s.borrowIndexWad,
    totalAssets: s.totalAssets,
    totalShares: s.totalShares,
    utilisationWad: s.utilisationWad,
    oracleUsable: s.oracleUsable,
    oracleStatus: s.oracleStatus,
    spotPriceWad: s.spotPriceWad,
    emaPriceWad: s.emaPriceWad,
    varianceWad: s.varianceWad,
    volMultiplierWad: s.volMultiplierWad,
    paceUsed: s.paceUsed,
    paceCap: s.paceCap,
    borrowersCount: s.borrowersCount,
    paused: s.paused,
  };
}

// ---------------------------------------------------------------- fixtures

/** 10M USDC lent (1e19 shares); alice borrowed 5M against 4000 WETH at t0, behind a healthy sequencer. */
async function halfUtilisedFixture() {
  const f = await deployMarket({ sequencer: true });
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, 4_000n * WETH);
  await f.market.connect(f.alice).borrow(5_000_000n * USDC, f.alice.address);
  const t0 = await time.latest();
  return { ...f, t0 };
}

/** A flat 0 % market with three borrowers: alice (10 WETH, 15,000), bob (20 WETH, 10,000), carol (1 WETH, 100). */
async function threeBorrowersFixture() {
  const f = await deployMarket();
  const flat = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    KINK,
  ])) as unknown as KinkedRateModel;
  await f.market.connect(f.admin).setRateModel(flat);
  const book: [typeof f.alice, bigint, bigint][] = [
    [f.alice, 10n * WETH, 15_000n * USDC],
    [f.bob, 20n * WETH, 10_000n * USDC],
    [f.carol, WETH, 100n * USDC],
  ];
  for (const [s, collateral, debt] of book) {
    await f.market.connect(s).supplyCollateral(s.address, collateral);
    await f.market.connect(s).borrow(debt, s.address);
  }
  return f;
}

/** A second, empty market on the same tokens and oracle, deployed through the factory. */
async function secondMarket(f: MarketFixture): Promise<LendingMarket> {
  const code = new LendingMarket__factory(f.deployer).bytecode;
  const config = {
    collateralToken: f.weth,
    debtToken: f.usdc,
    oracle: f.oracle,
    rateModel: f.rateModel,
    params: toStruct(f.params),
    admin: f.admin.address,
    guardian: f.guardian.address,
    name: "Second",
    symbol: "gTWO",
  };
  const address = await f.factory.createMarket.staticCall(code, config);
  await f.factory.createMarket(code, config);
  return LendingMarket__factory.connect(address, f.deployer) as LendingMarket;
}

// ================================================================ tests

describe("MarketLens", () => {
  describe("marketSummary", () => {
    it("gives every figure of a market after a year at 50 % utilisation, price unchanged", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { lens, market, t0 } = f;
      await time.setNextBlockTimestamp(t0 + YEAR);
      await f.setAnswer(INITIAL_ANSWER); // views below run at t0 + YEAR
      // index = 1 + 792_744_799 × 31_536_000 / 1e18; debt = 5e12 × index rounded up; reserves 10 % rounded down.
      const index = 1_024_999_999_981_264_000n;
      const debt = 5_124_999_999_907n;
      const reserves = 12_499_999_990n;
      const summary = await lens.marketSummary(market);
      expect(fields(summary)).to.deep.equal({
        market: await market.getAddress(),
        collateralToken: await f.weth.getAddress(),
        debtToken: await f.usdc.getAddress(),
        collateralDecimals: 18n,
        debtDecimals: 6n,
        cash: 5_000_000n * USDC,
        totalDebt: debt,
        reserves,
        borrowIndexWad: index,
        totalAssets: 5_000_000n * USDC + debt - reserves,
        totalShares: 10n ** 19n,
        // 5_124_999_999_907 / 10_124_999_999_907 = 0.50617283950…, rounded down.
        utilisationWad: 506_172_839_501_636_945n,
        oracleUsable: true,
        oracleStatus: 0n,
        spotPriceWad: P2000,
        emaPriceWad: P2000, // the borrow stored 2000; spot is still 2000
        varianceWad: 0n, // no move; a year > volTau forgets the past
        volMultiplierWad: WAD,
        paceUsed: 0n,
        paceCap: 1_000_000n * USDC,
        borrowersCount: 1n,
        paused: false,
      });
      expect(summary.params).to.deep.equal(paramsTuple(f.params));
    });

    it("reports the smoothed price, the variance and the volatility multiplier after a move", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const { lens, market, t0 } = f;
      await time.setNextBlockTimestamp(t0 + 90);
      await f.setAnswer(1_900n * 10n ** 8n);
      const index = WAD + RATE_AT_HALF * 90n;
      const debt = wadMulUp(5_000_000n * USDC, index);
      const s = await lens.marketSummary(market);
      expect([s.borrowIndexWad, s.totalDebt, s.reserves]).to.deep.equal([
        index,
        debt,
        ((debt - 5_000_000n * USDC) * 1_000n) / 10_000n,
      ]);
      expect(s.spotPriceWad).to.equal(1_900n * USDC);
      // w = 90 / 900: ema = 2000 - 100 × 0.1 = 1990.
      expect(s.emaPriceWad).to.equal(1_990n * USDC);
      // The borrow at t0 took the first variance sample; 90 s < 300 s later the move is not sampled yet.
      expect([s.varianceWad, s.volMultiplierWad]).to.deep.equal([0n, WAD]);
      await time.increaseTo(t0 + 300);
      const later = await lens.marketSummary(market);
      // w = min(300 / 900, 1/4) = 1/4: ema = 2000 - 100 / 4 = 1975.
      expect(later.emaPriceWad).to.equal(1_975n * USDC);
      // 300 s after the sample: r = 0.05, 0.0025 × 31_536_000 / max(300, 86_400) = 0.9125.
      expect(later.varianceWad).to.equal(912_500_000_000_000_000n);
      // m = 1 + (0.9125 - 0.5²) / (1.5² - 0.5²) = 1 + 0.6625 / 2 = 1.33125.
      expect(later.volMultiplierWad).to.equal(1_331_250_000_000_000_000n);
    });

    it("caps the volatility multiplier at 2 above volHigh", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      await time.setNextBlockTimestamp(f.t0 + 300);
      await f.setAnswer(1_600n * 10n ** 8n);
      const s = await f.lens.marketSummary(f.market);
      // 300 s after the borrow's sample, r = 0.2: 0.04 × 365 = 14.6 ≥ 2.25.
      expect(s.varianceWad).to.equal(14_600_000_000_000_000_000n);
      expect(s.volMultiplierWad).to.equal(2n * WAD);
    });

    it("gives zeros for an empty market (utilisation 0, no shares, ema = spot)", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const empty = await secondMarket(f);
      const s = await f.lens.marketSummary(empty);
      expect([s.cash, s.totalDebt, s.reserves, s.borrowIndexWad]).to.deep.equal([0n, 0n, 0n, WAD]);
      expect([s.totalAssets, s.totalShares, s.utilisationWad, s.borrowersCount]).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
      ]);
      expect([s.oracleUsable, s.spotPriceWad, s.emaPriceWad, s.varianceWad]).to.deep.equal([
        true,
        P2000,
        P2000,
        0n,
      ]);
    });

    it("reports an unusable oracle as usable = false with spot 0 and the stored smoothed price", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      await time.increase(3_601); // the feed's heartbeat is 3600 s
      const s = await f.lens.marketSummary(f.market);
      expect([s.oracleUsable, s.oracleStatus, s.spotPriceWad, s.emaPriceWad, s.varianceWad]).to.deep.equal([
        false,
        0n,
        0n,
        P2000,
        0n,
      ]);
      expect(s.volMultiplierWad).to.equal(WAD);
    });

    it("reports the sequencer status (SequencerDown = 2) with a usable price", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const seq = MockV3Aggregator__factory.connect(await f.oracle.sequencerFeed(), f.deployer);
      const now = BigInt(await time.latest()) + 1n;
      await seq.updateRoundData(2n, 1n, now, now);
      const s = await f.lens.marketSummary(f.market);
      expect([s.oracleUsable, s.oracleStatus, s.spotPriceWad]).to.deep.equal([true, 2n, P2000]);
    });

    it("reports a paused market", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      await f.market.connect(f.guardian).pause();
      expect((await f.lens.marketSummary(f.market)).paused).to.equal(true);
    });
  });

  describe("marketSummaries", () => {
    it("returns one summary per market, in order", async () => {
      const f = await loadFixture(halfUtilisedFixture);
      const empty = await secondMarket(f);
      const out = await f.lens.marketSummaries([empty, f.market]);
      expect(out.length).to.equal(2);
      expect([out[0].market, out[0].cash, out[0].borrowersCount]).to.deep.equal([
        await empty.getAddress(),
        0n,
        0n,
      ]);
      expect([out[1].market, out[1].borrowersCount]).to.deep.equal([await f.market.getAddress(), 1n]);
      expect(await f.lens.marketSummaries([])).to.deep.equal([]);
    });
  });

  describe("positionState and positionStates", () => {
    /** Alice, bob and carol borrow at 70 % LTV at the fixture's kinked rate, then the price falls to $1,300:
     * collateral worth 0.93 of the debt, below debt x 1.02, so each step takes all collateral and writes the rest
     * off. The index is no longer 1 and each debt is rounded up on its own. */
    async function underwaterFixture() {
      const f = await deployMarket();
      const book: [typeof f.alice, bigint, bigint][] = [
        [f.alice, 10n * WETH, 14_000n * USDC],
        [f.bob, 7n * WETH, 9_800n * USDC],
        [f.carol, 3n * WETH, 4_200n * USDC],
      ];
      for (const [s, collateral, debt] of book) {
        await f.market.connect(s).supplyCollateral(s.address, collateral);
        await f.market.connect(s).borrow(debt, s.address);
      }
      await time.increase(12_345);
      await f.setAnswer(1_300n * 10n ** 8n);
      return { ...f, accounts: [f.alice.address, f.bob.address, f.carol.address] };
    }

    it("reports each step exactly as previewLiquidationStep does, with the write-off the step books", async () => {
      const f = await loadFixture(underwaterFixture);
      const states = await f.lens.positionStates(f.market, f.accounts);
      const [, , , index] = await f.market.accounting();
      const totalNorm = await f.market.totalNormDebt();
      const words = await f.market.packedPositions(f.accounts);
      expect(totalNorm).to.equal(words.reduce((sum, w) => sum + ((w >> 112n) & (2n ** 104n - 1n)), 0n));
      let belowDebt = 0;
      for (const [i, account] of f.accounts.entries()) {
        const st = states[i];
        expect([...st.step]).to.deep.equal([...(await f.market.previewLiquidationStep(account, MaxUint256))]);
        expect([st.step.status, st.step.zone, st.step.seized]).to.deep.equal([
          Step.Ready,
          Zone.Hard,
          st.collateral,
        ]);
        // The market books the fall of its total debt, each total rounded up, less what the keeper repays.
        const norm = (words[i] >> 112n) & (2n ** 104n - 1n);
        const fall = wadMulUp(totalNorm, index) - wadMulUp(totalNorm - norm, index);
        expect(st.step.badDebt).to.equal(fall - st.step.repaid);
        expect(st.debt - st.step.repaid - st.step.badDebt).to.be.oneOf([0n, 1n]);
        if (st.debt - st.step.repaid !== st.step.badDebt) belowDebt++;
      }
      // The write-off of at least one of them is one unit below its own debt less the repayment.
      expect(belowDebt).to.be.greaterThan(0);
    });

    it("positionState equals the one-account page, and an empty page is empty", async () => {
      const f = await loadFixture(underwaterFixture);
      const [one] = await f.lens.positionStates(f.market, [f.bob.address]);
      const st = await f.lens.positionState(f.market, f.bob.address);
      expect([...st.slice(0, 7), [...st.step]]).to.deep.equal([...one.slice(0, 7), [...one.step]]);
      expect(await f.lens.positionStates(f.market, [])).to.deep.equal([]);
    });

    it("takes the oracle's status: while the sequencer is down a soft step waits and a hard step runs", async () => {
      const f = await deployMarket({ sequencer: true });
      await f.market.connect(f.alice).supplyCollateral(f.alice.address, 10n * WETH);
      await f.market.connect(f.alice).borrow(15_000n * USDC, f.alice.address);
      await f.market.connect(f.bob).supplyCollateral(f.bob.address, 10n * WETH);
      await f.market.connect(f.bob).borrow(14_000n * USDC, f.bob.address);
      const seq = MockV3Aggregator__factory.connect(await f.oracle.sequencerFeed(), f.deployer);
      const now = BigInt(await time.latest()) + 1n;
      await seq.updateRoundData(2n, 1n, now, now);
      // $1,600: alice at 15,000 / 16,000 = 0.9375 (hard), bob at 14,000 / 16,000 = 0.875 (soft).
      await f.setAnswer(1_600n * 10n ** 8n);
      const [alice, bob] = await f.lens.positionStates(f.market, [f.alice.address, f.bob.address]);
      expect([alice.zone, alice.step.status]).to.deep.equal([Zone.Hard, Step.Ready]);
      expect([bob.zone, bob.step.status]).to.deep.equal([Zone.Soft, Step.SequencerNotReady]);
    });
  });

  describe("positionsPage", () => {
    it("returns the borrowers of a page with their states", async () => {
      const f = await loadFixture(threeBorrowersFixture);
      const [accounts, states] = await f.lens.positionsPage(f.market, 0n, 10n);
      expect(accounts).to.deep.equal([f.alice.address, f.bob.address, f.carol.address]);
      expect(states.length).to.equal(3);
      // alice: 15,000 / 20,000 = 0.75; bob: 10,000 / 40,000 = 0.25; carol: 100 / 2000 = 0.05.
      expect(states.map((s) => [s.collateral, s.debt, s.ltvWad, s.zone])).to.deep.equal([
        [10n * WETH, 15_000n * USDC, 750_000_000_000_000_000n, Zone.Healthy],
        [20n * WETH, 10_000n * USDC, 250_000_000_000_000_000n, Zone.Healthy],
        [WETH, 100n * USDC, 50_000_000_000_000_000n, Zone.Healthy],
      ]);
      // Liquidation prices D / (C × ltv), rounded up: alice 1875 / 1666.666667, bob 625 / 555.555556,
      // carol 125 / 111.111112.
      expect(states.map((s) => [s.softLiquidationPriceWad, s.hardLiquidationPriceWad])).to.deep.equal([
        [1_875n * USDC, 1_666_666_667n],
        [625n * USDC, 555_555_556n],
        [125n * USDC, 111_111_112n],
      ]);
      expect(states.map((s) => s.step.status)).to.deep.equal([Step.Healthy, Step.Healthy, Step.Healthy]);
    });

    it("clips the page to the list's end", async () => {
      const f = await loadFixture(threeBorrowersFixture);
      const [accounts, states] = await f.lens.positionsPage(f.market, 1n, 1n);
      expect(accounts).to.deep.equal([f.bob.address]);
      expect([states[0].collateral, states[0].debt]).to.deep.equal([20n * WETH, 10_000n * USDC]);
      const [tail] = await f.lens.positionsPage(f.market, 2n, 100n);
      expect(tail).to.deep.equal([f.carol.address]);
    });

    it("returns empty arrays past the end", async () => {
      const f = await loadFixture(threeBorrowersFixture);
      const [accounts, states] = await f.lens.positionsPage(f.market, 3n, 5n);
      expect(accounts).to.deep.equal([]);
      expect(states).to.deep.equal([]);
    });

    it("shows a repaid borrower with no debt (zone None, step NoDebt) but keeps it listed", async () => {
      const f = await loadFixture(threeBorrowersFixture);
      await f.market.connect(f.carol).repay(f.carol.address, ethers.MaxUint256);
      const [accounts, states] = await f.lens.positionsPage(f.market, 2n, 1n);
      expect(accounts).to.deep.equal([f.carol.address]);
      expect([states[0].collateral, states[0].debt, states[0].zone, states[0].step.status]).to.deep.equal([
        WETH,
        0n,
        Zone.None,
        Step.NoDebt,
      ]);
    });

    it("reflects a price move: alice in the soft zone at $1850", async () => {
      const f = await loadFixture(threeBorrowersFixture);
      await f.setAnswer(1_850n * 10n ** 8n);
      const [, states] = await f.lens.positionsPage(f.market, 0n, 1n);
      // 15,000 / 18,500 = 0.810810…, rounded up.
      expect([states[0].ltvWad, states[0].zone]).to.deep.equal([810_810_810_810_810_811n, Zone.Soft]);
    });
  });
});
