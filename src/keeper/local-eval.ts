/**
 * Local evaluation: every position of a market judged off chain from its stored word (`packedPositions`, about
 * 2,300 gas each) and the market-wide state of one block, with the contract's own arithmetic (src/sdk, a bigint
 * mirror of LiquidationSchedule). It gives what `MarketLens.positionStates` gives — which mode `full` reads on chain at
 * ~15,000 gas a position — so a keeper can look at every position of a large market each block.
 */
import { describePosition, type MarketSnapshot } from "../frontend/helpers";
import { wadMulUp } from "../sdk/math";
import type { PositionSnapshot } from "./strategy";

// The stored word's layout lives in the SDK (the app's action previews read it too).
export { unpackPosition, type StoredPosition } from "../sdk/packed";
import type { StoredPosition } from "../sdk/packed";

/** The market-wide inputs of one block: `params()`, `accounting()`, `priceState()` and the oracle's `tryPrice()`. */
export interface MarketBlockState extends MarketSnapshot {
  /** Borrow index accrued to the block, WAD. */
  borrowIndexWad: bigint;
}

/**
 * What `MarketLens.positionState(market, account)` returns, computed locally (the frontend helpers' `describePosition`, on the debt
 * the stored normalised debt and the block's borrow index give). The one difference: for a step that writes off
 * bad debt, `step.badDebt` is the position's debt less the repayment, while the market books the drop of its
 * total debt, which can differ by the rounding of one unit.
 */
export function evaluatePosition(
  account: string,
  stored: StoredPosition,
  m: MarketBlockState,
): PositionSnapshot {
  const debt = wadMulUp(stored.normDebt, m.borrowIndexWad);
  return {
    account,
    ...describePosition(m, { collateral: stored.collateral, debt, lastStepAt: stored.lastStepAt }),
  };
}
