/**
 * Step 4: the MarketFactory, owned by the deployer, fixed to the hash of LendingMarket's creation code. A changed
 * market contract changes the hash, so the factory is redeployed with it.
 */
import { keccak256 } from "ethers";
import type { DeployFunction } from "hardhat-deploy/types";
import { LendingMarket__factory } from "../typechain-types";

const func: DeployFunction = async ({ deployments, getNamedAccounts }) => {
  const { deployer } = await getNamedAccounts();
  await deployments.deploy("MarketFactory", {
    from: deployer,
    args: [deployer, keccak256(LendingMarket__factory.bytecode)],
    log: true,
  });
};
func.tags = ["factory"];
export default func;
