/**
 * Output batching: runner output is buffered and sent as one `session.output` mutation when
 * enough has gathered or a short interval has passed, so Telegram is not flooded with edits.
 * Batches are sent one at a time, in order, each with the next per-session `seq`.
 */
import {
  OUTPUT_CHUNK_MAX_CHARS,
  OUTPUT_FLUSH_CHARS,
  OUTPUT_FLUSH_INTERVAL_MS,
} from "@remoteagent/shared/protocol.ts";
import { realTimers, type Timers } from "./timers.ts";

/** Options of {@link OutputBatcher}. */
export interface BatcherOptions {
  /** Delivers one batch; retries are its business. Called one at a time, seq 0, 1, 2, … */
  send: (seq: number, text: string) => Promise<void>;
  /** Called once with the first error `send` threw; later batches are then dropped. */
  onError?: (error: unknown) => void;
  flushChars?: number;
  flushIntervalMs?: number;
  maxChunkChars?: number;
  timers?: Timers;
}

/** Buffers one session's output and sends it in ordered, numbered batches. */
export class OutputBatcher {
  #buffer = "";
  #seq = 0;
  #timer: unknown = null;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #failed = false;
  readonly #opts: Required<Omit<BatcherOptions, "onError">> & Pick<BatcherOptions, "onError">;

  /** @param options where batches go and when they are cut */
  constructor(options: BatcherOptions) {
    this.#opts = {
      flushChars: OUTPUT_FLUSH_CHARS,
      flushIntervalMs: OUTPUT_FLUSH_INTERVAL_MS,
      maxChunkChars: OUTPUT_CHUNK_MAX_CHARS,
      timers: realTimers,
      ...options,
    };
  }

  /** Add output. Sends right away past the size threshold, else within the flush interval. */
  push(text: string): void {
    if (text.length === 0 || this.#failed) return;
    this.#buffer += text;
    if (this.#buffer.length >= this.#opts.flushChars) {
      this.flush();
    } else if (this.#timer === null) {
      this.#timer = this.#opts.timers.setTimeout(() => {
        this.#timer = null;
        this.flush();
      }, this.#opts.flushIntervalMs);
    }
  }

  /** Send whatever is buffered now (in chunks the relay accepts). */
  flush(): void {
    if (this.#timer !== null) {
      this.#opts.timers.clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#buffer.length === 0 || this.#failed) return;
    const chunks = splitChunks(this.#buffer, this.#opts.maxChunkChars);
    this.#buffer = "";
    for (const chunk of chunks) {
      const seq = this.#seq++;
      this.#chain = this.#chain.then(() => this.#sendOne(seq, chunk));
    }
  }

  /** Flush and wait until every batch was delivered; throws the first delivery error. */
  async close(): Promise<void> {
    this.flush();
    await this.#chain;
    if (this.#failed) throw this.#error;
  }

  /** Number of batches handed to `send` so far (the next seq). */
  get seq(): number {
    return this.#seq;
  }

  /** The first delivery error, if any. */
  get error(): unknown {
    return this.#error;
  }

  async #sendOne(seq: number, text: string): Promise<void> {
    if (this.#failed) return;
    try {
      await this.#opts.send(seq, text);
    } catch (error) {
      this.#failed = true;
      this.#error = error;
      this.#buffer = "";
      this.#opts.onError?.(error);
    }
  }
}

/** Cut `text` into pieces of at most `max` characters without splitting a surrogate pair. */
export function splitChunks(text: string, max: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}
