/** Step 2: the ChainlinkPriceOracle (one ETH / USD feed; the sequencer feed where the network has one). */
import { ZeroAddress } from "ethers";
import type { DeployFunction } from "hardhat-deploy/types";
import { feedAddresses } from "../src/deploy/market-config";
import { deployNetwork } from "../src/deploy/networks";

const func: DeployFunction = async (hre) => {
  const { deployments, getNamedAccounts } = hre;
  const { deployer } = await getNamedAccounts();
  const network = deployNetwork(hre.network.name);
  const { feed, sequencer, gracePeriodSeconds } = await feedAddresses(hre, network);
  const f = network.feed;
  await deployments.deploy("PriceOracle", {
    contract: "ChainlinkPriceOracle",
    from: deployer,
    args: [
      (await deployments.get("CollateralToken")).address,
      (await deployments.get("DebtToken")).address,
      [feed, f.heartbeatSeconds, f.minAnswer.toString(), f.maxAnswer.toString()],
      [ZeroAddress, 0, "0", "0"],
      sequencer ?? ZeroAddress,
      gracePeriodSeconds,
    ],
    log: true,
  });
};
func.tags = ["oracle"];
func.dependencies = ["tokens", "feeds"];
export default func;
