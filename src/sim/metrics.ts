/**
 * The figures of a run, from its records (pure; definitions in docs/SIMULATOR.md). Amounts in USD (the debt
 * token), prices in USD per collateral token.
 */
import type { PricePath, Recovery } from "./scenarios";

export interface StepLike {
  borrower: number;
  repaid: bigint;
  seized: bigint;
  tip: bigint;
  proceeds: bigint;
  badDebt: bigint;
  refPrice: number;
}

export interface RunLike {
  steps: readonly StepLike[];
  ticks: readonly { t: number; refPrice: number; poolPrice: number; aboveHard: number }[];
  gasUsed: bigint;
  keeperRevenue: bigint;
  final: readonly { collateral: bigint; debt: bigint }[];
}

export interface RunMetrics {
  steps: number;
  positionsUnwound: number;
  /** Unwound (at least one step) although the untouched position would have stayed below hardLtv. */
  recoveredUnwound: number;
  /** Collateral value taken beyond the debt repaid, at the reference price. */
  incentiveUsd: number;
  /** Seized collateral's value at the reference price less what the keepers sold it for. */
  slippageUsd: number;
  borrowerLossUsd: number;
  realizedBadDebtUsd: number;
  /** Debt left at the end above its collateral's value at the final reference price. */
  unrealizedBadDebtUsd: number;
  badDebtUsd: number;
  /** Largest (reference - pool) / reference over the ticks. */
  worstPoolDepression: number;
  keeperRevenueUsd: number;
  gasUsed: number;
  collateralSold: number;
  /** Seconds from the first tick with a position at or above hardLtv to the first tick after which none is;
   * null when none ever is; Infinity when some still are at the end. */
  timeToClearSeconds: number | null;
}

const USD = 1e6;
const TOKEN = 1e18;

export interface CounterfactualInput {
  collateral: bigint;
  debt: bigint;
}

/**
 * Whether each position, untouched, would have recovered: its LTV at the reference price, with its debt growing
 * at `ratePerSecond`, stays below `hardLtv` at the end of the path (`end`) or at every tick (`max`).
 */
export function wouldRecover(
  positions: readonly CounterfactualInput[],
  path: PricePath,
  ratePerSecond: number,
  hardLtv: number,
  recovery: Recovery,
): boolean[] {
  const ltvAt = (p: CounterfactualInput, k: number) =>
    ((Number(p.debt) / USD) * (1 + ratePerSecond * k * path.tickSeconds)) /
    ((Number(p.collateral) / TOKEN) * path.prices[k]);
  const last = path.prices.length - 1;
  return positions.map((p) => {
    if (recovery === "end") return ltvAt(p, last) < hardLtv;
    for (let k = 0; k <= last; k++) if (ltvAt(p, k) >= hardLtv) return false;
    return true;
  });
}

export function computeMetrics(run: RunLike, recovers: readonly boolean[], tickSeconds: number): RunMetrics {
  const unwound = new Set(run.steps.map((s) => s.borrower));
  let incentiveUsd = 0;
  let slippageUsd = 0;
  let realized = 0;
  let sold = 0;
  for (const s of run.steps) {
    const value = (Number(s.seized) / TOKEN) * s.refPrice;
    incentiveUsd += value - Number(s.repaid) / USD;
    slippageUsd += value - Number(s.proceeds) / USD;
    realized += Number(s.badDebt) / USD;
    sold += Number(s.seized) / TOKEN;
  }
  const lastRef = run.ticks[run.ticks.length - 1].refPrice;
  let unrealized = 0;
  for (const f of run.final) {
    const gap = Number(f.debt) / USD - (Number(f.collateral) / TOKEN) * lastRef;
    if (f.debt > 0n && gap > 0) unrealized += gap;
  }
  let worst = 0;
  let first = -1;
  let last = -1;
  run.ticks.forEach((t, k) => {
    worst = Math.max(worst, (t.refPrice - t.poolPrice) / t.refPrice);
    if (t.aboveHard > 0) {
      if (first < 0) first = k;
      last = k;
    }
  });
  let timeToClear: number | null = null;
  if (first >= 0) {
    timeToClear = last === run.ticks.length - 1 ? Infinity : (last + 1 - first) * tickSeconds;
  }
  return {
    steps: run.steps.length,
    positionsUnwound: unwound.size,
    recoveredUnwound: [...unwound].filter((i) => recovers[i]).length,
    incentiveUsd,
    slippageUsd,
    borrowerLossUsd: incentiveUsd + slippageUsd,
    realizedBadDebtUsd: realized,
    unrealizedBadDebtUsd: unrealized,
    badDebtUsd: realized + unrealized,
    worstPoolDepression: worst,
    keeperRevenueUsd: Number(run.keeperRevenue) / USD,
    gasUsed: Number(run.gasUsed),
    collateralSold: sold,
    timeToClearSeconds: timeToClear,
  };
}
