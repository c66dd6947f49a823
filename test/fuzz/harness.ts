/**
 * Stateful fuzzing of LendingMarket with fast-check's model-based commands, on Hardhat's in-process network or on
 * an anvil node (`npm run fuzz -- --backend anvil`): whichever network Hardhat runs on (see `Chain.connect`).
 * The invariants are specified, with their IDs, in test/fuzz/INVARIANTS.md; every check below names its ID.
 * Shared by the default test (test/fuzz/stateful.fuzz.test.ts) and the long campaign (scripts/fuzz.ts).
 *
 * Layout: worlds (deployment, funding, the base snapshot) → chain (raw JSON-RPC at explicit timestamps) →
 * views (one eth_call of FuzzReader) → model → invariants → commands → arbitraries and the property.
 *
 * Speed: an action is one transaction, sent raw with a fixed gas limit and price (no estimation, no ethers
 * signer round trips), plus one read; on Hardhat steps add one receipt, on anvil every transaction is mined
 * explicitly and its receipt read (see `Chain.send`). Calldata is encoded and results decoded by small coders of
 * our own (ethers' cost milliseconds per action). Hardhat's EDR records a trace of every EVM step, so there the
 * cost of an action is about proportional to the EVM steps it executes: the harness contracts make the fewest and
 * cheapest calls that give what the invariants need. anvil costs about a millisecond per mined block: time jumps
 * mine no empty block when a transaction follows. Every block gets the fuzzer's timestamp, so a run never depends
 * on the wall clock and replays exactly from its seed and path, on either backend. Runs start from one
 * evm_snapshot of both worlds.
 */
import fc from "fast-check";
import { ethers, network } from "hardhat";
import type { EIP1193Provider, EthereumProvider, HttpNetworkConfig, RequestArguments } from "hardhat/types";
import * as net from "node:net";
import {
  AbiCoder,
  Interface,
  type ErrorFragment,
  type InterfaceAbi,
  type JsonFragment,
  type ParamType,
} from "ethers";
import * as sdk from "../../src/sdk";
import { FEED_HEARTBEAT, INITIAL_ANSWER, deployMarket, type MarketFixture } from "../helpers/fixtures";
// Factories from their own modules: the typechain index loads every factory, seconds under ts-node.
import { ChainlinkPriceOracle__factory } from "../../typechain-types/factories/contracts/oracles/ChainlinkPriceOracle__factory";
import { LendingMarket__factory } from "../../typechain-types/factories/contracts/core/LendingMarket__factory";
import { FuzzKeeper__factory } from "../../typechain-types/factories/contracts/mocks/FuzzHarness.sol/FuzzKeeper__factory";
import { FuzzReader__factory } from "../../typechain-types/factories/contracts/mocks/FuzzHarness.sol/FuzzReader__factory";
import { MockV3Aggregator__factory } from "../../typechain-types/factories/@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator__factory";
const { Zone, StepStatus, OracleStatus, WAD, MAX_UINT256 } = sdk;

// ================================================================ constants

/** Gas limit of every fuzzer transaction (no estimation round trip). */
const GAS_LIMIT = "0x989680"; // 10,000,000
/** Gas price of every fuzzer transaction: fixed so that no fee-history round trip is made (10 gwei). */
const GAS_PRICE = "0x2540be400";
/** ERC-4626 virtual shares: 10 ** _decimalsOffset() (LendingMarket uses 6). */
const VIRTUAL_SHARES = 10n ** 6n;
/** Relative margin under which the model does not predict a limit check (interest over one second, rounding). */
const MARGIN_PPM = 1n;
const PPM = 1_000_000n;

/** The two token layouts the campaign runs on. */
export interface WorldSpec {
  name: string;
  debtDecimals: number;
  collateralDecimals: number;
}

export const WORLD_SPECS: readonly WorldSpec[] = [
  { name: "debt6/coll18", debtDecimals: 6, collateralDecimals: 18 },
  { name: "debt18/coll6", debtDecimals: 18, collateralDecimals: 6 },
];

const LENDER_NAMES = ["lender", "other", "lara"] as const;
const BORROWER_NAMES = ["alice", "bob", "carol", "dave"] as const;
const PAYER_NAMES = ["self", "keeperEOA", "other"] as const;
const KEEPER_COUNT = 3;

// ================================================================ errors and failures

/** The ID of an invariant of test/fuzz/INVARIANTS.md, or MODEL for a disagreement with the model. */
export type InvariantId =
  "INV-1" | "INV-2" | "INV-3" | "INV-4" | "INV-5" | "INV-6" | "INV-7" | "INV-8" | "MODEL";

/** A broken invariant: the fuzzer's failure, shrunk by fast-check. */
export class InvariantViolation extends Error {
  constructor(
    readonly id: InvariantId,
    what: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${id}: ${what}${Object.keys(details).length ? `\n${stringify(details)}` : ""}`);
    this.name = "InvariantViolation";
  }
}

function ensure(
  cond: boolean,
  id: InvariantId,
  what: string,
  details?: Record<string, unknown>,
): asserts cond {
  if (!cond) throw new InvariantViolation(id, what, details);
}

/** JSON with bigints as strings, for failure details. */
export function stringify(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

const errorAbi = (abi: InterfaceAbi): JsonFragment[] =>
  (abi as readonly JsonFragment[]).filter((f) => f.type === "error");
/** The errors of the market, oracle and keeper by selector (ethers' parseError hashes every signature per call). */
const ERRORS = new Map<string, ErrorFragment>();
for (const abi of [LendingMarket__factory.abi, ChainlinkPriceOracle__factory.abi, FuzzKeeper__factory.abi]) {
  new Interface(errorAbi(abi)).forEachError((f) => ERRORS.set(f.selector, f));
}

export interface DecodedError {
  name: string;
  args: readonly unknown[];
}

/** Names a revert: a custom error of the market, oracle or keeper, `Panic(code)`, `Error(msg)` or `EmptyRevert`. */
export function decodeError(data: string): DecodedError {
  if (data === "0x") return { name: "EmptyRevert", args: [] };
  const selector = data.slice(0, 10);
  const body = `0x${data.slice(10)}`;
  if (selector === "0x4e487b71") return { name: `Panic(0x${BigInt(body).toString(16)})`, args: [] };
  if (selector === "0x08c379a0") {
    return { name: `Error(${String(AbiCoder.defaultAbiCoder().decode(["string"], body)[0])})`, args: [] };
  }
  const f = ERRORS.get(selector);
  if (!f) return { name: `Unknown(${selector})`, args: [] };
  return { name: f.name, args: [...AbiCoder.defaultAbiCoder().decode(f.inputs, body)] };
}

/** One ABI word of a static value: uintN, intN (two's complement), address or bool. */
function abiWord(type: string, v: unknown): string {
  if (type === "address") return (v as string).slice(2).toLowerCase().padStart(64, "0");
  if (type === "bool") return (v ? 1n : 0n).toString(16).padStart(64, "0");
  if (!/^u?int\d*$/.test(type)) throw new Error(`abiWord: ${type} is not a static word`);
  return BigInt.asUintN(256, BigInt(v as bigint))
    .toString(16)
    .padStart(64, "0");
}

const encodeWords = (params: readonly ParamType[], values: readonly unknown[]): string =>
  params
    .map((p, i) =>
      p.baseType === "tuple"
        ? encodeWords(
            p.components!,
            p.components!.map((c) => (values[i] as Record<string, unknown>)[c.name]),
          )
        : abiWord(p.type, values[i]),
    )
    .join("");

/**
 * Calldata encoder of an interface's functions with static arguments only (all the fuzzer's transactions): ethers'
 * encodeFunctionData hashes the signature and builds its coders again on every call, a large share of the
 * fuzzer's own time per action.
 */
function encoder(iface: Interface): (name: string, args?: readonly unknown[]) => string {
  const fns = new Map<string, { selector: string; inputs: readonly ParamType[] }>();
  return (name, args = []) => {
    let f = fns.get(name);
    if (!f) {
      const fragment = iface.getFunction(name)!;
      f = { selector: fragment.selector, inputs: fragment.inputs };
      fns.set(name, f);
    }
    return f.selector + encodeWords(f.inputs, args);
  };
}

// ================================================================ chain

/** A raw transaction's result; `revertData` is "0x" on success. */
export interface TxOutcome {
  ok: boolean;
  hash: string;
  revertData: string;
  timestamp: bigint;
  /** The receipt's logs, when asked for (`send(…, true)`) and the transaction succeeded. */
  logs: RawLog[];
}

interface RawLog {
  address: string;
  topics: string[];
  data: string;
}

/** Where the fuzzer runs: Hardhat's in-process network (EDR), or an anvil node over HTTP (scripts/lib/anvil.ts). */
export type Backend = "hardhat" | "anvil";

interface RpcCall {
  method: string;
  params: unknown[];
}

/**
 * JSON-RPC over HTTP/1.1 on one kept-alive loopback connection, one request at a time. Written on a bare socket:
 * node:http costs about 0.3 ms of CPU per request, fetch more, this a tenth of that; anvil always answers with a
 * content-length.
 */
class HttpRpc {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (body: string) => void; reject: (e: Error) => void };
  /** Requests wait for the one before (the harness awaits each call anyway). */
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;

  constructor(private readonly url: URL) {
    this.socket = net.connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    const fail = (e: Error) => {
      this.pending?.reject(e);
      this.pending = undefined;
    };
    this.socket.on("error", fail);
    this.socket.on("close", () => fail(new Error(`connection to ${url.host} closed`)));
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
    const headEnd = this.received.indexOf("\r\n\r\n");
    if (headEnd < 0 || !this.pending) return;
    const head = this.received.toString("latin1", 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    if (!head.startsWith("HTTP/1.1 200") || length === undefined) {
      this.pending.reject(new Error(`unexpected HTTP response from ${this.url.host}: ${head}`));
      this.pending = undefined;
      return;
    }
    const end = headEnd + 4 + Number(length);
    if (this.received.length < end) return;
    const body = this.received.toString("utf8", headEnd + 4, end);
    this.received = this.received.subarray(end);
    const { resolve } = this.pending;
    this.pending = undefined;
    resolve(body);
  }

  private post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(
        `POST ${this.url.pathname} HTTP/1.1\r\nhost: ${this.url.host}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  request(c: RpcCall): Promise<unknown> {
    const id = this.nextId++;
    const result = this.queue.then(async () => {
      const reply = JSON.parse(await this.post(JSON.stringify({ jsonrpc: "2.0", id, ...c }))) as {
        result?: unknown;
        error?: { message: string };
      };
      if (reply.error) throw new Error(`${c.method}: ${reply.error.message}`);
      return reply.result;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * On anvil the harness mines every block itself (automine off, see `Chain.connect`): the deployment's ethers
 * signers go through Hardhat's provider, where each eth_sendTransaction is followed by evm_mine, and a reverted
 * set-up transaction fails loudly.
 */
function mineEachTransaction(provider: EthereumProvider): void {
  const request = provider.request.bind(provider);
  const mined = async (args: RequestArguments): Promise<unknown> => {
    const result = await request(args);
    if (args.method !== "eth_sendTransaction") return result;
    await request({ method: "evm_mine" });
    const receipt = (await request({ method: "eth_getTransactionReceipt", params: [result] })) as {
      status: string;
    } | null;
    if (receipt?.status !== "0x1")
      throw new Error(`set-up transaction ${String(result)} not mined or reverted`);
    return result;
  };
  provider.request = mined;
  // ethers' Hardhat provider calls the legacy `send`, which does not go through `request`.
  provider.send = (method: string, params?: unknown[]) => mined({ method, params });
}

/**
 * The chain driven by raw JSON-RPC, with every block's timestamp chosen by the fuzzer: one second after the
 * previous block for a transaction, later after a time jump (`advance`). One class for both backends; they differ
 * in how a block gets its timestamp and how a failed transaction reports its revert data (see `send`).
 */
export class Chain {
  txCount = 0;
  /** The chain's time: the latest block's timestamp, or later after `advance` until the next block. */
  now = 0n;
  /** `advance` moved `now` past the latest block, and no block was mined since. */
  private jumped = false;

  private constructor(
    readonly backend: Backend,
    private readonly rpc1193: EIP1193Provider | undefined,
    private readonly http: HttpRpc | undefined,
  ) {}

  /**
   * The chain of Hardhat's selected network: the in-process one, or (any other network) the anvil node at its URL.
   * Call before anything is deployed: on anvil it sets one second between blocks first.
   */
  static async connect(): Promise<Chain> {
    if (network.name === "hardhat") return new Chain("hardhat", network.provider, undefined);
    const url = new URL((network.config as HttpNetworkConfig).url);
    const chain = new Chain("anvil", undefined, new HttpRpc(url));
    // Every block one second after the previous one unless told otherwise: a transaction then needs no
    // evm_setNextBlockTimestamp. anvil restores the latest block's time with the state on evm_revert.
    await chain.rpc("anvil_setBlockTimestampInterval", [1]);
    // No automine: anvil answers eth_sendTransaction once the transaction is in its pool and mines it in the
    // background, so a read sent at once could miss it, and eth_sendTransactionSync, which waits for that block's
    // notification, timed out once in ~85,000 transactions. The harness mines each transaction with evm_mine.
    await chain.rpc("evm_setAutomine", [false]);
    mineEachTransaction(network.provider);
    return chain;
  }

  private rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const call = { method, params };
    return (this.http ? this.http.request(call) : this.rpc1193!.request(call)) as Promise<T>;
  }

  /**
   * Mines one transaction one second after `now`. A revert is returned, not thrown. `logs`: return the receipt's
   * logs (a successful transaction's).
   */
  async send(from: string, to: string, data: string, logs = false): Promise<TxOutcome> {
    const timestamp = this.now + 1n;
    this.now = timestamp;
    this.txCount += 1;
    const tx = { from, to, data, gas: GAS_LIMIT, gasPrice: GAS_PRICE };
    const failed = (hash: string, revertData: string) => ({
      ok: false,
      hash,
      revertData,
      timestamp,
      logs: [],
    });
    // anvil stamps the block +1 s itself; Hardhat (EDR) has no such interval: it is told every block's time.
    if (this.backend === "hardhat" || this.jumped) {
      await this.rpc("evm_setNextBlockTimestamp", [Number(timestamp)]);
    }
    this.jumped = false;
    if (this.backend === "anvil") {
      const hash = await this.rpc<string>("eth_sendTransaction", [tx]);
      await this.rpc("evm_mine");
      const receipt = await this.rpc<{ status: string; logs: RawLog[]; blockTimestamp: string } | null>(
        "eth_getTransactionReceipt",
        [hash],
      );
      ensure(receipt !== null, "MODEL", "evm_mine did not mine the transaction", { hash });
      ensure(BigInt(receipt.blockTimestamp) === timestamp, "MODEL", "block not mined at the model's time", {
        block: BigInt(receipt.blockTimestamp),
        model: timestamp,
      });
      if (receipt.status === "0x1")
        return { ok: true, hash, revertData: "0x", timestamp, logs: receipt.logs };
      // anvil's receipt of a failed transaction has no revert data: the call trace of that very transaction has
      // its exact revert bytes. (evm_mine_detailed reports them too, but costs a quarter of the campaign's time.)
      const trace = await this.rpc<{ output?: string }>("debug_traceTransaction", [
        hash,
        { tracer: "callTracer", tracerConfig: { onlyTopCall: true } },
      ]);
      return failed(hash, trace.output ?? "0x");
    }
    let hash: string;
    try {
      hash = await this.rpc<string>("eth_sendTransaction", [tx]);
    } catch (e) {
      // Hardhat mines the failed transaction and throws with its revert data.
      const revertData = (e as { data?: unknown }).data;
      if (typeof revertData !== "string" || !revertData.startsWith("0x")) throw e;
      return failed("", revertData);
    }
    const receiptLogs = logs
      ? (await this.rpc<{ logs: RawLog[] }>("eth_getTransactionReceipt", [hash])).logs
      : [];
    return { ok: true, hash, revertData: "0x", timestamp, logs: receiptLogs };
  }

  /**
   * Lets `seconds` pass. The empty block at the new time is mined only if the chain is read before the next
   * transaction: otherwise that transaction's block comes `seconds + 1` after the latest one, which is the same to
   * every contract (an empty block changes no state) and saves a block (about 0.5 ms on either backend).
   */
  advance(seconds: bigint): void {
    this.now += seconds;
    this.jumped = true;
  }

  /** Mines the empty block of a time jump, if one is pending. */
  private async catchUp(): Promise<void> {
    if (!this.jumped) return;
    this.jumped = false;
    await this.rpc("evm_mine", [Number(this.now)]);
  }

  async call(to: string, data: string): Promise<string> {
    await this.catchUp();
    return this.rpc<string>("eth_call", [{ to, data }, "latest"]);
  }

  async snapshot(): Promise<string> {
    await this.catchUp();
    return this.rpc<string>("evm_snapshot");
  }

  /** Back to a snapshot, whose latest block's time becomes `now`. */
  async revert(id: string, now: bigint): Promise<void> {
    ensure(await this.rpc<boolean>("evm_revert", [id]), "MODEL", `evm_revert(${id}) failed`);
    this.now = now;
    this.jumped = false;
  }

  /** Closes the HTTP connection (anvil), so that the process can exit. */
  close(): void {
    this.http?.close();
  }
}

// ================================================================ ABI decoding

/**
 * A minimal ABI decoder for the harness's return data and events. ethers' decoder builds a Proxy-backed Result
 * per struct, which costs milliseconds for FuzzReader's view; this one builds plain objects from the ABI that
 * typechain ships (names and types), in tens of microseconds.
 */
interface AbiParam {
  readonly name?: string;
  readonly type: string;
  readonly components?: readonly AbiParam[];
  readonly indexed?: boolean;
}

type AbiValue = bigint | boolean | string | AbiValue[] | { [name: string]: AbiValue };

const isDynamic = (p: AbiParam): boolean =>
  p.type === "bytes" ||
  p.type === "string" ||
  p.type.endsWith("[]") ||
  (p.type === "tuple" && p.components!.some(isDynamic));

/** Words a static parameter occupies in place (a static tuple is inlined). */
const staticWords = (p: AbiParam): number =>
  p.type === "tuple" ? p.components!.reduce((n, c) => n + staticWords(c), 0) : 1;

class AbiReader {
  constructor(private readonly hex: string /* without 0x */) {}

  word(i: number): bigint {
    return BigInt(`0x${this.hex.slice(i * 64, i * 64 + 64)}`);
  }

  tuple(components: readonly AbiParam[], start: number): { [name: string]: AbiValue } {
    const out: { [name: string]: AbiValue } = {};
    let head = start;
    for (const [i, c] of components.entries()) {
      const key = c.name || String(i);
      if (isDynamic(c)) {
        out[key] = this.value(c, start + Number(this.word(head)) / 32);
        head += 1;
      } else {
        out[key] = this.value(c, head);
        head += staticWords(c);
      }
    }
    return out;
  }

  value(p: AbiParam, at: number): AbiValue {
    if (p.type === "tuple") return this.tuple(p.components!, at);
    if (p.type.endsWith("[]")) {
      const elem: AbiParam = { ...p, type: p.type.slice(0, -2) };
      const length = Number(this.word(at));
      const items: AbiValue[] = [];
      for (let i = 0; i < length; i++) {
        items.push(
          isDynamic(elem)
            ? this.value(elem, at + 1 + Number(this.word(at + 1 + i)) / 32)
            : this.value(elem, at + 1 + i * staticWords(elem)),
        );
      }
      return items;
    }
    if (p.type === "bytes") {
      const length = Number(this.word(at));
      return `0x${this.hex.slice((at + 1) * 64, (at + 1) * 64 + length * 2)}`;
    }
    const w = this.word(at);
    if (p.type === "bool") return w !== 0n;
    if (p.type === "address") return `0x${w.toString(16).padStart(40, "0")}`;
    if (p.type.startsWith("int")) return BigInt.asIntN(Number(p.type.slice(3) || 256), w);
    return w; // uintN and enums
  }
}

function abiItem(abi: InterfaceAbi, type: "function" | "event", name: string): JsonFragment {
  const item = (abi as readonly JsonFragment[]).find((f) => f.type === type && f.name === name);
  if (!item) throw new Error(`no ${type} ${name} in the ABI`);
  return item;
}

/** Decodes a function's single return value (return values are encoded as a tuple). */
function decodeReturn<T>(fn: JsonFragment, data: string): T {
  const outputs = fn.outputs as readonly AbiParam[];
  const values = new AbiReader(data.slice(2)).tuple(outputs, 0);
  return values[outputs[0].name || "0"] as unknown as T;
}

/** Decodes an event's non-indexed parameters. */
function decodeEventData<T>(event: JsonFragment, data: string): T {
  const params = (event.inputs as readonly AbiParam[]).filter((i) => !i.indexed);
  return new AbiReader(data.slice(2)).tuple(params, 0) as unknown as T;
}

// ================================================================ views

/** StepPreview as decoded (enums as bigint). */
interface PreviewWords {
  status: bigint;
  zone: bigint;
  repaid: bigint;
  seized: bigint;
  incentiveWad: bigint;
  tip: bigint;
  badDebt: bigint;
  ltvBeforeWad: bigint;
  ltvAfterWad: bigint;
}

export interface PositionView {
  collateral: bigint;
  debt: bigint;
}

/** FuzzReader.read (contracts/mocks/FuzzHarness.sol), plus the lenders' totalAssets. */
export interface View {
  timestamp: bigint;
  collateralBalance: bigint;
  debtBalance: bigint;
  cash: bigint;
  totalDebt: bigint;
  reserves: bigint;
  borrowIndexWad: bigint;
  totalSupply: bigint;
  oracleUsable: boolean;
  spotPriceWad: bigint;
  emaPriceWad: bigint;
  varianceWad: bigint;
  paceUsed: bigint;
  positions: PositionView[];
  /** Bit i: position i is in the hard zone by the reader's reckoning; its preview is in `hardSteps`, in order. */
  hardMask: bigint;
  hardSteps: PreviewWords[];
  shares: bigint[];
  /** `max(cash + totalDebt - reserves, 0)`, the market's `totalAssets()` (checked against it in every step). */
  totalAssets: bigint;
}

export function toPlan(s: PreviewWords): sdk.StepPlan {
  return { ...s, status: Number(s.status) as sdk.StepStatus, zone: Number(s.zone) as sdk.Zone };
}

// ================================================================ worlds

/**
 * The market's smoothing state as stored: smoothed price, pace bucket and when they last moved; the variance
 * estimate with the price and time of its last sample (`LendingMarket._loadPriceState`).
 */
export interface PriceShadow {
  ema: bigint;
  paceUsed: bigint;
  updatedAt: bigint;
  variance: bigint;
  sampledPrice: bigint;
  sampledAt: bigint;
}

/** PriceSmoothing.VARIANCE_SAMPLE_SECONDS: a return enters the variance estimate at most once per 5 minutes. */
const VARIANCE_SAMPLE_SECONDS = 300n;

interface FeedState {
  /** Latest answer (8 decimals), possibly broken. */
  answer: bigint;
  updatedAt: bigint;
  /** Latest valid answer: price moves start from it. */
  lastGood: bigint;
}

/** One deployed market with its actors, and its state at the base snapshot. */
export interface World {
  spec: WorldSpec;
  fixture: MarketFixture;
  market: string;
  feed: string;
  reader: string;
  keepers: string[];
  lenders: string[];
  borrowers: string[];
  /** Third parties that repay or add collateral for a borrower ("self" is the borrower). */
  keeperEOA: string;
  other: string;
  admin: string;
  guardian: string;
  deployer: string;
  debtUnit: bigint;
  collateralUnit: bigint;
  minAnswer: bigint;
  maxAnswer: bigint;
  minDebt: bigint;
  /** `FuzzReader.read` calldata with hardLtvBps left at zero (see `readView`). */
  readTemplate: string;
  base: { view: View; shadow: PriceShadow; feed: FeedState; params: sdk.MarketParams };
}

export interface Env {
  chain: Chain;
  worlds: World[];
  snapshotId: string;
  baseTime: bigint;
}

const MARKET = LendingMarket__factory.createInterface();
const FEED = MockV3Aggregator__factory.createInterface();
const KEEPER = FuzzKeeper__factory.createInterface();
const READER = FuzzReader__factory.createInterface();
const encodeMarket = encoder(MARKET);
const encodeFeed = encoder(FEED);
const encodeKeeper = encoder(KEEPER);
const STEP_ATTEMPTED = abiItem(FuzzKeeper__factory.abi, "event", "StepAttempted");
const LIQUIDATION_STEPPED = abiItem(LendingMarket__factory.abi, "event", "LiquidationStepped");
const BAD_DEBT_REALIZED = abiItem(LendingMarket__factory.abi, "event", "BadDebtRealized");
const TOPIC = {
  stepAttempted: KEEPER.getEvent("StepAttempted").topicHash,
  liquidationStepped: MARKET.getEvent("LiquidationStepped").topicHash,
  badDebtRealized: MARKET.getEvent("BadDebtRealized").topicHash,
};

const PARAMS_FN = abiItem(LendingMarket__factory.abi, "function", "params");

/** Replaces the static head word `index` of ABI calldata (after the selector). */
function withWord(calldata: string, index: number, value: bigint): string {
  const at = 10 + index * 64;
  return calldata.slice(0, at) + value.toString(16).padStart(64, "0") + calldata.slice(at + 64);
}

/** The 32-byte words of ABI data (return data or event data). */
function words(data: string): bigint[] {
  const out: bigint[] = [];
  for (let at = 2; at < data.length; at += 64) out.push(BigInt(`0x${data.slice(at, at + 64)}`));
  return out;
}

/** Word indices of FuzzReader.read's result (contracts/mocks/FuzzHarness.sol, after the array's offset and length). */
const R = { timestamp: 0, balances: 1, accounting: 3, totalSupply: 7, priceState: 8, positions: 13 } as const;

/** StepPreview's 9 words, from `at`. */
function previewAt(x: bigint[], at: number): PreviewWords {
  const [status, zone, repaid, seized, incentiveWad, tip, badDebt, ltvBeforeWad, ltvAfterWad] = x.slice(
    at,
    at + 9,
  );
  return { status, zone, repaid, seized, incentiveWad, tip, badDebt, ltvBeforeWad, ltvAfterWad };
}

/** One FuzzReader.read. */
async function readView(chain: Chain, w: World, hardLtvBps: bigint): Promise<View> {
  const x = words(await chain.call(w.reader, withWord(w.readTemplate, 3, hardLtvBps))).slice(2);
  const n = w.borrowers.length;
  const sharesAt = R.positions + 2 * n;
  const maskAt = sharesAt + w.lenders.length;
  const [cash, totalDebt, reserves, borrowIndexWad] = x.slice(R.accounting, R.accounting + 4);
  const [usable, spotPriceWad, emaPriceWad, varianceWad, paceUsed] = x.slice(R.priceState, R.priceState + 5);
  const hardSteps: PreviewWords[] = [];
  for (let at = maskAt + 1; at < x.length; at += 9) hardSteps.push(previewAt(x, at));
  return {
    timestamp: x[R.timestamp],
    collateralBalance: x[R.balances],
    debtBalance: x[R.balances + 1],
    cash,
    totalDebt,
    reserves,
    borrowIndexWad,
    totalSupply: x[R.totalSupply],
    oracleUsable: usable !== 0n,
    spotPriceWad,
    emaPriceWad,
    varianceWad,
    paceUsed,
    positions: w.borrowers.map((_, i) => ({
      collateral: x[R.positions + 2 * i],
      debt: x[R.positions + 2 * i + 1],
    })),
    hardMask: x[maskAt],
    hardSteps,
    shares: x.slice(sharesAt, maskAt),
    totalAssets: sdk.zeroFloorSub(cash + totalDebt, reserves),
  };
}

async function readParams(chain: Chain, w: World): Promise<sdk.MarketParams> {
  return decodeReturn<sdk.MarketParams>(PARAMS_FN, await chain.call(w.market, encodeMarket("params")));
}

/**
 * Deploys both worlds (debt 6 / collateral 18 and debt 18 / collateral 6): market, three FuzzKeepers funded with
 * debt tokens, a FuzzReader, funded lenders and borrowers, four open positions per world, then takes the base
 * snapshot every run starts from.
 */
export async function setupEnv(specs: readonly WorldSpec[] = WORLD_SPECS): Promise<Env> {
  const chain = await Chain.connect();
  const signers = await ethers.getSigners();
  const [lara, dave] = [signers[9], signers[10]];
  const partial: Omit<World, "base" | "readTemplate">[] = [];
  for (const spec of specs) {
    const f = await deployMarket({
      debtDecimals: spec.debtDecimals,
      collateralDecimals: spec.collateralDecimals,
    });
    const market = await f.market.getAddress();
    for (const s of [lara, dave]) {
      await f.weth.mint(s.address, 1_000_000n * f.collateralUnit);
      await f.usdc.mint(s.address, 100_000_000n * f.debtUnit);
      await f.weth.connect(s).approve(market, ethers.MaxUint256);
      await f.usdc.connect(s).approve(market, ethers.MaxUint256);
    }
    const keepers: string[] = [];
    for (let i = 0; i < KEEPER_COUNT; i++) {
      const k = await new FuzzKeeper__factory(f.deployer).deploy(market, await f.usdc.getAddress());
      await f.usdc.mint(await k.getAddress(), 10n ** 12n * f.debtUnit);
      keepers.push(await k.getAddress());
    }
    const reader = await new FuzzReader__factory(f.deployer).deploy();
    // Opening positions at price 2000: alice at 72 %, bob at 74 %, carol at 50 % LTV, and dave's small one
    // (0.1 collateral token, 140 debt tokens: 70 %, just above minDebt, where the dust rules bite).
    const openings: [typeof f.alice, bigint, bigint][] = [
      [f.alice, 10n * f.collateralUnit, 14_400n],
      [f.bob, 3n * f.collateralUnit, 4_440n],
      [f.carol, 50n * f.collateralUnit, 50_000n],
      [dave, f.collateralUnit / 10n, 140n],
    ];
    for (const [s, collateral, debt] of openings) {
      await f.market.connect(s).supplyCollateral(s.address, collateral);
      await f.market.connect(s).borrow(debt * f.debtUnit, s.address);
    }
    await f.market.connect(f.other).deposit(500_000n * f.debtUnit, f.other.address);
    await f.market.connect(lara).deposit(1_000n * f.debtUnit, lara.address);
    partial.push({
      spec,
      fixture: f,
      market,
      feed: await f.feed.getAddress(),
      reader: await reader.getAddress(),
      keepers,
      lenders: [f.lender.address, f.other.address, lara.address],
      borrowers: [f.alice.address, f.bob.address, f.carol.address, dave.address],
      keeperEOA: f.keeper.address,
      other: f.other.address,
      admin: f.admin.address,
      guardian: f.guardian.address,
      deployer: f.deployer.address,
      debtUnit: f.debtUnit,
      collateralUnit: f.collateralUnit,
      minAnswer: await f.oracle.baseMinAnswer(),
      maxAnswer: await f.oracle.baseMaxAnswer(),
      minDebt: f.params.minDebt,
    });
  }
  chain.now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  // Refresh each feed and poke each market so that the base state is known exactly: the feed answer and its
  // updatedAt, and the stored price state (constant price so far, so ema = spot and variance = 0).
  const feeds: FeedState[] = [];
  const pokes: bigint[] = [];
  // A poke a variance-sample period after everything else also takes a variance sample, at a known time.
  chain.advance(VARIANCE_SAMPLE_SECONDS);
  for (const w of partial) {
    const fed = await chain.send(w.deployer, w.feed, encodeFeed("updateAnswer", [INITIAL_ANSWER]));
    const poked = await chain.send(w.deployer, w.market, encodeMarket("updatePriceState"));
    ensure(fed.ok && poked.ok, "MODEL", "base set-up transaction failed");
    feeds.push({ answer: INITIAL_ANSWER, updatedAt: fed.timestamp, lastGood: INITIAL_ANSWER });
    pokes.push(poked.timestamp);
  }
  const worlds: World[] = [];
  for (const [i, w] of partial.entries()) {
    const readTemplate = READER.encodeFunctionData("read", [
      w.market,
      await w.fixture.weth.getAddress(),
      await w.fixture.usdc.getAddress(),
      0n,
      w.borrowers,
      w.lenders,
    ]);
    const draft = { ...w, readTemplate } as World;
    const params = await readParams(chain, draft);
    const view = await readView(chain, draft, params.hardLtvBps);
    const spot = w.fixture.priceFor(INITIAL_ANSWER);
    worlds.push({
      ...draft,
      base: {
        view,
        shadow: {
          ema: spot,
          paceUsed: 0n,
          updatedAt: pokes[i],
          variance: 0n,
          sampledPrice: spot,
          sampledAt: pokes[i],
        },
        feed: feeds[i],
        params,
      },
    });
  }
  const env: Env = { chain, worlds, snapshotId: await chain.snapshot(), baseTime: chain.now };
  for (const w of worlds) checkView(new Model(w), w.base.view, w.base.view, 0n); // the base itself is sound
  return env;
}

/** Back to the base snapshot (and a fresh snapshot id, since reverting consumes it). */
export async function resetEnv(env: Env): Promise<void> {
  await env.chain.revert(env.snapshotId, env.baseTime);
  env.snapshotId = await env.chain.snapshot();
}

// ================================================================ model

/** Counters over a campaign, for its report and coverage summary. */
export class Stats {
  sequences = 0;
  actions = 0;
  readonly byCommand = new Map<string, number>();
  readonly outcomes = new Map<string, number>();

  count(key: string, map: Map<string, number> = this.outcomes): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

/** What the market must look like: the fuzzer's expectations, updated by each action. */
export class Model {
  params: sdk.MarketParams;
  paused = false;
  feed: FeedState;
  shadow: PriceShadow;
  /** Timestamp of each borrower's last successful step (0: none). */
  lastStepAt: bigint[];
  view: View;

  constructor(
    readonly world: World,
    readonly stats: Stats = new Stats(),
  ) {
    this.params = { ...world.base.params };
    this.feed = { ...world.base.feed };
    this.shadow = { ...world.base.shadow };
    this.lastStepAt = world.borrowers.map(() => 0n);
    this.view = world.base.view;
  }

  /** Spot price of an 8-decimal answer, as the oracle scales it. */
  priceOf(answer: bigint): bigint {
    return this.world.fixture.priceFor(answer);
  }

  /** The oracle error a price read at `t` reverts with, or undefined when the feed is usable (INV-8). */
  oracleErrorAt(t: bigint): string | undefined {
    const a = this.feed.answer;
    if (a <= 0n) return "OracleAnswerNotPositive";
    if (a < this.world.minAnswer || a > this.world.maxAnswer) return "OracleAnswerOutOfBounds";
    if (t - this.feed.updatedAt > BigInt(FEED_HEARTBEAT)) return "OracleStale";
    return undefined;
  }

  /**
   * The price state the market computes at `t` from its stored state and `spot` (`_loadPriceState`), by the
   * documented formulas (src/sdk/smoothing.ts).
   */
  project(t: bigint, spot: bigint): PriceShadow {
    const s = this.shadow;
    const p = this.params;
    if (s.sampledPrice === 0n) {
      return {
        ema: spot,
        paceUsed: 0n,
        updatedAt: t,
        variance: s.variance,
        sampledPrice: spot,
        sampledAt: t,
      };
    }
    const dt = t - s.updatedAt;
    const next: PriceShadow = {
      ema: sdk.nextEma(s.ema, spot, dt, p.confirmDelaySeconds),
      paceUsed: sdk.drainedPace(s.paceUsed, dt, p.maxSoftSeizePerWindow, p.paceWindowSeconds),
      updatedAt: t,
      variance: s.variance,
      sampledPrice: s.sampledPrice,
      sampledAt: s.sampledAt,
    };
    const sinceSample = t - s.sampledAt;
    if (sinceSample >= VARIANCE_SAMPLE_SECONDS) {
      next.variance = sdk.nextVariance(s.variance, s.sampledPrice, spot, sinceSample, p.volTauSeconds);
      [next.sampledPrice, next.sampledAt] = [spot, t];
    }
    return next;
  }

  /** A price-reading action succeeded at `t`: the market stored its price state (`_store`). */
  observePrice(t: bigint, paceAdded = 0n): void {
    const next = this.project(t, this.priceOf(this.feed.answer));
    this.shadow = { ...next, paceUsed: next.paceUsed + paceAdded };
  }

  /** The borrower with the highest debt per collateral (the first one when nobody owes anything). */
  riskiest(): number {
    let best = 0;
    let bestRatio = -1n;
    for (const [i, p] of this.view.positions.entries()) {
      if (p.debt === 0n) continue;
      const ratio = p.collateral === 0n ? MAX_UINT256 : (p.debt * WAD * WAD) / p.collateral;
      if (ratio > bestRatio) [best, bestRatio] = [i, ratio];
    }
    return best;
  }
}

/** The system under test for one run. */
export interface Real {
  chain: Chain;
  world: World;
}

// ================================================================ invariants after every action

const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);

/** (a + 1) / (s + 10^6) >= (b + 1) / (t + 10^6), exactly. */
const sharePriceAtLeast = (a: bigint, s: bigint, b: bigint, t: bigint): boolean =>
  (a + 1n) * (t + VIRTUAL_SHARES) >= (b + 1n) * (s + VIRTUAL_SHARES);

/**
 * The checks that hold after every action, on the view read right after it (`next`) and the one before
 * (`prev`). `badDebt` is what the action wrote off (BadDebtRealized), 0 for all but steps.
 */
export function checkView(m: Model, prev: View, next: View, badDebt: bigint): void {
  const p = m.params;
  // INV-1: the market holds exactly the collateral of its positions and its cash.
  const collaterals = next.positions.map((x) => x.collateral);
  ensure(next.collateralBalance === sum(collaterals), "INV-1", "collateral balance != sum of positions", {
    balance: next.collateralBalance,
    positions: collaterals,
  });
  ensure(next.debtBalance === next.cash, "INV-1", "debt-token balance != cash", {
    balance: next.debtBalance,
    cash: next.cash,
  });
  const debts = next.positions.map((x) => x.debt);
  const open = BigInt(debts.filter((d) => d > 0n).length);
  ensure(
    next.totalDebt <= sum(debts) && sum(debts) <= next.totalDebt + open,
    "INV-1",
    "sum of position debts is not the total debt up to per-position rounding",
    { totalDebt: next.totalDebt, debts },
  );

  // INV-2: the share price falls only by realised bad debt.
  ensure(
    sharePriceAtLeast(next.totalAssets + badDebt, next.totalSupply, prev.totalAssets, prev.totalSupply),
    "INV-2",
    badDebt ? "share price fell by more than the bad debt realised" : "share price fell without bad debt",
    {
      before: { totalAssets: prev.totalAssets, totalSupply: prev.totalSupply },
      after: { totalAssets: next.totalAssets, totalSupply: next.totalSupply },
      badDebt,
    },
  );

  // INV-7: no dust debt.
  for (const [i, pos] of next.positions.entries()) {
    ensure(pos.debt === 0n || pos.debt >= p.minDebt, "INV-7", `${BORROWER_NAMES[i]} holds dust debt`, {
      debt: pos.debt,
      minDebt: p.minDebt,
    });
  }

  // INV-8: the oracle is usable exactly when the model's feed is; its price is the answer scaled once.
  const oracleError = m.oracleErrorAt(next.timestamp);
  ensure(
    next.oracleUsable === (oracleError === undefined),
    "INV-8",
    "oracle usability differs from the feed",
    {
      usable: next.oracleUsable,
      expectedError: oracleError,
      feed: m.feed,
      timestamp: next.timestamp,
    },
  );
  if (!next.oracleUsable) {
    // Frozen: priceState() returns the stored smoothing state, which no action may have moved.
    const s = m.shadow;
    const stored = { ema: next.emaPriceWad, variance: next.varianceWad, paceUsed: next.paceUsed };
    ensure(
      stored.ema === s.ema && stored.variance === s.variance && stored.paceUsed === s.paceUsed,
      "INV-8",
      "stored price state moved during an oracle outage",
      { market: stored, model: s },
    );
    return;
  }
  const spot = next.spotPriceWad;
  ensure(spot === m.priceOf(m.feed.answer), "INV-8", "oracle price is not the feed answer scaled", {
    spot,
    answer: m.feed.answer,
  });

  // INV-4: the price state gating soft steps is the shadow's projection.
  const proj = m.project(next.timestamp, spot);
  const state = { ema: next.emaPriceWad, variance: next.varianceWad, paceUsed: next.paceUsed };
  ensure(
    state.ema === proj.ema && state.variance === proj.variance && state.paceUsed === proj.paceUsed,
    "INV-4",
    "smoothed price / variance / pace differ from PriceSmoothing applied to the observed prices",
    { market: state, model: proj, shadow: m.shadow },
  );

  // INV-4: every hard-zone position is liquidatable in full.
  let previewed = 0;
  for (const [i, pos] of next.positions.entries()) {
    const hard = zoneAt(p, pos, spot) === Zone.Hard;
    const flagged = ((next.hardMask >> BigInt(i)) & 1n) === 1n;
    ensure(hard === flagged, "MODEL", `reader and sdk disagree on ${BORROWER_NAMES[i]}'s zone`, {
      position: pos,
    });
    if (!hard) continue;
    const step = toPlan(next.hardSteps[previewed++]);
    const terms = sdk.hardTerms(p, pos.debt, pos.collateral, spot);
    ensure(
      step.status === StepStatus.Ready &&
        step.repaid === terms.fullRepay &&
        (step.repaid === pos.debt || step.seized === pos.collateral),
      "INV-4",
      `hard-zone position of ${BORROWER_NAMES[i]} is not liquidatable in full`,
      { position: pos, step, fullRepay: terms.fullRepay },
    );
  }
}

/** A position's LTV (WAD, rounded up) and zone at `spot`, by the documented formulas. */
const ltvAt = (pos: { collateral: bigint; debt: bigint }, spot: bigint): bigint =>
  sdk.ltvWad(pos.debt, sdk.valueOf(pos.collateral, spot));
const zoneAt = (p: sdk.MarketParams, pos: { collateral: bigint; debt: bigint }, spot: bigint): sdk.Zone =>
  sdk.zoneOf(p, pos.debt, ltvAt(pos, spot));

/** A reverted action must leave everything as it was; debts grow only by interest. */
function checkUnchanged(id: InvariantId, prev: View, next: View, what: string): void {
  const same = (a: bigint, b: bigint) => a === b;
  const debtOk = prev.positions.every((p, i) => {
    const d = next.positions[i].debt;
    return d >= p.debt && d <= sdk.mulDivUp(p.debt, next.borrowIndexWad, prev.borrowIndexWad) + 1n;
  });
  ensure(
    same(prev.collateralBalance, next.collateralBalance) &&
      same(prev.debtBalance, next.debtBalance) &&
      same(prev.cash, next.cash) &&
      same(prev.totalSupply, next.totalSupply) &&
      prev.shares.every((s, i) => s === next.shares[i]) &&
      prev.positions.every((p, i) => p.collateral === next.positions[i].collateral) &&
      debtOk,
    id,
    `${what} reverted but the market changed`,
    { prev, next },
  );
}

// ================================================================ actions

/** What the model expects of a transaction: it must succeed, must revert, or may do either. */
interface Expectation {
  outcome: "ok" | "revert" | "either";
  /** Revert errors that are acceptable (any when empty). */
  errors: readonly string[];
  /** The invariant a wrong outcome breaks. */
  id: InvariantId;
  why: string;
}

const OK: Expectation = { outcome: "ok", errors: [], id: "MODEL", why: "no precondition fails" };

/**
 * Builds an expectation from the preconditions an action may fail, in the contract's order of checks:
 * `sure` fail for certain, `maybe` are too close to call (interest or rounding between the view and the block).
 */
function expectFrom(checks: { fails: boolean | "maybe"; error: string; id?: InvariantId }[]): Expectation {
  const sure = checks.filter((c) => c.fails === true);
  const maybe = checks.filter((c) => c.fails === "maybe");
  const errors = [...sure, ...maybe].map((c) => c.error);
  if (sure.length) {
    return { outcome: "revert", errors, id: sure[0].id ?? "MODEL", why: `expected ${sure[0].error}` };
  }
  if (maybe.length) return { outcome: "either", errors, id: "MODEL", why: "borderline" };
  return { ...OK };
}

/**
 * Sends a transaction and checks its outcome against the model's expectation. An action that needs no price
 * and fails during an oracle outage breaks INV-8 ("nothing else changes").
 */
async function transact(
  m: Model,
  r: Real,
  label: string,
  from: string,
  to: string,
  data: string,
  exp: Expectation,
): Promise<TxOutcome> {
  const id = exp.outcome === "ok" && m.oracleErrorAt(r.chain.now + 1n) !== undefined ? "INV-8" : exp.id;
  const out = await r.chain.send(from, to, data);
  if (out.ok) {
    ensure(exp.outcome !== "revert", id, `${label} succeeded but should have reverted (${exp.why})`);
  } else {
    const err = decodeError(out.revertData);
    ensure(exp.outcome !== "ok", id, `${label} reverted unexpectedly with ${err.name}`, { args: err.args });
    ensure(
      exp.errors.length === 0 || exp.errors.includes(err.name),
      id,
      `${label} reverted with ${err.name}, expected one of ${exp.errors.join(", ")}`,
      { args: err.args },
    );
  }
  return out;
}

interface ActionTx {
  label: string;
  from: string;
  data: string;
  exp: Expectation;
  /** The action reads the price when it succeeds (borrow, collateral withdrawal with debt, poke). */
  readsPrice?: boolean;
}

/**
 * One single-transaction action on the market: send, check the outcome, move the model, read the view and check
 * every invariant. A reverted action must have changed nothing (INV-8 when the oracle was down, else MODEL).
 */
async function perform(m: Model, r: Real, tx: ActionTx): Promise<{ out: TxOutcome; next: View }> {
  const prev = m.view;
  const out = await transact(m, r, tx.label, tx.from, r.world.market, tx.data, tx.exp);
  if (out.ok && tx.readsPrice) m.observePrice(out.timestamp);
  const next = await settle(m, r);
  if (!out.ok) {
    const id = m.oracleErrorAt(out.timestamp) !== undefined ? "INV-8" : "MODEL";
    checkUnchanged(id, prev, next, tx.label);
  }
  return { out, next };
}

/**
 * Reads the view after an action, checks every invariant, and moves the model on.
 */
async function settle(m: Model, r: Real, badDebt = 0n): Promise<View> {
  const next = await readView(r.chain, r.world, m.params.hardLtvBps);
  ensure(next.timestamp === r.chain.now, "MODEL", "view is not at the latest block");
  checkView(m, m.view, next, badDebt);
  m.view = next;
  return next;
}

/** `x * ppm / 10^6`. */
const ppmOf = (x: bigint, ppm: number): bigint => (x * BigInt(ppm)) / PPM;
/** Within the margin of `limit` (relative MARGIN_PPM plus a few base units)? */
const near = (x: bigint, limit: bigint): boolean => {
  const d = x > limit ? x - limit : limit - x;
  return d <= (limit * MARGIN_PPM) / PPM + 4n;
};
/** "maybe" when `x` is near `limit`, else whether `x > limit`. */
const above = (x: bigint, limit: bigint): boolean | "maybe" => (near(x, limit) ? "maybe" : x > limit);

/** Assets `shares` are worth at the view (ERC-4626 with the virtual offset, rounded down). */
const assetsOf = (v: View, shares: bigint): bigint =>
  (shares * (v.totalAssets + 1n)) / (v.totalSupply + VIRTUAL_SHARES);

type FuzzCommand = fc.AsyncCommand<Model, Real>;
/** What one run of the property draws: a world index and a command sequence. */
export type FuzzInput = [number, Iterable<FuzzCommand>];

/** Base of the commands: counts the action, then runs it. */
abstract class Action implements FuzzCommand {
  abstract readonly name: string;
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.stats.actions += 1;
    m.stats.count(this.name, m.stats.byCommand);
    await this.act(m, r);
  }
  protected abstract act(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
}

// ---------------------------------------------------------------- lenders

class Deposit extends Action {
  readonly name = "deposit";
  constructor(
    readonly lender: number,
    /** Hundredths of a debt token. */
    readonly centi: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const w = r.world;
    const assets = (BigInt(this.centi) * w.debtUnit) / 100n;
    const who = w.lenders[this.lender];
    const exp = expectFrom([{ fails: m.paused, error: "ERC4626ExceededMaxDeposit" }]);
    const data = encodeMarket("deposit", [assets, who]);
    await perform(m, r, { label: this.toString(), from: who, data, exp });
  }
  toString(): string {
    return `deposit(${LENDER_NAMES[this.lender]}, ${this.centi / 100} tokens)`;
  }
}

class Withdraw extends Action {
  readonly name = "withdraw";
  constructor(
    readonly lender: number,
    /** Share of maxWithdraw, ppm (above 10^6: more than allowed). */
    readonly ppm: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const v = m.view;
    const who = r.world.lenders[this.lender];
    const maxWithdraw = sdk.min(assetsOf(v, v.shares[this.lender]), v.cash);
    const assets = sdk.max(1n, ppmOf(maxWithdraw, this.ppm));
    // totalAssets only grows until the block and cash does not move, so maxWithdraw there is >= here.
    const exp = expectFrom([
      { fails: m.paused, error: "ERC4626ExceededMaxWithdraw" },
      { fails: assets > maxWithdraw ? "maybe" : false, error: "ERC4626ExceededMaxWithdraw" },
    ]);
    const data = encodeMarket("withdraw", [assets, who, who]);
    await perform(m, r, { label: this.toString(), from: who, data, exp });
  }
  toString(): string {
    return `withdraw(${LENDER_NAMES[this.lender]}, ${this.ppm / 1e4}% of max)`;
  }
}

class Redeem extends Action {
  readonly name = "redeem";
  constructor(
    readonly lender: number,
    /** Share of the lender's shares, ppm (above 10^6: more than held). */
    readonly ppm: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const v = m.view;
    const who = r.world.lenders[this.lender];
    const balance = v.shares[this.lender];
    const shares = sdk.max(1n, ppmOf(balance, this.ppm));
    // maxRedeem = min(balance, shares the cash buys); the latter shrinks as interest raises the share price.
    const cashShares = (v.cash * (v.totalSupply + VIRTUAL_SHARES)) / (v.totalAssets + 1n);
    const exp = expectFrom([
      { fails: m.paused, error: "ERC4626ExceededMaxRedeem" },
      { fails: shares > balance || above(shares, cashShares), error: "ERC4626ExceededMaxRedeem" },
      { fails: assetsOf(v, shares) <= 1n ? "maybe" : false, error: "MarketZeroAmount" },
    ]);
    const data = encodeMarket("redeem", [shares, who, who]);
    await perform(m, r, { label: this.toString(), from: who, data, exp });
  }
  toString(): string {
    return `redeem(${LENDER_NAMES[this.lender]}, ${this.ppm / 1e4}% of shares)`;
  }
}

// ---------------------------------------------------------------- borrowers

/** `self` is the borrower; the others are third parties. */
function payerOf(w: World, payer: number, borrower: string): string {
  return payer === 0 ? borrower : payer === 1 ? w.keeperEOA : w.other;
}

class SupplyCollateral extends Action {
  readonly name = "supplyCollateral";
  constructor(
    readonly borrower: number,
    readonly payer: number,
    /** Thousandths of a collateral token. */
    readonly milli: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const w = r.world;
    const account = w.borrowers[this.borrower];
    const amount = (BigInt(this.milli) * w.collateralUnit) / 1000n;
    const data = encodeMarket("supplyCollateral", [account, amount]);
    // Needs no price, works while paused, and anyone may add collateral for anyone.
    await perform(m, r, {
      label: this.toString(),
      from: payerOf(w, this.payer, account),
      data,
      exp: { ...OK },
    });
  }
  toString(): string {
    return `supplyCollateral(${BORROWER_NAMES[this.borrower]}, by ${PAYER_NAMES[this.payer]}, ${this.milli / 1000} tokens)`;
  }
}

/** INV-7: a successful borrow or collateral withdrawal leaves the position at or below maxLtv (same block). */
function checkMaxLtv(m: Model, next: View, borrower: number, label: string): void {
  const pos = next.positions[borrower];
  const maxLtv = sdk.bpsToWad(m.params.maxLtvBps);
  const ltv = ltvAt(pos, next.spotPriceWad);
  ensure(pos.debt === 0n || ltv <= maxLtv, "INV-7", `${label} left the position above maxLtv`, {
    ltv,
    maxLtv,
    position: pos,
  });
}

class Borrow extends Action {
  readonly name = "borrow";
  constructor(
    readonly borrower: number,
    /** Share of the headroom to maxLtv, ppm (above 10^6: too much). */
    readonly ppm: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const v = m.view;
    const pos = v.positions[this.borrower];
    const account = r.world.borrowers[this.borrower];
    const value = sdk.valueOf(pos.collateral, m.priceOf(m.feed.lastGood));
    const maxDebt = sdk.wadMulDown(value, sdk.bpsToWad(m.params.maxLtvBps));
    const assets = sdk.max(1n, ppmOf(sdk.zeroFloorSub(maxDebt, pos.debt), this.ppm));
    const oracleError = m.oracleErrorAt(r.chain.now + 1n);
    const newDebt = pos.debt + assets;
    // In the market's order of checks.
    const exp = expectFrom([
      { fails: m.paused, error: "EnforcedPause" },
      { fails: oracleError !== undefined, error: oracleError ?? "", id: "INV-8" },
      { fails: above(assets, v.cash), error: "MarketInsufficientCash" },
      { fails: above(m.params.minDebt, newDebt), error: "MarketDebtBelowMinimum" },
      { fails: above(newDebt, maxDebt), error: "MarketLtvTooHigh" },
    ]);
    const data = encodeMarket("borrow", [assets, account]);
    const tx = {
      label: this.toString(),
      from: account,
      data,
      exp,
      readsPrice: true,
    };
    const { out, next } = await perform(m, r, tx);
    if (out.ok) checkMaxLtv(m, next, this.borrower, this.toString());
  }
  toString(): string {
    return `borrow(${BORROWER_NAMES[this.borrower]}, ${this.ppm / 1e4}% of headroom)`;
  }
}

type RepayKind = "full" | "exact" | "partial" | "dust";

class Repay extends Action {
  readonly name = "repay";
  constructor(
    readonly borrower: number,
    readonly payer: number,
    readonly kind: RepayKind,
    readonly ppm: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const w = r.world;
    const debt = m.view.positions[this.borrower].debt;
    const minDebt = m.params.minDebt;
    const account = w.borrowers[this.borrower];
    let assets: bigint;
    switch (this.kind) {
      case "full": // more than the debt: pulls only the debt
        assets = debt + ppmOf(debt, this.ppm) + 1n;
        break;
      case "exact": // the debt read a block ago: one second of interest later, it leaves dust
        assets = sdk.max(1n, debt);
        break;
      case "partial":
        assets = sdk.max(1n, ppmOf(sdk.zeroFloorSub(debt, minDebt), this.ppm));
        break;
      case "dust": // leaves between 0 and minDebt
        assets = sdk.max(1n, debt - minDebt + 1n + ppmOf(minDebt - 2n, this.ppm));
        break;
    }
    const left = sdk.zeroFloorSub(debt, assets);
    // Repaying needs no price and works while paused; anyone may repay for anyone.
    const exp = expectFrom([
      { fails: debt === 0n, error: "MarketNoDebt" },
      { fails: assets < debt && above(minDebt, left), error: "MarketDebtBelowMinimum" },
      { fails: assets === debt ? "maybe" : false, error: "MarketDebtBelowMinimum" },
    ]);
    const data = encodeMarket("repay", [account, assets]);
    await perform(m, r, { label: this.toString(), from: payerOf(w, this.payer, account), data, exp });
  }
  toString(): string {
    return `repay(${BORROWER_NAMES[this.borrower]}, by ${PAYER_NAMES[this.payer]}, ${this.kind}, ${this.ppm / 1e4}%)`;
  }
}

class WithdrawCollateral extends Action {
  readonly name = "withdrawCollateral";
  constructor(
    readonly borrower: number,
    /** Share of the collateral free above maxLtv, ppm (above 10^6: too much). */
    readonly ppm: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const pos = m.view.positions[this.borrower];
    const account = r.world.borrowers[this.borrower];
    const spot = m.priceOf(m.feed.lastGood);
    const maxLtv = sdk.bpsToWad(m.params.maxLtvBps);
    // Collateral needed at maxLtv: debt / (maxLtv x price), rounded up.
    const needed = pos.debt === 0n ? 0n : sdk.mulDivUp(pos.debt, WAD * WAD, maxLtv * spot);
    const amount = sdk.max(1n, ppmOf(sdk.zeroFloorSub(pos.collateral, needed), this.ppm));
    const priced = pos.debt > 0n; // without debt no price is read (INV-8: it works during an outage)
    const oracleError = priced ? m.oracleErrorAt(r.chain.now + 1n) : undefined;
    const valueAfter = sdk.valueOf(pos.collateral - sdk.min(amount, pos.collateral), spot);
    const exp = expectFrom([
      { fails: m.paused, error: "EnforcedPause" },
      { fails: amount > pos.collateral, error: "MarketInsufficientCollateral" },
      { fails: oracleError !== undefined, error: oracleError ?? "", id: "INV-8" },
      { fails: priced && above(pos.debt, sdk.wadMulDown(valueAfter, maxLtv)), error: "MarketLtvTooHigh" },
    ]);
    const data = encodeMarket("withdrawCollateral", [amount, account]);
    const { out, next } = await perform(m, r, {
      label: this.toString(),
      from: account,
      data,
      exp,
      readsPrice: priced,
    });
    if (out.ok) checkMaxLtv(m, next, this.borrower, this.toString());
  }
  toString(): string {
    return `withdrawCollateral(${BORROWER_NAMES[this.borrower]}, ${this.ppm / 1e4}% of free)`;
  }
}

// ---------------------------------------------------------------- oracle and time

/** Sets the feed's answer (any int, possibly broken); the model follows. */
async function setAnswer(m: Model, r: Real, answer: bigint): Promise<void> {
  const w = r.world;
  const out = await r.chain.send(w.deployer, w.feed, encodeFeed("updateAnswer", [answer]));
  ensure(out.ok, "MODEL", "feed update reverted");
  m.feed = {
    answer,
    updatedAt: out.timestamp,
    lastGood: answer >= w.minAnswer && answer <= w.maxAnswer ? answer : m.feed.lastGood,
  };
}

/** A valid answer `ppm` away from the last good one, kept well inside the feed's bounds. */
function movedAnswer(m: Model, signedPpm: number): bigint {
  const next = (m.feed.lastGood * (PPM + BigInt(signedPpm))) / PPM;
  return sdk.min(sdk.max(next, 2n * m.world.minAnswer), m.world.maxAnswer / 2n);
}

type MoveKind = "drift" | "crash" | "pump";

class PriceMove extends Action {
  readonly name = "priceMove";
  constructor(
    readonly kind: MoveKind,
    /** The move, signed ppm: a drift of a few %, a crash down to -60 %, a pump up to +50 %. */
    readonly ppm: number,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    await setAnswer(m, r, movedAnswer(m, this.ppm));
    await settle(m, r);
  }
  toString(): string {
    return `price.${this.kind}(${this.ppm / 1e4}%)`;
  }
}

/**
 * Moves the price so that the riskiest position's LTV lands at `softLtv + u (hardLtv - softLtv)`, u in ppm (below 0:
 * just healthy, 0: exactly on the soft boundary, above 10^6: hard zone). Random moves rarely stop inside the
 * soft zone; this one aims there.
 */
class PriceToZone extends Action {
  readonly name = "priceToZone";
  constructor(readonly u: number) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const pos = m.view.positions[m.riskiest()];
    if (pos.debt > 0n && pos.collateral > 0n) {
      const p = m.params;
      const soft = sdk.bpsToWad(p.softLtvBps);
      const span = sdk.bpsToWad(p.hardLtvBps) - soft;
      const target = soft + (span * BigInt(this.u)) / PPM;
      // LTV = D / (C P)  =>  P = D / (C LTV); answer = P scaled back to the feed's 8 decimals (rounded up, so
      // the LTV lands at or just under the target).
      const f = m.world.spec;
      const price = sdk.mulDivUp(pos.debt, WAD * WAD, pos.collateral * sdk.max(target, 1n));
      const answer = sdk.mulDivUp(
        price,
        10n ** BigInt(f.collateralDecimals + 8),
        10n ** BigInt(18 + f.debtDecimals),
      );
      await setAnswer(m, r, sdk.min(sdk.max(answer, 2n * m.world.minAnswer), m.world.maxAnswer / 2n));
    } else {
      await setAnswer(m, r, m.feed.lastGood);
    }
    await settle(m, r);
  }
  toString(): string {
    return `price.toZone(riskiest at ${this.u / 1e4}% into the soft zone)`;
  }
}

type BreakKind = "zero" | "negative" | "aboveMax" | "belowMin";

class BreakFeed extends Action {
  readonly name = "breakFeed";
  constructor(readonly kind: BreakKind) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const w = r.world;
    const answer = { zero: 0n, negative: -1n, aboveMax: w.maxAnswer + 1n, belowMin: w.minAnswer - 1n }[
      this.kind
    ];
    await setAnswer(m, r, answer);
    await settle(m, r);
  }
  toString(): string {
    return `feed.break(${this.kind})`;
  }
}

class TimePasses extends Action {
  readonly name = "timePasses";
  constructor(
    readonly seconds: number,
    /** Re-post the feed's answer afterwards (a live feed); false lets it go stale. */
    readonly refresh: boolean,
    /** Then poke `updatePriceState` (as the keeper bot does when positions wait for the wick filter). */
    readonly poke: boolean,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    r.chain.advance(BigInt(this.seconds));
    if (this.refresh) await setAnswer(m, r, m.feed.answer);
    if (this.poke) await poke(m, r);
    await settle(m, r);
  }
  toString(): string {
    return `time(+${this.seconds}s${this.refresh ? "" : ", no feed update"}${this.poke ? ", poke" : ""})`;
  }
}

/** Lets the feed go stale: time passes just past its heartbeat without an update. */
class GoStale extends Action {
  readonly name = "goStale";
  constructor(readonly extra: number) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const age = r.chain.now - m.feed.updatedAt;
    r.chain.advance(sdk.max(1n, BigInt(FEED_HEARTBEAT) - age + BigInt(this.extra)));
    await settle(m, r);
  }
  toString(): string {
    return `feed.stale(+${this.extra}s past heartbeat)`;
  }
}

/** `updatePriceState()`: reverts with the feed's error during an outage (INV-8), else moves the price state. */
async function poke(m: Model, r: Real): Promise<TxOutcome> {
  const w = r.world;
  const oracleError = m.oracleErrorAt(r.chain.now + 1n);
  const exp = expectFrom([{ fails: oracleError !== undefined, error: oracleError ?? "", id: "INV-8" }]);
  const data = encodeMarket("updatePriceState");
  const out = await transact(m, r, "updatePriceState()", w.keeperEOA, w.market, data, exp);
  if (out.ok) m.observePrice(out.timestamp);
  return out;
}

class UpdatePriceState extends Action {
  readonly name = "updatePriceState";
  protected async act(m: Model, r: Real): Promise<void> {
    const prev = m.view;
    const out = await poke(m, r);
    const next = await settle(m, r);
    if (!out.ok) checkUnchanged("INV-8", prev, next, this.toString());
  }
  toString(): string {
    return "updatePriceState()";
  }
}

// ---------------------------------------------------------------- keepers

type RepayChoice = "max" | "preview" | "over" | "part" | "tiny" | "debt" | "zero";
type MinSeizedChoice = "none" | "preview" | "above";

interface StepRequest {
  keeper: number;
  borrower: number;
  maxRepay: bigint;
  minSeized: bigint;
  flash: boolean;
  /** Poke updatePriceState in the same transaction, before the step. */
  poke: boolean;
}

/** StepContext and StepOutcome of contracts/mocks/FuzzHarness.sol, as decoded (enums as bigint). */
interface StepContextWords {
  timestamp: bigint;
  poked: boolean;
  collateral: bigint;
  debt: bigint;
  preview: PreviewWords;
  oracleUsable: boolean;
  spotPriceWad: bigint;
  emaPriceWad: bigint;
  varianceWad: bigint;
  paceUsed: bigint;
  cash: bigint;
  totalDebt: bigint;
  reserves: bigint;
  borrowIndexWad: bigint;
}

interface StepOutcomeWords {
  success: boolean;
  repaid: bigint;
  seized: bigint;
  collateralReceived: bigint;
  debtPaid: bigint;
  totalAssetsAfter: bigint;
  collateralAfter: bigint;
  debtAfter: bigint;
  callbackCalled: boolean;
  callbackRepaid: bigint;
  callbackSeized: bigint;
  callbackTip: bigint;
  collateralHeldAtCallback: bigint;
  debtUnpulledAtCallback: boolean;
}

/** LiquidationStepped's non-indexed fields. */
interface SteppedWords {
  zone: bigint;
  repaid: bigint;
  seized: bigint;
  incentiveWad: bigint;
  tip: bigint;
  ltvBeforeWad: bigint;
  ltvAfterWad: bigint;
}

interface DecodedStep {
  ctx: StepContextWords;
  out: StepOutcomeWords;
  revertData: string;
  stepped?: sdk.StepPlan;
  badDebt: bigint;
}

function decodeStep(r: Real, tx: TxOutcome, keeper: string): DecodedStep {
  let attempted: { before: StepContextWords; outcome: StepOutcomeWords; revertData: string } | undefined;
  let stepped: sdk.StepPlan | undefined;
  let badDebt = 0n;
  let badDebtEvents = 0;
  const market = r.world.market.toLowerCase();
  for (const log of tx.logs) {
    const from = log.address.toLowerCase();
    if (from === keeper.toLowerCase() && log.topics[0] === TOPIC.stepAttempted) {
      attempted = decodeEventData(STEP_ATTEMPTED, log.data);
    } else if (from === market && log.topics[0] === TOPIC.liquidationStepped) {
      ensure(stepped === undefined, "INV-5", "two LiquidationStepped events in one step");
      const e = decodeEventData<SteppedWords>(LIQUIDATION_STEPPED, log.data);
      stepped = { ...toPlan({ ...e, status: 0n, badDebt: 0n }) };
    } else if (from === market && log.topics[0] === TOPIC.badDebtRealized) {
      badDebt = decodeEventData<{ amount: bigint }>(BAD_DEBT_REALIZED, log.data).amount;
      badDebtEvents += 1;
    }
  }
  ensure(attempted !== undefined, "MODEL", "FuzzKeeper emitted no StepAttempted");
  ensure(badDebtEvents <= 1, "INV-2", "several BadDebtRealized events in one step");
  return {
    ctx: attempted.before,
    out: attempted.outcome,
    revertData: attempted.revertData,
    stepped,
    badDebt,
  };
}

const planFields = [
  "zone",
  "repaid",
  "seized",
  "incentiveWad",
  "tip",
  "ltvBeforeWad",
  "ltvAfterWad",
] as const;

/** What one step attempt read and did, and what the documented schedule expects of it. */
interface StepCase {
  m: Model;
  req: StepRequest;
  ctx: StepContextWords;
  out: StepOutcomeWords;
  preview: sdk.StepPlan;
  expected: sdk.StepPlan;
  nextAt: bigint;
  error?: DecodedError;
  stepped?: sdk.StepPlan;
  badDebt: bigint;
  /** Lenders' assets just before the step, by the formula of totalAssets() (INV-2). */
  assetsBefore: bigint;
  details: Record<string, unknown>;
}

/**
 * One keeper step through FuzzKeeper, checked against the inputs it read in the same transaction (INV-2 to
 * INV-8). Returns the bad debt it realised. Does not read the view (the caller settles).
 */
async function keeperStep(m: Model, r: Real, req: StepRequest): Promise<bigint> {
  const w = r.world;
  const p = m.params;
  const keeper = w.keepers[req.keeper];
  const account = w.borrowers[req.borrower];
  const args = [account, req.maxRepay, req.minSeized, req.flash, req.poke] as [
    string,
    bigint,
    bigint,
    boolean,
    boolean,
  ];
  const tx = await r.chain.send(w.keeperEOA, keeper, encodeKeeper("attempt", args), true);
  ensure(tx.ok, "MODEL", "FuzzKeeper.attempt reverted", { error: decodeError(tx.revertData) });
  const { ctx, out, revertData, stepped, badDebt } = decodeStep(r, tx, keeper);
  const ts = ctx.timestamp;
  const oracleError = m.oracleErrorAt(ts);
  // INV-8: the poke in the same transaction ran exactly when the oracle is usable.
  ensure(ctx.poked === (req.poke && !oracleError), "INV-8", "updatePriceState ran iff the oracle is usable", {
    poke: req.poke,
    poked: ctx.poked,
  });
  if (ctx.poked) m.observePrice(ts);
  const preview = toPlan(ctx.preview);
  const error = out.success ? undefined : decodeError(revertData);
  const details = { borrower: BORROWER_NAMES[req.borrower], request: req, preview, error, ctx, outcome: out };
  m.stats.count(
    out.success
      ? `step.ok.${Zone[preview.zone]}`
      : `step.refused.${error?.name}.${StepStatus[preview.status]}`,
  );
  const assetsBefore = sdk.zeroFloorSub(ctx.cash + ctx.totalDebt, ctx.reserves);

  // INV-8: an outage blocks the step, with the feed's error, and moves nothing.
  ensure(ctx.oracleUsable === !oracleError, "INV-8", "oracle usability differs from the feed", details);
  if (!ctx.oracleUsable) {
    ensure(!out.success, "INV-8", "step succeeded while the oracle is unusable", details);
    const allowed = req.maxRepay === 0n ? "MarketZeroAmount" : oracleError;
    ensure(
      error!.name === allowed,
      "INV-8",
      `step refused with ${error!.name}, expected ${allowed}`,
      details,
    );
    ensure(
      preview.status === StepStatus.OracleUnavailable,
      "INV-6",
      "preview is not OracleUnavailable",
      details,
    );
    ensure(out.totalAssetsAfter === assetsBefore, "INV-2", "totalAssets moved in a refused step", details);
    return 0n;
  }

  // INV-4: the inputs that gate soft steps are the shadow's.
  const proj = m.project(ts, ctx.spotPriceWad);
  ensure(
    ctx.emaPriceWad === proj.ema && ctx.varianceWad === proj.variance && ctx.paceUsed === proj.paceUsed,
    "INV-4",
    "in-step price state differs from PriceSmoothing applied to the observed prices",
    { ...details, model: proj },
  );

  // INV-5: the documented schedule on the same inputs, with the model's lastStepAt (had the market stored
  // another, the status or nextAt would differ).
  const { plan: expected, nextAt } = sdk.plan(p, {
    collateral: ctx.collateral,
    debt: ctx.debt,
    lastStepAt: m.lastStepAt[req.borrower],
    spotPriceWad: ctx.spotPriceWad,
    emaPriceWad: ctx.emaPriceWad,
    varianceWad: ctx.varianceWad,
    oracleStatus: OracleStatus.Ok, // no sequencer feed in the fuzzer's worlds
    paceRoom: sdk.zeroFloorSub(p.maxSoftSeizePerWindow, ctx.paceUsed),
    reserves: ctx.reserves,
    maxRepay: req.maxRepay,
    timestamp: ts,
  });
  const c: StepCase = {
    m,
    req,
    ctx,
    out,
    preview,
    expected,
    nextAt,
    error,
    stepped,
    badDebt,
    assetsBefore,
    details,
  };
  checkAgainstPreview(c);
  if (!out.success) return 0n;
  checkPayments(c);
  const zone = checkGating(c);

  m.lastStepAt[req.borrower] = ts;
  m.observePrice(ts, zone === Zone.Soft ? sdk.wadMulUp(stepped!.seized, ctx.spotPriceWad) : 0n);
  m.stats.count(badDebt > 0n ? "step.badDebt" : "step.noBadDebt");
  return badDebt;
}

/** `D - repaid - amount` in {0, 1}: the market books the exact fall of its rounded-up total debt. */
const badDebtMatches = (expected: bigint, x: bigint): boolean =>
  expected === 0n ? x === 0n : x === expected || x + 1n === expected;

/** INV-5 (the preview is the documented schedule's) and INV-6 (the step does what its preview says). */
function checkAgainstPreview(c: StepCase): void {
  const { req, out, preview, expected, error, stepped, details } = c;
  const planDetails = { ...details, expected };
  ensure(preview.status === expected.status, "INV-5", "preview status is not the schedule's", planDetails);
  // A refused preview's amounts are informational (the market fills in what it computed before refusing, the SDK
  // leaves zeros): only its zone and LTV are compared.
  const compared = preview.status === StepStatus.Ready ? planFields : (["zone", "ltvBeforeWad"] as const);
  for (const f of compared) {
    ensure(preview[f] === expected[f], "INV-5", `preview ${f} is not the schedule's`, planDetails);
  }
  ensure(
    badDebtMatches(expected.badDebt, preview.badDebt),
    "INV-5",
    "preview bad debt is not D - repaid",
    planDetails,
  );

  if (out.success) {
    const said = StepStatus[preview.status];
    ensure(
      preview.status === StepStatus.Ready,
      "INV-6",
      `step ran although its preview said ${said}`,
      details,
    );
    ensure(stepped !== undefined, "INV-5", "successful step emitted no LiquidationStepped", details);
    for (const f of planFields) {
      ensure(stepped[f] === preview[f], "INV-6", `step ${f} differs from its preview`, {
        ...details,
        stepped,
      });
      ensure(stepped[f] === expected[f], "INV-5", `step ${f} is not the schedule's`, {
        ...planDetails,
        stepped,
      });
    }
    ensure(
      out.repaid === preview.repaid && out.seized === preview.seized,
      "INV-6",
      "return values differ from the preview",
      details,
    );
    ensure(c.badDebt === preview.badDebt, "INV-6", "BadDebtRealized differs from the preview's bad debt", {
      ...details,
      badDebt: c.badDebt,
    });
    return;
  }
  if (preview.status === StepStatus.Ready) {
    // The only way a Ready step fails: the keeper's minimum collateral out.
    const slippage = error!.name === "MarketStepSlippage" && preview.seized < req.minSeized;
    ensure(
      slippage && error!.args[0] === preview.seized && error!.args[1] === req.minSeized,
      "INV-6",
      `preview said Ready but the step reverted with ${error!.name}`,
      details,
    );
  } else {
    const zero = req.maxRepay === 0n && error!.name === "MarketZeroAmount";
    const refused = error!.name === "MarketStepNotAllowed" && Number(error!.args[0]) === preview.status;
    const said = StepStatus[preview.status];
    ensure(zero || refused, "INV-6", `step refused with ${error!.name}, preview said ${said}`, details);
    if (refused) {
      ensure(error!.args[1] === c.nextAt, "INV-5", "refused step's nextAt is not the schedule's", {
        ...planDetails,
        nextAt: c.nextAt,
      });
    }
  }
  ensure(out.totalAssetsAfter === c.assetsBefore, "INV-2", "totalAssets moved in a refused step", details);
  ensure(
    !out.callbackCalled && out.collateralReceived === 0n && out.debtPaid === 0n,
    "INV-5",
    "refused step paid or called back",
    details,
  );
}

/** A successful step: what the keeper received and paid (INV-5) and what lenders lost (INV-2). */
function checkPayments(c: StepCase): void {
  const { req, out, badDebt, details } = c;
  const s = c.stepped!;
  ensure(out.collateralReceived === s.seized, "INV-5", "keeper did not receive exactly seized", details);
  ensure(out.debtPaid === s.repaid - s.tip, "INV-5", "keeper did not pay exactly repaid - tip", details);
  ensure(badDebtMatches(c.expected.badDebt, badDebt), "INV-5", "BadDebtRealized is not D - repaid", {
    ...details,
    expected: c.expected,
    badDebt,
  });
  const ran = out.callbackCalled ? "ran" : "did not run";
  ensure(out.callbackCalled === req.flash, "INV-5", `callback ${ran} (flash: ${req.flash})`, details);
  if (req.flash) {
    ensure(
      out.callbackRepaid === s.repaid && out.callbackSeized === s.seized && out.callbackTip === s.tip,
      "INV-5",
      "callback arguments differ from the step",
      details,
    );
    ensure(
      out.collateralHeldAtCallback === s.seized && out.debtUnpulledAtCallback,
      "INV-5",
      "callback ran before the collateral arrived or after the repayment was pulled",
      details,
    );
  }
  // INV-2: in the same transaction, totalAssets falls by exactly the bad debt, else does not fall.
  if (badDebt > 0n) {
    ensure(
      out.totalAssetsAfter + badDebt === c.assetsBefore,
      "INV-2",
      "totalAssets fell by other than the bad debt",
      {
        ...details,
        badDebt,
      },
    );
    ensure(
      out.collateralAfter === 0n && out.debtAfter === 0n,
      "INV-2",
      "bad debt on an open position",
      details,
    );
  } else {
    ensure(out.totalAssetsAfter >= c.assetsBefore, "INV-2", "totalAssets fell without bad debt", details);
  }
}

/**
 * A successful step: the position's books (INV-5), the gating of soft steps (INV-4), their effect (INV-3) and
 * dust (INV-7). Returns the zone the step ran in.
 */
function checkGating(c: StepCase): sdk.Zone {
  const { m, req, ctx, out, details } = c;
  const p = m.params;
  const s = c.stepped!;
  const [D, C, P] = [ctx.debt, ctx.collateral, ctx.spotPriceWad];
  const [Dafter, Cafter] = [out.debtAfter, out.collateralAfter];
  const ltv = sdk.ltvWad(D, sdk.valueOf(C, P));
  const zone = sdk.zoneOf(p, D, ltv);
  ensure(zone === Zone.Soft || zone === Zone.Hard, "INV-4", "step on a healthy position", {
    ...details,
    ltv,
  });
  ensure(s.zone === zone, "INV-4", "step zone is not the position's", details);
  ensure(Cafter === C - s.seized, "INV-5", "position collateral did not fall by exactly seized", details);
  ensure(
    (Dafter === 0n && (s.repaid === D || c.badDebt > 0n)) ||
      (Dafter >= D - s.repaid && Dafter <= D - s.repaid + 2n),
    "INV-5",
    "position debt did not fall by repaid (up to the index rounding)",
    { ...details, Dafter },
  );
  const valueAfter = sdk.valueOf(Cafter, P);
  // INV-7: a partial step leaves neither dust debt nor dust collateral.
  if (s.repaid !== D && s.seized !== C) {
    ensure(Dafter >= p.minDebt && valueAfter >= p.minDebt, "INV-7", "partial step left dust", {
      ...details,
      Dafter,
      valueAfter,
    });
  }
  if (zone === Zone.Hard) {
    // INV-4: a hard-zone position with an unlimited maxRepay is closed at once.
    if (req.maxRepay === MAX_UINT256) {
      ensure(Dafter === 0n, "INV-4", "hard step with unlimited maxRepay left debt", { ...details, Dafter });
    }
    return zone;
  }

  // INV-4: the soft step was due: spacing (model's lastStepAt), wick filter, pace cap.
  const last = m.lastStepAt[req.borrower];
  const interval = sdk.stepIntervalSeconds(p, ctx.varianceWad);
  ensure(last === 0n || ctx.timestamp >= last + interval, "INV-4", "soft step before the spacing interval", {
    ...details,
    last,
    interval,
  });
  const q = sdk.depthWad(p, ltv);
  // The wick filter judges the soft zone at the smoothed price too while spot is below it, at any depth.
  const judged = sdk.max(P, ctx.emaPriceWad);
  ensure(
    sdk.ltvWad(D, sdk.valueOf(C, judged)) >= sdk.bpsToWad(p.softLtvBps),
    "INV-4",
    "soft step before the wick filter confirmed the zone",
    { ...details, judged },
  );
  ensure(
    ctx.paceUsed + sdk.wadMulUp(s.seized, P) <= p.maxSoftSeizePerWindow,
    "INV-4",
    "soft step past the pace cap",
    details,
  );

  // INV-3: within the close factor; the position improves, towards but not past the target.
  const cf = sdk.closeFactorWad(p, q, sdk.volMultiplierWad(p, ctx.varianceWad));
  let cfCap = sdk.wadMulDown(D, cf);
  if (D - cfCap < p.minDebt) cfCap = D;
  ensure(s.repaid <= cfCap, "INV-3", "soft step repaid more than the close factor allows", {
    ...details,
    cf,
    cfCap,
  });
  if (Dafter === 0n) return zone;
  ensure(Dafter * C < D * Cafter, "INV-3", "soft step did not lower the position's LTV", {
    ...details,
    before: { D, C },
    after: { D: Dafter, C: Cafter },
  });
  const vNoise =
    valueAfter === 0n ? MAX_UINT256 : sdk.mulDivUp(2n * Dafter, WAD, valueAfter * valueAfter) + 2n;
  ensure(s.ltvAfterWad <= s.ltvBeforeWad + vNoise, "INV-3", "reported LTV after exceeds LTV before", details);
  if (p.targetLtvBps > 0n) {
    // Rounding: the repay rounds up (a few debt units) and the seized collateral down (up to one collateral unit,
    // worth P / 10^18 debt units, left with the borrower): both put the LTV a little below T.
    const unitValue = sdk.mulDivUp(1n, P, WAD);
    const tol = sdk.mulDivUp(16n + 2n * unitValue, WAD, sdk.max(valueAfter, 1n)) + 10n ** 9n;
    const target = sdk.bpsToWad(p.targetLtvBps);
    // D' / (C' P) >= T - tol, exactly: D' x 10^36 >= (T - tol) x C' x P.
    ensure(
      Dafter * WAD * WAD >= sdk.zeroFloorSub(target, tol) * Cafter * P,
      "INV-3",
      "soft step pushed the LTV below the target by more than rounding",
      { ...details, target, tol, after: { D: Dafter, C: Cafter } },
    );
  }
  return zone;
}

/**
 * The step an unlimited maxRepay would do one second after the view, by the documented schedule (the keeper's
 * guess; the step itself is checked against what it reads in its own transaction).
 */
function expectedStep(m: Model, borrower: number): sdk.StepPlan {
  const v = m.view;
  const pos = v.positions[borrower];
  const t = v.timestamp + 1n;
  const spot = m.priceOf(m.feed.lastGood);
  const state = m.project(t, spot);
  return sdk.plan(m.params, {
    collateral: pos.collateral,
    debt: pos.debt,
    lastStepAt: m.lastStepAt[borrower],
    spotPriceWad: spot,
    emaPriceWad: state.ema,
    varianceWad: state.variance,
    oracleStatus: OracleStatus.Ok,
    paceRoom: sdk.zeroFloorSub(m.params.maxSoftSeizePerWindow, state.paceUsed),
    reserves: v.reserves,
    maxRepay: MAX_UINT256,
    timestamp: t,
  }).plan;
}

/** maxRepay for a choice, relative to the step an unlimited maxRepay would do now. */
function chooseMaxRepay(m: Model, borrower: number, choice: RepayChoice, ppm: number): bigint {
  const pos = m.view.positions[borrower];
  const allowed = expectedStep(m, borrower).repaid;
  switch (choice) {
    case "max":
      return MAX_UINT256;
    case "preview":
      return sdk.max(1n, allowed);
    case "over":
      return allowed + 1n + ppmOf(allowed, ppm);
    case "part":
      return sdk.max(1n, ppmOf(allowed, ppm));
    case "tiny":
      return BigInt(1 + (ppm % 1000));
    case "debt":
      return sdk.max(1n, ppmOf(pos.debt, 2 * ppm));
    case "zero":
      return 0n;
  }
}

class KeeperStep extends Action {
  readonly name = "keeperStep";
  constructor(
    readonly keeper: number,
    /** A borrower index, or -1 for the riskiest position. */
    readonly target: number,
    readonly repay: RepayChoice,
    readonly ppm: number,
    readonly minSeized: MinSeizedChoice,
    readonly flash: boolean,
    readonly poke: boolean,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const borrower = this.target < 0 ? m.riskiest() : this.target;
    const seizedAtView = expectedStep(m, borrower).seized;
    const minSeized = { none: 0n, preview: seizedAtView, above: seizedAtView + 1n }[this.minSeized];
    const maxRepay = chooseMaxRepay(m, borrower, this.repay, this.ppm);
    const req = { keeper: this.keeper, borrower, maxRepay, minSeized, flash: this.flash, poke: this.poke };
    await settle(m, r, await keeperStep(m, r, req));
  }
  toString(): string {
    const target = this.target < 0 ? "riskiest" : BORROWER_NAMES[this.target];
    const flags = `${this.flash ? ", flash" : ""}${this.poke ? ", poke" : ""}`;
    return `step(keeper${this.keeper}, ${target}, repay=${this.repay}:${this.ppm / 1e4}%, minSeized=${this.minSeized}${flags})`;
  }
}

/** A wick: the price drops, time passes (a keeper may poke and step), and the price recovers. */
class Wick extends Action {
  readonly name = "wick";
  constructor(
    /** Depth of the drop, ppm. */
    readonly ppm: number,
    readonly holdSeconds: number,
    readonly poke: boolean,
    readonly keeper: number,
    readonly flash: boolean,
  ) {
    super();
  }
  check(m: Readonly<Model>): boolean {
    return m.feed.answer === m.feed.lastGood; // a working feed to come back to
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const before = m.feed.answer;
    await setAnswer(m, r, movedAnswer(m, -this.ppm));
    if (this.holdSeconds > 0) r.chain.advance(BigInt(this.holdSeconds));
    const borrower = m.riskiest();
    const req = {
      keeper: this.keeper,
      borrower,
      maxRepay: MAX_UINT256,
      minSeized: 0n,
      flash: this.flash,
      poke: this.poke,
    };
    const badDebt = await keeperStep(m, r, req);
    await setAnswer(m, r, before);
    await settle(m, r, badDebt);
  }
  toString(): string {
    return `wick(-${this.ppm / 1e4}%, hold ${this.holdSeconds}s${this.poke ? ", poke" : ""}, keeper${this.keeper}${this.flash ? ", flash" : ""})`;
  }
}

/**
 * A keeper bot at work on the riskiest position for a while: each round, time passes, the feed posts its answer
 * again if its heartbeat requires, and the bot pokes `updatePriceState` and steps in one transaction. Soft steps
 * need the smoothed price to have confirmed the zone and the spacing to have elapsed, which random single actions
 * rarely line up; this action does. The view is read (and every invariant checked) once, at the end.
 */
class KeeperBot extends Action {
  readonly name = "keeperBot";
  constructor(
    readonly rounds: number,
    readonly intervalSeconds: number,
    readonly keeper: number,
    readonly flash: boolean,
  ) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const borrower = m.riskiest();
    const req = {
      keeper: this.keeper,
      borrower,
      maxRepay: MAX_UINT256,
      minSeized: 0n,
      flash: this.flash,
      poke: true,
    };
    let badDebt = 0n;
    for (let i = 0; i < this.rounds; i++) {
      r.chain.advance(BigInt(this.intervalSeconds));
      // A live feed posts at least once per heartbeat (the price itself does not move here).
      if (r.chain.now + 2n - m.feed.updatedAt > BigInt(FEED_HEARTBEAT)) await setAnswer(m, r, m.feed.answer);
      badDebt += await keeperStep(m, r, req);
    }
    await settle(m, r, badDebt);
  }
  toString(): string {
    return `keeperBot(riskiest, ${this.rounds} rounds every ${this.intervalSeconds}s, keeper${this.keeper}${this.flash ? ", flash" : ""})`;
  }
}

// ---------------------------------------------------------------- admin

class SetPaused extends Action {
  readonly name = "setPaused";
  constructor(readonly pause: boolean) {
    super();
  }
  check(m: Readonly<Model>): boolean {
    return m.paused !== this.pause;
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const w = r.world;
    const data = this.pause ? encodeMarket("pause") : encodeMarket("unpause");
    await transact(m, r, this.toString(), w.guardian, w.market, data, OK);
    m.paused = this.pause;
    const raw = await r.chain.call(w.market, encodeMarket("paused"));
    ensure(BigInt(raw) === (this.pause ? 1n : 0n), "MODEL", `paused() is not ${this.pause}`);
    await settle(m, r);
  }
  toString(): string {
    return this.pause ? "pause()" : "unpause()";
  }
}

/** World-agnostic draw of MarketParams; `build` makes them valid for a world (minDebt kept fixed). */
export interface ParamsDraw {
  preset: "random" | "defaults" | "instant" | "fixed50at5" | "linear";
  incMax: number;
  hardPpm: number;
  softGap: number;
  maxGap: number;
  targetPpm: number;
  cfMax: number;
  cfMinPpm: number;
  incMinPpm: number;
  incHardMinPpm: number;
  reserve: number;
  volLow: number;
  volGap: number;
  stepInterval: number;
  paceWindow: number;
  confirmDelay: number;
  volTau: number;
  paceTokens: number;
  tipPpm: number;
}

const scale = (ppm: number, max: bigint): bigint => (BigInt(ppm) * max) / PPM;

export function buildParams(d: ParamsDraw, base: sdk.MarketParams, debtUnit: bigint): sdk.MarketParams {
  const minDebt = base.minDebt;
  const huge = 10n ** 9n * debtUnit; // within uint96 for 18 decimals
  switch (d.preset) {
    case "defaults":
      return { ...base };
    case "instant":
      return { ...base, softLtvBps: base.hardLtvBps };
    case "fixed50at5":
      return {
        ...base,
        closeFactorMinBps: 5000n,
        closeFactorMaxBps: 5000n,
        incentiveMinBps: 500n,
        incentiveMaxBps: 500n,
        targetLtvBps: 0n,
        stepIntervalSeconds: 0n,
        confirmDelaySeconds: 0n,
        maxSoftSeizePerWindow: huge,
      };
    case "linear":
      return { ...base, stepIntervalSeconds: 0n, confirmDelaySeconds: 0n, maxSoftSeizePerWindow: huge };
    case "random":
      break;
  }
  const incMax = BigInt(d.incMax);
  // hard x (1 + incMax) < 1, and hard >= 30 %.
  const hardMax = (10n ** 8n - 1n) / (10_000n + incMax);
  const hard = 3000n + scale(d.hardPpm, hardMax - 3000n);
  const soft = hard - sdk.min(BigInt(d.softGap), hard - 2000n);
  const maxLtv = soft - sdk.min(BigInt(d.maxGap), soft - 1000n);
  const incMin = scale(d.incMinPpm, incMax);
  const volLow = BigInt(d.volLow);
  return {
    maxLtvBps: maxLtv,
    softLtvBps: soft,
    hardLtvBps: hard,
    targetLtvBps: d.targetPpm === 0 ? 0n : 1n + scale(d.targetPpm, soft - 2n),
    closeFactorMinBps: 1n + scale(d.cfMinPpm, BigInt(d.cfMax) - 1n),
    closeFactorMaxBps: BigInt(d.cfMax),
    incentiveMinBps: incMin,
    incentiveMaxBps: incMax,
    incentiveHardMinBps: scale(d.incHardMinPpm, incMax),
    reserveFactorBps: BigInt(d.reserve),
    volLowBps: volLow,
    volHighBps: volLow + BigInt(d.volGap),
    stepIntervalSeconds: BigInt(d.stepInterval),
    paceWindowSeconds: BigInt(d.paceWindow),
    confirmDelaySeconds: BigInt(d.confirmDelay),
    volTauSeconds: BigInt(d.volTau),
    maxSoftSeizePerWindow: BigInt(d.paceTokens) * debtUnit,
    keeperTip: scale(d.tipPpm, (minDebt * incMin) / 10_000n),
    minDebt,
  };
}

class SetParams extends Action {
  readonly name = "setParams";
  constructor(readonly draw: ParamsDraw) {
    super();
  }
  protected async act(m: Model, r: Real): Promise<void> {
    const w = r.world;
    const next = buildParams(this.draw, w.base.params, w.debtUnit);
    await transact(m, r, this.toString(), w.admin, w.market, encodeMarket("setParams", [next]), OK);
    m.params = next;
    m.stats.count(`params.${this.draw.preset}`);
    const stored = await readParams(r.chain, w);
    const same = (Object.keys(next) as (keyof sdk.MarketParams)[]).every((k) => stored[k] === next[k]);
    ensure(same, "MODEL", "market parameters differ from those set", { market: stored, model: next });
    await settle(m, r);
  }
  toString(): string {
    if (this.draw.preset !== "random") return `setParams(${this.draw.preset})`;
    return `setParams(${JSON.stringify(this.draw)})`;
  }
}

// ================================================================ arbitraries and the property

export interface FuzzOptions {
  /** Most actions per sequence. */
  maxActions: number;
  /** Include maxRepay = 0 steps (see INVARIANTS.md, known findings). */
  zeroRepay: boolean;
  /** Include 1-unit ("tiny") repays in steps (see INVARIANTS.md, known findings). */
  tinyRepay: boolean;
  /** Index of the only world to run on (default: both). */
  world?: number;
}

export const DEFAULT_OPTIONS: FuzzOptions = { maxActions: 50, zeroRepay: true, tinyRepay: true };

const ppm = (max = 1_000_000) => fc.integer({ min: 1, max });
const lender = fc.nat({ max: LENDER_NAMES.length - 1 });
const borrower = fc.nat({ max: BORROWER_NAMES.length - 1 });
const payer = fc.nat({ max: PAYER_NAMES.length - 1 });
const keeper = fc.nat({ max: KEEPER_COUNT - 1 });

const paramsDraw: fc.Arbitrary<ParamsDraw> = fc.record({
  preset: fc.constantFrom("random", "random", "random", "defaults", "instant", "fixed50at5", "linear"),
  incMax: fc.integer({ min: 0, max: 2000 }),
  hardPpm: fc.integer({ min: 0, max: 1_000_000 }),
  softGap: fc.integer({ min: 0, max: 2000 }),
  maxGap: fc.integer({ min: 1, max: 2000 }),
  targetPpm: fc.oneof(fc.constant(0), ppm()),
  cfMax: fc.integer({ min: 1, max: 10_000 }),
  cfMinPpm: fc.integer({ min: 0, max: 1_000_000 }),
  incMinPpm: fc.integer({ min: 0, max: 1_000_000 }),
  incHardMinPpm: fc.integer({ min: 0, max: 1_000_000 }),
  reserve: fc.integer({ min: 0, max: 5000 }),
  volLow: fc.integer({ min: 0, max: 30_000 }),
  volGap: fc.integer({ min: 1, max: 30_000 }),
  stepInterval: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 86_400 })),
  paceWindow: fc.integer({ min: 1, max: 604_800 }),
  confirmDelay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 86_400 })),
  volTau: fc.integer({ min: 3600, max: 2_592_000 }),
  paceTokens: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 10_000, max: 100_000_000 })),
  tipPpm: fc.integer({ min: 0, max: 1_000_000 }),
});

/** Seconds from one to a week, spread over the scales that matter (blocks, spacing, heartbeat, days). */
const seconds = fc.oneof(
  fc.integer({ min: 1, max: 60 }),
  fc.integer({ min: 60, max: 1800 }),
  fc.integer({ min: 1800, max: 43_200 }),
  fc.integer({ min: 43_200, max: 604_800 }),
);

/** The command arbitraries; repeated entries weigh more. */
export function commandArbitraries(opts: FuzzOptions): fc.Arbitrary<FuzzCommand>[] {
  const repayChoices: RepayChoice[] = ["max", "max", "max", "preview", "over", "part", "debt"];
  if (opts.tinyRepay) repayChoices.push("tiny");
  if (opts.zeroRepay) repayChoices.push("zero");
  const step = fc
    .tuple(
      keeper,
      fc.oneof({ arbitrary: fc.constant(-1), weight: 3 }, { arbitrary: borrower, weight: 1 }),
      fc.constantFrom(...repayChoices),
      ppm(1_500_000),
      fc.constantFrom<MinSeizedChoice>("none", "none", "none", "preview", "above"),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([k, t, rc, p, ms, fl, pk]) => new KeeperStep(k, t, rc, p, ms, fl, pk));
  const mostly = (weight: number) =>
    fc.oneof({ arbitrary: fc.constant(true), weight }, { arbitrary: fc.constant(false), weight: 1 });
  const time = fc.tuple(seconds, mostly(4), fc.boolean());
  return [
    fc.tuple(lender, fc.integer({ min: 1, max: 100_000_000 })).map(([l, c]) => new Deposit(l, c)),
    fc.tuple(lender, ppm(1_200_000)).map(([l, p]) => new Withdraw(l, p)),
    fc.tuple(lender, ppm(1_200_000)).map(([l, p]) => new Redeem(l, p)),
    fc
      .tuple(borrower, payer, fc.integer({ min: 1, max: 100_000 }))
      .map(([b, p, a]) => new SupplyCollateral(b, p, a)),
    fc.tuple(borrower, ppm(1_100_000)).map(([b, p]) => new Borrow(b, p)),
    fc.tuple(borrower, fc.integer({ min: 800_000, max: 1_020_000 })).map(([b, p]) => new Borrow(b, p)),
    fc
      .tuple(
        borrower,
        payer,
        fc.constantFrom<RepayKind>("full", "exact", "partial", "partial", "dust"),
        ppm(),
      )
      .map(([b, p, k, x]) => new Repay(b, p, k, x)),
    fc.tuple(borrower, ppm(1_200_000)).map(([b, p]) => new WithdrawCollateral(b, p)),
    fc.integer({ min: -80_000, max: 40_000 }).map((p) => new PriceMove("drift", p)),
    fc.integer({ min: -80_000, max: 40_000 }).map((p) => new PriceMove("drift", p)),
    fc.integer({ min: -80_000, max: 40_000 }).map((p) => new PriceMove("drift", p)),
    fc
      .oneof(
        { arbitrary: fc.integer({ min: 50_000, max: 150_000 }), weight: 3 },
        { arbitrary: fc.integer({ min: 150_000, max: 600_000 }), weight: 1 },
      )
      .map((p) => new PriceMove("crash", -p)),
    fc.integer({ min: 50_000, max: 500_000 }).map((p) => new PriceMove("pump", p)),
    fc
      .oneof(fc.integer({ min: -50_000, max: 1_200_000 }), fc.constantFrom(0, 1, 999_999, 1_000_000))
      .map((u) => new PriceToZone(u)),
    fc.integer({ min: 0, max: 1_000_000 }).map((u) => new PriceToZone(u)),
    fc
      .tuple(
        fc.integer({ min: 20_000, max: 600_000 }),
        fc.integer({ min: 0, max: 1800 }),
        fc.boolean(),
        keeper,
        fc.boolean(),
      )
      .map(([p, h, pk, k, fl]) => new Wick(p, h, pk, k, fl)),
    fc.constantFrom<BreakKind>("zero", "negative", "aboveMax", "belowMin").map((k) => new BreakFeed(k)),
    fc.integer({ min: 1, max: 7200 }).map((x) => new GoStale(x)),
    time.map(([s, f, p]) => new TimePasses(s, f, p)),
    time.map(([s, f, p]) => new TimePasses(s, f, p)),
    time.map(([s, f, p]) => new TimePasses(s, f, p)),
    step,
    step,
    step,
    step,
    fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 30, max: 1200 }), keeper, fc.boolean())
      .map(([n, s, k, fl]) => new KeeperBot(n, s, k, fl)),
    fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 30, max: 1200 }), keeper, fc.boolean())
      .map(([n, s, k, fl]) => new KeeperBot(n, s, k, fl)),
    fc.constant(new UpdatePriceState()),
    fc.constant(new UpdatePriceState()),
    fc.boolean().map((p) => new SetPaused(p)),
    paramsDraw.map((d) => new SetParams(d)),
  ];
}

/** The property: from the base snapshot, a world and a command sequence keep every invariant. */
export function fuzzProperty(
  env: Env,
  opts: FuzzOptions,
  stats: Stats,
  replayPath?: string,
): fc.IAsyncPropertyWithHooks<FuzzInput> {
  const worlds = opts.world === undefined ? env.worlds.map((_, i) => i) : [opts.world];
  return fc.asyncProperty(
    fc.constantFrom(...worlds),
    fc.commands(commandArbitraries(opts), { maxCommands: opts.maxActions, size: "max", replayPath }),
    async (worldIndex, cmds) => {
      stats.sequences += 1;
      await resetEnv(env);
      const world = env.worlds[worldIndex];
      await fc.asyncModelRun(
        () => ({ model: new Model(world, stats), real: { chain: env.chain, world } }),
        cmds,
      );
    },
  );
}

/** The failure report of a campaign: seed, path, the shrunk sequence and how to replay it. */
export function describeFailure(details: fc.RunDetails<FuzzInput>, env: Env): string {
  if (!details.failed || details.counterexample === null) return "no counterexample";
  const [worldIndex, cmds] = details.counterexample;
  // fast-check prints the commands that ran, and the replay path of the commands arbitrary in a comment.
  const printed = String(cmds);
  const replayPath = /replayPath="([^"]*)"/.exec(printed)?.[1];
  const actions = printed.replace(/\s*\/\*replayPath=.*\*\//, "").split(/,(?=[a-zA-Z.]+\()/);
  const error =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const replay = [`npm run fuzz -- --seed ${details.seed} --path ${details.counterexamplePath} --runs 1`];
  if (replayPath) replay.push(`--replay-path '${replayPath}'`);
  return [
    `Counterexample after ${details.numRuns} runs and ${details.numShrinks} shrinks`,
    `  seed: ${details.seed}  path: ${details.counterexamplePath}  replayPath: ${replayPath ?? "-"}`,
    `  world: ${env.worlds[worldIndex]?.spec.name}`,
    `  actions (shrunk, ${actions.length}):`,
    ...actions.map((a, i) => `    ${i + 1}. ${a}`),
    `  replay: ${replay.join(" ")}`,
    `  error: ${error}`,
  ].join("\n");
}
