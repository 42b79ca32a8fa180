/**
 * Conversation history kept on the agent machine for `continue` (the relay never sees it):
 * one JSON file per conversation, directory 0700, files 0600, written atomically.
 *
 * @module
 */
import { join } from "node:path";

const ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

interface StoredConversation {
  version: 1;
  runner: string;
  updatedAt: string;
  messages: unknown[];
}

/** Loads and saves the message history of one runner's conversations. */
export class ConversationStore {
  constructor(private readonly dir: string, private readonly runner: string) {}

  /** A fresh, unguessable conversation id (the `resume` handle). */
  newId(): string {
    return crypto.randomUUID();
  }

  /** The stored messages, or null when there is no such conversation for this runner. */
  async load<M>(id: string): Promise<M[] | null> {
    if (!ID_PATTERN.test(id)) return null;
    let text: string;
    try {
      text = await Deno.readTextFile(this.#file(id));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
    const data = JSON.parse(text) as Partial<StoredConversation>;
    if (data.runner !== this.runner || !Array.isArray(data.messages)) return null;
    return data.messages as M[];
  }

  /** Replaces the stored history of `id`. */
  async save(id: string, messages: readonly unknown[]): Promise<void> {
    if (!ID_PATTERN.test(id)) throw new Error(`invalid conversation id: ${id}`);
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const data: StoredConversation = {
      version: 1,
      runner: this.runner,
      updatedAt: new Date().toISOString(),
      messages: [...messages],
    };
    const tmp = join(this.dir, `.${id}.${crypto.randomUUID()}.tmp`);
    await Deno.writeTextFile(tmp, JSON.stringify(data), { mode: 0o600, createNew: true });
    await Deno.rename(tmp, this.#file(id));
  }

  #file(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

/** `~/.remoteagent/conversations`, beside the agent's config. */
export function defaultConversationsDir(getEnv: (name: string) => string | undefined): string {
  const home = getEnv("HOME") ?? getEnv("USERPROFILE") ?? ".";
  return join(home, ".remoteagent", "conversations");
}
