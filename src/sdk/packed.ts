/** The stored position word of `LendingMarket.packedPositions` (layout in ILendingMarket's NatSpec). Pure. */

const MASK_112 = (1n << 112n) - 1n;
const MASK_104 = (1n << 104n) - 1n;
const MASK_32 = (1n << 32n) - 1n;

/** One stored position (LendingMarket.Position). */
export interface StoredPosition {
  /** Collateral units. */
  collateral: bigint;
  /** Normalised debt: debt = normDebt × borrowIndex / 1e18, rounded up. */
  normDebt: bigint;
  /** Time of the last step, seconds (0: none). */
  lastStepAt: bigint;
  registered: boolean;
}

/** A word of `packedPositions`: bits 0-111 collateral, 112-215 normDebt, 216-247 lastStepAt, 248 registered. */
export function unpackPosition(word: bigint): StoredPosition {
  return {
    collateral: word & MASK_112,
    normDebt: (word >> 112n) & MASK_104,
    lastStepAt: (word >> 216n) & MASK_32,
    registered: ((word >> 248n) & 1n) === 1n,
  };
}
