/** The documented default market parameters (docs/MECHANISM.md, "Parameters: defaults and bounds"). */

/** MarketParams with plain numbers (bps, seconds) and bigints (debt-token base units), as deploy code takes them. */
export interface MarketParamsInput {
  maxLtvBps: number;
  softLtvBps: number;
  hardLtvBps: number;
  targetLtvBps: number;
  closeFactorMinBps: number;
  closeFactorMaxBps: number;
  incentiveMinBps: number;
  incentiveMaxBps: number;
  incentiveHardMinBps: number;
  reserveFactorBps: number;
  volLowBps: number;
  volHighBps: number;
  stepIntervalSeconds: number;
  paceWindowSeconds: number;
  confirmDelaySeconds: number;
  volTauSeconds: number;
  maxSoftSeizePerWindow: bigint;
  keeperTip: bigint;
  minDebt: bigint;
}

/** The defaults for a debt token of `debtDecimals` (amounts: 1,000,000 pace cap, 1 tip, 100 minimum debt). */
export function defaultMarketParams(debtDecimals = 6): MarketParamsInput {
  const unit = 10n ** BigInt(debtDecimals);
  return {
    maxLtvBps: 7500,
    softLtvBps: 8000,
    hardLtvBps: 9000,
    targetLtvBps: 7200,
    closeFactorMinBps: 1000,
    closeFactorMaxBps: 5000,
    incentiveMinBps: 100,
    incentiveMaxBps: 500,
    incentiveHardMinBps: 200,
    reserveFactorBps: 1000,
    volLowBps: 5000,
    volHighBps: 15000,
    stepIntervalSeconds: 600,
    paceWindowSeconds: 3600,
    confirmDelaySeconds: 900,
    volTauSeconds: 86_400,
    maxSoftSeizePerWindow: 1_000_000n * unit,
    keeperTip: 1n * unit,
    minDebt: 100n * unit,
  };
}
