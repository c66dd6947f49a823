/**
 * Per-position bookkeeping that keeps the keeper from sending the same step twice: an in-flight set (a position
 * with a pending transaction is not touched), a cooldown after failures (doubling per consecutive failure), and
 * the block at which our last step on a position was mined (an evaluation older than that does not yet show it).
 * Pure state: time and blocks are passed in.
 */
import { cooldownMs, type Backoff } from "./retry";

interface Cooling {
  untilMs: number;
  failures: number;
  reason: string;
}

export class StepTracker {
  private readonly inFlight = new Map<string, { txId: string; sinceMs: number }>();
  private readonly cooling = new Map<string, Cooling>();
  private readonly minedAt = new Map<string, number>();

  constructor(private readonly backoff: Backoff) {}

  /** Why `key` may not be acted on now (`in-flight`, `cooldown: …`, `awaiting-state`), or undefined. */
  blocked(key: string, nowMs: number, evaluatedBlock: number): string | undefined {
    if (this.inFlight.has(key)) return "in-flight";
    const c = this.cooling.get(key);
    if (c !== undefined && nowMs < c.untilMs) return `cooldown: ${c.reason}`;
    const mined = this.minedAt.get(key);
    // The evaluation must include the block that mined our last step (state after that block).
    if (mined !== undefined && evaluatedBlock < mined) return "awaiting-state";
    return undefined;
  }

  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  markSent(key: string, txId: string, nowMs: number): void {
    this.inFlight.set(key, { txId, sinceMs: nowMs });
  }

  /** Our transaction for `key` was mined in `block`: success clears the failure count; a revert cools down. */
  markMined(key: string, block: number, success: boolean, nowMs: number, reason = "reverted"): void {
    this.inFlight.delete(key);
    this.minedAt.set(key, block);
    if (success) this.cooling.delete(key);
    else this.fail(key, nowMs, reason);
  }

  /** The step was refused before sending (simulation reverted, send failed) or its transaction was dropped. */
  markFailed(key: string, nowMs: number, reason: string): void {
    this.inFlight.delete(key);
    this.fail(key, nowMs, reason);
  }

  /** Cools `key` down for the first-failure delay without counting a failure (dry run, deliberate skips). */
  markCooldown(key: string, nowMs: number, reason: string, ms = this.backoff.baseMs): void {
    const failures = this.cooling.get(key)?.failures ?? 0;
    this.cooling.set(key, { untilMs: nowMs + ms, failures, reason });
  }

  /** When `key`'s cooldown ends (ms), if it is cooling down at `nowMs`. */
  cooldownEndsAt(key: string, nowMs: number): number | undefined {
    const c = this.cooling.get(key);
    return c !== undefined && nowMs < c.untilMs ? c.untilMs : undefined;
  }

  failures(key: string): number {
    return this.cooling.get(key)?.failures ?? 0;
  }

  /** Forget everything (the chain was reset). */
  clear(): void {
    this.inFlight.clear();
    this.cooling.clear();
    this.minedAt.clear();
  }

  private fail(key: string, nowMs: number, reason: string): void {
    const failures = (this.cooling.get(key)?.failures ?? 0) + 1;
    this.cooling.set(key, { untilMs: nowMs + cooldownMs(failures, this.backoff), failures, reason });
  }
}
