/** The simulated keeper's decision for one position (pure): which repay to send, if any. */
import { plan as sdkPlan } from "../sdk/schedule";
import { MAX_UINT256 } from "../sdk/math";
import { StepStatus, Zone, type MarketParams, type StepInputs, type StepPlan } from "../sdk/types";
import { amountOut } from "./pool-math";

export interface StepChoice {
  /** The `maxRepay` to send: unlimited for the full step. */
  repay: bigint;
  plan: StepPlan;
  /** What the seized collateral sells for on the pool. */
  proceeds: bigint;
  profit: bigint;
}

/**
 * The most profitable step on a position, selling its collateral into a pool with reserves (`reserveCollateral`,
 * `reserveDebt`): the full step the schedule allows if that clears `minProfit`, otherwise the best repay between
 * the smallest the market accepts (half the allowed soft step; any hard step) and the full one, found by ternary
 * search (profit is concave in the repay: a linear cost against a concave sale). Null when nothing clears
 * `minProfit` (the keeper's gas cost).
 */
export function chooseStep(
  p: MarketParams,
  inputs: StepInputs,
  reserveCollateral: bigint,
  reserveDebt: bigint,
  minProfit: bigint,
): StepChoice | null {
  const evaluate = (maxRepay: bigint): StepChoice | null => {
    const { plan } = sdkPlan(p, { ...inputs, maxRepay });
    if (plan.status !== StepStatus.Ready || plan.repaid === 0n) return null;
    const proceeds = amountOut(plan.seized, reserveCollateral, reserveDebt);
    return { repay: maxRepay, plan, proceeds, profit: proceeds - (plan.repaid - plan.tip) };
  };
  const full = evaluate(MAX_UINT256);
  if (full === null) return null;
  // The full step is sent as an unlimited repay, so that it still closes the position when the debt is a unit
  // above the caller's estimate.
  if (full.profit >= minProfit) return full;
  // The first unit sold earns the pool's marginal price less the fee: when that does not cover the repay it
  // stands for, no size is profitable (profit is concave and starts at zero).
  const collateralPerRepay = Number(full.plan.seized) / Number(full.plan.repaid);
  if ((collateralPerRepay * 0.997 * Number(reserveDebt)) / Number(reserveCollateral) <= 1) return null;
  const allowed = full.plan.repaid;
  // A soft step must repay at least half the allowed step; a thousandth more leaves room for the interest that
  // accrues between the keeper's read and its transaction.
  let lo = full.plan.zone === Zone.Soft ? allowed - allowed / 2n + allowed / 1000n : 1n;
  let hi = allowed;
  const profitAt = (r: bigint) => evaluate(r)?.profit ?? -(2n ** 255n);
  // Ternary search to a thousandth of the allowed repay.
  const precision = allowed / 1000n + 2n;
  while (hi - lo > precision) {
    const m1 = lo + (hi - lo) / 3n;
    const m2 = hi - (hi - lo) / 3n;
    if (profitAt(m1) < profitAt(m2)) lo = m1 + 1n;
    else hi = m2 - 1n;
  }
  let best: StepChoice | null = null;
  for (const r of [lo, (lo + hi) / 2n, hi]) {
    const c = evaluate(r);
    if (c !== null && (best === null || c.profit > best.profit)) best = c;
  }
  if (best === null || best.profit < minProfit) return null;
  return best.plan.repaid === allowed ? full : best;
}
