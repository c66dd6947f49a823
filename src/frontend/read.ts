/**
 * Reads what the pure helpers (helpers.ts) need, every call pinned to one block so the figures agree with each
 * other and with the contract's own views at that block.
 */
import type { BlockTag, ContractRunner, Provider } from "ethers";
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { IPriceOracle__factory } from "../../typechain-types/factories/contracts/interfaces/IPriceOracle__factory";
import type { MarketSnapshot, PositionSnapshot } from "./helpers";
import { marketSnapshot } from "./snapshot";

function providerOf(runner: ContractRunner): Provider {
  const provider = runner.provider ?? (runner as Provider);
  if (typeof provider.getBlock !== "function") throw new Error("read: the runner has no provider");
  return provider;
}

/** The market's parameters, price state, reserves and the block's timestamp, at `blockTag` (latest block). */
export async function readMarket(
  marketAddress: string,
  runner: ContractRunner,
  blockTag?: BlockTag,
): Promise<MarketSnapshot & { blockNumber: number }> {
  const block = await providerOf(runner).getBlock(blockTag ?? "latest");
  if (block === null) throw new Error(`read: block ${String(blockTag)} not found`);
  const at = { blockTag: block.number };
  const market = LendingMarket__factory.connect(marketAddress, runner);
  const oracle = IPriceOracle__factory.connect(await market.oracle(at), runner);
  const [p, price, tried, accounting] = await Promise.all([
    market.params(at),
    market.priceState(at),
    oracle.tryPrice(at),
    market.accounting(at),
  ]);
  return {
    blockNumber: block.number,
    ...marketSnapshot({
      params: p,
      oracleUsable: price.oracleUsable,
      spotPriceWad: price.spotPriceWad,
      emaPriceWad: price.emaPriceWad,
      varianceWad: price.varianceWad,
      paceUsed: price.paceUsed,
      oracleStatus: tried.status,
      reserves: accounting.reserves,
      timestamp: BigInt(block.timestamp),
    }),
  };
}

/**
 * A position's collateral and debt at `blockNumber`, and the time of its last liquidation step (from the
 * market's LiquidationStepped events, searched from `fromBlock`: pass the deployment's `startBlock` on public
 * chains, whose RPC endpoints limit log ranges; 0 by default).
 */
export async function readPosition(
  marketAddress: string,
  account: string,
  runner: ContractRunner,
  blockNumber: number,
  fromBlock = 0,
): Promise<PositionSnapshot> {
  const market = LendingMarket__factory.connect(marketAddress, runner);
  const at = { blockTag: blockNumber };
  const [collateral, debt, steps] = await Promise.all([
    market.collateralOf(account, at),
    market.debtOf(account, at),
    market.queryFilter(market.filters.LiquidationStepped(account), fromBlock, blockNumber),
  ]);
  const last = steps.at(-1);
  const lastStepAt =
    last === undefined ? 0n : BigInt((await providerOf(runner).getBlock(last.blockNumber))!.timestamp);
  return { collateral, debt, lastStepAt };
}
