/**
 * Previews of the borrower's and the lender's actions, pure: what the position looks like after the call, and
 * whether the market refuses it and with which custom error, computed from figures read at one block with the
 * checks of LendingMarket in their order and with its rounding. At that block the refusal is exactly the error
 * (name and arguments) the call would revert with; interest accrues until the transaction's own block, so a
 * figure that depends on the debt can move by the interest of those seconds.
 */
import { bpsToWad, WAD, wadDivDown, wadDivUp, wadMulUp, zeroFloorSub } from "../sdk/math";
import { ltvWad, valueOf } from "../sdk/schedule";
import { OracleStatus, Zone } from "../sdk/types";
import { liquidationPrices, positionZone, type MarketSnapshot, type PositionView } from "./helpers";

/** A custom error the call would revert with, enum arguments by name (as the app's decoder shows them). */
export interface Refusal {
  name: string;
  args: { name: string; value: string }[];
}

/** The oracle gives no price: the call would revert with the oracle's own error (read it with priceWithStatus). */
export const ORACLE_UNUSABLE = "oracle unusable";

/** What a borrower action's checks read at the block, besides the market snapshot. */
export interface BorrowerBooks {
  /** The position's owner (repay's MarketNoDebt names it). */
  account: string;
  /** Stored collateral (packedPositions), collateral units. */
  collateral: bigint;
  /** Stored normalised debt (packedPositions). */
  normDebt: bigint;
  /** Borrow index accrued to the block (accounting()), WAD. */
  borrowIndexWad: bigint;
  /** Debt tokens the market holds (accounting()), base units. */
  cash: bigint;
  /** The guardian paused borrowing, collateral withdrawal and the vault (paused()). */
  paused: boolean;
}

/**
 * The position after the action, at the block's oracle price (the fields of `positionState` it determines; `ltvWad`
 * is 0 without debt or without a usable price).
 */
export interface BorrowerPreview extends Omit<PositionView, "nextSoftStepAt" | "step"> {
  /** How far the price may fall before the soft zone, as a fraction of it, WAD, rounded down (0: in it already). */
  softDistanceWad: bigint;
  refusal: Refusal | null;
}

const error = (name: string, args: Record<string, bigint | string> = {}): Refusal => ({
  name,
  args: Object.entries(args).map(([n, v]) => ({ name: n, value: String(v) })),
});

/** `1 − threshold / price`, WAD, rounded down (the ratio rounds up); 0 when the price is at or below it. */
export const priceFallToWad = (priceWad: bigint, thresholdWad: bigint): bigint =>
  priceWad === 0n ? 0n : zeroFloorSub(WAD, wadDivUp(thresholdWad, priceWad));

function after(
  market: MarketSnapshot,
  collateral: bigint,
  debt: bigint,
  refusal: Refusal | null,
): BorrowerPreview {
  const { softWad, hardWad } = liquidationPrices(market.params, collateral, debt);
  const priced = market.oracleUsable && debt > 0n;
  const ltv = priced ? ltvWad(debt, valueOf(collateral, market.spotPriceWad)) : 0n;
  return {
    collateral,
    debt,
    ltvWad: ltv,
    zone: priced ? positionZone(market.params, collateral, debt, market.spotPriceWad) : Zone.None,
    softLiquidationPriceWad: softWad,
    hardLiquidationPriceWad: hardWad,
    softDistanceWad: priced ? priceFallToWad(market.spotPriceWad, softWad) : 0n,
    refusal,
  };
}

/** `_loadReadyPrice` then `_checkLtv`: borrowing and withdrawing need a fully healthy oracle and LTV ≤ max. */
function readyPriceAndLtv(market: MarketSnapshot, collateral: bigint, debt: bigint): Refusal | null {
  if (!market.oracleUsable) return { name: ORACLE_UNUSABLE, args: [] };
  if (market.oracleStatus !== OracleStatus.Ok) {
    return error("MarketOracleNotReady", { status: OracleStatus[market.oracleStatus] });
  }
  const ltv = ltvWad(debt, valueOf(collateral, market.spotPriceWad));
  const maxLtv = bpsToWad(market.params.maxLtvBps);
  return ltv > maxLtv ? error("MarketLtvTooHigh", { ltvWad: ltv, maxLtvWad: maxLtv }) : null;
}

const debtOf = (b: BorrowerBooks) => wadMulUp(b.normDebt, b.borrowIndexWad);

/** `supplyCollateral(account, amount)`. */
export function previewSupplyCollateral(
  m: MarketSnapshot,
  b: BorrowerBooks,
  amount: bigint,
): BorrowerPreview {
  const refusal = amount === 0n ? error("MarketZeroAmount") : null;
  return after(m, b.collateral + amount, debtOf(b), refusal);
}

/** `withdrawCollateral(amount, receiver)` by the position's owner. */
export function previewWithdrawCollateral(
  m: MarketSnapshot,
  b: BorrowerBooks,
  amount: bigint,
): BorrowerPreview {
  const debt = debtOf(b);
  const left = zeroFloorSub(b.collateral, amount);
  let refusal: Refusal | null = null;
  if (b.paused) refusal = error("EnforcedPause");
  else if (amount === 0n) refusal = error("MarketZeroAmount");
  else if (amount > b.collateral) {
    refusal = error("MarketInsufficientCollateral", { available: b.collateral, requested: amount });
  } else if (b.normDebt !== 0n) refusal = readyPriceAndLtv(m, left, debt);
  return after(m, left, debt, refusal);
}

/** `borrow(assets, receiver)` by the position's owner. */
export function previewBorrow(m: MarketSnapshot, b: BorrowerBooks, assets: bigint): BorrowerPreview {
  // Debt rounds up twice, as in the market: the normalised debt added, then the debt it stands for.
  const debt = wadMulUp(b.normDebt + wadDivUp(assets, b.borrowIndexWad), b.borrowIndexWad);
  let refusal: Refusal | null = null;
  if (b.paused) refusal = error("EnforcedPause");
  else if (assets === 0n) refusal = error("MarketZeroAmount");
  else if (!m.oracleUsable || m.oracleStatus !== OracleStatus.Ok)
    refusal = readyPriceAndLtv(m, b.collateral, debt);
  else if (assets > b.cash)
    refusal = error("MarketInsufficientCash", { available: b.cash, requested: assets });
  else if (debt < m.params.minDebt)
    refusal = error("MarketDebtBelowMinimum", { debt, minDebt: m.params.minDebt });
  else refusal = readyPriceAndLtv(m, b.collateral, debt);
  return after(m, b.collateral, debt, refusal);
}

/** `repay(account, assets)` by anyone; `repaid` is what the market pulls (the debt, if `assets` exceeds it). */
export function previewRepay(
  m: MarketSnapshot,
  b: BorrowerBooks,
  assets: bigint,
): BorrowerPreview & { repaid: bigint } {
  const debt = debtOf(b);
  if (assets === 0n) return { ...after(m, b.collateral, debt, error("MarketZeroAmount")), repaid: 0n };
  if (b.normDebt === 0n) {
    return { ...after(m, b.collateral, 0n, error("MarketNoDebt", { account: b.account })), repaid: 0n };
  }
  if (assets >= debt) return { ...after(m, b.collateral, 0n, null), repaid: debt };
  // The position is credited the normalised debt the payment buys, rounded down; what is left rounds up.
  const remaining = wadMulUp(b.normDebt - wadDivDown(assets, b.borrowIndexWad), b.borrowIndexWad);
  const refusal =
    remaining < m.params.minDebt
      ? error("MarketDebtBelowMinimum", { debt: remaining, minDebt: m.params.minDebt })
      : null;
  return { ...after(m, b.collateral, remaining, refusal), repaid: assets };
}

/**
 * An ERC-4626 call against the market's own views at the block: `max` is maxDeposit(receiver) /
 * maxWithdraw(owner) / maxRedeem(owner) (zero while paused, withdrawals capped by the market's cash) and
 * `converted` the call's preview (previewDeposit / previewWithdraw / previewRedeem).
 */
export function vaultRefusal(
  call: "deposit" | "withdraw" | "redeem",
  who: string,
  amount: bigint,
  max: bigint,
  converted: bigint,
): Refusal | null {
  if (amount > max) {
    if (call === "deposit") return error("ERC4626ExceededMaxDeposit", { receiver: who, assets: amount, max });
    if (call === "withdraw") return error("ERC4626ExceededMaxWithdraw", { owner: who, assets: amount, max });
    return error("ERC4626ExceededMaxRedeem", { owner: who, shares: amount, max });
  }
  return amount === 0n || converted === 0n ? error("MarketZeroAmount") : null;
}
