/**
 * What both entries of the package export (the ethers one, index.ts, and the viem one, viem.ts), none of it bound
 * to a client library: the product contracts' ABIs as `as const` literals, the deployments by chain id, the pure
 * helpers and the SDK's enums, types and constants.
 */

/**
 * The product contracts' ABIs as `as const` literals (generated from the artifacts), for viem and wagmi as for
 * ethers' `Interface`. PairFlashKeeper: the flash keeper a keeper operator deploys for itself.
 */
export { abis } from "./abis.generated";
export * from "./helpers";
export * from "./previews";
export * from "./deployments";
export { parseDeploymentRecord } from "../sdk/deployment";
export type { ContractRecord, DeploymentAddresses, DeploymentRecord } from "../sdk/deployment";
export { OracleStatus, StepStatus, Zone } from "../sdk/types";
export type { MarketParams, StepPlan } from "../sdk/types";
export { BPS, MAX_UINT256, WAD } from "../sdk/math";
export { defaultMarketParams } from "../sdk/params";
export { unpackPosition, type StoredPosition } from "../sdk/packed";
