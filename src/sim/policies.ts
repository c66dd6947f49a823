/**
 * The four liquidation policies, all expressed as parameters of the same market (docs/SIMULATOR.md). Each starts
 * from the defaults (src/sdk/params.ts) and changes only what the policy needs.
 */
import { defaultMarketParams, type MarketParamsInput } from "../sdk/params";

export type PolicyName = "instant" | "fixed50" | "linear" | "ours";

export const POLICIES: readonly PolicyName[] = ["instant", "fixed50", "linear", "ours"];

export const POLICY_LABELS: Record<PolicyName, string> = {
  instant: "1 instant (Compound v2 / Liquity)",
  fixed50: "2 fixed 50 % at 5 % (Aave v3)",
  linear: "3 linear schedule (Morpho pre-liquidation)",
  ours: "4 ours (defaults)",
};

/** The largest pace cap the uint96 field holds: no pace limit in practice. */
const NO_PACE_LIMIT = 2n ** 96n - 1n;

export function policyParams(policy: PolicyName, debtDecimals = 6): MarketParamsInput {
  const d = defaultMarketParams(debtDecimals);
  switch (policy) {
    case "instant":
      // No soft zone: the whole position is closed at the 5 % incentive once LTV reaches softLtv.
      return { ...d, hardLtvBps: d.softLtvBps };
    case "fixed50":
      // 50 % of the debt per call at a flat 5 % bonus from softLtv on; no target, spacing, smoothing or pace.
      return {
        ...d,
        closeFactorMinBps: 5000,
        closeFactorMaxBps: 5000,
        incentiveMinBps: 500,
        incentiveMaxBps: 500,
        targetLtvBps: 0,
        stepIntervalSeconds: 0,
        confirmDelaySeconds: 0,
        maxSoftSeizePerWindow: NO_PACE_LIMIT,
      };
    case "linear":
      // The default schedule (close factor and incentive linear in depth, target LTV) without spacing, wick
      // filter or pace cap.
      return { ...d, stepIntervalSeconds: 0, confirmDelaySeconds: 0, maxSoftSeizePerWindow: NO_PACE_LIMIT };
    case "ours":
      return d;
  }
}
