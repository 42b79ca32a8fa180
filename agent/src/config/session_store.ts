/**
 * Resume handles for `continue`: which runner conversation belongs to which relay session.
 * Kept in `agents/{agentId}.sessions.json` (0600), bounded to the most recent entries.
 */
import { quickSessionsFile, type SessionsFile } from "./quick_parse.ts";
import { readSecureJson, type Warn, writeSecureJson } from "./secure_file.ts";

/** How many sessions can be continued; older ones are forgotten. */
export const SESSION_HISTORY_LIMIT = 50;

/** Persistent map sessionId → runner resume handle. */
export class SessionStore {
  #entries = new Map<string, string>();
  #loaded = false;

  /** @param path the sessions file; @param warn receives warnings; @param limit entries kept */
  constructor(
    readonly path: string,
    readonly warn: Warn,
    readonly limit: number = SESSION_HISTORY_LIMIT,
  ) {}

  /** Read the file once. A corrupt file is a cache, not a setting: warn and start afresh. */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    let raw: unknown;
    try {
      raw = await readSecureJson(this.path, this.warn);
    } catch (error) {
      this.warn(`${(error as Error).message}; starting with no sessions to continue`);
      return;
    }
    if (raw === null) return;
    const file = quickSessionsFile(raw) ?? await this.#zodParse(raw);
    if (!file) return;
    for (const { sessionId, resume } of file.sessions.slice(-this.limit)) {
      this.#entries.set(sessionId, resume);
    }
  }

  /** zod's verdict on a file the quick path did not accept (a warning when it is bad). */
  async #zodParse(raw: unknown): Promise<SessionsFile | null> {
    const { describeIssues, sessionsFileSchema } = await import("./schema.ts");
    const parsed = sessionsFileSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.warn(`ignoring ${this.path} (${describeIssues(parsed.error)})`);
    return null;
  }

  /** The resume handle of a session, or null when unknown or forgotten. */
  get(sessionId: string): string | null {
    return this.#entries.get(sessionId) ?? null;
  }

  /** Remember a session's handle (most recent last), drop the oldest past the limit, persist. */
  async set(sessionId: string, resume: string): Promise<void> {
    await this.load();
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, resume);
    while (this.#entries.size > this.limit) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    const sessions = [...this.#entries].map(([id, handle]) => ({ sessionId: id, resume: handle }));
    await writeSecureJson(this.path, { sessions }, this.warn);
  }

  /** Number of remembered sessions. */
  get size(): number {
    return this.#entries.size;
  }
}
