/**
 * Transaction policy as pure functions: EIP-1559 fees, fee bumps of replacements, when a transaction counts as
 * stuck, and the next nonce. All fees in wei.
 */
import { BPS, mulDivUp } from "../sdk/math";

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface FeePolicy {
  /** Lowest priority fee offered. */
  priorityFeeWei: bigint;
  /** Highest max fee ever offered. */
  maxFeePerGasWei: bigint;
  /** Increase of a replacement over the transaction it replaces, bps (nodes require at least +10 %). */
  feeBumpBps: number;
}

/**
 * Fees for a new transaction: priority = max(the node's suggestion, our floor); max fee = 2 × base fee +
 * priority, so it stays includable through six full blocks of base-fee rises (+12.5 % each), capped by policy.
 */
export function suggestFees(
  baseFeePerGas: bigint,
  suggestedPriority: bigint | undefined,
  policy: FeePolicy,
): Fees {
  let priority =
    suggestedPriority !== undefined && suggestedPriority > policy.priorityFeeWei
      ? suggestedPriority
      : policy.priorityFeeWei;
  let maxFee = 2n * baseFeePerGas + priority;
  if (maxFee > policy.maxFeePerGasWei) maxFee = policy.maxFeePerGasWei;
  if (priority > maxFee) priority = maxFee;
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: priority };
}

/** Gas price a transaction pays at `baseFee`: min(maxFee, baseFee + priority). */
export function effectiveGasPrice(fees: Fees, baseFeePerGas: bigint): bigint {
  const p = baseFeePerGas + fees.maxPriorityFeePerGas;
  return p < fees.maxFeePerGas ? p : fees.maxFeePerGas;
}

/**
 * Fees of a replacement at the same nonce: each of max fee and priority fee raised by at least `feeBumpBps`
 * (rounded up), and to the current suggestion when that is higher. Undefined when the cap does not allow the
 * minimum bump: the transaction then waits at its current fees.
 */
export function bumpFees(previous: Fees, current: Fees, policy: FeePolicy): Fees | undefined {
  const factor = BPS + BigInt(policy.feeBumpBps);
  const minPriority = mulDivUp(previous.maxPriorityFeePerGas, factor, BPS);
  const minMaxFee = mulDivUp(previous.maxFeePerGas, factor, BPS);
  if (minMaxFee > policy.maxFeePerGasWei) return undefined;
  const priority = max(minPriority, current.maxPriorityFeePerGas);
  let maxFee = max(minMaxFee, current.maxFeePerGas, priority);
  if (maxFee > policy.maxFeePerGasWei) maxFee = policy.maxFeePerGasWei;
  if (priority > maxFee) return undefined;
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: priority };
}

export interface StuckPolicy {
  stuckAfterMs: number;
  /** 0: time only. */
  stuckAfterBlocks: number;
}

/**
 * A pending transaction is stuck when its last broadcast is `stuckAfterMs` old, or when `stuckAfterBlocks`
 * blocks were mined since without it.
 */
export function isStuck(
  lastBroadcast: { atMs: number; atBlock: number },
  nowMs: number,
  headBlock: number,
  policy: StuckPolicy,
): boolean {
  if (nowMs - lastBroadcast.atMs >= policy.stuckAfterMs) return true;
  return policy.stuckAfterBlocks > 0 && headBlock - lastBroadcast.atBlock >= policy.stuckAfterBlocks;
}

/**
 * The next nonce to use: our own count, unless the chain's pending count is ahead (a transaction sent from
 * elsewhere, or a fresh start). Never behind the chain's mined count.
 */
export function nextNonce(local: number | undefined, chainPending: number): number {
  return local === undefined || chainPending > local ? chainPending : local;
}

/**
 * Default gas headroom over an estimate, bps: of the keeper bot (`gasHeadroomBps`), the reference app and the local
 * chain tooling. A step's gas depends on the time of the block it lands in (interest, the smoothed price, a
 * volatility sample falling due), and that block comes after the estimate.
 */
export const DEFAULT_GAS_HEADROOM_BPS = 2_500;

/** Gas limit with headroom over an estimate, bps, rounded up. */
export function withHeadroom(estimate: bigint, headroomBps: number): bigint {
  return mulDivUp(estimate, BPS + BigInt(headroomBps), BPS);
}

function max(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (a > b ? a : b));
}
