/**
 * The liquidation schedule in TypeScript: a bigint mirror of contracts/libraries/LiquidationSchedule.sol with
 * the same rounding, for frontends (LTV, zone, liquidation prices, next step) and for tests that check the
 * contracts against the documented formulas (docs/MECHANISM.md).
 */
import {
  BPS,
  MAX_UINT256,
  WAD,
  bpsToWad,
  min,
  mulDivDown,
  mulDivUp,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
  zeroFloorSub,
} from "./math";
import { OracleStatus, StepStatus, Zone, type MarketParams, type StepInputs, type StepPlan } from "./types";

/** Collateral value in debt units at `priceWad`, rounded down. */
export const valueOf = (collateral: bigint, priceWad: bigint): bigint => wadMulDown(collateral, priceWad);

/** debt / value, WAD, rounded up; max uint256 when the debt is backed by nothing; 0 without debt. */
export function ltvWad(debt: bigint, value: bigint): bigint {
  if (debt === 0n) return 0n;
  if (value === 0n) return MAX_UINT256;
  return wadDivUp(debt, value);
}

export function zoneOf(p: MarketParams, debt: bigint, ltv: bigint): Zone {
  if (debt === 0n) return Zone.None;
  if (ltv >= bpsToWad(p.hardLtvBps)) return Zone.Hard;
  if (ltv >= bpsToWad(p.softLtvBps)) return Zone.Soft;
  return Zone.Healthy;
}

/** Oracle price at which LTV equals `ltvBps`, rounded up; 0 without debt or collateral. */
export function liquidationPrice(collateral: bigint, debt: bigint, ltvBps: bigint): bigint {
  if (debt === 0n || collateral === 0n) return 0n;
  return mulDivUp(debt, WAD * WAD, collateral * bpsToWad(ltvBps));
}

/** Volatility multiplier in [1, 2] WAD, linear in variance between volLow² and volHigh². */
export function volMultiplierWad(p: MarketParams, varianceWad: bigint): bigint {
  const low = bpsToWad(p.volLowBps);
  const high = bpsToWad(p.volHighBps);
  const lowVar = wadMulDown(low, low);
  const highVar = wadMulDown(high, high);
  if (varianceWad <= lowVar) return WAD;
  if (varianceWad >= highVar) return 2n * WAD;
  return WAD + mulDivDown(varianceWad - lowVar, WAD, highVar - lowVar);
}

export const stepIntervalSeconds = (p: MarketParams, varianceWad: bigint): bigint =>
  mulDivDown(p.stepIntervalSeconds, WAD, volMultiplierWad(p, varianceWad));

export function depthWad(p: MarketParams, ltv: bigint): bigint {
  const soft = bpsToWad(p.softLtvBps);
  return mulDivDown(ltv - soft, WAD, bpsToWad(p.hardLtvBps) - soft);
}

export function closeFactorWad(p: MarketParams, q: bigint, m: bigint): bigint {
  const cfMax = bpsToWad(p.closeFactorMaxBps);
  const cfLow = min(wadMulDown(bpsToWad(p.closeFactorMinBps), m), cfMax);
  return cfLow + wadMulDown(cfMax - cfLow, q);
}

export function softIncentiveWad(p: MarketParams, q: bigint): bigint {
  const incMin = bpsToWad(p.incentiveMinBps);
  return incMin + wadMulDown(bpsToWad(p.incentiveMaxBps) - incMin, q);
}

export function targetRepay(p: MarketParams, debt: bigint, value: bigint, incentive: bigint): bigint {
  if (p.targetLtvBps === 0n) return debt;
  const target = bpsToWad(p.targetLtvBps);
  return mulDivUp(
    zeroFloorSub(debt, wadMulDown(target, value)),
    WAD,
    WAD - wadMulUp(target, WAD + incentive),
  );
}

enum Payout {
  AtIncentive,
  ProRata,
  AllForCover,
}

/** Hard-zone row, chosen from the exact C × P (as the contract does), with its incentive and closing repay. */
export function hardTerms(
  p: MarketParams,
  debt: bigint,
  collateral: bigint,
  priceWad: bigint,
): { incentive: bigint; fullRepay: bigint; payout: Payout } {
  const valueTimesWad = collateral * priceWad;
  const incMax = bpsToWad(p.incentiveMaxBps);
  if (valueTimesWad >= debt * (WAD + incMax))
    return { incentive: incMax, fullRepay: debt, payout: Payout.AtIncentive };
  const incFloor = bpsToWad(p.incentiveHardMinBps);
  if (valueTimesWad >= debt * (WAD + incFloor)) {
    return { incentive: valueTimesWad / debt - WAD, fullRepay: debt, payout: Payout.ProRata };
  }
  return {
    incentive: incFloor,
    fullRepay: mulDivUp(valueTimesWad, 1n, WAD + incFloor),
    payout: Payout.AllForCover,
  };
}

function seize(x: StepInputs, repaid: bigint, fullRepay: bigint, incentive: bigint, payout: Payout): bigint {
  if (payout === Payout.ProRata) return mulDivDown(x.collateral, repaid, x.debt);
  if (payout === Payout.AllForCover && repaid === fullRepay) return x.collateral;
  return min(mulDivDown(repaid, WAD + incentive, x.spotPriceWad), x.collateral);
}

function emptyPlan(status: StepStatus, zone = Zone.None, ltvBeforeWad = 0n): StepPlan {
  return {
    status,
    zone,
    repaid: 0n,
    seized: 0n,
    incentiveWad: 0n,
    tip: 0n,
    badDebt: 0n,
    ltvBeforeWad,
    ltvAfterWad: 0n,
  };
}

/** The step the inputs allow (LiquidationSchedule.plan); `nextAt` is set for TooSoon. */
export function plan(p: MarketParams, x: StepInputs): { plan: StepPlan; nextAt: bigint } {
  if (x.debt === 0n) return { plan: emptyPlan(StepStatus.NoDebt), nextAt: 0n };
  const value = valueOf(x.collateral, x.spotPriceWad);
  const ltvBefore = ltvWad(x.debt, value);
  const zone = zoneOf(p, x.debt, ltvBefore);
  if (zone === Zone.Healthy) return { plan: emptyPlan(StepStatus.Healthy, zone, ltvBefore), nextAt: 0n };
  if (x.maxRepay === 0n) return { plan: emptyPlan(StepStatus.RepayTooSmall, zone, ltvBefore), nextAt: 0n };

  let incentive: bigint;
  let fullRepay: bigint;
  let maxRepay: bigint;
  let payout = Payout.AtIncentive;
  if (zone === Zone.Soft) {
    if (x.oracleStatus !== OracleStatus.Ok)
      return { plan: emptyPlan(StepStatus.SequencerNotReady, zone, ltvBefore), nextAt: 0n };
    if (x.lastStepAt !== 0n) {
      const nextAt = x.lastStepAt + stepIntervalSeconds(p, x.varianceWad);
      if (x.timestamp < nextAt) return { plan: emptyPlan(StepStatus.TooSoon, zone, ltvBefore), nextAt };
    }
    // Wick filter: while spot is below the smoothed price, the position must be in the soft zone at that price too.
    if (
      x.emaPriceWad > x.spotPriceWad &&
      ltvWad(x.debt, valueOf(x.collateral, x.emaPriceWad)) < bpsToWad(p.softLtvBps)
    ) {
      return { plan: emptyPlan(StepStatus.Unconfirmed, zone, ltvBefore), nextAt: 0n };
    }
    const q = depthWad(p, ltvBefore);
    incentive = softIncentiveWad(p, q);
    const cf = closeFactorWad(p, q, volMultiplierWad(p, x.varianceWad));
    fullRepay = min(wadMulDown(x.debt, cf), targetRepay(p, x.debt, value, incentive), x.debt);
    if (fullRepay === 0n || x.debt - fullRepay < p.minDebt) fullRepay = x.debt;
    maxRepay = min(fullRepay, mulDivDown(x.paceRoom, WAD, WAD + incentive));
    if (maxRepay === 0n) {
      return {
        plan: { ...emptyPlan(StepStatus.PaceCapReached, zone, ltvBefore), incentiveWad: incentive },
        nextAt: 0n,
      };
    }
    if (x.maxRepay < maxRepay - maxRepay / 2n) {
      return {
        plan: { ...emptyPlan(StepStatus.RepayTooSmall, zone, ltvBefore), incentiveWad: incentive },
        nextAt: 0n,
      };
    }
  } else {
    ({ incentive, fullRepay, payout } = hardTerms(p, x.debt, x.collateral, x.spotPriceWad));
    maxRepay = fullRepay;
  }

  let repaid = min(x.maxRepay, maxRepay);
  let seized = seize(x, repaid, fullRepay, incentive, payout);
  if (repaid !== x.debt && seized !== x.collateral) {
    const remainingValue = valueOf(x.collateral - seized, x.spotPriceWad);
    if (x.debt - repaid < p.minDebt || remainingValue < p.minDebt) {
      const cap = min(
        zeroFloorSub(x.debt, p.minDebt),
        mulDivDown(zeroFloorSub(value, p.minDebt), WAD, WAD + incentive),
      );
      repaid = min(repaid, cap);
      if (repaid === 0n) {
        return {
          plan: { ...emptyPlan(StepStatus.LeavesDust, zone, ltvBefore), incentiveWad: incentive },
          nextAt: 0n,
        };
      }
      seized = seize(x, repaid, fullRepay, incentive, payout);
    }
  }
  const tip = repaid === fullRepay ? min(p.keeperTip, x.reserves, repaid) : 0n;
  let badDebt = 0n;
  let ltvAfter = 0n;
  if (seized === x.collateral && repaid < x.debt) badDebt = x.debt - repaid;
  else ltvAfter = ltvWad(x.debt - repaid, valueOf(x.collateral - seized, x.spotPriceWad));
  return {
    plan: {
      status: StepStatus.Ready,
      zone,
      repaid,
      seized,
      incentiveWad: incentive,
      tip,
      badDebt,
      ltvBeforeWad: ltvBefore,
      ltvAfterWad: ltvAfter,
    },
    nextAt: 0n,
  };
}
