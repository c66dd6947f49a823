/**
 * What the readers of both entries (ethers: read.ts; viem: viem.ts) do with the raw results of their calls, pure:
 * the parameter struct as bigints, and the market snapshot the helpers (helpers.ts) take.
 */
import { defaultMarketParams } from "../sdk/params";
import type { MarketParams, OracleStatus } from "../sdk/types";
import type { MarketSnapshot } from "./helpers";

/** MarketParams' fields, in struct order. */
const PARAM_KEYS = Object.keys(defaultMarketParams()) as (keyof MarketParams)[];

/** `params()` as a client returns it (ethers: bigints; viem: numbers for the uint16 / uint32 fields). */
export type RawMarketParams = Readonly<Record<keyof MarketParams, bigint | number>>;

/** The market's parameters as bigints. */
export const toMarketParams = (raw: RawMarketParams): MarketParams =>
  Object.fromEntries(PARAM_KEYS.map((k) => [k, BigInt(raw[k])])) as unknown as MarketParams;

/** The results of `params()`, `priceState()`, the oracle's `tryPrice()` and `accounting()` at one block. */
export interface MarketReads {
  params: RawMarketParams;
  oracleUsable: boolean;
  spotPriceWad: bigint;
  emaPriceWad: bigint;
  varianceWad: bigint;
  paceUsed: bigint;
  /** tryPrice's status. */
  oracleStatus: bigint | number;
  /** accounting()'s reserves. */
  reserves: bigint;
  /** The block's timestamp, seconds. */
  timestamp: bigint;
}

export const marketSnapshot = (r: MarketReads): MarketSnapshot => ({
  params: toMarketParams(r.params),
  oracleUsable: r.oracleUsable,
  oracleStatus: Number(r.oracleStatus) as OracleStatus,
  spotPriceWad: r.spotPriceWad,
  emaPriceWad: r.emaPriceWad,
  varianceWad: r.varianceWad,
  paceUsed: r.paceUsed,
  reserves: r.reserves,
  timestamp: r.timestamp,
});
