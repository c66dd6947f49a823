/**
 * Sends the keeper's transactions from one account with its own nonces: signs EIP-1559 transactions locally,
 * keeps at most `maxInFlight` pending, rebroadcasts on transient errors, replaces stuck ones at the same nonce
 * with higher fees, and reports each transaction once, when mined (or dropped). The fee, stuck and nonce rules
 * are the pure functions of txpolicy.ts.
 */
import { Transaction, type TransactionReceipt, type Wallet } from "ethers";
import { classifyError, describeError, errorMessages } from "./errors";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { withRetry, type Backoff } from "./retry";
import type { CountingJsonRpcProvider } from "./rpc";
import { bumpFees, isStuck, nextNonce, type FeePolicy, type Fees, type StuckPolicy } from "./txpolicy";

export interface TxRequest {
  to: string;
  data: string;
  gasLimit: bigint;
}

export interface PendingTx {
  /** What the transaction is for (a position key, or "approve:…", "poke:…"). */
  key: string;
  nonce: number;
  request: TxRequest;
  fees: Fees;
  /** Every hash broadcast at this nonce: the original and its replacements. */
  hashes: string[];
  lastRaw: string;
  firstSentMs: number;
  lastBroadcast: { atMs: number; atBlock: number };
  meta: Record<string, unknown>;
}

export type TxOutcome =
  | { kind: "mined"; tx: PendingTx; receipt: TransactionReceipt; success: boolean }
  /** Another transaction took the nonce (sent from elsewhere, or the chain moved on without ours). */
  | { kind: "dropped"; tx: PendingTx };

export interface TxManagerOptions {
  chainId: number;
  maxInFlight: number;
  fees: FeePolicy;
  stuck: StuckPolicy;
  attempts: number;
  backoff: Backoff;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Before replacing a stuck transaction: whether it should still run (else it is cancelled). */
  stillWanted?: (tx: PendingTx) => Promise<boolean>;
}

export class TxManager {
  private readonly pending = new Map<number, PendingTx>();
  /** Pending transactions given up when the nonce was resynchronised below them; reported by the next poll. */
  private dropped: PendingTx[] = [];
  private localNonce: number | undefined;

  constructor(
    private readonly provider: CountingJsonRpcProvider,
    private readonly wallet: Wallet,
    private readonly options: TxManagerOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  get address(): string {
    return this.wallet.address;
  }

  /** Transactions not yet reported by `poll`: pending ones, and those given up (forgotten) since the last poll. */
  get inFlight(): number {
    return this.pending.size + this.dropped.length;
  }

  canSend(): boolean {
    return this.pending.size < this.options.maxInFlight;
  }

  pendingKeys(): string[] {
    return [...this.pending.values()].map((t) => t.key);
  }

  /** Forgets pending transactions and the nonce (after a chain reset). */
  reset(): void {
    this.pending.clear();
    this.dropped = [];
    this.localNonce = undefined;
  }

  /** Signs and broadcasts a new transaction; undefined when it could not be sent (the reason is logged). */
  async send(key: string, request: TxRequest, fees: Fees, head: number, meta: Record<string, unknown> = {}) {
    if (!this.canSend()) return undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const chainPending = await this.retry(() =>
        this.provider.getTransactionCount(this.wallet.address, "pending"),
      );
      if (this.localNonce === undefined) this.forgetFrom(chainPending);
      const nonce = nextNonce(this.localNonce, chainPending);
      const raw = await this.sign(nonce, request, fees);
      try {
        const hash = await this.broadcast(raw);
        const now = this.options.now();
        const tx: PendingTx = {
          key,
          nonce,
          request,
          fees,
          hashes: [hash],
          lastRaw: raw,
          firstSentMs: now,
          lastBroadcast: { atMs: now, atBlock: head },
          meta,
        };
        this.pending.set(nonce, tx);
        this.localNonce = nonce + 1;
        this.metrics.set("keeper_transactions_in_flight", this.pending.size);
        this.log.info("tx.sent", {
          key,
          nonce,
          hash,
          ...feeFields(fees),
          gasLimit: request.gasLimit,
          ...meta,
        });
        return tx;
      } catch (err) {
        const kind = classifyError(err);
        if ((kind === "nonce-too-low" || kind === "nonce-too-high") && attempt === 0) {
          // Our count is off (a transaction from elsewhere, or a reset node): take the chain's and try once more.
          this.log.warn("tx.nonce-resync", { key, nonce, kind, error: errorMessages(err)[0] });
          this.localNonce = undefined;
          continue;
        }
        this.log.error("tx.send-failed", { key, nonce, kind, error: describeError(err) });
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * Checks every pending transaction: reports the mined ones (with their receipts) and the dropped ones,
   * rebroadcasts those the node lost, and replaces stuck ones with higher fees (or cancels them when they are no
   * longer wanted).
   */
  async poll(head: number, currentFees: Fees): Promise<TxOutcome[]> {
    const outcomes: TxOutcome[] = this.dropped.map((tx) => ({ kind: "dropped" as const, tx }));
    this.dropped = [];
    if (this.pending.size === 0) return outcomes;
    const latestCount = await this.retry(() =>
      this.provider.getTransactionCount(this.wallet.address, "latest"),
    );
    for (const tx of [...this.pending.values()].sort((a, b) => a.nonce - b.nonce)) {
      const receipt = await this.findReceipt(tx);
      if (receipt) {
        this.pending.delete(tx.nonce);
        outcomes.push({ kind: "mined", tx, receipt, success: receipt.status === 1 });
        continue;
      }
      if (latestCount > tx.nonce) {
        // The nonce is used but by none of our hashes.
        this.pending.delete(tx.nonce);
        this.log.warn("tx.dropped", { key: tx.key, nonce: tx.nonce, hashes: tx.hashes });
        outcomes.push({ kind: "dropped", tx });
        continue;
      }
      if (isStuck(tx.lastBroadcast, this.options.now(), head, this.options.stuck)) {
        await this.replace(tx, head, currentFees);
      } else if (!(await this.known(tx.hashes[tx.hashes.length - 1]))) {
        // The node forgot it (restarted, or evicted it): send the same bytes again.
        await this.rebroadcast(tx, head);
      }
    }
    this.metrics.set("keeper_transactions_in_flight", this.pending.size);
    return outcomes;
  }

  /** Gives up our pending transactions at nonces the chain will reuse (the node lost them). */
  private forgetFrom(nonce: number): void {
    for (const [n, tx] of this.pending) {
      if (n >= nonce) {
        this.pending.delete(n);
        this.dropped.push(tx);
        this.log.warn("tx.forgotten", { key: tx.key, nonce: n, hashes: tx.hashes });
      }
    }
  }

  private async replace(tx: PendingTx, head: number, currentFees: Fees): Promise<void> {
    const fees = bumpFees(tx.fees, currentFees, this.options.fees);
    if (fees === undefined) {
      this.log.warn("tx.stuck-at-fee-cap", { key: tx.key, nonce: tx.nonce, ...feeFields(tx.fees) });
      tx.lastBroadcast = { atMs: this.options.now(), atBlock: head };
      return;
    }
    const wanted = this.options.stillWanted ? await this.options.stillWanted(tx) : true;
    // A step that would now revert is replaced by a 0-value self-transfer: the nonce is freed for little gas.
    const request: TxRequest = wanted
      ? tx.request
      : { to: this.wallet.address, data: "0x", gasLimit: 21_000n };
    const raw = await this.sign(tx.nonce, request, fees);
    try {
      const hash = await this.broadcast(raw);
      tx.hashes.push(hash);
      tx.fees = fees;
      tx.request = request;
      tx.lastRaw = raw;
      tx.lastBroadcast = { atMs: this.options.now(), atBlock: head };
      if (!wanted) tx.meta = { ...tx.meta, cancelled: true };
      this.metrics.inc("keeper_transactions_replaced_total");
      this.log.warn(wanted ? "tx.replaced" : "tx.cancelled", {
        key: tx.key,
        nonce: tx.nonce,
        hash,
        ...feeFields(fees),
      });
    } catch (err) {
      const kind = classifyError(err);
      // Mined meanwhile (nonce too low) or already replaced: the next poll finds the receipt.
      this.log.warn("tx.replace-failed", { key: tx.key, nonce: tx.nonce, kind, error: describeError(err) });
      tx.lastBroadcast = { atMs: this.options.now(), atBlock: head };
    }
  }

  private async rebroadcast(tx: PendingTx, head: number): Promise<void> {
    try {
      await this.broadcast(tx.lastRaw);
      tx.lastBroadcast = { ...tx.lastBroadcast, atBlock: head };
      this.log.info("tx.rebroadcast", {
        key: tx.key,
        nonce: tx.nonce,
        hash: tx.hashes[tx.hashes.length - 1],
      });
    } catch (err) {
      this.log.warn("tx.rebroadcast-failed", { key: tx.key, nonce: tx.nonce, error: describeError(err) });
    }
  }

  private async findReceipt(tx: PendingTx): Promise<TransactionReceipt | null> {
    for (const hash of [...tx.hashes].reverse()) {
      const r = await this.retry(() => this.provider.getTransactionReceipt(hash));
      if (r) return r;
    }
    return null;
  }

  private async known(hash: string): Promise<boolean> {
    return (await this.retry(() => this.provider.send("eth_getTransactionByHash", [hash]))) !== null;
  }

  private sign(nonce: number, request: TxRequest, fees: Fees): Promise<string> {
    return this.wallet.signTransaction({
      type: 2,
      chainId: this.options.chainId,
      nonce,
      to: request.to,
      data: request.data,
      value: 0n,
      gasLimit: request.gasLimit,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
  }

  /** Sends raw bytes; resending bytes the node already has counts as success (the hash is the same). */
  private async broadcast(raw: string): Promise<string> {
    try {
      return await this.retry(() => this.provider.send("eth_sendRawTransaction", [raw]) as Promise<string>);
    } catch (err) {
      if (classifyError(err) === "already-known") return Transaction.from(raw).hash!;
      throw err;
    }
  }

  private retry<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      attempts: this.options.attempts,
      backoff: this.options.backoff,
      sleep: this.options.sleep,
      onRetry: (err) => this.metrics.inc("keeper_rpc_errors_total", { kind: classifyError(err) }),
    });
  }
}

function feeFields(fees: Fees) {
  return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
}
