import type { AddressLike } from "ethers";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type {
  ChainlinkPriceOracle,
  KinkedRateModel,
  LendingMarket,
  MarketFactory,
  MarketLens,
  MockERC20,
  MockV3Aggregator,
} from "../../typechain-types";
// The two factories from their own modules: the typechain index loads every factory, seconds under ts-node for a
// script such as npm run fuzz (type-only imports of the index cost nothing).
import { ChainlinkPriceOracle__factory } from "../../typechain-types/factories/contracts/oracles/ChainlinkPriceOracle__factory";
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { defaultMarketParams, type MarketParamsInput } from "../../src/sdk/params";
import type { MarketParamsStruct } from "../../typechain-types/contracts/core/LendingMarket";

/** Plain-number view of MarketParams (bps, seconds, debt-token base units). */
export type Params = MarketParamsInput;

/** The documented defaults (docs/MECHANISM.md), for a debt token of `debtDecimals`. */
export const defaultParams = defaultMarketParams;

export function toStruct(p: Params): MarketParamsStruct {
  return { ...p };
}

/** Oracle feed: ETH/USD-like, 8 decimals. */
export const FEED_DECIMALS = 8;
export const FEED_HEARTBEAT = 3_600;
export const INITIAL_ANSWER = 2_000n * 10n ** 8n;

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

/** Tokens, a Chainlink mock feed, the oracle, a kinked rate model, the factory, one market, and a lens. */
export async function deployMarket(options: MarketFixtureOptions = {}) {
  const collateralDecimals = options.collateralDecimals ?? 18;
  const debtDecimals = options.debtDecimals ?? 6;
  const [deployer, admin, guardian, lender, alice, bob, carol, keeper, other] = await ethers.getSigners();

  const weth = (await ethers.deployContract("MockERC20", [
    "Wrapped Ether",
    "WETH",
    collateralDecimals,
  ])) as unknown as MockERC20;
  const usdc = (await ethers.deployContract("MockERC20", [
    "USD Coin",
    "USDC",
    debtDecimals,
  ])) as unknown as MockERC20;
  const feed = (await ethers.deployContract("MockV3Aggregator", [
    FEED_DECIMALS,
    INITIAL_ANSWER,
  ])) as unknown as MockV3Aggregator;
  let sequencerFeed: MockV3Aggregator | undefined;
  if (options.sequencer) {
    sequencerFeed = (await ethers.deployContract("MockV3Aggregator", [0, 0])) as unknown as MockV3Aggregator;
    const now = BigInt(await time.latest());
    await sequencerFeed.updateRoundData(1, 0, now, now - 86_400n);
  }
  const oracle: ChainlinkPriceOracle = await new ChainlinkPriceOracle__factory(deployer).deploy(
    weth,
    usdc,
    { feed, heartbeatSeconds: FEED_HEARTBEAT, minAnswer: 1n * 10n ** 8n, maxAnswer: 1_000_000n * 10n ** 8n },
    { feed: ethers.ZeroAddress, heartbeatSeconds: 0, minAnswer: 0, maxAnswer: 0 },
    sequencerFeed ? await sequencerFeed.getAddress() : ethers.ZeroAddress,
    sequencerFeed ? GRACE_PERIOD : 0,
  );
  // 0 % base, 4 % at the 80 % kink, +60 % from the kink to 100 %.
  const rateModel = (await ethers.deployContract("KinkedRateModel", [
    0n,
    ethers.parseEther("0.04"),
    ethers.parseEther("0.6"),
    ethers.parseEther("0.8"),
  ])) as unknown as KinkedRateModel;

  const params: Params = { ...defaultParams(debtDecimals), ...options.params };
  const marketFactory = new LendingMarket__factory(deployer);
  const factory = (await ethers.deployContract("MarketFactory", [
    deployer.address,
    ethers.keccak256(marketFactory.bytecode),
  ])) as unknown as MarketFactory;
  const config = {
    collateralToken: weth,
    debtToken: usdc,
    oracle,
    rateModel,
    params: toStruct(params),
    admin: admin.address,
    guardian: guardian.address,
    name: "Gradual WETH/USDC",
    symbol: "gWETH-USDC",
  };
  const marketAddress = await factory.createMarket.staticCall(marketFactory.bytecode, config);
  await factory.createMarket(marketFactory.bytecode, config);
  const market = LendingMarket__factory.connect(marketAddress, deployer) as LendingMarket;
  const lens = (await ethers.deployContract("MarketLens")) as unknown as MarketLens;

  const collateralUnit = 10n ** BigInt(collateralDecimals);
  const debtUnit = 10n ** BigInt(debtDecimals);
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
    oracle,
    rateModel,
    factory,
    market,
    lens,
    params,
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
  const oracle = await new ChainlinkPriceOracle__factory(f.deployer).deploy(
    collateral,
    debt,
    {
      feed: f.feed,
      heartbeatSeconds: FEED_HEARTBEAT,
      minAnswer: 10n ** 8n,
      maxAnswer: 1_000_000n * 10n ** 8n,
    },
    { feed: ethers.ZeroAddress, heartbeatSeconds: 0, minAnswer: 0, maxAnswer: 0 },
    ethers.ZeroAddress,
    0,
  );
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
