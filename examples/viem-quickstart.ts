// Read a market and a position with viem, and preview a keeper's step, every figure from one block.
//   node viem-quickstart.js <account> [deployments/localhost.json]   (RPC_URL: the node, default localhost)
import { readFileSync } from "node:fs";
import { createPublicClient, getContract, http, type Address } from "viem";
import {
  MAX_UINT256,
  StepStatus,
  Zone,
  abis,
  describePosition,
  getDeployment,
  parseDeploymentRecord,
  previewStep,
  readMarket,
  readPosition,
} from "gradual-liquidation-protocol/viem";

const [account, deploymentFile] = process.argv.slice(2) as [Address, string | undefined];
const client = createPublicClient({ transport: http(process.env.RPC_URL ?? "http://127.0.0.1:8545") });
// Live networks' deployments ship with the package; a local node's is the record its deployment wrote.
const deployment = deploymentFile
  ? parseDeploymentRecord(JSON.parse(readFileSync(deploymentFile, "utf8")))
  : getDeployment(await client.getChainId());
const marketAddress = deployment.addresses.market as Address; // checked by parseDeploymentRecord

const market = await readMarket(marketAddress, client); // parameters, prices, reserves, time: one block
const startBlock = BigInt(deployment.startBlock);
const position = await readPosition(marketAddress, account, client, market.blockNumber, startBlock);
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

// The contract's own preview at the same block; arguments and result are typed from the `as const` ABI.
const lendingMarket = getContract({ address: marketAddress, abi: abis.LendingMarket, client });
const onChain = await lendingMarket.read.previewLiquidationStep([account, maxRepay], {
  blockNumber: market.blockNumber,
});
console.log(`contract: repays ${onChain.repaid}, seizes ${onChain.seized}`);
