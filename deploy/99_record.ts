/**
 * Last step: writes deployments/<network>.json (chain id, addresses, blocks, constructor arguments, parameters),
 * the one file frontends, the SDK and the keeper read.
 */
import type { DeployFunction } from "hardhat-deploy/types";
import { buildRecord, writeRecord } from "../src/deploy/record";

const func: DeployFunction = async (hre) => {
  const record = await buildRecord(hre);
  const file = writeRecord(hre.config.paths.deployments, record);
  hre.deployments.log(`wrote ${file}`);
};
func.tags = ["record"];
func.runAtTheEnd = true;
export default func;
