/**
 * Keeper settings taken from a deployment record (deployments/<network>.json): the factory to watch, the lens,
 * the block to index from and the chain. Pure; scripts/keeper.ts reads the file (`--deployment` or KEEPER_DEPLOYMENT) and
 * layers these settings under the config file, the environment and the flags.
 */
import type { DeploymentRecord } from "../sdk/deployment";
import { KNOWN_NETWORKS } from "./config";

export function keeperSettingsFromDeployment(record: DeploymentRecord): Record<string, unknown> {
  const network = Object.entries(KNOWN_NETWORKS).find(([, id]) => id === record.chainId)?.[0] ?? "custom";
  return {
    network,
    chainId: record.chainId,
    factory: record.addresses.factory,
    lens: record.addresses.lens,
    startBlock: record.startBlock,
  };
}
