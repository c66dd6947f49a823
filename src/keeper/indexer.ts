/**
 * The borrower index, from events: which logs matter, what they say, how to split a block range into bounded
 * eth_getLogs requests, and the per-market list of borrowers (append-only on chain, so a gap shows a missed
 * event and is filled from `borrowersSlice`). Pure.
 */
import { getAddress, type Interface } from "ethers";
import { LendingMarket__factory } from "../../typechain-types";

/** Inclusive block ranges covering [from, to], each at most `maxSpan` blocks. */
export function logRanges(from: number, to: number, maxSpan: number): Array<[number, number]> {
  if (maxSpan < 1) throw new Error("maxSpan must be at least 1");
  const out: Array<[number, number]> = [];
  for (let start = from; start <= to; start += maxSpan) out.push([start, Math.min(to, start + maxSpan - 1)]);
  return out;
}

/**
 * What a market event tells the keeper. Market addresses and touched accounts are lower-case (checksumming costs a
 * keccak per log, which dominates a large catch-up); registered accounts are checksummed once, when indexed.
 */
export type MarketEvent =
  | { kind: "registered"; market: string; account: string; index: number; block: number }
  | { kind: "touched"; market: string; account: string; block: number }
  | { kind: "params"; market: string; block: number };

export interface RawLog {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: number;
}

const MARKET_INTERFACE: Interface = LendingMarket__factory.createInterface();

/** Events that change a position (the account's indexed topic: 1 or 2), and the ones that change every position. */
const POSITION_EVENTS: Readonly<Record<string, 1 | 2>> = {
  CollateralSupplied: 2,
  CollateralWithdrawn: 1,
  Borrowed: 1,
  Repaid: 2,
  LiquidationStepped: 1,
  BadDebtRealized: 1,
};

const topicOf = (name: string): string => MARKET_INTERFACE.getEvent(name)!.topicHash;

const ACCOUNT_TOPIC = new Map<string, 1 | 2>(
  Object.entries(POSITION_EVENTS).map(([n, i]) => [topicOf(n), i]),
);
const REGISTERED = topicOf("BorrowerRegistered");
const PARAMS = topicOf("ParamsUpdated");

/** topic0 values to ask eth_getLogs for (one OR-list). */
export const WATCHED_TOPICS: readonly string[] = [REGISTERED, PARAMS, ...ACCOUNT_TOPIC.keys()];

/** The keeper's reading of one log, or undefined for logs it does not need. */
export function parseMarketLog(log: RawLog): MarketEvent | undefined {
  const topic0 = log.topics[0];
  const market = log.address.toLowerCase();
  if (topic0 === REGISTERED) {
    const parsed = MARKET_INTERFACE.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    return {
      kind: "registered",
      market,
      account: getAddress(parsed.args.account as string),
      index: Number(parsed.args.index as bigint),
      block: log.blockNumber,
    };
  }
  if (topic0 === PARAMS) return { kind: "params", market, block: log.blockNumber };
  const at = topic0 === undefined ? undefined : ACCOUNT_TOPIC.get(topic0);
  if (at === undefined || log.topics[at] === undefined) return undefined;
  return {
    kind: "touched",
    market,
    account: "0x" + log.topics[at].slice(26).toLowerCase(),
    block: log.blockNumber,
  };
}

/** A market's borrowers by their index in the market's list. */
export class BorrowerIndex {
  private readonly byIndex: Array<string | undefined> = [];
  /** Lower-case address → the address as indexed. */
  private readonly known = new Map<string, string>();
  private filled = 0;

  /** Records `account` at `index`; false when it was already there. */
  add(account: string, index: number): boolean {
    if (this.byIndex[index] !== undefined) return false;
    this.byIndex[index] = account;
    this.known.set(account.toLowerCase(), account);
    this.filled++;
    return true;
  }

  /** The account as indexed, found in any letter case; undefined when it is not a known borrower. */
  lookup(account: string): string | undefined {
    return this.known.get(account.toLowerCase());
  }

  has(account: string): boolean {
    return this.known.has(account.toLowerCase());
  }

  /** Number of accounts known. */
  get size(): number {
    return this.filled;
  }

  /** Known accounts in list order. */
  accounts(): string[] {
    return this.byIndex.filter((a): a is string => a !== undefined);
  }

  /** Index ranges `[start, count]` missing below `total` (the market's `borrowersLength`). */
  gaps(total: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let i = 0; i < total; i++) {
      const missing = this.byIndex[i] === undefined;
      if (missing && start < 0) start = i;
      if (!missing && start >= 0) {
        out.push([start, i - start]);
        start = -1;
      }
    }
    if (start >= 0) out.push([start, total - start]);
    return out;
  }
}
