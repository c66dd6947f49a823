/**
 * The keeper process: follows the chain head, keeps an index of every market's borrowers (from the factory and
 * `BorrowerRegistered` events, caught up in bounded log ranges), evaluates positions with batched
 * `MarketLens.positionStates` calls pinned to one block, and sends the steps the strategy picks. Decisions live in
 * strategy.ts, txpolicy.ts, tracker.ts and indexer.ts; this file wires them to the RPC edge (rpc.ts,
 * tx-manager.ts), the logs and the metrics.
 */
import { MaxUint256, Wallet, getAddress } from "ethers";
import { ERC20__factory, ILendingMarket__factory, PairFlashKeeper__factory } from "../../typechain-types";
import { chainIdMismatch, describeConfig, type KeeperConfig, type MarketSettings } from "./config";
import { classifyError, describeError, revertData, decodeRevert } from "./errors";
import { BorrowerIndex, logRanges, parseMarketLog } from "./indexer";
import { createLogger, type Logger } from "./log";
import { Metrics, serveMetrics, type MetricsServer } from "./metrics";
import { backoffDelay } from "./retry";
import {
  ChainReader,
  CountingJsonRpcProvider,
  FactoryNotDeployedError,
  type Head,
  type MarketInfo,
  type MarketReading,
} from "./rpc";
import { evaluatePosition, unpackPosition, type MarketBlockState } from "./local-eval";
import {
  estimateProfit,
  minSeizedFor,
  planSteps,
  pokeDue,
  positionKey,
  selectForEvaluation,
  type CachedEvaluation,
  type MarketInputs,
  type PositionSnapshot,
  type StepOrder,
} from "./strategy";
import { StepTracker } from "./tracker";
import { TxManager, type PendingTx, type TxOutcome } from "./tx-manager";
import { effectiveGasPrice, suggestFees, withHeadroom, type Fees } from "./txpolicy";
import { StepStatus } from "../sdk/types";
import { WAD, mulDivDown, mulDivUp } from "../sdk/math";

/** Blocks re-read after a reorg. */
const REORG_DEPTH = 64;

const MARKET_INTERFACE = ILendingMarket__factory.createInterface();
const FLASH_INTERFACE = PairFlashKeeper__factory.createInterface();
const ERC20_INTERFACE = ERC20__factory.createInterface();

export interface KeeperDeps {
  logger?: Logger;
  metrics?: Metrics;
  /** A provider to use instead of one built from `rpcUrl` (the bench passes a counting one it reads). */
  provider?: CountingJsonRpcProvider;
  now?: () => number;
}

interface MarketState {
  info: MarketInfo;
  settings: MarketSettings;
  index: BorrowerIndex;
  /** Last block whose logs were applied. */
  syncedTo: number;
  cache: Map<string, CachedEvaluation>;
  dirty: Set<string>;
  /** Whether the keeper's debt tokens are approved to the market (direct steps). */
  approved: boolean;
  lastPokeAt?: bigint;
  lastSpotPriceWad: bigint;
  /** Parameters changed (ParamsUpdated): re-read the market's info before the next evaluation. */
  infoStale: boolean;
}

interface MarketEvaluation {
  state: MarketState;
  spotPriceWad: bigint;
  oracleUsable: boolean;
  paceRoom: bigint;
  snapshots: PositionSnapshot[];
}

/** What one pass did (returned for tests and the bench). */
export interface PassReport {
  block: number;
  markets: number;
  positions: number;
  evaluated: number;
  ready: number;
  sent: number;
  durationMs: number;
  rpcRequests: number;
  rpcCalls: number;
}

export class KeeperBot {
  readonly config: KeeperConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly provider: CountingJsonRpcProvider;
  readonly reader: ChainReader;
  readonly tracker: StepTracker;
  readonly txm?: TxManager;
  /** The keeper's account (the zero address in a dry run without a key). */
  readonly address: string;

  private readonly now: () => number;
  /** Watched markets by lower-case address. */
  private markets = new Map<string, MarketState>();
  private lastHead?: Head;
  private genesisHash?: string;
  private lastDiscovery = -Infinity;
  private factoryMissingLogged = false;
  private running = false;
  private loopDone?: Promise<void>;
  /** Resolvers of the sleeps in progress (the loop's and retries'), called by `stop`. */
  private readonly wakers = new Set<() => void>();
  private metricsServer?: MetricsServer;
  private consecutiveErrors = 0;
  private verifyChain = false;
  /** When a ready position's cooldown ends: the pass is re-run then even without a new block. */
  private retryAt?: number;

  constructor(config: KeeperConfig, deps: KeeperDeps = {}) {
    this.config = config;
    this.now = deps.now ?? Date.now;
    this.log = deps.logger ?? createLogger({ level: config.logLevel });
    this.metrics = deps.metrics ?? new Metrics();
    this.provider = deps.provider ?? new CountingJsonRpcProvider(config.rpcUrl, config.chainId);
    const sleep = (ms: number) => this.sleep(ms);
    const backoff = { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs };
    this.reader = new ChainReader(this.provider, {
      attempts: config.rpcAttempts,
      backoff,
      sleep,
      pageSize: config.pageSize,
      onError: (kind) => this.metrics.inc("keeper_rpc_errors_total", { kind }),
    });
    this.tracker = new StepTracker({ baseMs: config.cooldownBaseMs, maxMs: config.cooldownMaxMs });
    if (config.privateKey) {
      const wallet = new Wallet(config.privateKey);
      this.address = wallet.address;
      if (!config.dryRun) {
        this.txm = new TxManager(
          this.provider,
          wallet,
          {
            chainId: config.chainId,
            maxInFlight: config.maxInFlight,
            fees: config,
            stuck: config,
            attempts: config.rpcAttempts,
            backoff,
            sleep,
            now: this.now,
            stillWanted: (tx) => this.stillWanted(tx),
          },
          this.log,
          this.metrics,
        );
      }
    } else {
      this.address = "0x0000000000000000000000000000000000000000";
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Checks the endpoint's chain id, starts the metrics endpoint and the loop. Throws on a misconfiguration. */
  async start(): Promise<void> {
    let chainId: bigint;
    try {
      chainId = await this.reader.chainId();
    } catch (err) {
      throw new Error(`cannot reach the RPC endpoint: ${describeError(err)}`);
    }
    const mismatch = chainIdMismatch(this.config, chainId);
    if (mismatch) throw new Error(mismatch);
    if (this.config.metricsPort !== undefined) {
      this.metricsServer = await serveMetrics(this.metrics, this.config.metricsPort);
    }
    this.metrics.set("keeper_up", 1);
    this.log.info("keeper.started", {
      address: this.address,
      metricsPort: this.metricsServer?.port,
      config: describeConfig(this.config),
    });
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Port of the metrics endpoint, once started. */
  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.wakers) wake();
    await this.loopDone;
    await this.metricsServer?.close();
    this.metricsServer = undefined;
    this.metrics.set("keeper_up", 0);
    this.provider.destroy();
    this.log.info("keeper.stopped");
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const started = this.now();
      try {
        await this.runPass();
        if (this.consecutiveErrors > 0)
          this.log.info("rpc.recovered", { afterErrors: this.consecutiveErrors });
        this.consecutiveErrors = 0;
      } catch (err) {
        this.consecutiveErrors++;
        const kind = classifyError(err);
        this.verifyChain = true;
        const delay = backoffDelay(this.consecutiveErrors - 1, {
          baseMs: this.config.retryBaseMs,
          maxMs: this.config.retryMaxMs,
        });
        this.log.warn("pass.failed", {
          kind,
          error: describeError(err),
          retryInMs: delay,
          errors: this.consecutiveErrors,
        });
        await this.sleep(delay);
        continue;
      }
      await this.sleep(Math.max(0, this.config.pollIntervalMs - (this.now() - started)));
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  // ---------------------------------------------------------------- one pass

  /** Runs one pass on the current head: transactions, chain checks, discovery, logs, evaluation, steps. */
  async runPass(): Promise<PassReport | undefined> {
    const t0 = this.now();
    const requests0 = this.provider.requests;
    const calls0 = this.provider.calls;
    const head = await this.reader.head();
    await this.checkChain(head);
    const isNew = this.lastHead?.hash !== head.hash;
    const pending = this.txm !== undefined && this.txm.inFlight > 0;
    const retryDue = this.retryAt !== undefined && this.now() >= this.retryAt;
    if (!isNew && !pending && !retryDue) return undefined;

    const fees = suggestFees(head.baseFeePerGas, await this.reader.priorityFee(), this.config);
    if (pending) await this.handleOutcomes(await this.txm!.poll(head.number, fees));
    if (!isNew && !retryDue) return undefined;
    this.retryAt = undefined;

    await this.discover(head);
    await this.syncLogs(head);
    const evaluations = await this.evaluate(head);
    const balances = await this.balances(evaluations, head);
    const gasPrice = effectiveGasPrice(fees, head.baseFeePerGas);
    const { orders, skips } = planSteps(
      evaluations.filter((e) => e.oracleUsable).map((e) => this.marketInputs(e)),
      balances,
      gasPrice,
      this.config,
      (key) => this.tracker.blocked(key, this.now(), head.number),
    );
    for (const s of skips) {
      if (s.reason === "blocked") {
        const ends = this.tracker.cooldownEndsAt(s.key, this.now());
        if (ends !== undefined) this.retryAt = Math.min(this.retryAt ?? Infinity, ends);
        continue;
      }
      this.metrics.inc("keeper_steps_skipped_total", { reason: s.reason });
      this.log.info("step.skipped", {
        market: s.market,
        account: s.account,
        block: head.number,
        reason: s.reason,
        profit: s.profit,
      });
    }
    const sent = await this.act(orders, head, fees, gasPrice);
    await this.poke(evaluations, head, fees);
    this.lastHead = head;

    const report: PassReport = {
      block: head.number,
      markets: evaluations.length,
      positions: evaluations.reduce((n, e) => n + e.state.index.size, 0),
      evaluated: evaluations.reduce((n, e) => n + e.snapshots.length, 0),
      ready: evaluations.reduce(
        (n, e) => n + e.snapshots.filter((s) => s.step.status === StepStatus.Ready).length,
        0,
      ),
      sent,
      durationMs: this.now() - t0,
      rpcRequests: this.provider.requests - requests0,
      rpcCalls: this.provider.calls - calls0,
    };
    this.recordPass(report, evaluations);
    return report;
  }

  private recordPass(report: PassReport, evaluations: MarketEvaluation[]) {
    this.metrics.inc("keeper_passes_total");
    this.metrics.set("keeper_last_block", report.block);
    this.metrics.set("keeper_pass_duration_seconds", report.durationMs / 1000);
    this.metrics.set("keeper_markets_watched", this.markets.size);
    for (const e of evaluations) {
      const labels = { market: e.state.info.address };
      this.metrics.set("keeper_positions_watched", e.state.index.size, labels);
      this.metrics.set("keeper_positions_evaluated", e.snapshots.length, labels);
      this.metrics.set(
        "keeper_positions_ready",
        e.snapshots.filter((s) => s.step.status === StepStatus.Ready).length,
        labels,
      );
    }
    this.syncRpcMetrics();
    this.log.debug("pass.done", { ...report });
  }

  private syncRpcMetrics() {
    const requests = this.provider.requests - this.metrics.get("keeper_rpc_requests_total");
    const calls = this.provider.calls - this.metrics.get("keeper_rpc_calls_total");
    if (requests > 0) this.metrics.inc("keeper_rpc_requests_total", {}, requests);
    if (calls > 0) this.metrics.inc("keeper_rpc_calls_total", {}, calls);
  }

  // ---------------------------------------------------------------- chain identity

  /**
   * Detects a new chain (the node restarted with fresh state: its genesis block differs) or a reorg (our last
   * head is no longer on the chain). A new chain resets everything; a reorg re-reads recent logs and
   * re-evaluates every position.
   */
  private async checkChain(head: Head): Promise<void> {
    if (this.genesisHash === undefined || this.verifyChain) {
      const genesis = (await this.reader.block(0)).hash;
      if (this.genesisHash !== undefined && genesis !== this.genesisHash) {
        this.resetAll("new chain (genesis block changed)", head);
      }
      this.genesisHash = genesis;
      this.verifyChain = false;
    }
    const last = this.lastHead;
    if (!last) return;
    let onChain: boolean;
    if (head.number === last.number) onChain = head.hash === last.hash;
    else if (head.number === last.number + 1) onChain = head.parentHash === last.hash;
    else if (head.number < last.number) onChain = false;
    else
      onChain = await this.reader.block(last.number).then(
        (b) => b.hash === last.hash,
        () => false,
      );
    if (onChain) return;
    this.metrics.inc("keeper_chain_resets_total");
    this.log.warn("chain.reorg", { lastBlock: last.number, lastHash: last.hash, head: head.number });
    const rewind = Math.min(last.number, head.number) - REORG_DEPTH;
    for (const m of this.markets.values()) {
      m.syncedTo = Math.max(this.config.startBlock - 1, Math.min(m.syncedTo, rewind));
      m.cache.clear();
    }
    this.lastHead = undefined;
  }

  private resetAll(reason: string, head: Head) {
    this.metrics.inc("keeper_chain_resets_total");
    this.log.warn("chain.reset", { reason, head: head.number });
    this.markets.clear();
    this.lastHead = undefined;
    this.lastDiscovery = -Infinity;
    this.tracker.clear();
    this.txm?.reset();
  }

  // ---------------------------------------------------------------- markets and borrowers

  private async discover(head: Head): Promise<void> {
    const due =
      head.number - this.lastDiscovery >= this.config.discoveryIntervalBlocks || this.markets.size === 0;
    if (!due) return;
    let addresses: string[];
    try {
      addresses = await this.reader.markets(this.config.factory, head.number);
    } catch (err) {
      if (!(err instanceof FactoryNotDeployedError)) throw err;
      if (!this.factoryMissingLogged)
        this.log.warn("factory.missing", { factory: this.config.factory, block: head.number });
      this.factoryMissingLogged = true;
      return;
    }
    this.factoryMissingLogged = false;
    this.lastDiscovery = head.number;
    const allow = new Set(this.config.markets);
    for (const raw of addresses) {
      const address = getAddress(raw);
      if (this.markets.has(address.toLowerCase()) || (allow.size > 0 && !allow.has(address))) continue;
      const info = await this.reader.marketInfo(address);
      this.markets.set(address.toLowerCase(), {
        info,
        settings: this.config.marketSettings[address] ?? {},
        index: new BorrowerIndex(),
        syncedTo: this.config.startBlock - 1,
        cache: new Map(),
        dirty: new Set(),
        approved: false,
        lastSpotPriceWad: 0n,
        infoStale: false,
      });
      this.log.info("market.discovered", {
        market: address,
        debtToken: info.debtToken,
        collateral: info.collateralToken,
      });
    }
  }

  /** Applies market events since each market's last synced block, in bounded ranges. */
  private async syncLogs(head: Head): Promise<void> {
    const groups = new Map<number, MarketState[]>();
    for (const m of this.markets.values()) {
      if (m.syncedTo >= head.number) continue;
      groups.set(m.syncedTo, [...(groups.get(m.syncedTo) ?? []), m]);
    }
    for (const [syncedTo, group] of groups) {
      const addresses = group.map((m) => m.info.address);
      for (const [from, to] of logRanges(syncedTo + 1, head.number, this.config.logRangeBlocks)) {
        const logs = await this.reader.marketLogs(addresses, from, to);
        for (const log of logs) {
          const event = parseMarketLog(log);
          const m = event && this.markets.get(event.market);
          if (!event || !m) continue;
          if (event.kind === "registered") {
            m.index.add(event.account, event.index);
            m.dirty.add(event.account);
          } else if (event.kind === "touched") {
            const account = m.index.lookup(event.account);
            if (account !== undefined) m.dirty.add(account);
          } else {
            m.cache.clear();
            m.infoStale = true;
          }
        }
        for (const m of group) m.syncedTo = to;
      }
    }
  }

  /** Evaluates every market at `head`: its price and index, then the positions the mode selects. */
  private async evaluate(head: Head): Promise<MarketEvaluation[]> {
    return Promise.all(
      [...this.markets.values()].map(async (state): Promise<MarketEvaluation> => {
        if (state.infoStale) {
          state.info = await this.reader.marketInfo(state.info.address);
          state.infoStale = false;
        }
        const reading = await this.reader.marketReading(state.info, head.number);
        if (reading.borrowersLength > state.index.size)
          await this.fillGaps(state, reading.borrowersLength, head);
        const snapshots =
          this.config.evaluation === "local"
            ? await this.evaluateLocally(state, reading, head)
            : await this.evaluateOnChain(state, reading, head);
        state.dirty.clear();
        if (reading.oracleUsable) state.lastSpotPriceWad = reading.spotPriceWad;
        const cap = state.info.maxSoftSeizePerWindow;
        return {
          state,
          spotPriceWad: reading.spotPriceWad,
          oracleUsable: reading.oracleUsable,
          paceRoom: cap > reading.paceUsed ? cap - reading.paceUsed : 0n,
          snapshots,
        };
      }),
    );
  }

  /** Every position, from its stored word and the market-wide reading, with the contract's arithmetic. */
  private async evaluateLocally(
    state: MarketState,
    reading: MarketReading,
    head: Head,
  ): Promise<PositionSnapshot[]> {
    const accounts = state.index.accounts();
    if (accounts.length === 0) return [];
    const words = await this.reader.packedPositions(state.info.address, accounts, head.number);
    const inputs: MarketBlockState = {
      params: state.info.params,
      borrowIndexWad: reading.borrowIndexWad,
      reserves: reading.reserves,
      oracleUsable: reading.oracleUsable,
      oracleStatus: reading.oracleStatus,
      spotPriceWad: reading.spotPriceWad,
      emaPriceWad: reading.emaPriceWad,
      varianceWad: reading.varianceWad,
      paceUsed: reading.paceUsed,
      timestamp: head.timestamp,
    };
    return accounts.map((a, i) => evaluatePosition(a, unpackPosition(words[i]), inputs));
  }

  /** `MarketLens.positionStates` on chain: every position (`full`) or those screening cannot rule out (`screened`). */
  private async evaluateOnChain(
    state: MarketState,
    reading: MarketReading,
    head: Head,
  ): Promise<PositionSnapshot[]> {
    const candidates = selectForEvaluation({
      accounts: state.index.accounts(),
      cache: state.cache,
      dirty: state.dirty,
      spotPriceWad: reading.oracleUsable ? reading.spotPriceWad : 0n,
      borrowIndexWad: reading.borrowIndexWad,
      mode: this.config.evaluation === "full" ? "full" : "screened",
      marginBps: this.config.screenMarginBps,
      refreshBlocks: this.config.refreshBlocks,
      block: head.number,
    });
    const snapshots =
      candidates.length === 0
        ? []
        : await this.reader.positionStates(this.config.lens!, state.info.address, candidates, head.number);
    for (const s of snapshots) {
      state.cache.set(s.account, {
        debt: s.debt,
        softLiquidationPriceWad: s.softLiquidationPriceWad,
        borrowIndexWad: reading.borrowIndexWad,
        block: head.number,
      });
    }
    return snapshots;
  }

  /** Borrowers the events missed (the list is append-only on chain), read from `borrowersSlice`. */
  private async fillGaps(state: MarketState, total: number, head: Head): Promise<void> {
    for (const [start, count] of state.index.gaps(total)) {
      for (let i = 0; i < count; i += this.config.pageSize) {
        const n = Math.min(this.config.pageSize, count - i);
        const accounts = await this.reader.borrowersSlice(state.info.address, start + i, n, head.number);
        accounts.forEach((a, k) => state.index.add(getAddress(a), start + i + k));
      }
      this.log.info("index.backfilled", { market: state.info.address, start, count });
    }
  }

  private async balances(evaluations: MarketEvaluation[], head: Head): Promise<Map<string, bigint>> {
    const tokens = new Set<string>();
    for (const e of evaluations) {
      if (e.snapshots.some((s) => s.step.status === StepStatus.Ready))
        tokens.add(e.state.info.debtToken.toLowerCase());
    }
    const out = new Map<string, bigint>();
    // A dry run without an account plans as if it were funded, to show what a keeper would do.
    const unfunded = this.config.dryRun && !this.config.privateKey;
    await Promise.all(
      [...tokens].map(async (t) => {
        out.set(t, unfunded ? MaxUint256 : await this.reader.balanceOf(t, this.address, head.number));
      }),
    );
    return out;
  }

  private marketInputs(e: MarketEvaluation): MarketInputs {
    const s = e.state.settings;
    return {
      market: e.state.info.address,
      debtToken: e.state.info.debtToken,
      spotPriceWad: e.spotPriceWad,
      gasTokenPriceWad: s.gasTokenPriceWad ?? e.spotPriceWad,
      paceRoom: e.paceRoom,
      flashKeeper: s.flashKeeper,
      minProfit: s.minProfit ?? this.config.minProfit,
      positions: e.snapshots,
    };
  }

  // ---------------------------------------------------------------- acting

  /** Simulates and sends the planned steps, most urgent first, within the in-flight bound. */
  private async act(orders: StepOrder[], head: Head, fees: Fees, gasPrice: bigint): Promise<number> {
    let sent = 0;
    for (const [i, order] of orders.entries()) {
      if (this.txm && !this.txm.canSend()) {
        this.log.info("steps.deferred", { count: orders.length - i, reason: "max-in-flight" });
        break;
      }
      const state = this.markets.get(order.market.toLowerCase())!;
      const request = this.stepRequest(order, state);
      const fields: Record<string, unknown> = {
        market: order.market,
        account: order.account,
        mode: order.funding.mode,
        zone: order.step.zone,
        ltvWad: order.step.ltvBeforeWad,
        repaid: order.funding.expected.repaid,
        seized: order.funding.expected.seized,
        tip: order.funding.expected.tip,
        badDebt: order.step.badDebt,
        forced: order.forced,
      };

      // A direct step needs the market approved for the keeper's debt tokens. A dry run does not approve, and
      // then cannot simulate the step either.
      let simulate = this.config.privateKey !== undefined;
      if (order.funding.mode === "direct" && simulate) {
        if (this.txm) {
          if (!(await this.ensureApproval(state, head, fees))) continue;
        } else if (!(await this.isApproved(state))) {
          simulate = false;
          fields.approvalNeeded = true;
        }
      }

      let gasLimit = withHeadroom(this.config.gasPerStep, this.config.gasHeadroomBps);
      let profit = order.profit;
      if (simulate) {
        let estimate: bigint;
        try {
          estimate = await this.provider.estimateGas({ ...request, from: this.address });
        } catch (err) {
          const kind = classifyError(err);
          if (kind === "transient") throw err;
          const reason = kind === "revert" ? decodeRevert(revertData(err)) : describeError(err);
          this.tracker.markFailed(order.key, this.now(), reason);
          this.metrics.inc("keeper_steps_failed_total", { stage: "simulation" });
          this.log.warn("step.refused", { ...fields, reason });
          continue;
        }
        gasLimit = withHeadroom(estimate, this.config.gasHeadroomBps);
        const spot = state.lastSpotPriceWad;
        const gasTokenPrice = state.settings.gasTokenPriceWad ?? spot;
        profit = estimateProfit(order.funding.expected, spot, estimate, gasPrice, gasTokenPrice);
        const minProfit = state.settings.minProfit ?? this.config.minProfit;
        fields.forced = profit.net < minProfit;
        if (profit.net < minProfit && !order.actAnyway) {
          this.metrics.inc("keeper_steps_skipped_total", { reason: "unprofitable" });
          this.log.info("step.skipped", { ...fields, block: head.number, reason: "unprofitable", profit });
          continue;
        }
      }

      if (!this.txm) {
        this.tracker.markCooldown(order.key, this.now(), "dry-run");
        this.metrics.inc("keeper_steps_dry_run_total");
        this.log.info("step.dry-run", { ...fields, to: request.to, data: request.data, gasLimit, profit });
        continue;
      }
      const tx = await this.txm.send(order.key, { ...request, gasLimit }, fees, head.number, {
        ...fields,
        expectedProfit: profit.net,
      });
      if (tx) {
        this.tracker.markSent(order.key, String(tx.nonce), this.now());
        this.metrics.inc("keeper_steps_sent_total");
        sent++;
      } else {
        this.tracker.markFailed(order.key, this.now(), "send failed");
        this.metrics.inc("keeper_steps_failed_total", { stage: "send" });
      }
    }
    return sent;
  }

  /** The step's call: `liquidationStep` on the market, or `step` on the flash keeper. */
  private stepRequest(order: StepOrder, state: MarketState): { to: string; data: string } {
    const minSeized = minSeizedFor(order.funding.expected.seized, this.config.minSeizedBps);
    if (order.funding.mode === "flash") {
      return {
        to: state.settings.flashKeeper!,
        // On chain the flash keeper refuses any sale that does not cover the repayment (minProfit 0); whether
        // the step pays for its gas was decided off chain, from the incentive, the tip and the fee.
        data: FLASH_INTERFACE.encodeFunctionData("step", [
          order.account,
          order.funding.maxRepay,
          minSeized,
          0n,
        ]),
      };
    }
    return {
      to: order.market,
      data: MARKET_INTERFACE.encodeFunctionData("liquidationStep", [
        order.account,
        order.funding.maxRepay,
        minSeized,
        "0x",
      ]),
    };
  }

  private async isApproved(state: MarketState): Promise<boolean> {
    if (!state.approved) {
      const allowance = await this.reader.allowance(state.info.debtToken, this.address, state.info.address);
      state.approved = allowance >= MaxUint256 / 2n;
    }
    return state.approved;
  }

  /** Direct steps need the market approved for the keeper's debt tokens; the approval is sent once, lazily. */
  private async ensureApproval(state: MarketState, head: Head, fees: Fees): Promise<boolean> {
    if (state.approved) return true;
    const key = `approve:${state.info.address.toLowerCase()}`;
    if (this.tracker.blocked(key, this.now(), head.number) !== undefined) return false;
    if (await this.isApproved(state)) return true;
    const tx = await this.txm!.send(
      key,
      {
        to: state.info.debtToken,
        data: ERC20_INTERFACE.encodeFunctionData("approve", [state.info.address, MaxUint256]),
        gasLimit: 100_000n,
      },
      fees,
      head.number,
      { market: state.info.address },
    );
    if (tx) this.tracker.markSent(key, String(tx.nonce), this.now());
    return false;
  }

  /** `updatePriceState` on markets whose positions wait for the wick filter (see strategy.pokeDue). */
  private async poke(evaluations: MarketEvaluation[], head: Head, fees: Fees): Promise<void> {
    for (const e of evaluations) {
      const state = e.state;
      if (
        !e.oracleUsable ||
        !pokeDue(e.snapshots, state.lastPokeAt, head.timestamp, this.config.pokeIntervalSeconds)
      ) {
        continue;
      }
      const key = `poke:${state.info.address.toLowerCase()}`;
      state.lastPokeAt = head.timestamp;
      const request = {
        to: state.info.address,
        data: MARKET_INTERFACE.encodeFunctionData("updatePriceState"),
      };
      if (!this.txm) {
        this.log.info("poke.dry-run", { market: state.info.address });
        continue;
      }
      if (!this.txm.canSend() || this.tracker.isInFlight(key)) continue;
      const tx = await this.txm.send(key, { ...request, gasLimit: 150_000n }, fees, head.number, {
        market: state.info.address,
      });
      if (tx) {
        this.tracker.markSent(key, String(tx.nonce), this.now());
        this.metrics.inc("keeper_price_pokes_total");
      }
    }
  }

  // ---------------------------------------------------------------- outcomes

  private async handleOutcomes(outcomes: TxOutcome[]): Promise<void> {
    for (const o of outcomes) {
      const key = o.tx.key;
      const isStep = !key.startsWith("approve:") && !key.startsWith("poke:");
      if (o.kind === "dropped") {
        this.tracker.markFailed(key, this.now(), "dropped");
        if (isStep) this.metrics.inc("keeper_steps_failed_total", { stage: "dropped" });
        continue;
      }
      const { receipt, success } = o;
      if (key.startsWith("approve:")) {
        const state = this.markets.get(key.slice("approve:".length));
        if (state) state.approved = success;
      }
      if (!isStep) {
        this.tracker.markMined(key, receipt.blockNumber, success, this.now());
        continue;
      }
      if (success && !o.tx.meta.cancelled) {
        this.tracker.markMined(key, receipt.blockNumber, true, this.now());
        this.metrics.inc("keeper_steps_succeeded_total");
        const profit = this.realisedProfit(o.tx, receipt.logs, receipt.gasUsed, receipt.gasPrice);
        if (profit !== undefined) {
          this.metrics.inc(
            "keeper_profit_debt_units_total",
            { market: String(o.tx.meta.market) },
            Number(profit),
          );
        }
        this.log.info("step.mined", {
          key,
          hash: receipt.hash,
          block: receipt.blockNumber,
          gasUsed: receipt.gasUsed,
          profit,
        });
        continue;
      }
      this.metrics.inc("keeper_steps_failed_total", {
        stage: o.tx.meta.cancelled ? "cancelled" : "reverted",
      });
      const reason = o.tx.meta.cancelled ? "cancelled" : await this.explainRevert(o.tx, receipt.blockNumber);
      this.tracker.markMined(key, receipt.blockNumber, false, this.now(), reason);
      this.log.warn(o.tx.meta.cancelled ? "step.cancelled" : "step.reverted", {
        key,
        hash: receipt.hash,
        block: receipt.blockNumber,
        reason,
      });
    }
  }

  /** Profit booked from the step's own event: collateral at the last oracle price, less repayment and gas. */
  private realisedProfit(
    tx: PendingTx,
    logs: ReadonlyArray<{ address: string; topics: readonly string[]; data: string }>,
    gasUsed: bigint,
    gasPrice: bigint,
  ): bigint | undefined {
    const market = String(tx.meta.market);
    const state = this.markets.get(market.toLowerCase());
    if (!state) return undefined;
    for (const log of logs) {
      if (log.address.toLowerCase() !== market.toLowerCase()) continue;
      const parsed = MARKET_INTERFACE.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed?.name !== "LiquidationStepped") continue;
      const { repaid, seized, tip } = parsed.args as unknown as {
        repaid: bigint;
        seized: bigint;
        tip: bigint;
      };
      const price = state.lastSpotPriceWad;
      const gasTokenPrice = state.settings.gasTokenPriceWad ?? price;
      return (
        mulDivDown(seized, price, WAD) - (repaid - tip) - mulDivUp(gasUsed * gasPrice, gasTokenPrice, WAD)
      );
    }
    return undefined;
  }

  /**
   * Why a mined transaction reverted (best effort): the same call replayed on the state before its block and, if
   * it passes there (another transaction earlier in the block changed the state), on the state after it.
   */
  private async explainRevert(tx: PendingTx, block: number): Promise<string> {
    for (const blockTag of [block - 1, block]) {
      try {
        await this.provider.call({ from: this.address, to: tx.request.to, data: tx.request.data, blockTag });
      } catch (err) {
        return classifyError(err) === "revert" ? decodeRevert(revertData(err)) : describeError(err);
      }
    }
    return "reverted (not reproduced on the state before or after its block)";
  }

  /** Before replacing a stuck step: does it still simulate? (Pokes and approvals are always wanted.) */
  private async stillWanted(tx: PendingTx): Promise<boolean> {
    if (tx.key.startsWith("approve:") || tx.key.startsWith("poke:")) return true;
    try {
      await this.provider.call({ from: this.address, to: tx.request.to, data: tx.request.data });
      return true;
    } catch (err) {
      return classifyError(err) !== "revert";
    }
  }
}
