// Read a market and a position with ethers, and preview a keeper's step, every figure from one block.
//   node ethers-quickstart.js <account> [deployments/localhost.json]   (RPC_URL: the node, default localhost)
import { readFileSync } from "node:fs";
import { JsonRpcProvider } from "ethers";
import {
  LendingMarket__factory,
  MAX_UINT256,
  StepStatus,
  Zone,
  describePosition,
  getDeployment,
  parseDeploymentRecord,
  previewStep,
  readMarket,
  readPosition,
} from "gradual-liquidation-protocol";

const [account, deploymentFile] = process.argv.slice(2);
const provider = new JsonRpcProvider(process.env.RPC_URL ?? "http://127.0.0.1:8545");
// Live networks' deployments ship with the package; a local node's is the record its deployment wrote.
const deployment = deploymentFile
  ? parseDeploymentRecord(JSON.parse(readFileSync(deploymentFile, "utf8")))
  : getDeployment((await provider.getNetwork()).chainId);
const marketAddress = deployment.addresses.market;

const market = await readMarket(marketAddress, provider); // parameters, prices, reserves, time: one block
const position = await readPosition(
  marketAddress,
  account,
  provider,
  market.blockNumber,
  deployment.startBlock,
);
const p = describePosition(market, position); // = lens.positionState(market, account) at that block
console.log(`block ${market.blockNumber}: collateral ${p.collateral}, debt ${p.debt}, LTV ${p.ltvWad} (WAD)`);
console.log(
  `zone ${Zone[p.zone]}, soft at ${p.softLiquidationPriceWad}, hard at ${p.hardLiquidationPriceWad}`,
);

const maxRepay = MAX_UINT256; // no cap of its own: the whole step allowed now
const step = previewStep(market, position, maxRepay); // = previewLiquidationStep(account, maxRepay)
console.log(
  `step ${StepStatus[step.status]}: repays ${step.repaid}, seizes ${step.seized}, LTV after ${step.ltvAfterWad}`,
);

// The contract's own preview, through the typechain factory, at the same block:
const lendingMarket = LendingMarket__factory.connect(marketAddress, provider);
const onChain = await lendingMarket.previewLiquidationStep(account, maxRepay, {
  blockTag: market.blockNumber,
});
console.log(`contract: repays ${onChain.repaid}, seizes ${onChain.seized}`);
provider.destroy();
