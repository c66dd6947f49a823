/**
 * Step 0: checks that the node is the configured chain, then deploys the mintable test tokens the market lends and
 * takes as collateral (MockERC20, on every network).
 */
import type { DeployFunction } from "hardhat-deploy/types";
import { DEBT_DECIMALS, COLLATERAL_DECIMALS, assertChainId } from "../src/deploy/market-config";
import { deployNetwork } from "../src/deploy/networks";

const func: DeployFunction = async (hre) => {
  const { deployments, getNamedAccounts } = hre;
  await assertChainId(hre, deployNetwork(hre.network.name));
  const { deployer } = await getNamedAccounts();
  await deployments.deploy("CollateralToken", {
    contract: "MockERC20",
    from: deployer,
    args: ["Test Wrapped Ether", "WETH", COLLATERAL_DECIMALS],
    log: true,
  });
  await deployments.deploy("DebtToken", {
    contract: "MockERC20",
    from: deployer,
    args: ["Test USD Coin", "USDC", DEBT_DECIMALS],
    log: true,
  });
};
func.tags = ["tokens"];
export default func;
