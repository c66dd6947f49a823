/**
 * The keeper's decisions, as pure functions: which positions to evaluate, which steps to take and in what
 * order, whether a step pays, how to fund it (own tokens or a flash keeper), and its slippage guard.
 * Amounts are bigints in token base units; prices are WAD, as in the contracts (docs/MECHANISM.md).
 * Health and step sizes come from the evaluation (`positionStates`, or the local mirror of it in local-eval.ts);
 * nothing here re-implements the schedule.
 */
import { BPS, MAX_UINT256, WAD, mulDivDown, mulDivUp } from "../sdk/math";
import { StepStatus, Zone, type StepPlan } from "../sdk/types";
import type { PositionView } from "../frontend/helpers";

/** The step a market allows now for one position (the view's `StepPreview`). */
export type StepView = StepPlan;

/** One position as `positionStates` returns it (`PositionState`), with its account. */
export interface PositionSnapshot extends PositionView {
  account: string;
}

// ---------------------------------------------------------------- screening

/** What the keeper remembers of a position's last on-chain evaluation. */
export interface CachedEvaluation {
  debt: bigint;
  softLiquidationPriceWad: bigint;
  /** Borrow index when it was evaluated, WAD. */
  borrowIndexWad: bigint;
  /** Block of the evaluation. */
  block: number;
}

/**
 * Whether a position can be in the soft or hard zone now, judged from its last evaluation without a call.
 * A position's soft liquidation price is `D / (C × softLtv)`; collateral changes only with events (which mark the
 * position for evaluation), and debt only with events and the borrow index, so the price now is the cached one
 * scaled by `indexNow / indexThen`. The position can be liquidatable only if the spot price is at or below it;
 * `marginBps` covers rounding. With no usable price nothing is liquidatable (the view would say so too).
 */
export function mayBeLiquidatable(
  cached: CachedEvaluation,
  spotPriceWad: bigint,
  borrowIndexWad: bigint,
  marginBps: bigint,
): boolean {
  if (spotPriceWad === 0n) return false;
  if (cached.debt === 0n) return false;
  // Debt without collateral (cannot normally exist): always look.
  if (cached.softLiquidationPriceWad === 0n) return true;
  const scaled = mulDivUp(cached.softLiquidationPriceWad, borrowIndexWad, cached.borrowIndexWad);
  return spotPriceWad <= mulDivUp(scaled, BPS + marginBps, BPS);
}

/**
 * Accounts to evaluate on chain this block, in list order. Full mode: all. Screened: never evaluated, touched by
 * an event since (`dirty`), possibly in a liquidation zone, or in this block's refresh slice (the slice rotates so
 * that every account is evaluated at least once per `refreshBlocks` blocks).
 */
export function selectForEvaluation(input: {
  accounts: readonly string[];
  cache: ReadonlyMap<string, CachedEvaluation>;
  dirty: ReadonlySet<string>;
  spotPriceWad: bigint;
  borrowIndexWad: bigint;
  mode: "full" | "screened";
  marginBps: number;
  refreshBlocks: number;
  block: number;
}): string[] {
  const { accounts, cache, dirty, mode } = input;
  if (mode === "full") return [...accounts];
  const n = accounts.length;
  const sliceSize = input.refreshBlocks > 0 ? Math.ceil(n / input.refreshBlocks) : 0;
  const sliceStart = sliceSize > 0 ? ((input.block % input.refreshBlocks) * sliceSize) % Math.max(n, 1) : 0;
  const margin = BigInt(input.marginBps);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const account = accounts[i];
    const cached = cache.get(account);
    const inSlice = sliceSize > 0 && (i - sliceStart + n) % n < sliceSize;
    if (
      cached === undefined ||
      dirty.has(account) ||
      inSlice ||
      mayBeLiquidatable(cached, input.spotPriceWad, input.borrowIndexWad, margin)
    ) {
      out.push(account);
    }
  }
  return out;
}

// ---------------------------------------------------------------- profit

export interface ProfitEstimate {
  /** Collateral received, valued at the oracle price, debt-token units (rounded down). */
  collateralValue: bigint;
  /** Debt tokens the keeper pays: `repaid - tip`. */
  paid: bigint;
  /** Gas cost in debt-token units (rounded up). */
  gasCost: bigint;
  /** collateralValue - paid - gasCost. */
  net: bigint;
}

/**
 * A step's profit in debt-token units: the collateral it pays out at the oracle price (which carries the
 * incentive), less what the keeper repays net of the tip, less gas. `gasTokenPriceWad` is the price of one wei
 * of the gas token in debt-token base units (WAD), i.e. the oracle price when the collateral is the wrapped gas
 * token.
 */
export function estimateProfit(
  step: Pick<StepView, "repaid" | "seized" | "tip">,
  spotPriceWad: bigint,
  gasUnits: bigint,
  gasPriceWei: bigint,
  gasTokenPriceWad: bigint,
): ProfitEstimate {
  const collateralValue = mulDivDown(step.seized, spotPriceWad, WAD);
  const paid = step.repaid - step.tip;
  const gasCost = mulDivUp(gasUnits * gasPriceWei, gasTokenPriceWad, WAD);
  return { collateralValue, paid, gasCost, net: collateralValue - paid - gasCost };
}

// ---------------------------------------------------------------- funding

export type FundingMode = "direct" | "flash";

export interface Funding {
  mode: FundingMode;
  /** `maxRepay` to pass: the step caps itself at what the schedule allows. */
  maxRepay: bigint;
  /** The step expected with this `maxRepay` (scaled down when the keeper's tokens cap it). */
  expected: Pick<StepView, "repaid" | "seized" | "tip">;
}

/** Headroom of a direct step's `maxRepay` over the previewed repay, bps: a block of interest can grow the step. */
export const REPAY_HEADROOM_BPS = 10n;

/**
 * How to fund a step. With enough debt tokens for `repaid - tip`: directly, with `maxRepay` a little above the
 * previewed repay (capped at the balance), since the step caps itself at what is allowed when it runs. Without:
 * through the flash keeper when there is one (it pays from the collateral it sells), else a smaller direct step
 * capped at the balance (no tip: only full-size steps earn it). Undefined when nothing can be funded.
 */
export function chooseFunding(
  step: StepView,
  balance: bigint,
  flashKeeper: string | undefined,
): Funding | undefined {
  const needed = step.repaid - step.tip;
  if (balance >= needed && balance > 0n) {
    const withHeadroom = mulDivUp(step.repaid, BPS + REPAY_HEADROOM_BPS, BPS);
    return { mode: "direct", maxRepay: withHeadroom < balance ? withHeadroom : balance, expected: step };
  }
  if (flashKeeper !== undefined) return { mode: "flash", maxRepay: MAX_UINT256, expected: step };
  if (balance === 0n || step.repaid === 0n) return undefined;
  return {
    mode: "direct",
    maxRepay: balance,
    expected: { repaid: balance, seized: mulDivDown(step.seized, balance, step.repaid), tip: 0n },
  };
}

/** Smallest collateral to accept, `minSeizedBps` of the expected amount (rounded down). */
export function minSeizedFor(expectedSeized: bigint, minSeizedBps: number): bigint {
  return mulDivDown(expectedSeized, BigInt(minSeizedBps), BPS);
}

// ---------------------------------------------------------------- pace

/**
 * A soft step under the market-wide pace cap, given the collateral value (debt units) soft steps may still seize
 * in this block. Each position's preview assumes the whole room; steps sent in the same block share it, so the
 * keeper charges each soft step against it in order. The market caps the repay at `room / (1 + inc)` (rounded
 * down) and fills the bucket with `seized × price` (rounded up), as docs/MECHANISM.md ("Pace") says; a capped
 * step earns no tip. Returns the step as it would run and the room left, or undefined when no room is left.
 */
export function applyPaceRoom(
  step: StepView,
  room: bigint,
  spotPriceWad: bigint,
): { step: StepView; room: bigint } | undefined {
  if (step.zone !== Zone.Soft) return { step, room };
  const value = mulDivUp(step.seized, spotPriceWad, WAD);
  if (value <= room) return { step, room: room - value };
  const repaid = mulDivDown(room, WAD, WAD + step.incentiveWad);
  if (repaid === 0n) return undefined;
  const seized = mulDivDown(repaid, WAD + step.incentiveWad, spotPriceWad);
  return { step: { ...step, repaid, seized, tip: 0n }, room: 0n };
}

// ---------------------------------------------------------------- the plan

export interface MarketInputs {
  market: string;
  debtToken: string;
  spotPriceWad: bigint;
  /** Price of one wei of gas token in debt-token units, WAD. */
  gasTokenPriceWad: bigint;
  /** Collateral value (debt units) soft steps may still seize now: the pace cap less the bucket's content. */
  paceRoom: bigint;
  flashKeeper?: string;
  minProfit: bigint;
  positions: readonly PositionSnapshot[];
}

export interface PlanConfig {
  gasPerStep: bigint;
  actOnHardZone: boolean;
  actOnBadDebt: boolean;
}

export interface StepOrder {
  key: string;
  market: string;
  account: string;
  funding: Funding;
  step: StepView;
  profit: ProfitEstimate;
  /** A hard-zone or bad-debt step the configuration says to take even when unprofitable. */
  actAnyway: boolean;
  /** Planned although unprofitable (because of `actAnyway`). */
  forced: boolean;
}

export type SkipReason = "blocked" | "no-funds" | "unprofitable" | "pace";

export interface Skip {
  key: string;
  market: string;
  account: string;
  reason: SkipReason;
  detail?: string;
  profit?: ProfitEstimate;
}

/** Identifies a position across markets. */
export function positionKey(market: string, account: string): string {
  return `${market.toLowerCase()}:${account.toLowerCase()}`;
}

/**
 * The steps to send now, most urgent first: hard zone before soft, bad debt first within the hard zone, then by
 * LTV (highest first), then by profit. Positions whose key `blocked` names (in flight, cooling down, or evaluated
 * before our last step on them was mined) are skipped, as are unfundable and unprofitable ones; a hard-zone or
 * bad-debt step runs unprofitable when configured to. `balances` holds the keeper's balance of each debt token
 * (lower-case address); tokens committed to one direct step are not offered to the next.
 */
export function planSteps(
  markets: readonly MarketInputs[],
  balances: ReadonlyMap<string, bigint>,
  gasPriceWei: bigint,
  config: PlanConfig,
  blocked: (key: string) => string | undefined,
): { orders: StepOrder[]; skips: Skip[] } {
  const orders: StepOrder[] = [];
  const skips: Skip[] = [];
  const left = new Map(balances);
  for (const m of markets) {
    const token = m.debtToken.toLowerCase();
    let room = m.paceRoom;
    const ready = m.positions.filter((p) => p.step.status === StepStatus.Ready);
    for (const p of sortByUrgency(ready)) {
      const key = positionKey(m.market, p.account);
      const base = { key, market: m.market, account: p.account };
      const why = blocked(key);
      if (why !== undefined) {
        skips.push({ ...base, reason: "blocked", detail: why });
        continue;
      }
      const paced = applyPaceRoom(p.step, room, m.spotPriceWad);
      if (paced === undefined) {
        skips.push({ ...base, reason: "pace" });
        continue;
      }
      const funding = chooseFunding(paced.step, left.get(token) ?? 0n, m.flashKeeper);
      if (funding === undefined) {
        skips.push({ ...base, reason: "no-funds" });
        continue;
      }
      const profit = estimateProfit(
        funding.expected,
        m.spotPriceWad,
        config.gasPerStep,
        gasPriceWei,
        m.gasTokenPriceWad,
      );
      const actAnyway =
        (config.actOnHardZone && p.step.zone === Zone.Hard) || (config.actOnBadDebt && p.step.badDebt > 0n);
      if (profit.net < m.minProfit && !actAnyway) {
        skips.push({ ...base, reason: "unprofitable", profit });
        continue;
      }
      // What a direct step may pull, and the pace room a soft step takes, are not offered to the next one.
      if (funding.mode === "direct") left.set(token, (left.get(token) ?? 0n) - funding.maxRepay);
      room = paced.room;
      orders.push({
        ...base,
        funding,
        step: paced.step,
        profit,
        actAnyway,
        forced: profit.net < m.minProfit,
      });
    }
  }
  return { orders: sortOrders(orders), skips };
}

/** Hard zone first, bad debt first, then LTV descending; stable for equal keys. */
export function sortByUrgency<T extends { step: StepView }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => urgency(b.step, a.step));
}

function sortOrders(orders: StepOrder[]): StepOrder[] {
  return [...orders].sort((a, b) => urgency(b.step, a.step) || cmp(b.profit.net, a.profit.net));
}

/** Positive when `x` is more urgent than `y`. */
function urgency(x: StepView, y: StepView): number {
  if (x.zone !== y.zone) return x.zone === Zone.Hard ? 1 : y.zone === Zone.Hard ? -1 : 0;
  if (x.badDebt > 0n !== y.badDebt > 0n) return x.badDebt > 0n ? 1 : -1;
  return cmp(x.ltvBeforeWad, y.ltvBeforeWad);
}

function cmp(a: bigint, b: bigint): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

// ---------------------------------------------------------------- price pokes

/**
 * Whether to send `updatePriceState` on a market: some position waits for the wick filter (`Unconfirmed`), poking
 * is enabled, and the last poke is at least `intervalSeconds` of chain time old. Pokes do not speed the filter
 * up (its weight grows with elapsed time); they only keep the smoothed price following the oracle while nothing
 * else touches the market.
 */
export function pokeDue(
  positions: readonly PositionSnapshot[],
  lastPokeAt: bigint | undefined,
  now: bigint,
  intervalSeconds: number,
): boolean {
  if (intervalSeconds <= 0) return false;
  if (!positions.some((p) => p.step.status === StepStatus.Unconfirmed)) return false;
  return lastPokeAt === undefined || now - lastPokeAt >= BigInt(intervalSeconds);
}
