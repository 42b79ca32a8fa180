/**
 * The `init` wizard as a person meets it: the real program on a pseudo-terminal (util-linux
 * `script`), answering each question when it appears. Checks re-asking after bad answers, that
 * the API key is never echoed (only `*`), and NO_COLOR.
 */
import { assert, assertEquals, assertIncludes } from "../../test/assert.ts";
import { tempDir } from "../../test/cli_harness.ts";
import { denoNetworkEnv } from "../../test/deno_env.ts";
import { startStubRelay } from "../../test/stub_relay.ts";
import { ConfigStore } from "../config/store.ts";
import { findExecutable } from "../process/which.ts";

const AGENT_DIR = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const KEY = "sk-ant-pty-secret-9";

/** Quote for `sh -c`. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** A program on a pseudo-terminal: what it printed, and typing into it. */
class Pty {
  #out = "";
  #seen = 0;
  #waiters: (() => void)[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly exited: Promise<Deno.CommandStatus>;

  constructor(script: string, command: string[], cwd: string, env: Record<string, string>) {
    const child = new Deno.Command(script, {
      args: ["-qfec", command.map(sh).join(" "), "/dev/null"],
      cwd,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = child.stdin.getWriter();
    this.exited = child.status;
    const decoder = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        this.#out += decoder.decode(chunk, { stream: true });
        this.#waiters.splice(0).forEach((wake) => wake());
      }
      this.#waiters.splice(0).forEach((wake) => wake());
    };
    this.pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  }

  pumped: Promise<unknown>;

  get output(): string {
    return this.#out;
  }

  /** Wait until `text` appears after what was already waited for. */
  async expect(text: string): Promise<void> {
    const deadline = setTimeout(() => this.#waiters.splice(0).forEach((w) => w()), 30_000);
    try {
      for (;;) {
        const at = this.#out.indexOf(text, this.#seen);
        if (at >= 0) {
          this.#seen = at + text.length;
          return;
        }
        const before = this.#out.length;
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
        if (this.#out.length === before) {
          throw new Error(`never saw ${JSON.stringify(text)} in:\n${this.#out}`);
        }
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Type text (Enter is "\r", as a terminal sends it). */
  async type(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text));
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }
}

Deno.test({
  name: "the wizard on a terminal: re-asks with defaults, masks the key, honours NO_COLOR",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const script = await findExecutable("script", Deno.env.get("PATH"));
    assert(script, "util-linux `script` is needed to drive the wizard through a pseudo-terminal");
    const relay = startStubRelay();
    relay.codes.set("ABCD-EFGH", "fresh");
    const tmp = await tempDir();
    const project = `${tmp.path}/pty-project`;
    await Deno.mkdir(project);
    const env = {
      ...denoNetworkEnv(Deno.env.toObject()),
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? tmp.path,
      REMOTEAGENT_HOME: `${tmp.path}/home`,
      DENO_NO_PACKAGE_JSON: "1",
      NO_COLOR: "1",
      TERM: "xterm",
    };
    const pty = new Pty(
      script,
      [
        Deno.execPath(),
        "run",
        "--quiet",
        "-A",
        "--config",
        `${AGENT_DIR}/deno.json`,
        `${AGENT_DIR}/main.ts`,
        "init",
      ],
      project,
      env,
    );
    try {
      await pty.expect("Server URL: ");
      await pty.type("\r");
      await pty.expect("✗ the server URL is required");
      await pty.expect("Server URL: ");
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
      listener.close();
      await pty.type(`${dead}\r`);
      await pty.expect(`✗ connection refused at ${dead}: is the relay running?`);
      await pty.expect(`Server URL [${dead}]: `);
      await pty.type(`${relay.url}\r`);
      await pty.expect("Pairing code from the dashboard (Enter: approve in the browser instead): ");
      await pty.type("zz\r");
      await pty.expect("✗ a pairing code looks like ABCD-EFGH");
      await pty.type("abcd-efgh\r");
      await pty.expect("Agent name [pty-project]: ");
      await pty.type("\r");
      await pty.expect("Runner (");
      await pty.type("\r");
      await pty.expect("✗ choose a runner");
      await pty.type("claude-sdk\r");
      await pty.expect("Model (empty for the runner's default): ");
      await pty.type("\r");
      await pty.expect("Anthropic API key (typing is hidden");
      // a typo corrected with Backspace, as a person would
      await pty.type(`${KEY}X\x7f\r`);
      await pty.expect("Paired: agent 'pty-project'");
      await pty.expect("Then message @stub_relay_bot on Telegram");
      await pty.close();
      assertEquals((await pty.exited).code, 0, pty.output);
      await pty.pumped;
      const out = pty.output;
      assert(!out.includes("sk-ant"), `the key was echoed:\n${out}`);
      assertIncludes(out, "*".repeat(KEY.length + 1) + "\b \b");
      assert(!out.includes("\x1b["), "NO_COLOR: no colour codes");
      const store = new ConfigStore(`${tmp.path}/home`, () => {});
      assertEquals((await store.loadGlobal()).anthropicApiKey, KEY);
      assertEquals(relay.codes.get("ABCD-EFGH"), "used");
    } finally {
      await pty.close();
      await relay.close();
      await tmp.cleanup();
    }
  },
});
