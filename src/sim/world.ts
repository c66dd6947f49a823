/**
 * The simulator's world, set up once per borrower seed and snapshotted: the real market (the local deployment of
 * scripts/lib/local-deployment.ts), the borrowers, and per pool depth a Uniswap V2 pair (src/sim/uniswap-v2.ts)
 * with its arbitrageur (SimArbitrageur) and its keeper (SimKeeper). Every run starts from the snapshot.
 */
import { ethers, network } from "hardhat";
import type { Signer } from "ethers";
import type { HttpNetworkConfig } from "hardhat/types";
import { KinkedRateModel__factory } from "../../typechain-types/factories/contracts/core/KinkedRateModel__factory";
import { SimArbitrageur__factory } from "../../typechain-types/factories/contracts/sim/SimArbitrageur.sol/SimArbitrageur__factory";
import { SimKeeper__factory } from "../../typechain-types/factories/contracts/sim/SimKeeper__factory";
import { deployLocalMarket, type LocalDeployment } from "../../scripts/lib/local-deployment";
import { createPositions, supplyLiquidity, type PositionSpec } from "../../scripts/lib/positions";
import { WAD } from "../sdk/math";
import { atFixedPace, SimChain, type Backend } from "./chain";
import { readPositions } from "./calls";
import { HttpRpc } from "./http-rpc";
import { Rng } from "./rng";
import type { SimDefaults } from "./scenarios";
import { deployUniswapV2Pair } from "./uniswap-v2";

export const COLLATERAL_DECIMALS = 18;
export const DEBT_DECIMALS = 6;
export const FEED_DECIMALS = 8;
/** Every world's first block: a fixed time, so that worlds are alike on every machine, backend and day. */
export const SIM_EPOCH_SECONDS = 2_000_000_000;

export interface Borrower {
  account: string;
  collateral: bigint;
  debt: bigint;
}

/** One pool depth: its pair, and the arbitrageur and keeper that trade on it (addresses lowercase). */
export interface PoolSetup {
  pair: string;
  arbitrageur: string;
  keeper: string;
  /** The collateral token is the pair's token0. */
  collateralIsToken0: boolean;
  initialCollateralReserve: bigint;
  initialDebtReserve: bigint;
}

export interface World {
  chain: SimChain;
  d: LocalDeployment;
  defaults: SimDefaults;
  /** Lowercase addresses of the parts the tick loop calls. */
  market: string;
  feed: string;
  collateralToken: string;
  admin: string;
  /** Owner of the arbitrageurs. */
  arbOwner: string;
  keeperOwner: string;
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

/** The borrowers whose LTV the charts follow: the closest to each of `samplePositionLtvs` at the start. */
export function sampleIndices(specs: readonly PositionSpec[], defaults: SimDefaults): number[] {
  const ltv0 = (p: PositionSpec) =>
    Number(p.debt) / 1e6 / ((Number(p.collateral) / 1e18) * defaults.initialPrice);
  const picks = defaults.samplePositionLtvs.map((target) => {
    let best = 0;
    specs.forEach((p, i) => {
      if (Math.abs(ltv0(p) - target) < Math.abs(ltv0(specs[best]) - target)) best = i;
    });
    return best;
  });
  return [...new Set(picks)];
}

/** Feed answer (8 decimals) for a price in USD per token. */
export function answerOf(usd: number): bigint {
  return BigInt(Math.round(usd * 10 ** FEED_DECIMALS));
}

export interface WorldOptions {
  /** Positions to open instead of those drawn from the defaults. */
  specs?: PositionSpec[];
  /** A zero borrow rate, so that debts do not grow (figures that can be worked out by hand). */
  zeroRate?: boolean;
}

/** The backend of Hardhat's selected network: the in-process one, or an anvil node for any other. */
export function selectedBackend(): Backend {
  return network.name === "hardhat" ? "hardhat" : "anvil";
}

/**
 * Deploys everything and snapshots. Every set-up block is one second after the previous, from
 * `SIM_EPOCH_SECONDS` on (or after the chain's latest block, if later), whatever the wall clock does: interest
 * and price-state samples at the snapshot, and so every figure, do not depend on the machine.
 */
export async function setupWorld(
  defaults: SimDefaults,
  depthNames: string[],
  options: WorldOptions = {},
): Promise<World> {
  const backend = selectedBackend();
  // The tick loop talks to anvil over its own lean connection (src/sim/http-rpc.ts); set-up goes through ethers.
  const rpc =
    backend === "anvil" ? new HttpRpc(new URL((network.config as HttpNetworkConfig).url)) : network.provider;
  const chain = await SimChain.connect(rpc, backend);
  const start = Math.max(SIM_EPOCH_SECONDS, (await chain.latestTime()) + 1);
  const provider = network.provider as unknown as {
    send(method: string, params?: unknown[]): Promise<unknown>;
  };
  const { result } = await atFixedPace(provider, backend, start, () =>
    deployWorld(chain, defaults, depthNames, options),
  );
  return result;
}

async function deployWorld(
  chain: SimChain,
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

  const pools: Record<string, PoolSetup> = {};
  const priceRaw = answerOf(defaults.initialPrice); // 8 decimals, USD per token
  for (const name of depthNames) {
    pools[name] = await deployPool(d, admin, arb, keeperOwner, totalCollateral, defaults, name, priceRaw);
  }

  const [cash, debtNow, , indexWad] = await d.market.accounting();
  const positions = await readPositions(d, accounts);
  // debt = normDebt x index rounded up, so this recovers normDebt (the index is 1 right after set-up).
  const normDebt = positions.map((s) => (s.debt * WAD) / indexWad);
  const rateWad = await d.rateModel.borrowRatePerSecondWad(cash, debtNow);
  const startTime = await chain.latestTime();
  chain.at(startTime + 1);
  const lower = async (x: { getAddress(): Promise<string> }) => (await x.getAddress()).toLowerCase();
  return {
    chain,
    d,
    defaults,
    market: await lower(d.market),
    feed: await lower(d.feed),
    collateralToken: await lower(d.collateralToken),
    admin: await lower(admin),
    arbOwner: await lower(arb),
    keeperOwner: await lower(keeperOwner),
    pools,
    borrowers,
    normDebt,
    indexWad,
    samples: sampleIndices(specs, defaults),
    ratePerSecond: Number(rateWad) / 1e18,
    startTime,
    snapshot: await chain.snapshot(),
  };
}

/**
 * A pair holding `depths[name]` times the borrowers' collateral and its value in debt tokens at the initial
 * price (added as on mainnet: both tokens sent to the pair, then `mint`), its arbitrageur with an unlimited
 * inventory of both tokens, and its keeper.
 */
async function deployPool(
  d: LocalDeployment,
  admin: Signer,
  arb: Signer,
  keeperOwner: Signer,
  totalCollateral: bigint,
  defaults: SimDefaults,
  name: string,
  priceRaw: bigint,
): Promise<PoolSetup> {
  // Each depth its own factory: a factory holds one pair per two tokens.
  const pair = await deployUniswapV2Pair(admin, d.collateralToken, d.debtToken);
  const collateral = (totalCollateral * BigInt(Math.round(defaults.depths[name] * 1000))) / 1000n;
  const debt = (collateral * priceRaw) / 10n ** BigInt(COLLATERAL_DECIMALS - DEBT_DECIMALS + FEED_DECIMALS);
  await (await d.collateralToken.mint(pair.address, collateral)).wait();
  await (await d.debtToken.mint(pair.address, debt)).wait();
  await (await pair.contract.getFunction("mint")(await admin.getAddress())).wait();
  const arbitrageur = await new SimArbitrageur__factory(arb).deploy(pair.address, d.feed);
  await arbitrageur.waitForDeployment();
  const big = 10n ** 40n;
  await (await d.collateralToken.mint(arbitrageur, big)).wait();
  await (await d.debtToken.mint(arbitrageur, big)).wait();
  const keeper = await new SimKeeper__factory(keeperOwner).deploy(d.market, pair.address);
  await keeper.waitForDeployment();
  const collateralIsToken0 =
    pair.token0.toLowerCase() === (await d.collateralToken.getAddress()).toLowerCase();
  return {
    pair: pair.address.toLowerCase(),
    arbitrageur: (await arbitrageur.getAddress()).toLowerCase(),
    keeper: (await keeper.getAddress()).toLowerCase(),
    collateralIsToken0,
    initialCollateralReserve: collateral,
    initialDebtReserve: debt,
  };
}
