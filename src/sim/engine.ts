/**
 * The simulator's on-chain engine: deploys the real market (scripts/lib/local-deployment.ts), opens the
 * borrowers, adds a constant-product pool per depth and a keeper per pool, and snapshots; each run reverts to the
 * snapshot, sets the policy's parameters and walks a reference price path tick by tick on the in-process Hardhat
 * network. Per tick (one block timestamp, several blocks one second apart): the Chainlink mock follows the
 * reference (deviation or heartbeat), an arbitrageur trades the pool toward it within its capacity, the keeper
 * reads the positions near or in the liquidation zones with one `positionStates` call, pokes the smoothed price
 * when positions wait on the wick filter, and runs the profitable steps in one batch transaction.
 * Decisions (paths, pool arithmetic, metrics) live in the pure modules next to this one.
 */
import { ethers, network } from "hardhat";
import type { Signer, TransactionReceipt } from "ethers";
import {
  KinkedRateModel__factory,
  SimKeeper__factory,
  SimPool__factory,
  type SimKeeper,
  type SimPool,
} from "../../typechain-types";
import { deployLocalMarket, type LocalDeployment } from "../../scripts/lib/local-deployment";
import { createPositions, supplyLiquidity, type PositionSpec } from "../../scripts/lib/positions";
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
import { chooseStep } from "./keeper";
import { amountOut, arbTrade } from "./pool-math";
import type { PricePath, SimDefaults } from "./scenarios";
import { Rng } from "./rng";

const COLLATERAL_DECIMALS = 18;
const DEBT_DECIMALS = 6;
const FEED_DECIMALS = 8;
/** Raw price (debt base units per collateral base unit) from USD per token. */
const RAW_PER_USD = 10 ** DEBT_DECIMALS / 10 ** COLLATERAL_DECIMALS;
/** Largest batch of steps per keeper transaction (each step ~250k gas with its sale). */
const MAX_BATCH = 80;

export interface Borrower {
  account: string;
  collateral: bigint;
  debt: bigint;
}

export interface PoolSetup {
  pool: SimPool;
  keeper: SimKeeper;
  initialDebtReserve: bigint;
}

export interface World {
  d: LocalDeployment;
  defaults: SimDefaults;
  admin: Signer;
  arb: Signer;
  keeperOwner: Signer;
  pools: Record<string, PoolSetup>;
  borrowers: Borrower[];
  /** Indices of the borrowers whose LTV the charts follow. */
  samples: number[];
  /** Each borrower's normalised debt at the snapshot (debt / borrow index). */
  normDebt: bigint[];
  indexWad: bigint;
  /** Borrow rate at set-up, per second (fraction): the counterfactual debt grows at it. */
  ratePerSecond: number;
  startTime: number;
  snapshot: string;
}

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

export interface RunResult {
  steps: StepRecord[];
  ticks: TickRecord[];
  gasUsed: bigint;
  keeperRevenue: bigint;
  /** Debt and collateral of every borrower at the end. */
  final: { collateral: bigint; debt: bigint }[];
}

/** Borrowers drawn from the scenario defaults: LTV uniform in `ltvRange`, collateral log-normal. */
export function drawBorrowers(defaults: SimDefaults): PositionSpec[] {
  const rng = new Rng(defaults.seed);
  const [lo, hi] = defaults.ltvRange;
  const price = BigInt(Math.round(defaults.initialPrice * 1e6));
  return Array.from({ length: defaults.borrowers }, () => {
    const tokens = Math.max(
      defaults.collateralMin,
      defaults.collateralMedian * Math.exp(defaults.collateralSigma * rng.normal()),
    );
    const ltvBps = BigInt(Math.round((lo + (hi - lo) * rng.next()) * 10_000));
    const collateral = BigInt(Math.round(tokens * 1e6)) * 10n ** 12n;
    // debt = collateral x price x LTV, rounded down (the market's maxLtv check rounds LTV up).
    const debt = (collateral * price * ltvBps) / (10n ** 18n * 10_000n);
    return { collateral, debt };
  });
}

async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
  return (await network.provider.request({ method, params })) as T;
}

async function latestTime(): Promise<number> {
  const block = await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
  return Number(block.timestamp);
}

function answerOf(usd: number): bigint {
  return BigInt(Math.round(usd * 10 ** FEED_DECIMALS));
}

/** The oracle's price (debt base units per collateral base unit, WAD) for a feed answer: 8-decimal USD per
 * 18-decimal token in 6-decimal USD units is answer x 1e6 x 1e18 / (1e8 x 1e18) = answer / 100. */
function answerToWad(answer: bigint): bigint {
  return (answer * 10n ** BigInt(DEBT_DECIMALS + 18 - COLLATERAL_DECIMALS)) / 10n ** BigInt(FEED_DECIMALS);
}

export interface WorldOptions {
  /** Positions to open instead of those drawn from the defaults. */
  specs?: PositionSpec[];
  /** A zero borrow rate, so that debts do not grow (figures that can be worked out by hand). */
  zeroRate?: boolean;
}

/** Deploys everything once and snapshots. */
export async function setupWorld(
  defaults: SimDefaults,
  depthNames: string[],
  options: WorldOptions = {},
): Promise<World> {
  // Every set-up block is one second after the previous, whatever the wall clock does, so that interest and
  // price-state samples at the snapshot (and so every figure) do not depend on how fast this machine is.
  const provider = network.provider as unknown as {
    send(method: string, params?: unknown[]): Promise<unknown>;
  };
  const send = provider.send.bind(provider);
  let next = (await latestTime()) + 1;
  provider.send = async (method: string, params?: unknown[]) => {
    if (method === "eth_sendTransaction" || method === "eth_sendRawTransaction") {
      await send("evm_setNextBlockTimestamp", [next++]);
    }
    return send(method, params);
  };
  try {
    return await setupWorldAtFixedPace(defaults, depthNames, options);
  } finally {
    provider.send = send;
  }
}

async function setupWorldAtFixedPace(
  defaults: SimDefaults,
  depthNames: string[],
  options: WorldOptions,
): Promise<World> {
  const specs = options.specs ?? drawBorrowers(defaults);
  const [admin, lender, arb, keeperOwner] = await ethers.getSigners();
  const d = await deployLocalMarket(admin, {
    collateralDecimals: COLLATERAL_DECIMALS,
    debtDecimals: DEBT_DECIMALS,
    initialAnswer: answerOf(defaults.initialPrice),
  });
  if (options.zeroRate) {
    const zero = await new KinkedRateModel__factory(admin).deploy(0n, 0n, 0n, 8n * 10n ** 17n);
    await zero.waitForDeployment();
    await (await d.market.setRateModel(zero)).wait();
  }
  const totalDebt = specs.reduce((s, p) => s + p.debt, 0n);
  const totalCollateral = specs.reduce((s, p) => s + p.collateral, 0n);
  await supplyLiquidity(d, lender, (totalDebt * 1000n) / BigInt(Math.round(defaults.utilization * 1000)));
  const accounts = await createPositions(d, admin, specs);
  const borrowers = accounts.map((account, i) => ({ account, ...specs[i] }));

  const arbAddress = await arb.getAddress();
  const big = 10n ** 40n;
  await (await d.collateralToken.mint(arbAddress, big)).wait();
  await (await d.debtToken.mint(arbAddress, big)).wait();
  const pools: Record<string, PoolSetup> = {};
  const priceRaw = answerOf(defaults.initialPrice); // 8 decimals, USD per token
  for (const name of depthNames) {
    const pool = await new SimPool__factory(admin).deploy(d.collateralToken, d.debtToken);
    await pool.waitForDeployment();
    const collateral = (totalCollateral * BigInt(Math.round(defaults.depths[name] * 1000))) / 1000n;
    const debt = (collateral * priceRaw) / 10n ** BigInt(COLLATERAL_DECIMALS - DEBT_DECIMALS + FEED_DECIMALS);
    await (await d.collateralToken.mint(await admin.getAddress(), collateral)).wait();
    await (await d.debtToken.mint(await admin.getAddress(), debt)).wait();
    await (await d.collateralToken.approve(pool, collateral)).wait();
    await (await d.debtToken.approve(pool, debt)).wait();
    await (await pool.addLiquidity(collateral, debt)).wait();
    await (await d.collateralToken.connect(arb).approve(pool, ethers.MaxUint256)).wait();
    await (await d.debtToken.connect(arb).approve(pool, ethers.MaxUint256)).wait();
    const keeper = await new SimKeeper__factory(keeperOwner).deploy(d.market, pool);
    await keeper.waitForDeployment();
    pools[name] = { pool, keeper, initialDebtReserve: debt };
  }

  const [cash, debtNow, , indexWad] = await d.market.accounting();
  const states = await d.market.positionStates(accounts);
  // debt = normDebt x index rounded up, so this recovers normDebt (the index is 1 right after set-up).
  const normDebt = states.map((s) => (s.debt * WAD) / indexWad);
  const rateWad = await d.rateModel.borrowRatePerSecondWad(cash, debtNow);
  const samples = defaults.samplePositionLtvs.map((target) => {
    let best = 0;
    let bestGap = Infinity;
    specs.forEach((p, i) => {
      const ltv = Number(p.debt) / 1e6 / ((Number(p.collateral) / 1e18) * defaults.initialPrice);
      if (Math.abs(ltv - target) < bestGap) [best, bestGap] = [i, Math.abs(ltv - target)];
    });
    return best;
  });
  const snapshot = await rpc<string>("evm_snapshot");
  return {
    d,
    defaults,
    admin,
    arb,
    keeperOwner,
    pools,
    borrowers,
    normDebt,
    indexWad,
    samples: [...new Set(samples)],
    ratePerSecond: Number(rateWad) / 1e18,
    startTime: await latestTime(),
    snapshot,
  };
}

/** Runs one policy on one path in one pool, from the snapshot. */
export async function runPath(
  w: World,
  path: PricePath,
  params: MarketParamsInput,
  depth: string,
): Promise<RunResult> {
  await rpc("evm_revert", [w.snapshot]);
  w.snapshot = await rpc<string>("evm_snapshot");
  const { market, feed } = w.d;
  const { pool, keeper, initialDebtReserve } = w.pools[depth];
  const defaults = w.defaults;
  const tick = path.tickSeconds;
  let clock = w.startTime + 1;
  let gasUsed = 0n;
  const at = async (t: number) => {
    clock = Math.max(clock, t);
    await rpc("evm_setNextBlockTimestamp", [clock]);
    clock += 1;
  };
  const send = async (fn: () => Promise<{ wait(): Promise<TransactionReceipt | null> }>) => {
    await at(clock);
    const receipt = await (await fn()).wait();
    if (receipt === null || receipt.status !== 1) throw new Error("simulator transaction failed");
    return receipt;
  };

  await send(() => market.connect(w.admin).setParams(params, { gasLimit: 500_000 }));
  const p = toSdkParams(params);
  const hardRef = bpsToWad(defaultMarketParams().hardLtvBps);
  const marketAddress = (await market.getAddress()).toLowerCase();
  const keeperAddress = (await keeper.getAddress()).toLowerCase();
  const n = w.borrowers.length;
  const collateral = w.borrowers.map((b) => b.collateral);
  const normDebt = [...w.normDebt];
  const lastStepAt = w.borrowers.map(() => 0n);
  const steps: StepRecord[] = [];
  const ticks: TickRecord[] = [];
  let lastAnswer = answerOf(path.prices[0]);
  let lastFeedUpdate = -Infinity;
  let collateralSold = 0n;
  let keeperRevenue = 0n;
  const capacity = BigInt(
    Math.floor(Number(initialDebtReserve) * defaults.arbCapacityPerMinute * (tick / 60)),
  );
  const indexOf = new Map(w.borrowers.map((b, i) => [b.account.toLowerCase(), i]));
  let index = w.indexWad;
  let [poolC, poolD] = await pool.reserves();
  const softWad = bpsToWad(params.softLtvBps);
  const tickRecord = (t: number, ref: number, aboveHard: number): TickRecord => {
    const oracle = Number(lastAnswer) / 10 ** FEED_DECIMALS;
    const spotRaw = oracle * RAW_PER_USD;
    return {
      t: t - w.startTime - 60,
      refPrice: ref,
      oraclePrice: oracle,
      poolPrice: Number(poolD) / Number(poolC) / RAW_PER_USD,
      collateralSold,
      aboveHard,
      sampleLtvs: w.samples.map((i) =>
        normDebt[i] === 0n ? 0 : Number(wadMulUp(normDebt[i], index)) / (Number(collateral[i]) * spotRaw),
      ),
    };
  };

  // Nothing reads the feed or the pool while no position is near a zone, so the feed's rounds and the
  // arbitrageur's trades are sent only when the keeper is about to act (and at the end): the feed gets the latest
  // round, the pool the pending trades in their order, in one transaction, which leaves it exactly as separate
  // transactions would have. The market sees the same prices at every read.
  const pendingArb: { collateralIn: boolean; amountIn: bigint }[] = [];
  let onchainAnswer = -1n;
  let onchainFeedTime = -Infinity;
  const flush = async () => {
    if (lastAnswer !== onchainAnswer || lastFeedUpdate > onchainFeedTime) {
      const a = lastAnswer;
      await send(() => feed.connect(w.admin).updateAnswer(a, { gasLimit: 200_000 }));
      [onchainAnswer, onchainFeedTime] = [lastAnswer, lastFeedUpdate];
    }
    for (let b = 0; b < pendingArb.length; b += 400) {
      const part = pendingArb.slice(b, b + 400);
      await send(() =>
        pool.connect(w.arb).swapSequence(
          part.map((x) => x.collateralIn),
          part.map((x) => x.amountIn),
          w.arb.getAddress(),
          { gasLimit: 60_000 * part.length + 100_000 },
        ),
      );
    }
    pendingArb.length = 0;
  };

  for (let k = 0; k < path.prices.length; k++) {
    const t = w.startTime + 60 + k * tick;
    const ref = path.prices[k];
    const answer = answerOf(ref);
    clock = Math.max(clock, t);
    const tickStart = clock;
    // 1. The feed: a new round on a deviation of `feedDeviation` or when the heartbeat is due.
    const deviation = Math.abs(Number(answer - lastAnswer)) / Number(lastAnswer);
    if (
      k === 0 ||
      deviation >= defaults.feedDeviation ||
      t - lastFeedUpdate >= defaults.feedHeartbeatSeconds
    ) {
      lastAnswer = answer;
      lastFeedUpdate = t;
    }
    // 2. The arbitrageur, toward the reference price (the pool's reserves are booked here with its own
    // arithmetic, and checked against the pool at the end of the run).
    const trade = arbTrade(poolC, poolD, ref * RAW_PER_USD, capacity);
    if (trade) {
      const out = trade.collateralIn
        ? amountOut(trade.amountIn, poolC, poolD)
        : amountOut(trade.amountIn, poolD, poolC);
      if (trade.collateralIn) [poolC, poolD] = [poolC + trade.amountIn, poolD - out];
      else [poolC, poolD] = [poolC - out, poolD + trade.amountIn];
      pendingArb.push(trade);
    }

    // 3. The keeper plans every open position with the SDK's mirror of the schedule (src/sdk), from the market's
    // price state and index as of this block; it pokes the smoothed price when positions wait on the wick filter.
    // When no position is within 1 % of the soft zone at the oracle price (estimated from the last known index),
    // there is nothing to plan and nothing is read.
    const spotEstimate = answerToWad(lastAnswer);
    let anyNear = false;
    for (let i = 0; i < n && !anyNear; i++) {
      const debt = wadMulUp(normDebt[i], index);
      anyNear =
        debt > 0n && debt * 101n >= wadMulDown(wadMulDown(collateral[i], spotEstimate), softWad) * 100n;
    }
    if (!anyNear) {
      ticks.push(tickRecord(t, ref, 0));
      continue;
    }
    await flush();
    if (clock === tickStart) await rpc("evm_mine", [clock++]);
    const [, , reserves, indexNow] = await market.accounting();
    index = indexNow;
    const debtOf = (i: number) => wadMulUp(normDebt[i], index);
    let state = await market.priceState();
    const spot = state.spotPriceWad;
    const planAll = (timestamp: bigint) => {
      let room = zeroFloorSub(p.maxSoftSeizePerWindow, state.paceUsed);
      let reserveLeft = reserves;
      const plans: { i: number; plan: StepPlan; inputs: StepInputs }[] = [];
      for (let i = 0; i < n; i++) {
        const debt = debtOf(i);
        if (debt === 0n) continue;
        const inputs: StepInputs = {
          collateral: collateral[i],
          debt,
          lastStepAt: lastStepAt[i],
          spotPriceWad: spot,
          emaPriceWad: state.emaPriceWad,
          varianceWad: state.varianceWad,
          oracleStatus: OracleStatus.Ok,
          paceRoom: room,
          reserves: reserveLeft,
          maxRepay: MAX_UINT256,
          timestamp,
        };
        const { plan } = sdkPlan(p, inputs);
        if (plan.status === StepStatus.Ready && plan.zone === Zone.Soft) {
          room = zeroFloorSub(room, wadMulUp(plan.seized, spot));
        }
        if (plan.status === StepStatus.Ready) reserveLeft -= plan.tip;
        plans.push({ i, plan, inputs });
      }
      return plans;
    };
    let plans = planAll(BigInt(clock));
    if (plans.some((x) => x.plan.status === StepStatus.Unconfirmed)) {
      gasUsed += (await send(() => market.connect(w.keeperOwner).updatePriceState({ gasLimit: 300_000 })))
        .gasUsed;
      state = await market.priceState();
      plans = planAll(BigInt(clock));
    }
    const aboveHard = plans.filter((x) => x.plan.ltvBeforeWad >= hardRef).length;

    // 4. Profitable steps, deepest first, each sized for the most profit and its sale simulated on the pool as
    // it will stand after the ones before it.
    const gasCostDebt = BigInt(
      Math.ceil(defaults.gasPerStepEstimate * defaults.gasPriceGwei * 1e-9 * ref * 10 ** DEBT_DECIMALS),
    );
    let [simC, simD] = [poolC, poolD];
    let room = zeroFloorSub(p.maxSoftSeizePerWindow, state.paceUsed);
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
        p,
        { ...x.inputs, paceRoom: room, reserves: reserveLeft },
        simC,
        simD,
        gasCostDebt,
      );
      if (choice === null) continue;
      batch.push({ i: x.i, plan: choice.plan, repay: choice.repay });
      if (choice.plan.zone === Zone.Soft) room = zeroFloorSub(room, wadMulUp(choice.plan.seized, spot));
      reserveLeft -= choice.plan.tip;
      simC += choice.plan.seized;
      simD -= choice.proceeds;
    }
    for (let b = 0; b < batch.length; b += MAX_BATCH) {
      const part = batch.slice(b, b + MAX_BATCH);
      const stepTime = BigInt(clock);
      const receipt = await send(() =>
        keeper.connect(w.keeperOwner).run(
          part.map((x) => w.borrowers[x.i].account),
          part.map((x) => x.repay),
          part.map(() => gasCostDebt),
          { gasLimit: 400_000 * part.length + 200_000 },
        ),
      );
      gasUsed += receipt.gasUsed;
      const badDebtOf = new Map<number, bigint>();
      const kept: StepRecord[] = [];
      for (const log of receipt.logs) {
        const from = log.address.toLowerCase();
        if (from === marketAddress) {
          const parsed = market.interface.parseLog(log);
          if (parsed?.name === "BadDebtRealized") {
            badDebtOf.set(
              indexOf.get(String(parsed.args.account).toLowerCase())!,
              parsed.args.amount as bigint,
            );
          }
        } else if (from === keeperAddress) {
          const parsed = keeper.interface.parseLog(log);
          if (parsed?.name !== "Stepped") continue;
          const i = indexOf.get(String(parsed.args.account).toLowerCase())!;
          const planned = part.find((x) => x.i === i)!.plan;
          const [, repaid, seized, tip, proceeds] = parsed.args as unknown as bigint[];
          kept.push({
            t: t - w.startTime - 60,
            borrower: i,
            zone: Number(planned.zone),
            ltvBefore: Number(planned.ltvBeforeWad) / 1e18,
            repaid,
            seized,
            tip,
            proceeds,
            badDebt: 0n,
            refPrice: ref,
          });
          collateralSold += seized;
          poolC += seized;
          poolD -= proceeds;
          keeperRevenue += proceeds - (repaid - tip);
          collateral[i] -= seized;
          // The market credits normDebt by repaid / index, rounded down.
          normDebt[i] = zeroFloorSub(normDebt[i], mulDivDown(repaid, WAD, index));
          if (debtOf(i) === 0n || collateral[i] === 0n) normDebt[i] = 0n;
          lastStepAt[i] = stepTime;
        }
      }
      for (const s of kept) {
        s.badDebt = badDebtOf.get(s.borrower) ?? 0n;
        steps.push(s);
      }
    }
    ticks.push(tickRecord(t, ref, aboveHard));
  }
  await flush();
  const [checkC, checkD] = await pool.reserves();
  if (checkC !== poolC || checkD !== poolD)
    throw new Error("pool reserves diverged from the simulator's books");
  // Exact final state of the positions that may be underwater at the final reference price (others owe less than
  // their collateral is worth and carry no unrealized bad debt).
  const lastRaw = path.prices[path.prices.length - 1] * RAW_PER_USD;
  const final = w.borrowers.map((_, i) => ({
    collateral: collateral[i],
    debt: wadMulUp(normDebt[i], index),
  }));
  const near = final.flatMap((f, i) => (Number(f.debt) >= 0.9 * Number(f.collateral) * lastRaw ? [i] : []));
  if (near.length > 0) {
    const states = await market.positionStates(near.map((i) => w.borrowers[i].account));
    near.forEach((i, j) => (final[i] = { collateral: states[j].collateral, debt: states[j].debt }));
  }
  return { steps, ticks, gasUsed, keeperRevenue, final };
}

/** MarketParams as the SDK takes them (bigints). */
export function toSdkParams(p: MarketParamsInput): MarketParams {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, BigInt(v)])) as unknown as MarketParams;
}
