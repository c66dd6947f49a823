/**
 * Deploys a complete local market on any JSON-RPC node, with plain ethers and typechain (no Hardhat runtime):
 * two mock tokens, a MockV3Aggregator feed, the ChainlinkPriceOracle, a KinkedRateModel, the MarketFactory,
 * one market created through it, and a MarketLens.
 *
 * Deterministic: the same deployer starting from the same nonce gets the same addresses, so a restarted node
 * can be given the very same deployment (the keeper's integration tests rely on it).
 */
import { keccak256, ZeroAddress, type AddressLike, type Signer } from "ethers";
// Each factory from its own module: the typechain index loads every factory, seconds under ts-node for a script
// such as npm run fuzz, whose fixture deploys through this file (type-only imports of the index cost nothing).
import { ChainlinkPriceOracle__factory } from "../../typechain-types/factories/contracts/oracles/ChainlinkPriceOracle__factory";
import { KinkedRateModel__factory } from "../../typechain-types/factories/contracts/core/KinkedRateModel__factory";
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { MarketFactory__factory } from "../../typechain-types/factories/contracts/core/MarketFactory__factory";
import { MarketLens__factory } from "../../typechain-types/factories/contracts/periphery/MarketLens.sol/MarketLens__factory";
import { MockERC20__factory } from "../../typechain-types/factories/contracts/mocks/MockERC20__factory";
import { MockV3Aggregator__factory } from "../../typechain-types/factories/@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator__factory";
import type {
  ChainlinkPriceOracle,
  KinkedRateModel,
  LendingMarket,
  MarketFactory,
  MarketLens,
  MockERC20,
  MockV3Aggregator,
} from "../../typechain-types";
import { defaultMarketParams, type MarketParamsInput } from "../../src/sdk/params";
import type { MarketParamsStruct } from "../../typechain-types/contracts/core/LendingMarket";

/** MarketParams with plain numbers (bps, seconds) and bigints (debt-token base units). */
export type LocalMarketParams = MarketParamsInput;

/** The documented defaults (docs/MECHANISM.md). */
export const defaultLocalParams = defaultMarketParams;

/** Feed: an ETH/USD-like answer with 8 decimals, and the oracle's checks on it (as in the test fixtures). */
export const LOCAL_FEED_DECIMALS = 8;
export const LOCAL_FEED_HEARTBEAT_SECONDS = 3_600;
export const LOCAL_INITIAL_ANSWER = 2_000n * 10n ** 8n;
/** The answers the oracle accepts from the feed, 8 decimals: $1 to $1,000,000. */
export const LOCAL_FEED_MIN_ANSWER = 1n * 10n ** 8n;
export const LOCAL_FEED_MAX_ANSWER = 1_000_000n * 10n ** 8n;

export interface LocalDeploymentOptions {
  collateralDecimals?: number;
  debtDecimals?: number;
  /** Overrides of the default parameters. */
  params?: Partial<LocalMarketParams>;
  /** Initial feed answer, 8 decimals (2,000e8 by default). */
  initialAnswer?: bigint;
  /** Holder of the market's DEFAULT_ADMIN_ROLE (the deployer by default). */
  admin?: string;
  /** Holder of the market's GUARDIAN_ROLE (the admin by default). */
  guardian?: string;
  /**
   * Adds an L2 sequencer uptime feed (MockV3Aggregator, 0 decimals, answer 0 = up, up for a day) that the oracle
   * checks with this grace period, seconds. No sequencer feed by default.
   */
  sequencerGracePeriodSeconds?: number;
}

export interface LocalDeploymentAddresses {
  collateralToken: string;
  debtToken: string;
  feed: string;
  oracle: string;
  rateModel: string;
  factory: string;
  market: string;
  lens: string;
}

export interface LocalDeployment {
  addresses: LocalDeploymentAddresses;
  collateralToken: MockERC20;
  debtToken: MockERC20;
  feed: MockV3Aggregator;
  oracle: ChainlinkPriceOracle;
  rateModel: KinkedRateModel;
  factory: MarketFactory;
  market: LendingMarket;
  lens: MarketLens;
  params: LocalMarketParams;
  collateralUnit: bigint;
  debtUnit: bigint;
  /** Block of the factory's deployment: where a keeper starts indexing. */
  startBlock: number;
  /** The L2 sequencer uptime feed, when `sequencerGracePeriodSeconds` asked for one. */
  sequencerFeed?: MockV3Aggregator;
}

/**
 * A ChainlinkPriceOracle for `collateral` / `debt` priced by one 8-decimal feed (no quote feed), with the local
 * heartbeat and answer bounds, and optionally an L2 sequencer uptime feed with its grace period, seconds.
 */
export async function deploySingleFeedOracle(
  deployer: Signer,
  collateral: AddressLike,
  debt: AddressLike,
  feed: AddressLike,
  sequencer: { feed: AddressLike; gracePeriodSeconds: number } | null = null,
): Promise<ChainlinkPriceOracle> {
  return deployed(
    new ChainlinkPriceOracle__factory(deployer).deploy(
      collateral,
      debt,
      {
        feed,
        heartbeatSeconds: LOCAL_FEED_HEARTBEAT_SECONDS,
        minAnswer: LOCAL_FEED_MIN_ANSWER,
        maxAnswer: LOCAL_FEED_MAX_ANSWER,
      },
      { feed: ZeroAddress, heartbeatSeconds: 0, minAnswer: 0, maxAnswer: 0 },
      sequencer?.feed ?? ZeroAddress,
      sequencer?.gracePeriodSeconds ?? 0,
    ),
  );
}

/** Deploys tokens, feed, oracle, rate model, factory, one market (through the factory) and a lens. */
export async function deployLocalMarket(
  deployer: Signer,
  options: LocalDeploymentOptions = {},
): Promise<LocalDeployment> {
  const collateralDecimals = options.collateralDecimals ?? 18;
  const debtDecimals = options.debtDecimals ?? 6;
  const params: LocalMarketParams = { ...defaultLocalParams(debtDecimals), ...options.params };
  const deployerAddress = await deployer.getAddress();
  const admin = options.admin ?? deployerAddress;

  const collateralToken = await deployed(
    new MockERC20__factory(deployer).deploy("Wrapped Ether", "WETH", collateralDecimals),
  );
  const debtToken = await deployed(new MockERC20__factory(deployer).deploy("USD Coin", "USDC", debtDecimals));
  const feed = await deployed(
    new MockV3Aggregator__factory(deployer).deploy(
      LOCAL_FEED_DECIMALS,
      options.initialAnswer ?? LOCAL_INITIAL_ANSWER,
    ),
  );
  let sequencerFeed: MockV3Aggregator | undefined;
  if (options.sequencerGracePeriodSeconds !== undefined) {
    sequencerFeed = await deployed(new MockV3Aggregator__factory(deployer).deploy(0, 0));
    const now = BigInt((await deployer.provider!.getBlock("latest"))!.timestamp);
    await (await sequencerFeed.updateRoundData(1, 0, now, now - 86_400n)).wait(); // up since a day ago
  }
  const oracle = await deploySingleFeedOracle(
    deployer,
    collateralToken,
    debtToken,
    feed,
    sequencerFeed ? { feed: sequencerFeed, gracePeriodSeconds: options.sequencerGracePeriodSeconds! } : null,
  );
  // 0 % base, 4 % at the 80 % kink, +60 % from the kink to 100 %.
  const rateModel = await deployed(
    new KinkedRateModel__factory(deployer).deploy(0n, 4n * 10n ** 16n, 6n * 10n ** 17n, 8n * 10n ** 17n),
  );
  const marketBytecode = LendingMarket__factory.bytecode;
  const factory = await deployed(
    new MarketFactory__factory(deployer).deploy(deployerAddress, keccak256(marketBytecode)),
  );
  const startBlock = (await factory.deploymentTransaction()?.wait())?.blockNumber ?? 0;

  const config: MarketFactory.MarketConfigStruct = {
    collateralToken,
    debtToken,
    oracle,
    rateModel,
    params: toParamsStruct(params),
    admin,
    guardian: options.guardian ?? admin,
    name: "Gradual WETH/USDC",
    symbol: "gWETH-USDC",
  };
  const marketAddress = await factory.createMarket.staticCall(marketBytecode, config);
  await (await factory.createMarket(marketBytecode, config)).wait();
  const market = LendingMarket__factory.connect(marketAddress, deployer);
  const lens = await deployed(new MarketLens__factory(deployer).deploy());

  return {
    addresses: {
      collateralToken: await collateralToken.getAddress(),
      debtToken: await debtToken.getAddress(),
      feed: await feed.getAddress(),
      oracle: await oracle.getAddress(),
      rateModel: await rateModel.getAddress(),
      factory: await factory.getAddress(),
      market: marketAddress,
      lens: await lens.getAddress(),
    },
    collateralToken,
    debtToken,
    feed,
    oracle,
    rateModel,
    factory,
    market,
    lens,
    params,
    collateralUnit: 10n ** BigInt(collateralDecimals),
    debtUnit: 10n ** BigInt(debtDecimals),
    startBlock,
    sequencerFeed,
  };
}

export function toParamsStruct(p: LocalMarketParams): MarketParamsStruct {
  return { ...p };
}

/** Waits for a deployment to be mined and returns the contract. */
async function deployed<T extends { waitForDeployment(): Promise<unknown> }>(
  pending: Promise<T>,
): Promise<T> {
  const contract = await pending;
  await contract.waitForDeployment();
  return contract;
}
