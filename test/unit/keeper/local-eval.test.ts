import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { evaluatePosition, unpackPosition, type MarketBlockState } from "../../../src/keeper/local-eval";
import { toMarketParams, toSnapshot } from "../../../src/keeper/rpc";
import type { OracleStatus } from "../../../src/sdk";
import { deployMarket, type MarketFixture } from "../../helpers/fixtures";

const MAX = ethers.MaxUint256;
const E8 = 10n ** 8n;

/**
 * Default parameters (wick filter and volatility scaling on) with an L2 sequencer feed. Eleven borrowers, each
 * 10 WETH, borrowing from 9,000 to 14,000 USDC (LTV 0.45 to 0.70 at $2,000), and one account that never borrowed.
 */
async function fixture() {
  const f = await deployMarket({ sequencer: true });
  const signers = (await ethers.getSigners()).slice(9, 20);
  for (const [i, s] of signers.entries()) {
    await f.weth.mint(s.address, 10n * f.collateralUnit);
    await f.weth.connect(s).approve(f.market, MAX);
    await f.market.connect(s).supplyCollateral(s.address, 10n * f.collateralUnit);
    await f.market.connect(s).borrow((9_000n + 500n * BigInt(i)) * f.debtUnit, s.address);
  }
  const accounts = [...signers.map((s) => s.address), ethers.Wallet.createRandom().address];
  return { ...f, accounts };
}

/** The market-wide state of the latest block, read as the keeper reads it. */
async function blockState(f: MarketFixture): Promise<MarketBlockState> {
  const [p, price, read, accounting, block] = await Promise.all([
    f.market.params(),
    f.market.priceState(),
    f.oracle.tryPrice(),
    f.market.accounting(),
    ethers.provider.getBlock("latest"),
  ]);
  return {
    params: toMarketParams(p),
    borrowIndexWad: accounting.borrowIndexWad,
    reserves: accounting.reserves,
    oracleUsable: price.oracleUsable,
    oracleStatus: Number(read.status) as OracleStatus,
    spotPriceWad: price.spotPriceWad,
    emaPriceWad: price.emaPriceWad,
    varianceWad: price.varianceWad,
    paceUsed: price.paceUsed,
    timestamp: BigInt(block!.timestamp),
  };
}

/** Local evaluation of every account equals MarketLens.positionStates; returns the snapshots. */
async function expectSameAsMarket(f: MarketFixture & { accounts: string[] }) {
  const [words, states, state] = await Promise.all([
    f.market.packedPositions(f.accounts),
    f.lens.positionStates(f.market, f.accounts),
    blockState(f),
  ]);
  const local = f.accounts.map((a, i) => evaluatePosition(a, unpackPosition(words[i]), state));
  const onChain = f.accounts.map((a, i) => toSnapshot(a, states[i]));
  // Bad debt: the market books the drop of its total debt, which the position's own debt can exceed by the
  // rounding of one unit (documented in local-eval.ts); every other field is exact.
  for (const [i, s] of local.entries()) {
    expect([0n, 1n]).to.include(s.step.badDebt - onChain[i].step.badDebt);
    onChain[i].step.badDebt = s.step.badDebt;
  }
  expect(local).to.deep.equal(onChain);
  return local;
}

describe("keeper local evaluation (packedPositions + src/sdk) equals MarketLens.positionStates", () => {
  it("unpacks a stored position: collateral, normalised debt, last step, registered", () => {
    const word = (1n << 248n) | (1_700_000_000n << 216n) | (123_456n << 112n) | (10n ** 18n);
    expect(unpackPosition(word)).to.deep.equal({
      collateral: 10n ** 18n,
      normDebt: 123_456n,
      lastStepAt: 1_700_000_000n,
      registered: true,
    });
  });

  it("packedPositions returns each account's stored word: the first borrower's 10 WETH / 9,000 USDC, and zero", async () => {
    const f = await loadFixture(fixture);
    const words = await f.market.packedPositions([f.accounts[0], f.accounts[11]]);
    // The first borrow met an index of exactly 1e18 (no debt had accrued), so normDebt = 9,000e6.
    expect(unpackPosition(words[0])).to.deep.equal({
      collateral: 10n * 10n ** 18n,
      normDebt: 9_000n * 10n ** 6n,
      lastStepAt: 0n,
      registered: true,
    });
    expect(words[1]).to.equal(0n);
    expect(await f.market.packedPositions([])).to.deep.equal([]);
  });

  it("agrees through a price walk: healthy, unconfirmed wick, soft steps and their spacing, hard zone, bad debt", async () => {
    const f = await loadFixture(fixture);
    let snaps = await expectSameAsMarket(f);
    expect(snaps.map((s) => Number(s.zone))).to.deep.equal([...Array(11).fill(1), 0]); // Healthy; None
    expect(snaps[11].step.status).to.equal(1); // NoDebt

    // $1,600: the upper borrowers enters the soft zone, but the smoothed price still says healthy (Unconfirmed).
    await f.setAnswer(1_600n * E8);
    await f.market.updatePriceState();
    snaps = await expectSameAsMarket(f);
    expect(snaps.some((s) => s.zone === 2 && s.step.status === 6)).to.equal(true);

    // Half an hour later the smoothed price has followed: soft steps are Ready; take two of them.
    for (let i = 0; i < 6; i++) {
      await time.increase(300);
      await f.setAnswer(1_600n * E8);
      await f.market.updatePriceState();
    }
    snaps = await expectSameAsMarket(f);
    const ready = snaps.filter((s) => s.step.status === 0);
    expect(ready.length).to.be.greaterThan(1);
    for (const s of ready.slice(0, 2))
      await f.market.connect(f.keeper).liquidationStep(s.account, MAX, 0n, "0x");
    snaps = await expectSameAsMarket(f);
    // The two stepped positions carry their next step time; each is now TooSoon (5) or back to Healthy (2).
    const stepped = snaps.filter((s) => s.nextSoftStepAt !== 0n);
    expect(stepped.map((s) => s.account)).to.deep.equal(ready.slice(0, 2).map((s) => s.account));
    for (const s of stepped) expect([2, 5]).to.include(Number(s.step.status));

    // A year of interest, then $1,450: hard zone for the deepest, and bad debt below collateral cover.
    await time.increase(365 * 86_400);
    await f.setAnswer(1_450n * E8);
    snaps = await expectSameAsMarket(f);
    expect(snaps.some((s) => s.zone === 3)).to.equal(true);
    await f.setAnswer(1_200n * E8);
    snaps = await expectSameAsMarket(f);
    expect(snaps.some((s) => s.step.badDebt > 0n)).to.equal(true);
  });

  it("agrees while the sequencer is down (soft steps wait) and when the feed is stale (oracle unusable)", async () => {
    const f = await loadFixture(fixture);
    await f.setAnswer(1_650n * E8);
    for (let i = 0; i < 6; i++) {
      await time.increase(300);
      await f.setAnswer(1_650n * E8);
      await f.market.updatePriceState();
    }
    const sequencer = await ethers.getContractAt("MockV3Aggregator", await f.oracle.sequencerFeed());
    const now = BigInt(await time.latest());
    await sequencer.updateRoundData(2, 1, now, now); // down
    let snaps = await expectSameAsMarket(f);
    expect(snaps.some((s) => s.step.status === 4)).to.equal(true); // SequencerNotReady

    await sequencer.updateRoundData(3, 0, now + 10n, now + 10n); // back up, in its grace period
    await time.increase(2 * 3_600); // and the price feed goes stale
    snaps = await expectSameAsMarket(f);
    expect(snaps.every((s) => s.step.status === 3)).to.equal(true); // OracleUnavailable
  });
});
