/**
 * The RPC edge: a JsonRpcProvider that counts its HTTP requests and JSON-RPC calls, and typed reads of the
 * factory, markets and tokens, each retried with backoff on transient errors. No decisions here.
 */
import { JsonRpcProvider, Network, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import {
  ERC20__factory,
  IERC4626__factory,
  ILendingMarket__factory,
  IPriceOracle__factory,
  MarketFactory__factory,
  MarketLens__factory,
} from "../../typechain-types";
import type { MarketParamsStructOutput } from "../../typechain-types/contracts/interfaces/ILendingMarket.sol/ILendingMarket";
import type { PositionStateStructOutput } from "../../typechain-types/contracts/periphery/MarketLens.sol/MarketLens";
import { classifyError } from "./errors";
import { WATCHED_TOPICS, type RawLog } from "./indexer";
import { withRetry, type Backoff } from "./retry";
import type { MarketBlockState } from "./local-eval";
import type { PositionSnapshot } from "./strategy";
import type { MarketParams, OracleStatus, StepStatus, Zone } from "../sdk/types";

/**
 * A JsonRpcProvider that counts what it sends. Requests issued in the same tick are sent as one JSON-RPC batch.
 * The transport is Node's own `fetch` with native JSON parsing: ethers' default Node transport grows the response
 * buffer chunk by chunk (quadratic in its size) and decodes UTF-8 in JavaScript, which took tens of seconds for
 * the 10 MB answers of a 10,000-position evaluation.
 */
export class CountingJsonRpcProvider extends JsonRpcProvider {
  /** HTTP requests (a batch is one). */
  requests = 0;
  /** JSON-RPC calls (each call of a batch counts). */
  calls = 0;
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(url: string, chainId: number, options: { timeoutMs?: number; batchMaxCount?: number } = {}) {
    const network = Network.from(chainId);
    // A static network: no detection round-trips, and no start-up loop while the node is down. Batches may be
    // large (a page of positionStates is ~50 KB of calldata). No result cache: ethers by default answers an
    // identical request made within 250 ms from the first one's result, which can hand the transaction manager
    // a receipt of `null` for a transaction mined meanwhile next to a fresh nonce count (and so a "dropped" step
    // that was in fact mined).
    super(url, network, {
      staticNetwork: network,
      cacheTimeout: -1,
      batchMaxCount: options.batchMaxCount ?? 100,
      batchMaxSize: 8 << 20,
    });
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  override async _send(payload: JsonRpcPayload | Array<JsonRpcPayload>): Promise<Array<JsonRpcResult>> {
    this.requests += 1;
    this.calls += Array.isArray(payload) ? payload.length : 1;
    const response = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) {
      throw Object.assign(new Error(`HTTP ${response.status} ${response.statusText} from the RPC endpoint`), {
        code: response.status === 429 || response.status >= 500 ? "SERVER_ERROR" : "HTTP_ERROR",
      });
    }
    const body = (await response.json()) as JsonRpcResult | JsonRpcResult[];
    return Array.isArray(body) ? body : [body];
  }
}

export interface Head {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: bigint;
  baseFeePerGas: bigint;
}

export interface MarketInfo {
  address: string;
  debtToken: string;
  collateralToken: string;
  oracle: string;
  /** The market's parameters (re-read when `ParamsUpdated` is seen). */
  params: MarketParams;
  /** The pace cap (debt units of collateral value per window). */
  maxSoftSeizePerWindow: bigint;
}

/** A market's state at one block: everything `local-eval` needs but the parameters and time, and the borrower count. */
export interface MarketReading extends Omit<MarketBlockState, "params" | "timestamp"> {
  borrowersLength: number;
}

/** The factory address holds no contract (not deployed yet on this chain, or the chain was reset). */
export class FactoryNotDeployedError extends Error {
  constructor(readonly factory: string) {
    super(`no contract at factory address ${factory}`);
  }
}

export interface ReaderOptions {
  attempts: number;
  backoff: Backoff;
  sleep: (ms: number) => Promise<void>;
  /** Called on every RPC error, retried or not. */
  onError?: (kind: string) => void;
  /** Accounts per positionStates call (halved when a call runs out of gas). */
  pageSize: number;
}

/** Typed reads, each retried on transient errors. */
export class ChainReader {
  pageSize: number;

  constructor(
    readonly provider: CountingJsonRpcProvider,
    private readonly options: ReaderOptions,
  ) {
    this.pageSize = options.pageSize;
  }

  private retry<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      attempts: this.options.attempts,
      backoff: this.options.backoff,
      sleep: this.options.sleep,
      onRetry: (err) => this.options.onError?.(classifyError(err)),
    }).catch((err: unknown) => {
      this.options.onError?.(classifyError(err));
      throw err;
    });
  }

  async chainId(): Promise<bigint> {
    return BigInt(await this.retry(() => this.provider.send("eth_chainId", []) as Promise<string>));
  }

  async head(): Promise<Head> {
    return this.block("latest");
  }

  async block(tag: number | "latest"): Promise<Head> {
    const param = tag === "latest" ? tag : "0x" + tag.toString(16);
    const b = await this.retry(
      () =>
        this.provider.send("eth_getBlockByNumber", [param, false]) as Promise<Record<string, string> | null>,
    );
    if (b === null) throw new Error(`block ${tag} not found`);
    return {
      number: Number(b.number),
      hash: b.hash,
      parentHash: b.parentHash,
      timestamp: BigInt(b.timestamp),
      baseFeePerGas: BigInt(b.baseFeePerGas ?? 0),
    };
  }

  /** The node's priority-fee suggestion, or undefined when it does not offer one. */
  async priorityFee(): Promise<bigint | undefined> {
    try {
      return BigInt(
        await this.retry(() => this.provider.send("eth_maxPriorityFeePerGas", []) as Promise<string>),
      );
    } catch (err) {
      if (classifyError(err) === "transient") throw err;
      return undefined;
    }
  }

  async markets(factory: string, blockTag: number): Promise<string[]> {
    const code = await this.retry(() => this.provider.getCode(factory, blockTag));
    if (code === "0x") throw new FactoryNotDeployedError(factory);
    const f = MarketFactory__factory.connect(factory, this.provider);
    return [...(await this.retry(() => f.allMarkets({ blockTag })))];
  }

  async marketInfo(market: string): Promise<MarketInfo> {
    const m = ILendingMarket__factory.connect(market, this.provider);
    const vault = IERC4626__factory.connect(market, this.provider);
    const [debtToken, collateralToken, oracle, params] = await Promise.all([
      this.retry(() => vault.asset()),
      this.retry(() => m.collateralToken()),
      this.retry(() => m.oracle()),
      this.retry(() => m.params()),
    ]);
    return {
      address: market,
      debtToken,
      collateralToken,
      oracle,
      params: toMarketParams(params),
      maxSoftSeizePerWindow: params.maxSoftSeizePerWindow,
    };
  }

  /** Oracle price and status, smoothed price, variance, pace, borrow index, reserves and borrower count, in one block. */
  async marketReading(info: MarketInfo, blockTag: number): Promise<MarketReading> {
    const m = ILendingMarket__factory.connect(info.address, this.provider);
    const oracle = IPriceOracle__factory.connect(info.oracle, this.provider);
    const [price, oracleRead, accounting, length] = await Promise.all([
      this.retry(() => m.priceState({ blockTag })),
      this.retry(() => oracle.tryPrice({ blockTag })),
      this.retry(() => m.accounting({ blockTag })),
      this.retry(() => m.borrowersLength({ blockTag })),
    ]);
    return {
      oracleUsable: price.oracleUsable,
      oracleStatus: Number(oracleRead.status) as OracleStatus,
      spotPriceWad: price.spotPriceWad,
      emaPriceWad: price.emaPriceWad,
      varianceWad: price.varianceWad,
      paceUsed: price.paceUsed,
      borrowIndexWad: accounting.borrowIndexWad,
      reserves: accounting.reserves,
      borrowersLength: Number(length),
    };
  }

  /**
   * `packedPositions` for `accounts`, in pages of `PACKED_PAGE` accounts sent together (one JSON-RPC batch);
   * one word per account (see src/keeper/local-eval.ts for the layout).
   */
  async packedPositions(market: string, accounts: readonly string[], blockTag: number): Promise<bigint[]> {
    const pages: Array<Promise<bigint[]>> = [];
    for (let i = 0; i < accounts.length; i += PACKED_PAGE) {
      const slice = accounts.slice(i, i + PACKED_PAGE);
      pages.push(
        this.retry(() =>
          this.provider.call({ to: market, data: encodeAddressArrayCall(PACKED_SELECTOR, slice), blockTag }),
        ).then((data) => decodeUintArray(data, slice.length)),
      );
    }
    return (await Promise.all(pages)).flat();
  }

  async borrowersSlice(market: string, start: number, count: number, blockTag: number): Promise<string[]> {
    const m = ILendingMarket__factory.connect(market, this.provider);
    return [...(await this.retry(() => m.borrowersSlice(start, count, { blockTag })))];
  }

  /** Logs of the watched market events of `markets` in [from, to] (one request; the caller bounds the range). */
  async marketLogs(markets: readonly string[], from: number, to: number): Promise<RawLog[]> {
    const filter = {
      address: [...markets],
      topics: [[...WATCHED_TOPICS]],
      fromBlock: "0x" + from.toString(16),
      toBlock: "0x" + to.toString(16),
    };
    // Raw logs: ethers' Log objects checksum every address, which dominates a catch-up over many events.
    const logs = await this.retry(
      () =>
        this.provider.send("eth_getLogs", [filter]) as Promise<
          Array<{ address: string; topics: string[]; data: string; blockNumber: string; removed?: boolean }>
        >,
    );
    return logs
      .filter((l) => !l.removed)
      .map((l) => ({
        address: l.address,
        topics: l.topics,
        data: l.data,
        blockNumber: Number(l.blockNumber),
      }));
  }

  /**
   * `MarketLens.positionStates(market, accounts)` on the lens at `lens`, in pages of `pageSize` sent together (one
   * JSON-RPC batch). A page that runs out of gas (nodes cap eth_call gas) is split in two, and later passes use
   * the smaller size.
   */
  async positionStates(
    lens: string,
    market: string,
    accounts: readonly string[],
    blockTag: number,
  ): Promise<PositionSnapshot[]> {
    const page = async (slice: readonly string[]): Promise<PositionSnapshot[]> => {
      try {
        const data = encodePositionStates(market, slice);
        const result = await this.retry(() => this.provider.call({ to: lens, data, blockTag }));
        return decodePositionStates(result, slice);
      } catch (err) {
        if (classifyError(err) !== "out-of-gas" || slice.length <= 1) throw err;
        const half = Math.ceil(slice.length / 2);
        if (half < this.pageSize) this.pageSize = half;
        const [a, b] = await Promise.all([page(slice.slice(0, half)), page(slice.slice(half))]);
        return [...a, ...b];
      }
    };
    const pages: Array<Promise<PositionSnapshot[]>> = [];
    for (let i = 0; i < accounts.length; i += this.pageSize)
      pages.push(page(accounts.slice(i, i + this.pageSize)));
    return (await Promise.all(pages)).flat();
  }

  async balanceOf(token: string, owner: string, blockTag: number): Promise<bigint> {
    return this.retry(() => ERC20__factory.connect(token, this.provider).balanceOf(owner, { blockTag }));
  }

  async allowance(token: string, owner: string, spender: string): Promise<bigint> {
    return this.retry(() => ERC20__factory.connect(token, this.provider).allowance(owner, spender));
  }
}

const MARKET_INTERFACE = ILendingMarket__factory.createInterface();

const LENS_INTERFACE = MarketLens__factory.createInterface();

const POSITION_STATES_SELECTOR = LENS_INTERFACE.getFunction("positionStates")!.selector;
const PACKED_SELECTOR = MARKET_INTERFACE.getFunction("packedPositions")!.selector;
/** Accounts per `packedPositions` call: about 11.5M gas, under the eth_call gas caps of common nodes. */
const PACKED_PAGE = 5_000;

/**
 * `MarketLens.positionStates(market, accounts)` calldata: selector, the market, offset 0x40, length, then each
 * address left-padded. Written out because the generic encoder checksums every address (a keccak each), which
 * shows at 10,000 accounts.
 */
export function encodePositionStates(market: string, accounts: readonly string[]): string {
  return encodeAddressArrayCall(POSITION_STATES_SELECTOR, accounts, market);
}

/**
 * Calldata of a function taking one `address[]`, optionally after one `address` (`first`), written directly
 * (ethers' encoder is slow for large arrays).
 */
function encodeAddressArrayCall(selector: string, accounts: readonly string[], first?: string): string {
  const word = (a: string) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(a)) throw new Error(`not an address: ${a}`);
    return a.slice(2).toLowerCase().padStart(64, "0");
  };
  const head = first === undefined ? [] : [word(first)];
  const parts = [
    selector,
    ...head,
    (32 * (head.length + 1)).toString(16).padStart(64, "0"),
    accounts.length.toString(16).padStart(64, "0"),
  ];
  for (const a of accounts) parts.push(word(a));
  return parts.join("");
}

/** Decodes a returned `uint256[]` of `n` words (offset, length, words), checking its shape. */
export function decodeUintArray(data: string, n: number): bigint[] {
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  const word = (i: number) => BigInt("0x" + hex.slice(i * 64, i * 64 + 64));
  if (hex.length !== (2 + n) * 64 || word(0) !== 32n || word(1) !== BigInt(n))
    throw new Error(`expected ${n} words, got ${hex.length / 64 - 2} (${data.slice(0, 140)}…)`);
  const out = new Array<bigint>(n);
  for (let k = 0; k < n; k++) out[k] = word(2 + k);
  return out;
}

/** Words of one ABI-encoded PositionState: 7 fields, then the 9 of its StepPreview (all static). */
const POSITION_STATE_WORDS = 16;

/**
 * Decodes `positionStates`' return data. PositionState holds only static fields, so the array is encoded as an
 * offset, a length and `16 × length` words in field order; reading those words directly is far faster than the
 * generic decoder for large pages (ethers' nested `Result`s take seconds for 1,000 positions). Data of any other
 * shape goes through the generic decoder instead (test/unit/keeper/rpc.test.ts checks that the two agree).
 */
export function decodePositionStates(data: string, accounts: readonly string[]): PositionSnapshot[] {
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  const word = (i: number) => BigInt("0x" + hex.slice(i * 64, i * 64 + 64));
  const n = accounts.length;
  if (hex.length !== (2 + n * POSITION_STATE_WORDS) * 64 || word(0) !== 32n || word(1) !== BigInt(n)) {
    const [states] = LENS_INTERFACE.decodeFunctionResult("positionStates", data) as unknown as [
      PositionStateStructOutput[],
    ];
    if (states.length !== n)
      throw new Error(`positionStates returned ${states.length} states for ${n} accounts`);
    return states.map((st, i) => toSnapshot(accounts[i], st));
  }
  const out: PositionSnapshot[] = new Array<PositionSnapshot>(n);
  for (let k = 0; k < n; k++) {
    const b = 2 + k * POSITION_STATE_WORDS;
    out[k] = {
      account: accounts[k],
      collateral: word(b),
      debt: word(b + 1),
      ltvWad: word(b + 2),
      zone: Number(word(b + 3)) as Zone,
      softLiquidationPriceWad: word(b + 4),
      hardLiquidationPriceWad: word(b + 5),
      nextSoftStepAt: word(b + 6),
      step: {
        status: Number(word(b + 7)) as StepStatus,
        zone: Number(word(b + 8)) as Zone,
        repaid: word(b + 9),
        seized: word(b + 10),
        incentiveWad: word(b + 11),
        tip: word(b + 12),
        badDebt: word(b + 13),
        ltvBeforeWad: word(b + 14),
        ltvAfterWad: word(b + 15),
      },
    };
  }
  return out;
}

/** `params()` as plain bigints (bps, seconds, debt-token units). */
export function toMarketParams(p: MarketParamsStructOutput): MarketParams {
  return {
    maxLtvBps: p.maxLtvBps,
    softLtvBps: p.softLtvBps,
    hardLtvBps: p.hardLtvBps,
    targetLtvBps: p.targetLtvBps,
    closeFactorMinBps: p.closeFactorMinBps,
    closeFactorMaxBps: p.closeFactorMaxBps,
    incentiveMinBps: p.incentiveMinBps,
    incentiveMaxBps: p.incentiveMaxBps,
    incentiveHardMinBps: p.incentiveHardMinBps,
    reserveFactorBps: p.reserveFactorBps,
    volLowBps: p.volLowBps,
    volHighBps: p.volHighBps,
    stepIntervalSeconds: p.stepIntervalSeconds,
    paceWindowSeconds: p.paceWindowSeconds,
    confirmDelaySeconds: p.confirmDelaySeconds,
    volTauSeconds: p.volTauSeconds,
    maxSoftSeizePerWindow: p.maxSoftSeizePerWindow,
    keeperTip: p.keeperTip,
    minDebt: p.minDebt,
  };
}

/** The view's struct as plain bigints and enums. */
export function toSnapshot(account: string, s: PositionStateStructOutput): PositionSnapshot {
  return {
    account,
    collateral: s.collateral,
    debt: s.debt,
    ltvWad: s.ltvWad,
    zone: Number(s.zone) as Zone,
    softLiquidationPriceWad: s.softLiquidationPriceWad,
    hardLiquidationPriceWad: s.hardLiquidationPriceWad,
    nextSoftStepAt: s.nextSoftStepAt,
    step: {
      status: Number(s.step.status) as StepStatus,
      zone: Number(s.step.zone) as Zone,
      repaid: s.step.repaid,
      seized: s.step.seized,
      incentiveWad: s.step.incentiveWad,
      tip: s.step.tip,
      badDebt: s.step.badDebt,
      ltvBeforeWad: s.step.ltvBeforeWad,
      ltvAfterWad: s.step.ltvAfterWad,
    },
  };
}
