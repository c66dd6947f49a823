/**
 * Retry schedule and per-position cooldowns: pure functions, plus a small retry loop whose clock and sleep are
 * injected.
 */
import { classifyError } from "./errors";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): base × 2^attempt, capped, with "equal jitter"
 * (half fixed, half random) so that many clients do not retry in step. `random` in [0, 1).
 */
export function backoffDelay(attempt: number, backoff: Backoff, random = 0.5): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** Cooldown of a position after `failures` consecutive failures (1 for the first): base × 2^(failures-1), capped. */
export function cooldownMs(failures: number, backoff: Backoff): number {
  if (failures <= 0) return 0;
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures - 1, 30));
}

export interface RetryOptions {
  attempts: number;
  backoff: Backoff;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Whether an error is worth another attempt (default: transient RPC errors only). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const isTransient = (err: unknown): boolean => classifyError(err) === "transient";

/** Runs `fn` up to `attempts` times, sleeping `backoffDelay` between tries while the error is retryable. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt + 1 >= options.attempts || !retryable(err)) throw err;
      const delay = backoffDelay(attempt, options.backoff, (options.random ?? Math.random)());
      options.onRetry?.(err, attempt + 1, delay);
      await options.sleep(delay);
    }
  }
}
