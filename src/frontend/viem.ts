/**
 * The package's entry for viem and wagmi frontends (`gradual-liquidation-protocol/viem`; it loads no ethers): the
 * ABIs as `as const` literals, the deployments by chain id, the pure helpers of the ethers entry, and the same two
 * readers on a viem `PublicClient`, every call pinned to one block so that the helpers give exactly what the
 * contract views give at that block.
 *
 *   const client = createPublicClient({ transport: http(rpcUrl) });
 *   const market = await readMarket(addresses.market, client);
 *   const position = await readPosition(addresses.market, account, client, market.blockNumber, startBlock);
 *   describePosition(market, position); // = positionState(account) at that block
 */
import type { Address, PublicClient } from "viem";
import { abis } from "./abis.generated";
import type { MarketSnapshot, PositionSnapshot } from "./helpers";
import { marketSnapshot } from "./snapshot";

/** The market's parameters, price state, reserves and the block's timestamp, at `blockNumber` (latest block). */
export async function readMarket(
  marketAddress: Address,
  client: PublicClient,
  blockNumber?: bigint,
): Promise<MarketSnapshot & { blockNumber: bigint }> {
  const block = await client.getBlock(blockNumber === undefined ? { blockTag: "latest" } : { blockNumber });
  const market = { address: marketAddress, abi: abis.LendingMarket, blockNumber: block.number } as const;
  const oracle = await client.readContract({ ...market, functionName: "oracle" });
  const [params, price, tried, accounting] = await Promise.all([
    client.readContract({ ...market, functionName: "params" }),
    client.readContract({ ...market, functionName: "priceState" }),
    client.readContract({
      address: oracle,
      abi: abis.IPriceOracle,
      functionName: "tryPrice",
      blockNumber: block.number,
    }),
    client.readContract({ ...market, functionName: "accounting" }),
  ]);
  const [oracleUsable, spotPriceWad, emaPriceWad, varianceWad, paceUsed] = price;
  return {
    blockNumber: block.number,
    ...marketSnapshot({
      params,
      oracleUsable,
      spotPriceWad,
      emaPriceWad,
      varianceWad,
      paceUsed,
      oracleStatus: tried[2],
      reserves: accounting[2],
      timestamp: block.timestamp,
    }),
  };
}

/**
 * A position's collateral and debt at `blockNumber`, and the time of its last liquidation step (from the
 * market's LiquidationStepped events, searched from `fromBlock`: pass the deployment's `startBlock` on public
 * chains, whose RPC endpoints limit log ranges; 0 by default).
 */
export async function readPosition(
  marketAddress: Address,
  account: Address,
  client: PublicClient,
  blockNumber: bigint,
  fromBlock = 0n,
): Promise<PositionSnapshot> {
  const market = { address: marketAddress, abi: abis.LendingMarket, blockNumber } as const;
  const [collateral, debt, steps] = await Promise.all([
    client.readContract({ ...market, functionName: "collateralOf", args: [account] }),
    client.readContract({ ...market, functionName: "debtOf", args: [account] }),
    client.getContractEvents({
      address: marketAddress,
      abi: abis.LendingMarket,
      eventName: "LiquidationStepped",
      args: { account },
      fromBlock,
      toBlock: blockNumber,
    }),
  ]);
  const last = steps.at(-1);
  const lastStepAt =
    last === undefined ? 0n : (await client.getBlock({ blockNumber: last.blockNumber })).timestamp;
  return { collateral, debt, lastStepAt };
}

export * from "./shared";
