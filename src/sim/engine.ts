/**
 * The simulator's tick loop: one policy on one reference price path in one pool, from the world's snapshot
 * (src/sim/world.ts), on the real contracts. Per tick (one block timestamp, several blocks one second apart): the
 * Chainlink mock follows the reference (deviation or heartbeat), an arbitrageur trades the Uniswap V2 pair toward
 * it within its capacity, and the keeper plans every position with the SDK's mirror of the schedule, pokes the
 * smoothed price when positions wait on the wick filter, and runs the profitable steps in one batch transaction
 * whose callbacks sell on the pair. Decisions (paths, pool arithmetic, keeper choice, metrics) live in the pure
 * modules next to this one; the calls are coded in calls.ts.
 */
import { defaultMarketParams, type MarketParamsInput } from "../sdk/params";
import { plan as sdkPlan } from "../sdk/schedule";
import { bpsToWad, MAX_UINT256, mulDivDown, WAD, wadMulDown, wadMulUp, zeroFloorSub } from "../sdk/math";
import {
  OracleStatus,
  StepStatus,
  Zone,
  type MarketParams,
  type StepInputs,
  type StepPlan,
} from "../sdk/types";
import {
  calldata,
  decodeAccounting,
  decodePriceState,
  decodeUint,
  errorName,
  parseLogs,
  readPositions,
  type Accounting,
  type PriceStateView,
} from "./calls";
import type { Receipt } from "./chain";
import { chooseStep } from "./keeper";
import { arbitrage } from "./pool-math";
import type { PricePath } from "./scenarios";
import { answerOf, COLLATERAL_DECIMALS, DEBT_DECIMALS, FEED_DECIMALS, type World } from "./world";

/** Raw price (debt base units per collateral base unit) from USD per token. */
const RAW_PER_USD = 10 ** DEBT_DECIMALS / 10 ** COLLATERAL_DECIMALS;
/** Largest batch of steps per keeper transaction (each step ~250k gas with its sale). */
const MAX_BATCH = 80;
/** Largest number of arbitrage trades per flush transaction (each ~60k gas). */
const MAX_TRADES = 400;

/** Reasons a trade or step was not sent, or was refused, counted per run. */
export const SKIP = {
  arbZeroOutput: "arbitrage not sent: output rounds to zero",
  saleZeroOutput: "keeper step not sent: its sale's output rounds to zero",
  refused: (name: string) => `keeper step refused on chain: ${name}`,
} as const;

/** One step kept by the keeper. */
export interface StepRecord {
  t: number;
  borrower: number;
  zone: number;
  ltvBefore: number;
  repaid: bigint;
  seized: bigint;
  tip: bigint;
  proceeds: bigint;
  badDebt: bigint;
  refPrice: number;
}

export interface TickRecord {
  t: number;
  refPrice: number;
  oraclePrice: number;
  poolPrice: number;
  collateralSold: bigint;
  aboveHard: number;
  sampleLtvs: number[];
}

/**
 * The run's books, from the chain at its start and end and from the logs of every market transaction in between:
 * collateral seized = sold on the pair + held by the keeper; debt at start + interest = repaid + bad debt + open
 * debt (the last up to a base unit per step of rounding).
 */
export interface Books {
  collateralStart: bigint;
  collateralEnd: bigint;
  seized: bigint;
  sold: bigint;
  held: bigint;
  debtStart: bigint;
  interest: bigint;
  repaid: bigint;
  badDebt: bigint;
  debtEnd: bigint;
}

export interface RunResult {
  steps: StepRecord[];
  ticks: TickRecord[];
  gasUsed: bigint;
  keeperRevenue: bigint;
  /** Debt and collateral of every borrower at the end. */
  final: { collateral: bigint; debt: bigint }[];
  /** Trades and steps not sent (or refused on chain), by reason. */
  skipped: Record<string, number>;
  books: Books;
}

/** A run that failed: where, and why. */
export class SimRunError extends Error {
  constructor(
    readonly tick: number,
    readonly seconds: number,
    readonly cause: unknown,
  ) {
    super(`at tick ${tick} (${seconds} s): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** MarketParams as the SDK takes them (bigints). */
export function toSdkParams(p: MarketParamsInput): MarketParams {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, BigInt(v)])) as unknown as MarketParams;
}

/** The oracle's price (debt base units per collateral base unit, WAD) for a feed answer. */
function answerToWad(answer: bigint): bigint {
  return (answer * 10n ** BigInt(DEBT_DECIMALS + 18 - COLLATERAL_DECIMALS)) / 10n ** BigInt(FEED_DECIMALS);
}

export interface RunOptions {
  /** Keeper gas price, gwei (the scenario defaults' otherwise). */
  gasPriceGwei?: number;
}

/** Runs one policy on one path in one pool, from the snapshot. */
export async function runPath(
  w: World,
  path: PricePath,
  params: MarketParamsInput,
  depth: string,
  options: RunOptions = {},
): Promise<RunResult> {
  await w.chain.revert(w.snapshot);
  w.snapshot = await w.chain.snapshot();
  const run = new Run(w, path, params, depth, options.gasPriceGwei ?? w.defaults.gasPriceGwei);
  return run.go();
}

/** The state of one run as it goes (a class so that the steps of a tick can be read one at a time). */
class Run {
  private readonly chain: World["chain"];
  private readonly pool: World["pools"][string];
  private readonly p: MarketParams;
  private readonly n: number;
  private readonly collateral: bigint[];
  private readonly normDebt: bigint[];
  private readonly lastStepAt: bigint[];
  private readonly indexOf: Map<string, number>;
  private readonly steps: StepRecord[] = [];
  private readonly ticks: TickRecord[] = [];
  private readonly skipped: Record<string, number> = {};
  private index: bigint;
  private gasUsed = 0n;
  private keeperRevenue = 0n;
  private collateralSold = 0n;
  private interest = 0n;
  private badDebtTotal = 0n;
  private repaidTotal = 0n;
  private poolC: bigint;
  private poolD: bigint;
  private lastAnswer: bigint;
  private lastFeedUpdate = -Infinity;
  /** A feed round is due on chain at the next flush (its answer is `lastAnswer`). */
  private feedDue = false;
  /** Collateral the arbitrageur put into the pair less what it took out. */
  private arbCollateralNet = 0n;
  private readonly pendingArb: { collateralIn: boolean; amountIn: bigint }[] = [];
  private tick = -1;

  constructor(
    private readonly w: World,
    private readonly path: PricePath,
    private readonly params: MarketParamsInput,
    private readonly depth: string,
    private readonly gasPriceGwei: number,
  ) {
    this.p = toSdkParams(params);
    this.chain = w.chain;
    this.pool = w.pools[depth];
    this.n = w.borrowers.length;
    this.collateral = w.borrowers.map((b) => b.collateral);
    this.normDebt = [...w.normDebt];
    this.lastStepAt = w.borrowers.map(() => 0n);
    this.indexOf = new Map(w.borrowers.map((b, i) => [b.account.toLowerCase(), i]));
    this.index = w.indexWad;
    this.poolC = this.pool.initialCollateralReserve;
    this.poolD = this.pool.initialDebtReserve;
    this.lastAnswer = answerOf(path.prices[0]);
  }

  private count(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  private async send(from: string, to: string, data: string, gas: number): Promise<Receipt> {
    const receipt = await this.chain.send(from, to, data, gas);
    if (!receipt.ok) throw new Error(`transaction to ${to} reverted: ${errorName(receipt.revertData)}`);
    return receipt;
  }

  /** A market transaction: its interest accrual is booked. */
  private async sendToMarket(from: string, data: string, gas: number): Promise<Receipt> {
    const receipt = await this.send(from, this.w.market, data, gas);
    this.interest += parseLogs(receipt.logs, this.w.market, this.pool.keeper).interest;
    return receipt;
  }

  private async accounting(): Promise<Accounting> {
    return decodeAccounting(await this.chain.call(this.w.market, calldata.accounting));
  }

  private async priceState(): Promise<PriceStateView> {
    return decodePriceState(await this.chain.call(this.w.market, calldata.priceState));
  }

  async go(): Promise<RunResult> {
    try {
      return await this.walk();
    } catch (e) {
      const seconds = Math.max(this.tick, 0) * this.path.tickSeconds;
      throw new SimRunError(this.tick, seconds, e);
    }
  }

  private async walk(): Promise<RunResult> {
    await this.sendToMarket(this.w.admin, calldata.setParams(this.params), 500_000);
    this.interest = 0n;
    const start = await this.accounting();
    for (this.tick = 0; this.tick < this.path.prices.length; this.tick++) await this.step();
    this.tick = this.path.prices.length;
    await this.flush();
    // Interest to the last block is booked by one last poke (it accrues), outside the keeper's gas.
    await this.sendToMarket(this.w.keeperOwner, calldata.updatePriceState, 300_000);
    const end = await this.accounting();
    const [checkC, checkD] = await this.reserves();
    if (checkC !== this.poolC || checkD !== this.poolD) {
      throw new Error(
        `pool reserves diverged from the simulator's books: ${checkC}/${checkD} on chain, ${this.poolC}/${this.poolD} booked`,
      );
    }
    const final = await readPositions(
      this.w.d,
      this.w.borrowers.map((b) => b.account),
    );
    const held = decodeUint(
      await this.chain.call(this.w.collateralToken, calldata.balanceOf(this.pool.keeper)),
    );
    const seized = this.steps.reduce((s, x) => s + x.seized, 0n);
    const books: Books = {
      collateralStart: this.w.borrowers.reduce((s, b) => s + b.collateral, 0n),
      collateralEnd: final.reduce((s, f) => s + f.collateral, 0n),
      seized,
      // What the pair received from the keeper: its collateral reserve's growth less the arbitrageur's net sales.
      sold: checkC - this.pool.initialCollateralReserve - this.arbCollateralNet,
      held,
      debtStart: start.debt,
      interest: this.interest,
      repaid: this.repaidTotal,
      badDebt: this.badDebtTotal,
      debtEnd: end.debt,
    };
    return {
      steps: this.steps,
      ticks: this.ticks,
      gasUsed: this.gasUsed,
      keeperRevenue: this.keeperRevenue,
      final,
      skipped: this.skipped,
      books,
    };
  }

  private async reserves(): Promise<[bigint, bigint]> {
    const data = await this.chain.call(this.pool.pair, "0x0902f1ac"); // getReserves()
    const r0 = BigInt(`0x${data.slice(2, 66)}`);
    const r1 = BigInt(`0x${data.slice(66, 130)}`);
    return this.pool.collateralIsToken0 ? [r0, r1] : [r1, r0];
  }

  private tickRecord(t: number, ref: number, aboveHard: number): TickRecord {
    const oracle = Number(this.lastAnswer) / 10 ** FEED_DECIMALS;
    const spotRaw = oracle * RAW_PER_USD;
    return {
      t,
      refPrice: ref,
      oraclePrice: oracle,
      poolPrice: Number(this.poolD) / Number(this.poolC) / RAW_PER_USD,
      collateralSold: this.collateralSold,
      aboveHard,
      sampleLtvs: this.w.samples.map((i) =>
        this.normDebt[i] === 0n
          ? 0
          : Number(wadMulUp(this.normDebt[i], this.index)) / (Number(this.collateral[i]) * spotRaw),
      ),
    };
  }

  /**
   * Nothing reads the feed or the pool while no position is near a zone, so the feed's rounds and the
   * arbitrageur's trades are sent only when the keeper is about to act (and at the end): the feed gets the latest
   * round, the pair the pending trades in their order, in one transaction, which leaves it exactly as separate
   * transactions would have. The market sees the same prices at every read.
   */
  private async flush(): Promise<void> {
    const answer = this.feedDue ? this.lastAnswer : 0n;
    if (answer === 0n && this.pendingArb.length === 0) return;
    for (let b = 0; b === 0 || b < this.pendingArb.length; b += MAX_TRADES) {
      const part = this.pendingArb.slice(b, b + MAX_TRADES);
      await this.send(
        this.w.arbOwner,
        this.pool.arbitrageur,
        calldata.flush(
          b === 0 ? answer : 0n,
          part.map((x) => x.collateralIn === this.pool.collateralIsToken0),
          part.map((x) => x.amountIn),
        ),
        80_000 * part.length + 150_000,
      );
    }
    this.feedDue = false;
    this.pendingArb.length = 0;
  }

  /** One tick. */
  private async step(): Promise<void> {
    const k = this.tick;
    const w = this.w;
    const t = w.startTime + 60 + k * this.path.tickSeconds;
    const tRel = k * this.path.tickSeconds;
    const ref = this.path.prices[k];
    const answer = answerOf(ref);
    this.chain.at(t);
    const tickStart = this.chain.clock;
    // 1. The feed: a new round on a deviation of `feedDeviation` or when the heartbeat is due.
    const deviation = Math.abs(Number(answer - this.lastAnswer)) / Number(this.lastAnswer);
    if (
      k === 0 ||
      deviation >= w.defaults.feedDeviation ||
      t - this.lastFeedUpdate >= w.defaults.feedHeartbeatSeconds
    ) {
      this.lastAnswer = answer;
      this.lastFeedUpdate = t;
      this.feedDue = true;
    }
    // 2. The arbitrageur, toward the reference price (the pair's reserves are booked here with Uniswap V2's
    // arithmetic, and checked against the pair at the end of the run). A trade whose output rounds to zero is not
    // sent: the pair would refuse it.
    const capacity = BigInt(
      Math.floor(
        Number(this.pool.initialDebtReserve) * w.defaults.arbCapacityPerMinute * (this.path.tickSeconds / 60),
      ),
    );
    const arb = arbitrage(this.poolC, this.poolD, ref * RAW_PER_USD, capacity);
    if (arb.kind === "zeroOutput") this.count(SKIP.arbZeroOutput);
    else if (arb.kind === "trade") {
      const { trade, out } = arb;
      if (trade.collateralIn) [this.poolC, this.poolD] = [this.poolC + trade.amountIn, this.poolD - out];
      else [this.poolC, this.poolD] = [this.poolC - out, this.poolD + trade.amountIn];
      this.arbCollateralNet += trade.collateralIn ? trade.amountIn : -out;
      this.pendingArb.push(trade);
    }

    // 3. The keeper plans only when some position is within 1 % of the soft zone at the oracle price (estimated
    // from the last known index); otherwise nothing is read.
    if (!this.anyNear()) {
      this.ticks.push(this.tickRecord(tRel, ref, 0));
      return;
    }
    await this.flush();
    if (this.chain.clock === tickStart) await this.chain.mine();
    const acc = await this.accounting();
    this.index = acc.indexWad;
    let state = await this.priceState();
    let plans = this.planAll(state, acc.reserves, BigInt(this.chain.clock));
    if (plans.some((x) => x.plan.status === StepStatus.Unconfirmed)) {
      this.gasUsed += (await this.sendToMarket(w.keeperOwner, calldata.updatePriceState, 300_000)).gasUsed;
      state = await this.priceState();
      plans = this.planAll(state, acc.reserves, BigInt(this.chain.clock));
    }
    const hardRef = bpsToWad(defaultMarketParams().hardLtvBps);
    const aboveHard = plans.filter((x) => x.plan.ltvBeforeWad >= hardRef).length;
    await this.keep(plans, state, acc.reserves, tRel, ref);
    this.ticks.push(this.tickRecord(tRel, ref, aboveHard));
  }

  private anyNear(): boolean {
    const spotEstimate = answerToWad(this.lastAnswer);
    const softWad = bpsToWad(this.params.softLtvBps);
    for (let i = 0; i < this.n; i++) {
      const debt = wadMulUp(this.normDebt[i], this.index);
      if (
        debt > 0n &&
        debt * 101n >= wadMulDown(wadMulDown(this.collateral[i], spotEstimate), softWad) * 100n
      ) {
        return true;
      }
    }
    return false;
  }

  private debtOf(i: number): bigint {
    return wadMulUp(this.normDebt[i], this.index);
  }

  /** Every open position planned with the SDK's mirror of the schedule, as of this block. */
  private planAll(state: PriceStateView, reserves: bigint, timestamp: bigint) {
    const spot = state.spotPriceWad;
    let room = zeroFloorSub(this.p.maxSoftSeizePerWindow, state.paceUsed);
    let reserveLeft = reserves;
    const plans: { i: number; plan: StepPlan; inputs: StepInputs }[] = [];
    for (let i = 0; i < this.n; i++) {
      const debt = this.debtOf(i);
      if (debt === 0n) continue;
      const inputs: StepInputs = {
        collateral: this.collateral[i],
        debt,
        lastStepAt: this.lastStepAt[i],
        spotPriceWad: spot,
        emaPriceWad: state.emaPriceWad,
        varianceWad: state.varianceWad,
        oracleStatus: OracleStatus.Ok,
        paceRoom: room,
        reserves: reserveLeft,
        maxRepay: MAX_UINT256,
        timestamp,
      };
      const { plan } = sdkPlan(this.p, inputs);
      if (plan.status === StepStatus.Ready && plan.zone === Zone.Soft) {
        room = zeroFloorSub(room, wadMulUp(plan.seized, spot));
      }
      if (plan.status === StepStatus.Ready) reserveLeft -= plan.tip;
      plans.push({ i, plan, inputs });
    }
    return plans;
  }

  /**
   * Profitable steps, deepest first, each sized for the most profit and its sale simulated on the pair as it will
   * stand after the ones before it; sent in batches, and booked from the receipts.
   */
  private async keep(
    plans: { i: number; plan: StepPlan; inputs: StepInputs }[],
    state: PriceStateView,
    reserves: bigint,
    tRel: number,
    ref: number,
  ): Promise<void> {
    const gasCostDebt = BigInt(
      Math.ceil(this.w.defaults.gasPerStepEstimate * this.gasPriceGwei * 1e-9 * ref * 10 ** DEBT_DECIMALS),
    );
    let [simC, simD] = [this.poolC, this.poolD];
    let room = zeroFloorSub(this.p.maxSoftSeizePerWindow, state.paceUsed);
    let reserveLeft = reserves;
    const ready = plans
      .filter((x) => x.plan.status === StepStatus.Ready && x.plan.repaid > 0n)
      .sort((a, b) =>
        b.plan.ltvBeforeWad > a.plan.ltvBeforeWad
          ? 1
          : b.plan.ltvBeforeWad < a.plan.ltvBeforeWad
            ? -1
            : a.i - b.i,
      );
    const batch: { i: number; plan: StepPlan; repay: bigint }[] = [];
    for (const x of ready) {
      const choice = chooseStep(
        this.p,
        { ...x.inputs, paceRoom: room, reserves: reserveLeft },
        simC,
        simD,
        gasCostDebt,
      );
      if (choice === null) continue;
      if (choice.proceeds === 0n) {
        this.count(SKIP.saleZeroOutput);
        continue;
      }
      batch.push({ i: x.i, plan: choice.plan, repay: choice.repay });
      if (choice.plan.zone === Zone.Soft)
        room = zeroFloorSub(room, wadMulUp(choice.plan.seized, state.spotPriceWad));
      reserveLeft -= choice.plan.tip;
      simC += choice.plan.seized;
      simD -= choice.proceeds;
    }
    for (let b = 0; b < batch.length; b += MAX_BATCH) {
      const part = batch.slice(b, b + MAX_BATCH);
      const stepTime = BigInt(this.chain.clock);
      const receipt = await this.send(
        this.w.keeperOwner,
        this.pool.keeper,
        calldata.keeperRun(
          part.map((x) => this.w.borrowers[x.i].account),
          part.map((x) => x.repay),
          part.map(() => gasCostDebt),
        ),
        400_000 * part.length + 200_000,
      );
      this.gasUsed += receipt.gasUsed;
      const logs = parseLogs(receipt.logs, this.w.market, this.pool.keeper);
      this.interest += logs.interest;
      for (const s of logs.skipped) this.count(SKIP.refused(errorName(s.reason)));
      for (const s of logs.stepped) {
        const i = this.indexOf.get(s.account)!;
        const planned = part.find((x) => x.i === i)!.plan;
        const badDebt = logs.badDebt.get(s.account) ?? 0n;
        this.steps.push({
          t: tRel,
          borrower: i,
          zone: Number(planned.zone),
          ltvBefore: Number(planned.ltvBeforeWad) / 1e18,
          repaid: s.repaid,
          seized: s.seized,
          tip: s.tip,
          proceeds: s.proceeds,
          badDebt,
          refPrice: ref,
        });
        this.repaidTotal += s.repaid;
        this.badDebtTotal += badDebt;
        this.collateralSold += s.seized;
        this.poolC += s.seized;
        this.poolD -= s.proceeds;
        this.keeperRevenue += s.proceeds - (s.repaid - s.tip);
        this.collateral[i] -= s.seized;
        // The market credits normDebt by repaid / index, rounded down.
        this.normDebt[i] = zeroFloorSub(this.normDebt[i], mulDivDown(s.repaid, WAD, this.index));
        if (this.debtOf(i) === 0n || this.collateral[i] === 0n) this.normDebt[i] = 0n;
        this.lastStepAt[i] = stepTime;
      }
    }
  }
}
