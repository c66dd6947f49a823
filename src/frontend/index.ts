/**
 * The package's entry point for frontends (package.json `exports`): typechain factories and ABIs of the
 * protocol's contracts, the deployments by chain id, and pure helpers that give the same figures as the contract
 * views (LTV, zone, liquidation prices, next step), with readers that fetch their inputs at one block.
 */
import {
  AggregatorV3Interface__factory,
  ChainlinkPriceOracle__factory,
  ERC20__factory,
  ILendingMarket__factory,
  KinkedRateModel__factory,
  LendingMarket__factory,
  LiquidationUpkeep__factory,
  MarketFactory__factory,
  MarketLens__factory,
  MockERC20__factory,
  PairFlashKeeper__factory,
} from "../../typechain-types";

export {
  AggregatorV3Interface__factory,
  ChainlinkPriceOracle__factory,
  ERC20__factory,
  ILendingMarket__factory,
  KinkedRateModel__factory,
  LendingMarket__factory,
  LiquidationUpkeep__factory,
  MarketFactory__factory,
  MarketLens__factory,
  MockERC20__factory,
  PairFlashKeeper__factory,
};
export type {
  ChainlinkPriceOracle,
  ILendingMarket,
  KinkedRateModel,
  LendingMarket,
  LiquidationUpkeep,
  MarketFactory,
  MarketLens,
  MockERC20,
  PairFlashKeeper,
} from "../../typechain-types";

/**
 * ABIs of the deployed contracts (MockERC20: the mintable test tokens of local and test networks; PairFlashKeeper:
 * the flash keeper a keeper operator deploys for itself).
 */
export const abis = {
  LendingMarket: LendingMarket__factory.abi,
  MarketFactory: MarketFactory__factory.abi,
  MarketLens: MarketLens__factory.abi,
  ChainlinkPriceOracle: ChainlinkPriceOracle__factory.abi,
  KinkedRateModel: KinkedRateModel__factory.abi,
  LiquidationUpkeep: LiquidationUpkeep__factory.abi,
  MockERC20: MockERC20__factory.abi,
  PairFlashKeeper: PairFlashKeeper__factory.abi,
  ERC20: ERC20__factory.abi,
  AggregatorV3Interface: AggregatorV3Interface__factory.abi,
} as const;

export * from "./helpers";
export * from "./read";
export * from "./deployments";
export { parseDeploymentRecord } from "../sdk/deployment";
export type { ContractRecord, DeploymentAddresses, DeploymentRecord } from "../sdk/deployment";
export { OracleStatus, StepStatus, Zone } from "../sdk/types";
export type { MarketParams, StepPlan } from "../sdk/types";
export { BPS, MAX_UINT256, WAD } from "../sdk/math";
export { defaultMarketParams } from "../sdk/params";
