/** Uniswap V2 swap arithmetic (its getAmountOut, the same rounding as the pair) and the arbitrageur's trade. Pure. */

/** Output of a swap of `amountIn` into reserves (`reserveIn`, `reserveOut`) with the 0.3 % fee, rounded down. */
export function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const inWithFee = amountIn * 997n;
  return (inWithFee * reserveOut) / (reserveIn * 1000n + inWithFee);
}

export interface ArbTrade {
  collateralIn: boolean;
  amountIn: bigint;
}

/**
 * The trade an arbitrageur makes toward the reference price `refRaw` (debt base units per collateral base unit):
 * it buys collateral while the pool's price plus the fee is below the reference, and sells while the pool's price
 * less the fee is above it, up to `capacityDebt` (debt base units) of trade per block. The amount that moves the
 * pool's marginal price to the edge of the no-arbitrage band is computed on the fee-less curve: sqrt(k × target).
 */
export function arbTrade(
  reserveCollateral: bigint,
  reserveDebt: bigint,
  refRaw: number,
  capacityDebt: bigint,
): ArbTrade | null {
  const rc = Number(reserveCollateral);
  const rd = Number(reserveDebt);
  const poolPrice = rd / rc;
  const k = rc * rd;
  if (poolPrice / 0.997 < refRaw) {
    const target = refRaw * 0.997;
    const amount = BigInt(Math.floor(Math.sqrt(k * target) - rd));
    const capped = amount < capacityDebt ? amount : capacityDebt;
    return capped > 0n ? { collateralIn: false, amountIn: capped } : null;
  }
  if (poolPrice * 0.997 > refRaw) {
    const target = refRaw / 0.997;
    const amount = BigInt(Math.floor(Math.sqrt(k / target) - rc));
    const capacityCollateral = BigInt(Math.floor(Number(capacityDebt) / refRaw));
    const capped = amount < capacityCollateral ? amount : capacityCollateral;
    return capped > 0n ? { collateralIn: true, amountIn: capped } : null;
  }
  return null;
}

/** The arbitrageur's move in one tick: nothing (inside the band), a trade and its output, or a trade not sent. */
export type ArbDecision =
  | { kind: "none" }
  | { kind: "trade"; trade: ArbTrade; out: bigint }
  /** The trade's output rounds to zero: the pair would refuse it (UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT). */
  | { kind: "zeroOutput"; trade: ArbTrade };

export function arbitrage(
  reserveCollateral: bigint,
  reserveDebt: bigint,
  refRaw: number,
  capacityDebt: bigint,
): ArbDecision {
  const trade = arbTrade(reserveCollateral, reserveDebt, refRaw, capacityDebt);
  if (trade === null) return { kind: "none" };
  const out = trade.collateralIn
    ? amountOut(trade.amountIn, reserveCollateral, reserveDebt)
    : amountOut(trade.amountIn, reserveDebt, reserveCollateral);
  return out === 0n ? { kind: "zeroOutput", trade } : { kind: "trade", trade, out };
}
