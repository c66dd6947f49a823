/**
 * Formatting of on-chain figures for display. Pure (no DOM, no RPC), so the end-to-end tests format the contract
 * views with these very functions and compare strings exactly.
 *
 * Units (docs/MECHANISM.md): token amounts in base units; LTVs and incentives WAD (1e18 = 100 %); parameters bps
 * (1e4 = 100 %); prices are debt base units per collateral base unit × 1e18.
 */
import { MAX_UINT256, OracleStatus, StepStatus, WAD, Zone } from "../../src/frontend";

/** `value / 10^decimals` with `digits` fraction digits, rounded down, thousands grouped: 1234567n, 2, 2 → "12,345.67". */
export function formatUnitsFixed(value: bigint, decimals: number, digits: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scaled =
    decimals >= digits ? abs / 10n ** BigInt(decimals - digits) : abs * 10n ** BigInt(digits - decimals);
  const s = scaled.toString().padStart(digits + 1, "0");
  const whole = s.slice(0, s.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = s.slice(s.length - digits);
  return (negative ? "-" : "") + whole + (digits > 0 ? "." + fraction : "");
}

/** Fraction digits shown for a token: 2 for tokens of up to 6 decimals (USDC), 4 for the others (WETH). */
export const displayDigits = (decimals: number): number => Math.min(decimals, decimals <= 6 ? 2 : 4);

/** A token amount: `12,400.00 USDC`. */
export const formatAmount = (value: bigint, decimals: number, symbol: string): string =>
  `${formatUnitsFixed(value, decimals, displayDigits(decimals))} ${symbol}`;

/** A WAD fraction as a percentage with 2 decimals, rounded down: 0.74e18 → "74.00 %" (∞ for max uint256). */
export const formatWadPercent = (wad: bigint): string =>
  wad === MAX_UINT256 ? "∞" : `${formatUnitsFixed(wad, 16, 2)} %`;

/** A bps figure as a percentage: 8000 → "80.00 %". */
export const formatBps = (bps: bigint): string => `${formatUnitsFixed(bps, 2, 2)} %`;

/**
 * A price (debt base units per collateral base unit × 1e18) per whole collateral token, in the debt token:
 * 2000e6 × 1e18 / 1e18 USDC base units per WETH → "2,000.00 USDC". Rounded down.
 */
export function formatPrice(
  priceWad: bigint,
  collateralDecimals: number,
  debtDecimals: number,
  debtSymbol: string,
) {
  const perToken = (priceWad * 10n ** BigInt(collateralDecimals)) / WAD;
  return `${formatUnitsFixed(perToken, debtDecimals, 2)} ${debtSymbol}`;
}

/** Volatility from the annualised variance (WAD): √variance as a percentage, rounded down. 0.64e18 → "80.00 %". */
export function formatVolatility(varianceWad: bigint): string {
  return formatWadPercent(sqrt(varianceWad * WAD));
}

/** Integer square root, rounded down. */
export function sqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/** Seconds as "1 h 05 min", "12 min 30 s" or "40 s". */
export function formatDuration(seconds: bigint | number): string {
  const s = Number(seconds);
  if (s < 0) return `-${formatDuration(-s)}`;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A UNIX timestamp (seconds) as an ISO date and time in UTC: "2026-11-26 08:30:00 UTC". */
export const formatTime = (timestamp: bigint | number): string =>
  new Date(Number(timestamp) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

export const zoneName = (zone: bigint | number): string => Zone[Number(zone)] ?? `zone ${zone}`;
export const stepStatusName = (status: bigint | number): string =>
  StepStatus[Number(status)] ?? `status ${status}`;
export const oracleStatusName = (status: bigint | number): string =>
  OracleStatus[Number(status)] ?? `status ${status}`;

/** What a step status means, for people. */
export const STEP_STATUS_TEXT: Record<StepStatus, string> = {
  [StepStatus.Ready]: "a step is allowed now",
  [StepStatus.NoDebt]: "no debt",
  [StepStatus.Healthy]: "below the soft threshold",
  [StepStatus.OracleUnavailable]: "the oracle gives no usable price",
  [StepStatus.SequencerNotReady]: "the L2 sequencer is down or in its grace period",
  [StepStatus.TooSoon]: "too soon after the last step (spacing)",
  [StepStatus.Unconfirmed]: "the smoothed price does not confirm the soft zone yet (wick filter)",
  [StepStatus.PaceCapReached]: "the market's soft-step pace cap is used up for this window",
  [StepStatus.LeavesDust]: "a partial step would leave dust: only the full repay is allowed",
  [StepStatus.RepayTooSmall]: "the repay is below half of the allowed step",
};

/** A shortened address: 0x1234…abcd. */
export const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;
