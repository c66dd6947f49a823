// Type-checked with the quick starts: calls whose arguments match the ABI compile, and results are typed.
import { createPublicClient, getContract, http, parseEventLogs, type Address, type Log } from "viem";
import { foundry } from "viem/chains";
import { abis, readMarket, type MarketSnapshot } from "gradual-liquidation-protocol/viem";

const client = createPublicClient({ chain: foundry, transport: http() });
const market = getContract({
  address: "0x0000000000000000000000000000000000000001",
  abi: abis.LendingMarket,
  client,
});

export async function typed(account: Address, logs: Log[]): Promise<bigint> {
  const preview = await market.read.previewLiquidationStep([account, 10n ** 6n]);
  const status: number = preview.status; // StepStatus, a uint8
  const debt: bigint = await market.read.debtOf([account]);
  const [cash, , reserves]: readonly [bigint, bigint, bigint, bigint] = await market.read.accounting();
  const snapshot: MarketSnapshot = await readMarket(market.address, client); // a client with a chain fits too
  const stepped = parseEventLogs({ abi: abis.LendingMarket, eventName: "LiquidationStepped", logs });
  const seized: bigint | undefined = stepped[0]?.args.seized;
  return BigInt(status) + debt + cash + reserves + snapshot.reserves + (seized ?? 0n);
}
