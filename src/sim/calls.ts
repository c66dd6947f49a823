/**
 * Calldata and results of the calls the tick loop makes, coded once here (ethers' ABI coder with the
 * contracts' own interfaces, no contract objects): the market's views and pokes, the arbitrageur's flush, the
 * keeper's batch, and the logs the loop reads. The one place the simulator reads positions on chain is
 * `readPositions`.
 */
import type { Interface } from "ethers";
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { MockERC20__factory } from "../../typechain-types/factories/contracts/mocks/MockERC20__factory";
import { SimArbitrageur__factory } from "../../typechain-types/factories/contracts/sim/SimArbitrageur.sol/SimArbitrageur__factory";
import { SimKeeper__factory } from "../../typechain-types/factories/contracts/sim/SimKeeper__factory";
import type { LocalDeployment } from "../../scripts/lib/local-deployment";
import type { MarketParamsInput } from "../sdk/params";
import type { RawLog } from "./chain";

const MARKET: Interface = LendingMarket__factory.createInterface();
const KEEPER: Interface = SimKeeper__factory.createInterface();
const ARBITRAGEUR: Interface = SimArbitrageur__factory.createInterface();
const ERC20: Interface = MockERC20__factory.createInterface();

const fn = (iface: Interface, name: string) => iface.getFunction(name)!;
const ACCOUNTING = fn(MARKET, "accounting");
const PRICE_STATE = fn(MARKET, "priceState");
const UPDATE_PRICE_STATE = fn(MARKET, "updatePriceState");
const SET_PARAMS = fn(MARKET, "setParams");
const RUN = fn(KEEPER, "run");
const FLUSH = fn(ARBITRAGEUR, "flush");
const BALANCE_OF = fn(ERC20, "balanceOf");

const STEPPED = KEEPER.getEvent("Stepped")!;
const SKIPPED = KEEPER.getEvent("Skipped")!;
const BAD_DEBT = MARKET.getEvent("BadDebtRealized")!;
const INTEREST = MARKET.getEvent("InterestAccrued")!;

export const calldata = {
  accounting: MARKET.encodeFunctionData(ACCOUNTING, []),
  priceState: MARKET.encodeFunctionData(PRICE_STATE, []),
  updatePriceState: MARKET.encodeFunctionData(UPDATE_PRICE_STATE, []),
  setParams: (p: MarketParamsInput) => MARKET.encodeFunctionData(SET_PARAMS, [p]),
  keeperRun: (accounts: string[], maxRepays: bigint[], minProfits: bigint[]) =>
    encodeRun(accounts, maxRepays, minProfits),
  flush: (answer: bigint, zeroIn: boolean[], amountsIn: bigint[]) =>
    ARBITRAGEUR.encodeFunctionData(FLUSH, [answer, zeroIn, amountsIn]),
  balanceOf: (account: string) => ERC20.encodeFunctionData(BALANCE_OF, [account]),
};

const word = (x: bigint) => x.toString(16).padStart(64, "0");

/**
 * `SimKeeper.run(address[], uint256[], uint256[])` calldata, written out (the generic coder checksums every
 * address, which is most of a batch's coding time): the selector, three offsets, then each array as its length
 * and its words. Tested equal to the generic coder's output.
 */
function encodeRun(
  accounts: readonly string[],
  maxRepays: readonly bigint[],
  minProfits: readonly bigint[],
): string {
  const n = BigInt(accounts.length);
  const arrayWords = 1n + n;
  const parts = [
    RUN.selector,
    word(96n),
    word(96n + 32n * arrayWords),
    word(96n + 64n * arrayWords),
    word(n),
  ];
  for (const a of accounts) parts.push(a.slice(2).toLowerCase().padStart(64, "0"));
  parts.push(word(n));
  for (const x of maxRepays) parts.push(word(x));
  parts.push(word(n));
  for (const x of minProfits) parts.push(word(x));
  return parts.join("");
}

export interface Accounting {
  cash: bigint;
  debt: bigint;
  reserves: bigint;
  indexWad: bigint;
}

export function decodeAccounting(data: string): Accounting {
  const [cash, debt, reserves, indexWad] = MARKET.decodeFunctionResult(
    ACCOUNTING,
    data,
  ) as unknown as bigint[];
  return { cash, debt, reserves, indexWad };
}

export interface PriceStateView {
  oracleUsable: boolean;
  spotPriceWad: bigint;
  emaPriceWad: bigint;
  varianceWad: bigint;
  paceUsed: bigint;
}

export function decodePriceState(data: string): PriceStateView {
  const r = MARKET.decodeFunctionResult(PRICE_STATE, data);
  return {
    oracleUsable: r[0] as boolean,
    spotPriceWad: r[1] as bigint,
    emaPriceWad: r[2] as bigint,
    varianceWad: r[3] as bigint,
    paceUsed: r[4] as bigint,
  };
}

export const decodeUint = (data: string): bigint => BigInt(data);

/** What a keeper batch's receipt says, per account (lowercase). */
export interface BatchLogs {
  stepped: { account: string; repaid: bigint; seized: bigint; tip: bigint; proceeds: bigint }[];
  skipped: { account: string; reason: string }[];
  badDebt: Map<string, bigint>;
  interest: bigint;
}

const topicAccount = (topic: string) => `0x${topic.slice(26)}`.toLowerCase();

/** Reads the keeper's Stepped / Skipped and the market's BadDebtRealized / InterestAccrued logs. */
export function parseLogs(logs: readonly RawLog[], market: string, keeper: string): BatchLogs {
  const out: BatchLogs = { stepped: [], skipped: [], badDebt: new Map(), interest: 0n };
  for (const log of logs) {
    const from = log.address.toLowerCase();
    const topic = log.topics[0];
    if (from === market && topic === BAD_DEBT.topicHash) {
      const account = topicAccount(log.topics[1]);
      out.badDebt.set(account, (out.badDebt.get(account) ?? 0n) + BigInt(log.data));
    } else if (from === market && topic === INTEREST.topicHash) {
      out.interest += MARKET.decodeEventLog(INTEREST, log.data, log.topics)[1] as bigint;
    } else if (from === keeper && topic === STEPPED.topicHash) {
      // Stepped(address indexed account, uint256 repaid, uint256 seized, uint256 tip, uint256 proceeds): 4 words.
      const w = (i: number) => BigInt(`0x${log.data.slice(2 + 64 * i, 66 + 64 * i)}`);
      out.stepped.push({
        account: topicAccount(log.topics[1]),
        repaid: w(0),
        seized: w(1),
        tip: w(2),
        proceeds: w(3),
      });
    } else if (from === keeper && topic === SKIPPED.topicHash) {
      const [, reason] = KEEPER.decodeEventLog(SKIPPED, log.data, log.topics);
      out.skipped.push({ account: topicAccount(log.topics[1]), reason: reason as string });
    }
  }
  return out;
}

/** The name of a custom error in `revertData` (the market's, the keeper's or the oracle's), or its selector. */
export function errorName(revertData: string): string {
  for (const iface of [MARKET, KEEPER]) {
    try {
      const e = iface.parseError(revertData);
      if (e) return e.name;
    } catch {
      // not this interface's
    }
  }
  return revertData.length >= 10 ? `error ${revertData.slice(0, 10)}` : "empty revert";
}

/** Collateral and debt (with interest to now, rounded up) of `accounts`, read on chain in one call. */
export async function readPositions(
  d: LocalDeployment,
  accounts: readonly string[],
): Promise<{ collateral: bigint; debt: bigint }[]> {
  const states = await d.lens.positionStates(d.market, [...accounts]);
  return states.map((s) => ({ collateral: s.collateral, debt: s.debt }));
}
