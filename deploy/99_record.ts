/**
 * Last step: writes deployments/<network>.json (chain id, addresses, blocks, constructor arguments, parameters),
 * the one file frontends and the keeper read, and rebuilds deployments/index.json (live networks by chain id),
 * which the SDK serves.
 */
import type { DeployFunction } from "hardhat-deploy/types";
import { buildRecord, writeIndex, writeRecord } from "../src/deploy/record";

const func: DeployFunction = async (hre) => {
  const record = await buildRecord(hre);
  const file = writeRecord(hre.config.paths.deployments, record);
  hre.deployments.log(`wrote ${file} and ${writeIndex(hre.config.paths.deployments)}`);
};
func.tags = ["record"];
func.runAtTheEnd = true;
export default func;
