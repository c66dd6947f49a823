/** Bigint mirror of contracts/libraries/PriceSmoothing.sol (same rounding). */
import { WAD, min, mulDivDown, wadDivDown, wadMulDown, zeroFloorSub } from "./math";

export const EMA_MAX_UPDATE_WEIGHT_WAD = 25n * 10n ** 16n;
export const MAX_RETURN_WAD = 5n * 10n ** 17n;
export const MAX_VARIANCE_WAD = 16n * WAD;
export const SECONDS_PER_YEAR = 365n * 86_400n;

export function nextEma(ema: bigint, spot: bigint, elapsed: bigint, tau: bigint): bigint {
  if (tau === 0n || ema === 0n) return spot;
  const w = min(mulDivDown(elapsed, WAD, tau), EMA_MAX_UPDATE_WEIGHT_WAD);
  return spot >= ema ? ema + wadMulDown(spot - ema, w) : ema - wadMulDown(ema - spot, w);
}

export function nextVariance(
  variance: bigint,
  lastPrice: bigint,
  spot: bigint,
  elapsed: bigint,
  tau: bigint,
): bigint {
  if (lastPrice === 0n || elapsed === 0n) return variance;
  const move = spot > lastPrice ? spot - lastPrice : lastPrice - spot;
  const r = min(wadDivDown(move, lastPrice), MAX_RETURN_WAD);
  const w = min(mulDivDown(elapsed, WAD, tau), WAD);
  const sample = mulDivDown(wadMulDown(r, r), SECONDS_PER_YEAR, elapsed > tau ? elapsed : tau);
  return min(variance - wadMulDown(variance, w) + sample, MAX_VARIANCE_WAD);
}

export const drainedPace = (used: bigint, elapsed: bigint, cap: bigint, window: bigint): bigint =>
  zeroFloorSub(used, mulDivDown(cap, elapsed, window));
