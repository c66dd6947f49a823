/**
 * Reads what the action previews (previews.ts) check besides the market snapshot, at one block: the stored
 * position, the market's cash and borrow index, and whether it is paused.
 */
import type { ContractRunner } from "ethers";
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { unpackPosition } from "../sdk/packed";
import type { BorrowerBooks } from "./previews";

export async function readBorrowerBooks(
  marketAddress: string,
  account: string,
  runner: ContractRunner,
  blockNumber: number,
): Promise<BorrowerBooks> {
  const market = LendingMarket__factory.connect(marketAddress, runner);
  const at = { blockTag: blockNumber };
  const [[word], accounting, paused] = await Promise.all([
    market.packedPositions([account], at),
    market.accounting(at),
    market.paused(at),
  ]);
  const stored = unpackPosition(word);
  return {
    account,
    collateral: stored.collateral,
    normDebt: stored.normDebt,
    borrowIndexWad: accounting.borrowIndexWad,
    cash: accounting.cash,
    paused,
  };
}
