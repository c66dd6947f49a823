import type { AddressLike } from "ethers";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { LendingMarket } from "../../typechain-types";
// The factory from its own module: the typechain index loads every factory, seconds under ts-node for a script
// such as npm run fuzz (type-only imports of the index cost nothing).
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { defaultMarketParams, type MarketParamsInput } from "../../src/sdk/params";
import {
  deployLocalMarket,
  deploySingleFeedOracle,
  LOCAL_FEED_DECIMALS,
  LOCAL_FEED_HEARTBEAT_SECONDS,
  LOCAL_INITIAL_ANSWER,
  toParamsStruct,
} from "../../scripts/lib/local-deployment";

/** Plain-number view of MarketParams (bps, seconds, debt-token base units). */
export type Params = MarketParamsInput;

/** The documented defaults (docs/MECHANISM.md), for a debt token of `debtDecimals`. */
export const defaultParams = defaultMarketParams;

/** MarketParams as the contract's struct (the local deployment's conversion). */
export const toStruct = toParamsStruct;

/** Oracle feed: ETH/USD-like, 8 decimals (the local deployment's). */
export const FEED_DECIMALS = LOCAL_FEED_DECIMALS;
export const FEED_HEARTBEAT = LOCAL_FEED_HEARTBEAT_SECONDS;
export const INITIAL_ANSWER = LOCAL_INITIAL_ANSWER;

export interface MarketFixtureOptions {
  collateralDecimals?: number;
  debtDecimals?: number;
  params?: Partial<Params>;
  /** Debt tokens the lender deposits at set-up (in whole tokens). */
  lenderDeposit?: bigint;
  /** Adds an L2 sequencer uptime feed (MockV3Aggregator, 0 decimals, answer 0 = up, up for a day) with a
   * one-hour grace period. */
  sequencer?: boolean;
}

export const GRACE_PERIOD = 3_600;

/**
 * Tokens, a Chainlink mock feed, the oracle, a kinked rate model, the factory, one market, and a lens; the
 * lender's deposit, and tokens and approvals for every user signer.
 */
export async function deployMarket(options: MarketFixtureOptions = {}) {
  const collateralDecimals = options.collateralDecimals ?? 18;
  const debtDecimals = options.debtDecimals ?? 6;
  const [deployer, admin, guardian, lender, alice, bob, carol, keeper, other] = await ethers.getSigners();

  // The local deployment (scripts/lib/local-deployment.ts), with the admin and guardian roles on their own signers.
  const d = await deployLocalMarket(deployer, {
    collateralDecimals,
    debtDecimals,
    params: options.params,
    admin: admin.address,
    guardian: guardian.address,
    sequencerGracePeriodSeconds: options.sequencer ? GRACE_PERIOD : undefined,
  });
  const { collateralToken: weth, debtToken: usdc, feed, market, collateralUnit, debtUnit } = d;

  for (const s of [lender, alice, bob, carol, keeper, other]) {
    await weth.mint(s.address, 1_000_000n * collateralUnit);
    await usdc.mint(s.address, 100_000_000n * debtUnit);
    await weth.connect(s).approve(market, ethers.MaxUint256);
    await usdc.connect(s).approve(market, ethers.MaxUint256);
  }
  const lenderDeposit = (options.lenderDeposit ?? 10_000_000n) * debtUnit;
  if (lenderDeposit > 0n) await market.connect(lender).deposit(lenderDeposit, lender.address);

  /** Sets the feed's answer (8 decimals) with updatedAt = the next block's time. */
  async function setAnswer(answer: bigint) {
    await feed.updateAnswer(answer);
  }
  /** Price the oracle returns for an 8-decimal answer: answer * 10^(18 + debtDec) / 10^(collDec + 8). */
  function priceFor(answer: bigint): bigint {
    return (answer * 10n ** BigInt(18 + debtDecimals)) / 10n ** BigInt(collateralDecimals + FEED_DECIMALS);
  }

  return {
    deployer,
    admin,
    guardian,
    lender,
    alice,
    bob,
    carol,
    keeper,
    other,
    weth,
    usdc,
    feed,
    oracle: d.oracle,
    rateModel: d.rateModel,
    factory: d.factory,
    market,
    lens: d.lens,
    params: d.params,
    collateralUnit,
    debtUnit,
    setAnswer,
    priceFor,
    time,
  };
}

export type MarketFixture = Awaited<ReturnType<typeof deployMarket>>;

/**
 * Deploys another market through the fixture's factory, on `collateral` / `debt`, priced by the fixture's feed
 * (single feed, same checks), with the fixture's rate model, roles and `params`.
 */
export async function deploySiblingMarket(
  f: MarketFixture,
  collateral: AddressLike,
  debt: AddressLike,
  params: Params,
  name: string,
  symbol: string,
): Promise<LendingMarket> {
  const oracle = await deploySingleFeedOracle(f.deployer, collateral, debt, f.feed);
  const code = new LendingMarket__factory(f.deployer).bytecode;
  const config = {
    collateralToken: collateral,
    debtToken: debt,
    oracle,
    rateModel: f.rateModel,
    params: toStruct(params),
    admin: f.admin.address,
    guardian: f.guardian.address,
    name,
    symbol,
  };
  const address = await f.factory.createMarket.staticCall(code, config);
  await f.factory.createMarket(code, config);
  return LendingMarket__factory.connect(address, f.deployer) as LendingMarket;
}

/** MarketParams as the ordered tuple that events and views return. */
export function paramsTuple(p: Params): bigint[] {
  return [
    p.maxLtvBps,
    p.softLtvBps,
    p.hardLtvBps,
    p.targetLtvBps,
    p.closeFactorMinBps,
    p.closeFactorMaxBps,
    p.incentiveMinBps,
    p.incentiveMaxBps,
    p.incentiveHardMinBps,
    p.reserveFactorBps,
    p.volLowBps,
    p.volHighBps,
    p.stepIntervalSeconds,
    p.paceWindowSeconds,
    p.confirmDelaySeconds,
    p.volTauSeconds,
    p.maxSoftSeizePerWindow,
    p.keeperTip,
    p.minDebt,
  ].map((x) => BigInt(x));
}

/** The default fixture (WETH 18 / USDC 6, default params, 10M USDC supplied). For `loadFixture`. */
export async function defaultMarketFixture() {
  return deployMarket();
}
