/**
 * Deploys a complete local market on any JSON-RPC node, with plain ethers and typechain (no Hardhat runtime):
 * two mock tokens, a MockV3Aggregator feed, the ChainlinkPriceOracle, a KinkedRateModel, the MarketFactory,
 * one market created through it, and a MarketLens.
 *
 * Deterministic: the same deployer starting from the same nonce gets the same addresses, so a restarted node
 * can be given the very same deployment (the keeper's integration tests rely on it).
 */
import { keccak256, ZeroAddress, type Signer } from "ethers";
import {
  ChainlinkPriceOracle__factory,
  KinkedRateModel__factory,
  LendingMarket__factory,
  MarketFactory__factory,
  MarketLens__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  type ChainlinkPriceOracle,
  type KinkedRateModel,
  type LendingMarket,
  type MarketFactory,
  type MarketLens,
  type MockERC20,
  type MockV3Aggregator,
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

export interface LocalDeploymentOptions {
  collateralDecimals?: number;
  debtDecimals?: number;
  /** Overrides of the default parameters. */
  params?: Partial<LocalMarketParams>;
  /** Initial feed answer, 8 decimals (2,000e8 by default). */
  initialAnswer?: bigint;
  /** Holder of the market's DEFAULT_ADMIN_ROLE and GUARDIAN_ROLE (the deployer by default). */
  admin?: string;
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
  const oracle = await deployed(
    new ChainlinkPriceOracle__factory(deployer).deploy(
      collateralToken,
      debtToken,
      {
        feed,
        heartbeatSeconds: LOCAL_FEED_HEARTBEAT_SECONDS,
        minAnswer: 1n * 10n ** 8n,
        maxAnswer: 1_000_000n * 10n ** 8n,
      },
      { feed: ZeroAddress, heartbeatSeconds: 0, minAnswer: 0, maxAnswer: 0 },
      ZeroAddress,
      0,
    ),
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
    guardian: admin,
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
