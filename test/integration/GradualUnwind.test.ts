import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { KinkedRateModel } from "../../typechain-types";
import { deployMarket } from "../helpers/fixtures";
import { WAD, min, mulDivDown, mulDivUp, wadDivUp, wadMulDown, wadMulUp } from "../helpers/math";

/*
 * A keeper follows one position down a steady price decline (10 $ a minute, from $2000 to $1400) with the
 * default parameters: wick filter, volatility scaling and spacing all on. Every minute the feed moves and the
 * keeper acts one second later: it steps when the market allows it, otherwise it checks the refusal and pokes
 * `updatePriceState`, as the bot does. When spacing is what holds a step back and it ends before the next
 * minute, the keeper tries again one second before it ends (refused TooSoon) and at the second it ends.
 * However often the keeper pokes, the market samples the variance at most once per 300 s.
 *
 * Expected values come from the formulas of docs/MECHANISM.md, written out below (PriceSmoothing for the
 * smoothed price and variance, the soft-step schedule), fed with the prices and times the test itself chose.
 * The rate model is replaced by a zero rate so debt only moves with repayments.
 */

const YEAR = 31_536_000n;
const MAX = ethers.MaxUint256;
const bps = (b: bigint): bigint => b * 10n ** 14n;
const eth = (amount: string): bigint => ethers.parseEther(amount);
const usd = (amount: string): bigint => ethers.parseUnits(amount, 6);
/** Oracle price of WETH(18)/USDC(6) at `dollars`: dollars x 1e6; the 8-decimal feed answer is dollars x 1e8. */
const px = (dollars: bigint): bigint => dollars * 10n ** 6n;
const answer = (dollars: bigint): bigint => dollars * 10n ** 8n;

const SOFT = bps(8000n);
const HARD = bps(9000n);
const TARGET = bps(7200n);
const MIN_DEBT = usd("100");
const STEP_INTERVAL = 600n;
const CONFIRM_DELAY = 900n;
const VOL_TAU = 86_400n;
/** PriceSmoothing.VARIANCE_SAMPLE_SECONDS. */
const VARIANCE_SAMPLE = 300n;

const Zone = { Soft: 2n, Hard: 3n } as const;
const StepStatus = { Healthy: 2n, TooSoon: 5n, Unconfirmed: 6n } as const;

// ------------------------------------------------------------------ MECHANISM.md, by hand

/** The market-wide smoothed price and variance (PriceSmoothing), as the market keeps them. */
class PriceStateModel {
  ema = 0n;
  updatedAt = 0n;
  variance = 0n;
  /** Price and time of the last variance sample. */
  sampledPrice = 0n;
  sampledAt = 0n;
  /** Times of the variance samples committed so far. */
  sampleTimes: bigint[] = [];

  /** The state a price-reading action at `now` would see (LendingMarket._loadPriceState). */
  at(now: bigint, spot: bigint): { ema: bigint; variance: bigint; sampled: boolean } {
    // First observation: everything starts at spot.
    if (this.sampledPrice === 0n) return { ema: spot, variance: this.variance, sampled: true };
    const dt = now - this.updatedAt;
    // E' = E + (P - E) w, w = min(dt / confirmDelay, 1/4), the move rounded toward E
    const w = min((dt * WAD) / CONFIRM_DELAY, WAD / 4n);
    const ema =
      spot >= this.ema
        ? this.ema + wadMulDown(spot - this.ema, w)
        : this.ema - wadMulDown(this.ema - spot, w);
    // The variance is sampled at most once per VARIANCE_SAMPLE_SECONDS, over the time since the last sample:
    // v' = v (1 - w) + r^2 YEAR / max(dt, volTau), w = min(dt / volTau, 1), |r| <= 50 %, v <= 16
    const ds = now - this.sampledAt;
    if (ds < VARIANCE_SAMPLE) return { ema, variance: this.variance, sampled: false };
    const last = this.sampledPrice;
    const r = min(mulDivDown(spot > last ? spot - last : last - spot, WAD, last), WAD / 2n);
    const wv = min((ds * WAD) / VOL_TAU, WAD);
    const sample = (wadMulDown(r, r) * YEAR) / (ds > VOL_TAU ? ds : VOL_TAU);
    const variance = min(this.variance - wadMulDown(this.variance, wv) + sample, 16n * WAD);
    return { ema, variance, sampled: true };
  }

  /** A price-reading action at `now` happened. */
  commit(now: bigint, spot: bigint): { ema: bigint; variance: bigint; sampled: boolean } {
    const s = this.at(now, spot);
    [this.ema, this.variance, this.updatedAt] = [s.ema, s.variance, now];
    if (s.sampled) {
      [this.sampledPrice, this.sampledAt] = [spot, now];
      this.sampleTimes.push(now);
    }
    return s;
  }
}

/** m = 1 + clamp((v - 0.5^2) / (1.5^2 - 0.5^2), 0, 1). */
function volMultiplier(v: bigint): bigint {
  const low = (bps(5000n) * bps(5000n)) / WAD;
  const high = (bps(15000n) * bps(15000n)) / WAD;
  if (v <= low) return WAD;
  if (v >= high) return 2n * WAD;
  return WAD + mulDivDown(v - low, WAD, high - low);
}

/** stepInterval / m, rounded down. */
const spacing = (v: bigint): bigint => mulDivDown(STEP_INTERVAL, WAD, volMultiplier(v));

interface Position {
  collateral: bigint;
  debt: bigint;
  lastStepAt: bigint;
}

type Plan =
  | { status: "Healthy" | "Hard" | "Unconfirmed"; ltv: bigint }
  | { status: "TooSoon"; ltv: bigint; nextAt: bigint }
  | {
      status: "Ready";
      ltv: bigint;
      repaid: bigint;
      seized: bigint;
      incentive: bigint;
      closeFactor: bigint;
      ltvAfter: bigint;
    };

/** A soft step with an unlimited maxRepay (MECHANISM.md "Soft step"); the pace bucket is never binding here. */
function planSoftStep(pos: Position, now: bigint, spot: bigint, ema: bigint, variance: bigint): Plan {
  const value = wadMulDown(pos.collateral, spot);
  const ltv = wadDivUp(pos.debt, value);
  if (ltv < SOFT) return { status: "Healthy", ltv };
  if (ltv >= HARD) return { status: "Hard", ltv };
  if (pos.lastStepAt !== 0n) {
    const nextAt = pos.lastStepAt + spacing(variance);
    if (now < nextAt) return { status: "TooSoon", ltv, nextAt };
  }
  const q = mulDivDown(ltv - SOFT, WAD, HARD - SOFT);
  // Wick filter: while spot is below the smoothed price, the position must be in the soft zone at that price too.
  if (ema > spot && wadDivUp(pos.debt, wadMulDown(pos.collateral, ema)) < SOFT) {
    return { status: "Unconfirmed", ltv };
  }
  const incentive = bps(100n) + wadMulDown(bps(400n), q);
  const cfLow = min(wadMulDown(bps(1000n), volMultiplier(variance)), bps(5000n));
  const closeFactor = cfLow + wadMulDown(bps(5000n) - cfLow, q);
  const targetRepay = mulDivUp(
    pos.debt - min(pos.debt, wadMulDown(TARGET, value)),
    WAD,
    WAD - wadMulUp(TARGET, WAD + incentive),
  );
  let repaid = min(wadMulDown(pos.debt, closeFactor), targetRepay, pos.debt);
  if (pos.debt - repaid < MIN_DEBT) repaid = pos.debt;
  const seized = min(mulDivDown(repaid, WAD + incentive, spot), pos.collateral);
  const ltvAfter =
    pos.debt === repaid ? 0n : wadDivUp(pos.debt - repaid, wadMulDown(pos.collateral - seized, spot));
  return { status: "Ready", ltv, repaid, seized, incentive, closeFactor, ltvAfter };
}

// ------------------------------------------------------------------ fixture

async function unwindFixture() {
  const f = await deployMarket();
  const zeroRate = (await ethers.deployContract("KinkedRateModel", [
    0n,
    0n,
    0n,
    WAD,
  ])) as unknown as KinkedRateModel;
  await f.market.connect(f.admin).setRateModel(zeroRate);
  // alice: 10 WETH, 15,000 USDC at $2000: LTV 0.75 (maxLtv); soft from $1875, hard from $1666.67.
  await f.market.connect(f.alice).supplyCollateral(f.alice.address, eth("10"));
  await f.market.connect(f.alice).borrow(usd("15000"), f.alice.address);
  return { ...f, T: BigInt(await time.latest()) };
}

/** $2000 at t = 0, 10 $ less every minute down to $1400 (an hour), then flat. */
const priceAtTick = (k: bigint): bigint => (k <= 60n ? 2000n - 10n * k : 1400n);

interface StepRecord {
  at: bigint;
  spacing: bigint;
  chased: boolean;
  ltvBefore: bigint;
  ltvAfter: bigint;
}

describe("Gradual unwind (integration)", () => {
  it("unwinds a position stepwise as its price walks down, then closes a position pushed past hardLtv at once [uninstrumented]", async () => {
    const f = await loadFixture(unwindFixture);
    const { market, lens, keeper, alice, bob } = f;
    const prices = new PriceStateModel();
    prices.commit(f.T, px(2000n)); // alice's borrow read the price first
    const pos: Position = { collateral: eth("10"), debt: usd("15000"), lastStepAt: 0n };
    const steps: StepRecord[] = [];
    const refusals = new Map<bigint, bigint>(); // time of a TooSoon refusal -> its nextAt
    // Attempts at the second spacing ends: the step they followed, and the outcome.
    const chases: { at: bigint; lastStepAt: bigint; status: Plan["status"] }[] = [];
    let pokes = 0;
    // Unconfirmed refusals once spacing had run out after a step.
    let unconfirmedAfterSpacing = 0;
    let lastTx = f.T;

    /** One keeper attempt at `now` with the hand-computed outcome; returns the plan. */
    async function attempt(now: bigint, spot: bigint, chased: boolean): Promise<Plan> {
      const seen = prices.at(now, spot);
      const plan = planSoftStep(pos, now, spot, seen.ema, seen.variance);
      await time.setNextBlockTimestamp(now);
      lastTx = now;
      const call = market.connect(keeper).liquidationStep(alice.address, MAX, 0n, "0x");
      if (plan.status === "Hard") throw new Error("the walk was meant to stay out of the hard zone");
      if (plan.status === "Ready") {
        const tx = await call;
        await expect(tx).to.emit(market, "PriceStateUpdated").withArgs(spot, seen.ema, seen.variance);
        await expect(tx)
          .to.emit(market, "LiquidationStepped")
          .withArgs(
            alice.address,
            keeper.address,
            Zone.Soft,
            plan.repaid,
            plan.seized,
            plan.incentive,
            0n,
            plan.ltv,
            plan.ltvAfter,
          );
        prices.commit(now, spot);
        steps.push({
          at: now,
          spacing: pos.lastStepAt === 0n ? 0n : spacing(seen.variance),
          chased,
          ltvBefore: plan.ltv,
          ltvAfter: plan.ltvAfter,
        });
        pos.debt -= plan.repaid;
        pos.collateral -= plan.seized;
        pos.lastStepAt = now;
      } else {
        const status = StepStatus[plan.status];
        const nextAt = plan.status === "TooSoon" ? plan.nextAt : 0n;
        await expect(call)
          .to.be.revertedWithCustomError(market, "MarketStepNotAllowed")
          .withArgs(status, nextAt);
        if (plan.status === "TooSoon") refusals.set(now, plan.nextAt);
        if (plan.status === "Unconfirmed" && pos.lastStepAt !== 0n) unconfirmedAfterSpacing++;
      }
      return plan;
    }

    for (let k = 1n; k <= 90n; k++) {
      const tick = f.T + 60n * k;
      const spot = px(priceAtTick(k));
      await time.setNextBlockTimestamp(tick);
      await f.setAnswer(answer(priceAtTick(k)));
      lastTx = tick;

      let plan = await attempt(tick + 1n, spot, false);
      // Spacing holds the step back and ends within this minute: try one second before it ends, then at it.
      for (let chase = 0; plan.status === "TooSoon" && chase < 3; chase++) {
        if (plan.nextAt > tick + 57n) break;
        if (plan.nextAt - 1n > lastTx) {
          plan = await attempt(plan.nextAt - 1n, spot, true);
          if (plan.status !== "TooSoon") break;
        }
        const [at, lastStepAt] = [plan.nextAt, pos.lastStepAt];
        plan = await attempt(at, spot, true);
        chases.push({ at, lastStepAt, status: plan.status });
      }
      if (plan.status !== "Ready") {
        // No step this minute: the keeper pokes the price state, as the bot does.
        const now = lastTx + 1n;
        const seen = prices.commit(now, spot);
        await time.setNextBlockTimestamp(now);
        lastTx = now;
        await expect(market.connect(keeper).updatePriceState())
          .to.emit(market, "PriceStateUpdated")
          .withArgs(spot, seen.ema, seen.variance);
        pokes++;
      }
    }

    // ---- the variance was sampled at most once per 300 s, though the keeper poked (almost) every minute
    expect(pokes).to.be.gte(70);
    // The first sample was alice's borrow at T; one more per 300 s at most.
    expect(prices.sampleTimes[0]).to.equal(f.T);
    expect(prices.sampleTimes.length).to.be.lte(Number((lastTx - f.T) / VARIANCE_SAMPLE) + 1);
    for (let i = 1; i < prices.sampleTimes.length; i++) {
      expect(prices.sampleTimes[i] - prices.sampleTimes[i - 1]).to.be.gte(VARIANCE_SAMPLE);
    }

    // ---- the unwind, step by step
    expect(steps.length).to.be.gte(4);
    for (const s of steps) {
      // Each step moves LTV toward targetLtv = 0.72 without passing it (the close factor binds, not the target).
      expect(s.ltvBefore).to.be.gte(SOFT);
      expect(s.ltvAfter).to.be.lt(s.ltvBefore);
      expect(s.ltvAfter).to.be.gt(TARGET);
    }
    for (let i = 1; i < steps.length; i++) {
      // Never closer than the volatility-scaled interval at the time of the step.
      expect(steps[i].at - steps[i - 1].at).to.be.gte(steps[i].spacing);
    }
    // Refusals name their reason and, for TooSoon, exactly lastStepAt + stepInterval / m (attempt() checks the
    // revert's arguments). In this steady fall the spacing (300 to 400 s: sampled every 300 s, the decline keeps m
    // high) ends before the smoothed price, lagging about slope x confirmDelay behind spot, confirms the next soft
    // step: after a step, the keeper is first refused TooSoon, then Unconfirmed, and never steps at the first
    // second spacing allows (no spacing end falls within a minute with the step Ready at once).
    expect(refusals.size).to.be.gte(steps.length - 1);
    expect(unconfirmedAfterSpacing).to.be.gte(steps.length - 1);
    for (const c of chases) expect(c.status).to.equal("Unconfirmed");
    for (let i = 1; i < steps.length; i++) expect(steps[i].at - steps[i - 1].at).to.be.gt(steps[i].spacing);
    // The decline keeps raising the variance estimate, so the intervals shrink as the walk goes on, until m
    // reaches 2 and the interval its floor of stepInterval / 2 = 300 s.
    const intervals = steps.slice(1).map((s) => s.spacing);
    for (let i = 1; i < intervals.length; i++) {
      if (intervals[i - 1] === STEP_INTERVAL / 2n) expect(intervals[i]).to.equal(STEP_INTERVAL / 2n);
      else expect(intervals[i]).to.be.lt(intervals[i - 1]);
    }
    expect(intervals[0]).to.be.gt(STEP_INTERVAL / 2n);
    expect(intervals[intervals.length - 1]).to.equal(STEP_INTERVAL / 2n);
    // The position ends healthy with exactly the books the steps left.
    const st = await lens.positionState(market, alice.address);
    expect(st.debt).to.equal(pos.debt);
    expect(st.collateral).to.equal(pos.collateral);
    expect(st.ltvWad).to.equal(wadDivUp(pos.debt, wadMulDown(pos.collateral, px(1400n))));
    expect(st.ltvWad).to.be.lt(SOFT);
    expect(st.ltvWad).to.be.gt(TARGET);

    // ---- the same kind of position pushed past hardLtv is closed at once
    // The price recovers to $2000 and stays there for an hour; keepers keep poking, the smoothed price follows.
    let now = lastTx;
    for (let j = 0; j < 16; j++) {
      now += 225n;
      await time.setNextBlockTimestamp(now);
      await f.setAnswer(answer(2000n));
      const seenNow = prices.commit(now + 1n, px(2000n));
      await time.setNextBlockTimestamp(now + 1n);
      await expect(market.connect(keeper).updatePriceState())
        .to.emit(market, "PriceStateUpdated")
        .withArgs(px(2000n), seenNow.ema, seenNow.variance);
    }
    now += 60n;
    await time.setNextBlockTimestamp(now);
    await f.setAnswer(answer(2000n));
    await time.setNextBlockTimestamp(now + 1n);
    await market.connect(bob).supplyCollateral(bob.address, eth("10"));
    await time.setNextBlockTimestamp(now + 2n);
    await market.connect(bob).borrow(usd("15000"), bob.address); // LTV 0.75 at $2000
    prices.commit(now + 2n, px(2000n));

    now += 60n;
    await time.setNextBlockTimestamp(now);
    await f.setAnswer(answer(1600n)); // bob: 15,000 / 16,000 = 0.9375 >= hardLtv
    // The smoothed price still sits near $2000, so the wick filter would hold a soft step back for long...
    const seen = prices.at(now + 1n, px(1600n));
    expect(seen.ema).to.be.gt(px(1900n));
    // ...but the hard zone uses the spot price: V = 16,000 >= 15,000 x 1.05, so incMax and the whole debt:
    // seized = 15,000 x 1.05 / 1600 = 9.84375 WETH.
    await time.setNextBlockTimestamp(now + 1n);
    await expect(market.connect(keeper).liquidationStep(bob.address, MAX, 0n, "0x"))
      .to.emit(market, "LiquidationStepped")
      .withArgs(
        bob.address,
        keeper.address,
        Zone.Hard,
        usd("15000"),
        eth("9.84375"),
        eth("0.05"),
        0n,
        eth("0.9375"),
        0n,
      );
    expect(await market.debtOf(bob.address)).to.equal(0n);
    expect(await market.collateralOf(bob.address)).to.equal(eth("0.15625"));
  });
});
