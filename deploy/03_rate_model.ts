/** Step 3: the KinkedRateModel. */
import type { DeployFunction } from "hardhat-deploy/types";
import { RATE_MODEL_ARGS } from "../src/deploy/market-config";

const func: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  await deployments.deploy("RateModel", {
    contract: "KinkedRateModel",
    from: deployer,
    args: RATE_MODEL_ARGS,
    log: true,
  });
};
func.tags = ["rate-model"];
export default func;
