// Must NOT compile: the packed-package test expects tsc to refuse exactly the lines marked "refused".
import { createPublicClient, getContract, http, type Address } from "viem";
import { abis } from "gradual-liquidation-protocol/viem";

const client = createPublicClient({ transport: http() });
const market = getContract({
  address: "0x0000000000000000000000000000000000000001",
  abi: abis.LendingMarket,
  client,
});

export async function wrong(account: Address) {
  await market.read.previewLiquidationStep([account, "1000000"]); // refused: maxRepay is a uint256 (bigint)
  await market.read.debtOf([42n]); // refused: account is an address
  await market.read.positionOf([account]); // refused: the market has no such function
}
