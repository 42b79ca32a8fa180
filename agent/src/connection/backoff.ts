/** Exponential backoff with full jitter (AWS architecture blog), capped. */
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS } from "@remoteagent/shared/protocol.ts";

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** Uniform random number in [0, 1); injected for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): a uniformly random value in
 * [0, min(cap, base · 2^attempt)). Full jitter spreads agents that lost the server at the
 * same moment, so they do not all come back at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? RECONNECT_BASE_MS;
  const cap = options.capMs ?? RECONNECT_CAP_MS;
  const random = options.random ?? Math.random;
  // 2^attempt overflows to Infinity for large attempts; min() keeps it at the cap.
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or as soon as `signal` aborts (then without error). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
