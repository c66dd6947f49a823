/**
 * The package's entry point for ethers frontends (package.json `exports` "."; viem has its own, `./viem`):
 * typechain factories and ABIs of the protocol's contracts, the deployments by chain id, and pure helpers that give
 * the same figures as the contract views (LTV, zone, liquidation prices, next step), with readers that fetch their
 * inputs at one block.
 */
// Each factory from its own file (not typechain-types' index, which reaches every test mock): the package ships
// the product contracts only (scripts/lib/abis.ts lists them).
export { AggregatorV3Interface__factory } from "../../typechain-types/factories/@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface__factory";
export { ERC20__factory } from "../../typechain-types/factories/@openzeppelin/contracts/token/ERC20/ERC20__factory";
export { KinkedRateModel__factory } from "../../typechain-types/factories/contracts/core/KinkedRateModel__factory";
export { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
export { MarketFactory__factory } from "../../typechain-types/factories/contracts/core/MarketFactory__factory";
export { LiquidationUpkeep__factory } from "../../typechain-types/factories/contracts/automation/LiquidationUpkeep__factory";
export { ILendingMarket__factory } from "../../typechain-types/factories/contracts/interfaces/ILendingMarket.sol/ILendingMarket__factory";
export { IPriceOracle__factory } from "../../typechain-types/factories/contracts/interfaces/IPriceOracle__factory";
export { ChainlinkPriceOracle__factory } from "../../typechain-types/factories/contracts/oracles/ChainlinkPriceOracle__factory";
export { MarketLens__factory } from "../../typechain-types/factories/contracts/periphery/MarketLens.sol/MarketLens__factory";
export { PairFlashKeeper__factory } from "../../typechain-types/factories/contracts/periphery/PairFlashKeeper__factory";
export type { AggregatorV3Interface } from "../../typechain-types/@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface";
export type { ERC20 } from "../../typechain-types/@openzeppelin/contracts/token/ERC20/ERC20";
export type { KinkedRateModel } from "../../typechain-types/contracts/core/KinkedRateModel";
export type { LendingMarket } from "../../typechain-types/contracts/core/LendingMarket";
export type { MarketFactory } from "../../typechain-types/contracts/core/MarketFactory";
export type { LiquidationUpkeep } from "../../typechain-types/contracts/automation/LiquidationUpkeep";
export type { ILendingMarket } from "../../typechain-types/contracts/interfaces/ILendingMarket.sol/ILendingMarket";
export type { IPriceOracle } from "../../typechain-types/contracts/interfaces/IPriceOracle";
export type { ChainlinkPriceOracle } from "../../typechain-types/contracts/oracles/ChainlinkPriceOracle";
export type { MarketLens } from "../../typechain-types/contracts/periphery/MarketLens.sol/MarketLens";
export type { PairFlashKeeper } from "../../typechain-types/contracts/periphery/PairFlashKeeper";

// What the viem entry exports too: ABIs, deployments, the pure helpers and the SDK's names.
export * from "./shared";
export * from "./read";
export * from "./read-books";
