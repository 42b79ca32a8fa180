/**
 * Protocol constants shared by the web relay and the agent. One concept, one home:
 * a limit or a channel name is defined here and nowhere else.
 */

/** Path of the tRPC endpoint (HTTP and SSE) on the relay. */
export const TRPC_PATH = '/api/trpc';

/** `service` of the relay's `GET /healthz` answer: how the agent knows it found a RemoteAgent relay. */
export const HEALTH_SERVICE = 'remoteagent';

/** Characters of a prompt the relay may keep (session list preview). Nothing else of a prompt is stored. */
export const PROMPT_PREVIEW_LENGTH = 200;

/** Telegram's limit for one message, in characters after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** A pairing code is valid this long after it is shown. */
export const PAIRING_CODE_TTL_MS = 10 * 60_000;

/** A one-time sign-in link from the bot's /login command is valid this long. */
export const LOGIN_LINK_TTL_MS = 5 * 60_000;

/** The agent flushes buffered output at least this often while a task runs. */
export const OUTPUT_FLUSH_INTERVAL_MS = 700;

/** …or as soon as this many characters are buffered. */
export const OUTPUT_FLUSH_CHARS = 3000;

/** Largest output chunk the relay accepts in one mutation. */
export const OUTPUT_CHUNK_MAX_CHARS = 16_000;

/** Longest prompt the web console sends (a Telegram message is at most 4096). */
export const CONSOLE_PROMPT_MAX_CHARS = 16_000;

/**
 * The agent sends a heartbeat this often while connected. Each costs the relay one Redis command
 * (and no SQL unless something changed), so this sets most of an idle agent's cost.
 */
export const HEARTBEAT_INTERVAL_MS = 120_000;

/**
 * An agent silent for longer than this is considered offline (its owner is told): two missed
 * heartbeats and a margin. A dropped connection is noticed at once; only a silent network
 * (a laptop asleep) waits this long.
 */
export const OFFLINE_AFTER_MS = 300_000;

/** How long a prompt for an offline agent waits before it expires, unless configured otherwise. */
export const DEFAULT_OFFLINE_QUEUE_MS = 10 * 60_000;

/** Reconnect backoff of the agent: exponential with full jitter, capped. */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_CAP_MS = 30_000;

/** Where the agent downloads files sent to the bot and uploads files for the chat (bytes, not tRPC). */
export const AGENT_FILES_PATH = '/api/agent/files';

/** Largest file a bot may download from Telegram (`getFile`). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** Largest file a bot may send (`sendDocument`). */
export const TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** Every runner the agent can drive. */
export const RUNNERS = [
	'claude-sdk',
	'claude-code',
	'codex',
	'gemini',
	'aider',
	'openclaw',
	'custom'
] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** How much an agent's runner may do without asking (chosen at `init`). */
export const PERMISSION_MODES = ['ask', 'accept-edits', 'auto'] as const;

/** Redis pub/sub channel that wakes an agent's command subscription. */
export const agentChannel = (agentId: string): string => `agent:${agentId}`;

/** Redis stream holding an agent's not yet acknowledged commands (short-lived, TTL). */
export const agentQueueKey = (agentId: string): string => `agent:${agentId}:queue`;

/** Redis pub/sub channel carrying the live output of one session. */
export const outputChannel = (sessionId: string): string => `output:${sessionId}`;

/** Redis stream keeping a session's output until it is delivered (TTL, deleted when the session ends). */
export const outputLogKey = (sessionId: string): string => `output:${sessionId}:log`;

/** Cut a prompt down to what the relay may store. */
export function promptPreview(prompt: string): string {
	const flat = prompt.replace(/\s+/g, ' ').trim();
	if (flat.length <= PROMPT_PREVIEW_LENGTH) return flat;
	// Never cut a surrogate pair in half.
	let end = PROMPT_PREVIEW_LENGTH - 1;
	const code = flat.charCodeAt(end - 1);
	if (code >= 0xd800 && code <= 0xdbff) end -= 1;
	return flat.slice(0, end) + '…';
}

/** How long a tool call waits for a person's approval before it is denied, unless configured otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60_000;
