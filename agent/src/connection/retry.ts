/** Retrying API calls through network trouble, with the reconnect backoff. */
import { messageOf } from "../errors.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import { isTransient, revocationOf } from "./failures.ts";

/** Options of {@link retryTransient}. */
export interface RetryOptions {
  /** Stop retrying (and rethrow the last error) once this aborts. */
  signal?: AbortSignal;
  /** Waits between attempts; injected by tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Give up after this many attempts (default: keep trying until `signal` aborts). */
  maxAttempts?: number;
}

/**
 * Run `call` until it succeeds. Transient failures are retried with exponential backoff and
 * full jitter; anything else (a domain error, a revocation) is thrown at once. Callers make
 * the call idempotent (e.g. the same output `seq`), so a retry after a lost answer is safe.
 */
export async function retryTransient<T>(
  call: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 0;; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (revocationOf(error) || !isTransient(error)) throw error;
      const last = options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts;
      if (last || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, { random: options.random });
      options.onRetry?.(error, attempt, delay);
      await wait(delay, options.signal);
      if (options.signal?.aborted) {
        throw new Error(`gave up after ${attempt + 1} attempts: ${messageOf(error)}`, {
          cause: error,
        });
      }
    }
  }
}
