/**
 * Step 1: the price feeds. Local networks get a MockV3Aggregator; live networks use the Chainlink feeds of
 * src/deploy/networks.ts. Either way the feed's `decimals()` and `description()` are read on chain first, and the
 * deployment stops if they differ from the configuration (a wrong or mistyped address).
 */
import type { DeployFunction } from "hardhat-deploy/types";
import { AggregatorV3Interface__factory } from "../typechain-types";
import { feedAddresses } from "../src/deploy/market-config";
import { deployNetwork, feedMismatch, type FeedIdentity } from "../src/deploy/networks";

const func: DeployFunction = async (hre) => {
  const { deployments, getNamedAccounts, network: hhNetwork } = hre;
  const network = deployNetwork(hhNetwork.name);
  if (network.kind === "local") {
    const { deployer } = await getNamedAccounts();
    await deployments.deploy("EthUsdFeed", {
      contract: "MockV3Aggregator",
      from: deployer,
      args: [network.feed.decimals, network.feed.initialAnswer.toString()],
      log: true,
    });
  }
  const { feed, sequencer } = await feedAddresses(hre, network);
  const checks: { address: string; expected: FeedIdentity }[] = [{ address: feed, expected: network.feed }];
  if (sequencer !== undefined && network.kind === "live" && network.sequencer.address !== null) {
    checks.push({
      address: sequencer,
      expected: { decimals: 0, description: network.sequencer.description },
    });
  }
  for (const { address, expected } of checks) {
    const contract = AggregatorV3Interface__factory.connect(address, hre.ethers.provider);
    let actual: FeedIdentity;
    try {
      actual = { decimals: Number(await contract.decimals()), description: await contract.description() };
    } catch (err) {
      throw new Error(
        `feed ${address} on ${hhNetwork.name} cannot be read (${String(err)}); refusing to deploy`,
      );
    }
    const problem = feedMismatch(address, expected, actual);
    if (problem) throw new Error(problem);
    deployments.log(`feed ${address}: "${actual.description}", ${actual.decimals} decimals (as configured)`);
  }
};
func.tags = ["feeds"];
export default func;
