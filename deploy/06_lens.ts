/** Step 6: the MarketLens (batched read-only views for frontends and keepers). */
import type { DeployFunction } from "hardhat-deploy/types";

const func: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  await deployments.deploy("MarketLens", { from: deployer, args: [], log: true });
};
func.tags = ["lens"];
export default func;
