/**
 * Step 5: the market, created through the factory (its creation code goes in as calldata). Re-runnable: a market
 * already listed by the current factory is kept.
 */
import type { DeployFunction } from "hardhat-deploy/types";
import { LendingMarket__factory, MarketFactory__factory } from "../typechain-types";
import { MARKET_NAME, MARKET_SYMBOL, marketParams } from "../src/deploy/market-config";

const func: DeployFunction = async ({ deployments, getNamedAccounts, ethers }) => {
  const { deployer } = await getNamedAccounts();
  const signer = await ethers.getSigner(deployer);
  const factory = MarketFactory__factory.connect((await deployments.get("MarketFactory")).address, signer);
  const existing = await deployments.getOrNull("LendingMarket");
  if (existing && (await factory.isMarket(existing.address))) {
    deployments.log(`reusing "LendingMarket" at ${existing.address}`);
    return;
  }
  const params = marketParams();
  const config: Parameters<typeof factory.createMarket>[1] = {
    collateralToken: (await deployments.get("CollateralToken")).address,
    debtToken: (await deployments.get("DebtToken")).address,
    oracle: (await deployments.get("PriceOracle")).address,
    rateModel: (await deployments.get("RateModel")).address,
    params,
    admin: deployer,
    guardian: deployer,
    name: MARKET_NAME,
    symbol: MARKET_SYMBOL,
  };
  const receipt = await (await factory.createMarket(LendingMarket__factory.bytecode, config)).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("deploy: createMarket failed");
  const created = receipt.logs
    .map((log) => factory.interface.parseLog(log))
    .find((parsed) => parsed?.name === "MarketCreated");
  if (!created) throw new Error("deploy: createMarket emitted no MarketCreated event");
  const address = created.args.market as string;
  // The market's constructor arguments, as the factory encoded them (for verification and the record).
  const args = [
    config.collateralToken,
    config.debtToken,
    config.oracle,
    config.rateModel,
    Object.values(params).map((v) => v.toString()),
    deployer,
    deployer,
    MARKET_NAME,
    MARKET_SYMBOL,
  ];
  await deployments.save("LendingMarket", {
    address,
    abi: LendingMarket__factory.abi as unknown as unknown[],
    transactionHash: receipt.hash,
    receipt: {
      from: receipt.from,
      to: receipt.to ?? undefined,
      transactionHash: receipt.hash,
      blockHash: receipt.blockHash,
      blockNumber: receipt.blockNumber,
      transactionIndex: receipt.index,
      gasUsed: receipt.gasUsed.toString(),
      cumulativeGasUsed: receipt.cumulativeGasUsed.toString(),
      status: receipt.status,
    },
    args,
  });
  deployments.log(`created "LendingMarket" at ${address} through the factory (block ${receipt.blockNumber})`);
};
func.tags = ["market"];
func.dependencies = ["tokens", "oracle", "rate-model", "factory"];
export default func;
