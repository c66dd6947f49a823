import { expect } from "chai";
import { network } from "hardhat";
import { runPath } from "../../../src/sim/engine";
import { setupWorld, type World } from "../../../src/sim/world";
import { computeMetrics, wouldRecover } from "../../../src/sim/metrics";
import { policyParams } from "../../../src/sim/policies";
import type { PricePath, SimDefaults } from "../../../src/sim/scenarios";

const USDC = 10n ** 6n;
const ETH = 10n ** 18n;

/**
 * A tiny scenario worked out by hand. Three positions of 1 ETH each, borrowing 1,400, 1,000 and 1,480 USDC at
 * $2,000 (LTV 70 %, 50 %, 74 %); a zero borrow rate, so debts do not grow and the market holds no reserves (no
 * keeper tip); a pool 100x the borrowers' collateral (300 ETH + 600,000 USDC) and no arbitrage, so the pool stays
 * where it was set. The price drops to $1,450 in one tick and returns to $2,000 the next. Policy: instant
 * (softLtv = hardLtv = 80 %, incentive 5 %, hard-zone floor 2 %).
 *
 * At $1,450 the oracle price is 1,450e6 USDC units per ETH (P = 1.45e9 WAD per wei):
 * - C (1,480 USDC): LTV 102.07 %; 1 ETH is worth 1,450 < 1,480 x 1.02 = 1,509.6, the last hard row: the keeper
 *   repays ceil(1,450e6 / 1.02) = 1,421,568,628 units for all the collateral and the market writes off
 *   1,480,000,000 - 1,421,568,628 = 58,431,372 units (58.431372 USDC) of bad debt.
 * - A (1,400 USDC): LTV 96.55 %; 1,400 x 1.02 = 1,428 <= 1,450 < 1,400 x 1.05 = 1,470, the middle row: the keeper
 *   repays the whole 1,400 USDC for all the collateral (pro rata); no bad debt.
 * - B (1,000 USDC): LTV 68.97 %, healthy.
 * The keeper steps the deepest first (C, then A) and sells each ETH into the pool (out = in 997 R_out /
 * (R_in 1000 + in 997)): C: 1e18 x 997 x 600,000e6 / (300e18 x 1000 + 997e18) = 1,987,395,223;
 * A: 1e18 x 997 x (600,000e6 - 1,987,395,223) / (301e18 x 1000 + 997e18) = 1,974,253,277.
 * Figures: repaid 2,821.568628; seized 2 ETH; bad debt 58.431372; incentive part of the borrower loss
 * (1,450 - 1,421.568628) + (1,450 - 1,400) = 78.431372; slippage 2 x 1,450 - 3,961.648500 = -1,061.648500 (the
 * pool, without arbitrage, still pays $2,000-ish); keeper revenue 3,961.648500 - 2,821.568628 = 1,140.079872.
 * Both A and C would have recovered (their LTV at the final $2,000 is 70 % and 74 %, below hardLtv 90 %).
 */
describe("simulator engine: a tiny scenario worked out by hand [uninstrumented]", function () {
  const defaults: SimDefaults = {
    seed: 1,
    borrowers: 3,
    initialPrice: 2000,
    ltvRange: [0.5, 0.74],
    collateralMedian: 1,
    collateralSigma: 0,
    collateralMin: 1,
    utilization: 0.5,
    feedDeviation: 0.005,
    feedHeartbeatSeconds: 3600,
    arbCapacityPerMinute: 0,
    gasPriceGwei: 1,
    gasPerStepEstimate: 220_000,
    depths: { test: 100 },
    samplePositionLtvs: [0.7],
  };
  const path: PricePath = { name: "tiny", tickSeconds: 60, prices: [2000, 1450, 2000] };
  let world: World;
  let before0: string;

  before(async function () {
    // The simulator sets its own block times (from SIM_EPOCH_SECONDS on): the suites after this one get the chain back.
    before0 = (await network.provider.request({ method: "evm_snapshot" })) as string;
    world = await setupWorld(defaults, ["test"], {
      zeroRate: true,
      specs: [
        { collateral: ETH, debt: 1_400n * USDC },
        { collateral: ETH, debt: 1_000n * USDC },
        { collateral: ETH, debt: 1_480n * USDC },
      ],
    });
  });

  after(async function () {
    await network.provider.request({ method: "evm_revert", params: [before0] });
  });

  it("instant policy: closes A (middle hard row) and C (bad debt) for the hand-computed amounts", async function () {
    const run = await runPath(world, path, policyParams("instant"), "test");
    expect(
      run.steps.map((s) => [s.t, s.borrower, s.repaid, s.seized, s.tip, s.proceeds, s.badDebt]),
    ).to.deep.equal([
      [60, 2, 1_421_568_628n, ETH, 0n, 1_987_395_223n, 58_431_372n],
      [60, 0, 1_400_000_000n, ETH, 0n, 1_974_253_277n, 0n],
    ]);
    expect(run.keeperRevenue).to.equal(1_140_079_872n);
    expect(run.final).to.deep.equal([
      { collateral: 0n, debt: 0n },
      { collateral: ETH, debt: 1_000n * USDC },
      { collateral: 0n, debt: 0n },
    ]);

    const recovers = wouldRecover(world.borrowers, path, world.ratePerSecond, 0.9, "end");
    expect(recovers).to.deep.equal([true, true, true]);
    const m = computeMetrics(run, recovers, path.tickSeconds);
    expect(m.steps).to.equal(2);
    expect(m.positionsUnwound).to.equal(2);
    expect(m.recoveredUnwound).to.equal(2);
    expect(m.incentiveUsd).to.be.closeTo(78.431372, 1e-9);
    expect(m.slippageUsd).to.be.closeTo(-1_061.6485, 1e-9);
    expect(m.borrowerLossUsd).to.be.closeTo(78.431372 - 1_061.6485, 1e-9);
    expect(m.realizedBadDebtUsd).to.be.closeTo(58.431372, 1e-9);
    expect(m.unrealizedBadDebtUsd).to.equal(0);
    expect(m.keeperRevenueUsd).to.be.closeTo(1_140.079872, 1e-9);
    expect(m.collateralSold).to.equal(2);
    // The pool is above the reference at $1,450; after the two sales it holds 596,038.3515 USDC and 302 ETH,
    // 1,973.6369 per ETH, which is 1.318 % below the $2,000 reference of the last tick.
    expect(m.worstPoolDepression).to.be.closeTo(1 - 596_038.3515 / 302 / 2000, 1e-12);
    // C and A are at or above 90 % at the $1,450 tick and closed in it: cleared one tick after.
    expect(m.timeToClearSeconds).to.equal(60);
  });

  it("ours: the same drop lands both positions in the hard zone, so the same two closes happen", async function () {
    const run = await runPath(world, path, policyParams("ours"), "test");
    expect(run.steps.map((s) => [s.borrower, s.repaid, s.seized, s.badDebt])).to.deep.equal([
      [2, 1_421_568_628n, ETH, 58_431_372n],
      [0, 1_400_000_000n, ETH, 0n],
    ]);
  });
});
