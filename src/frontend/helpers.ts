/**
 * Pure helpers for frontends: a position's LTV, zone, liquidation prices and the next liquidation step, computed
 * from figures read at one block with exactly the contract's formulas and rounding (they reuse the schedule mirror
 * in src/sdk). `readMarket` / `readPosition` (read.ts) fetch those figures.
 */
import { MAX_UINT256, zeroFloorSub } from "../sdk/math";
import { liquidationPrice, ltvWad, plan, stepIntervalSeconds, valueOf, zoneOf } from "../sdk/schedule";
import { OracleStatus, StepStatus, Zone, type MarketParams, type StepPlan } from "../sdk/types";

/** A market at one block: its parameters, the price state the next step would see, reserves and the time. */
export interface MarketSnapshot {
  params: MarketParams;
  /** Whether the oracle gives a price (`tryPrice`); when false nothing below is used. */
  oracleUsable: boolean;
  oracleStatus: OracleStatus;
  spotPriceWad: bigint;
  emaPriceWad: bigint;
  varianceWad: bigint;
  /** Collateral value already seized by soft steps in the pace window (priceState). */
  paceUsed: bigint;
  reserves: bigint;
  /** Block timestamp, seconds. */
  timestamp: bigint;
}

/** One position at the same block. */
export interface PositionSnapshot {
  collateral: bigint;
  /** Debt with interest to the block (debtOf), debt-token base units. */
  debt: bigint;
  /** Timestamp of the position's last liquidation step (0: none). */
  lastStepAt: bigint;
}

/** What `MarketLens.positionState` returns. */
export interface PositionView {
  collateral: bigint;
  debt: bigint;
  ltvWad: bigint;
  zone: Zone;
  softLiquidationPriceWad: bigint;
  hardLiquidationPriceWad: bigint;
  nextSoftStepAt: bigint;
  step: StepPlan;
}

/** Debt / collateral value at `priceWad`, WAD, rounded up (max uint256 when the collateral is worth nothing). */
export const positionLtv = (collateral: bigint, debt: bigint, priceWad: bigint): bigint =>
  ltvWad(debt, valueOf(collateral, priceWad));

/** The zone of a position at `priceWad`. */
export const positionZone = (
  params: MarketParams,
  collateral: bigint,
  debt: bigint,
  priceWad: bigint,
): Zone => zoneOf(params, debt, positionLtv(collateral, debt, priceWad));

/** Oracle prices at which the position reaches softLtv and hardLtv (0 without debt or collateral). */
export function liquidationPrices(
  params: MarketParams,
  collateral: bigint,
  debt: bigint,
): { softWad: bigint; hardWad: bigint } {
  return {
    softWad: liquidationPrice(collateral, debt, params.softLtvBps),
    hardWad: liquidationPrice(collateral, debt, params.hardLtvBps),
  };
}

/** Earliest time of the next soft step (spacing only; 0 when the position was never stepped). */
export const nextSoftStepAt = (market: MarketSnapshot, position: PositionSnapshot): bigint =>
  position.lastStepAt === 0n
    ? 0n
    : position.lastStepAt + stepIntervalSeconds(market.params, market.varianceWad);

const unavailable = (): StepPlan => ({
  status: StepStatus.OracleUnavailable,
  zone: Zone.None,
  repaid: 0n,
  seized: 0n,
  incentiveWad: 0n,
  tip: 0n,
  badDebt: 0n,
  ltvBeforeWad: 0n,
  ltvAfterWad: 0n,
});

/**
 * What `previewLiquidationStep(account, maxRepay)` returns at the snapshot's block. `badDebt` is the position's
 * remaining debt; the contract reports the fall of the market's total debt, which can differ by one base unit.
 */
export function previewStep(
  market: MarketSnapshot,
  position: PositionSnapshot,
  maxRepay = MAX_UINT256,
): StepPlan {
  if (!market.oracleUsable) return unavailable();
  return plan(market.params, {
    collateral: position.collateral,
    debt: position.debt,
    lastStepAt: position.lastStepAt,
    spotPriceWad: market.spotPriceWad,
    emaPriceWad: market.emaPriceWad,
    varianceWad: market.varianceWad,
    oracleStatus: market.oracleStatus,
    paceRoom: zeroFloorSub(market.params.maxSoftSeizePerWindow, market.paceUsed),
    reserves: market.reserves,
    maxRepay,
    timestamp: market.timestamp,
  }).plan;
}

/** What `MarketLens.positionState(market, account)` returns at the snapshot's block. */
export function describePosition(market: MarketSnapshot, position: PositionSnapshot): PositionView {
  const { softWad, hardWad } = liquidationPrices(market.params, position.collateral, position.debt);
  const base = {
    collateral: position.collateral,
    debt: position.debt,
    softLiquidationPriceWad: softWad,
    hardLiquidationPriceWad: hardWad,
  };
  if (!market.oracleUsable) {
    return { ...base, ltvWad: 0n, zone: Zone.None, nextSoftStepAt: 0n, step: unavailable() };
  }
  const ltv = positionLtv(position.collateral, position.debt, market.spotPriceWad);
  return {
    ...base,
    ltvWad: ltv,
    zone: zoneOf(market.params, position.debt, ltv),
    nextSoftStepAt: nextSoftStepAt(market, position),
    step: previewStep(market, position),
  };
}
