/** Zod schemas of everything that crosses the wire between agent, dashboard and relay. */
import { z } from 'zod';
import { normalizePairingCode } from './pairing-code.ts';
import {
	CONSOLE_PROMPT_MAX_CHARS,
	OUTPUT_CHUNK_MAX_CHARS,
	PERMISSION_MODES,
	RUNNERS,
	TELEGRAM_TEXT_LIMIT
} from './protocol.ts';

export const runnerName = z.enum(RUNNERS);

export const agentName = z
	.string()
	.trim()
	.min(1, 'the agent name is empty')
	.max(40, 'an agent name has at most 40 characters')
	.regex(
		/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u,
		'use letters, digits, spaces, dots, dashes and underscores'
	);

export const pairingCode = z.string().transform((raw, ctx) => {
	const code = normalizePairingCode(raw);
	if (!code) {
		ctx.addIssue({ code: 'custom', message: 'a pairing code looks like ABCD-EFGH' });
		return z.NEVER;
	}
	return code;
});

/** Server-generated ids are long random strings of a known alphabet. */
export const id = z.string().regex(/^[a-z]{2,4}_[0-9a-z]{16,40}$/, 'malformed id');

export const redeemPairingInput = z.object({
	code: pairingCode,
	name: agentName,
	runner: runnerName,
	hostname: z.string().max(255).optional()
});
export type RedeemPairingInput = z.input<typeof redeemPairingInput>;

export const redeemPairingOutput = z.object({
	agentId: z.string(),
	name: z.string(),
	token: z.string(),
	accountName: z.string()
});
export type RedeemPairingOutput = z.infer<typeof redeemPairingOutput>;

/**
 * Device-flow pairing (`remoteagent init` without a code): the agent describes itself, the
 * signed-in user approves it on the dashboard, the agent polls for its token.
 */
export const startDevicePairingInput = z.object({
	name: agentName,
	runner: runnerName,
	hostname: z.string().max(255),
	/** The project directory, shown to the person approving. */
	directory: z.string().min(1).max(1024)
});
export type StartDevicePairingInput = z.input<typeof startDevicePairingInput>;

export const startDevicePairingOutput = z.object({
	/** Secret of the polling agent: 256 random bits, never shown. */
	deviceCode: z.string(),
	/** The short code in the link, also shown on the terminal to compare with the page. */
	userCode: z.string(),
	/** `{PUBLIC_URL}/pair/{userCode}`: open it, signed in, to approve. */
	verificationUrl: z.string(),
	expiresAt: z.string(),
	/** How long to wait between polls. */
	intervalMs: z.number().int().positive()
});
export type StartDevicePairingOutput = z.infer<typeof startDevicePairingOutput>;

export const pollDevicePairingInput = z.object({ deviceCode: z.string().min(20).max(200) });

export const pollDevicePairingOutput = z.discriminatedUnion('status', [
	z.object({ status: z.literal('pending') }),
	redeemPairingOutput.extend({ status: z.literal('approved') })
]);
export type PollDevicePairingOutput = z.infer<typeof pollDevicePairingOutput>;

/** Who asked for a task, as the agent may show it. */
export const startedBy = z.object({ telegramUserId: z.number().int(), name: z.string() });

/** A file sent to the bot with a prompt; the agent fetches its bytes through the relay with `ref`. */
export const incomingFile = z.object({
	/** Opaque, sealed by the relay: only the agent the prompt went to can redeem it. */
	ref: z.string().min(1).max(2000),
	name: z.string().min(1).max(255),
	size: z.number().int().min(0)
});
export type IncomingFile = z.infer<typeof incomingFile>;

export const promptCommand = z.object({
	type: z.literal('prompt'),
	sessionId: id,
	prompt: z.string().min(1),
	/** Set for `continue`: the session whose conversation goes on. */
	continueSessionId: id.nullable(),
	startedBy,
	/** Epoch ms after which the relay no longer wants it run. */
	expiresAt: z.number().int(),
	/** Files sent with the prompt (a photo or document with its caption as the prompt). */
	files: z.array(incomingFile).max(10).optional()
});

/** How much an agent's runner may do without asking (chosen at `init`). */
export const permissionMode = z.enum(PERMISSION_MODES);
export type PermissionMode = z.infer<typeof permissionMode>;

/** Ids the agent gives its approval requests: random, URL-safe. */
export const approvalRequestId = z.string().regex(/^[\w-]{16,64}$/, 'malformed request id');

/**
 * How a person answered an approval request: run it this once, for the rest of the task, always
 * (the agent saves the rule it proposed in its local config), or not at all.
 */
export const approvalDecision = z.enum(['allow-once', 'allow-task', 'allow-always', 'deny']);
export type ApprovalDecision = z.infer<typeof approvalDecision>;

/** The answer to an approval request, on its way to the agent. */
export const approvalCommand = z.object({
	type: z.literal('approval'),
	sessionId: id,
	requestId: approvalRequestId,
	decision: approvalDecision,
	/** A deny's reason for the model (the person's reply), else null. */
	reason: z.string().max(2000).nullable(),
	/** Who answered. */
	by: startedBy
});
export type ApprovalCommand = z.infer<typeof approvalCommand>;

export const abortCommand = z.object({
	type: z.literal('abort'),
	/** The session to stop; null stops whatever runs. */
	sessionId: id.nullable()
});

/** `/diff` and `/undo` from the chat: about the agent's last task; answered with `review.reply`. */
export const reviewCommand = z.object({
	type: z.literal('review'),
	requestId: id,
	action: z.enum(['diff', 'undo'])
});
export type ReviewCommand = z.infer<typeof reviewCommand>;

export const agentCommand = z.discriminatedUnion('type', [
	promptCommand,
	abortCommand,
	reviewCommand,
	approvalCommand
]);
export type AgentCommand = z.infer<typeof agentCommand>;
export type PromptCommand = z.infer<typeof promptCommand>;

export const onCommandInput = z.object({ lastEventId: z.string().nullish() });
/** Event ids are Redis stream ids (`<ms>-<seq>`). */
export const ackInput = z.object({
	eventId: z.string().regex(/^\d{1,20}-\d{1,20}$/, 'not an event id')
});

export const heartbeatInput = z.object({
	busySessionId: id.nullable(),
	version: z.string().max(40),
	/** The agent's permission mode, for the dashboard (absent from agents older than modes). */
	permissionMode: permissionMode.optional()
});

export const sessionStartInput = z.object({
	sessionId: id,
	/**
	 * Random per agent process: a retried start from the same process is told to run, a start of
	 * the same session from any other process (say, the agent running twice) is not.
	 */
	instance: z.string().regex(/^[\w-]{16,64}$/, 'malformed instance id')
});

export const sessionOutputInput = z.object({
	sessionId: id,
	/** Per-session sequence number from 0: a retried mutation with a seen seq is ignored. */
	seq: z.number().int().min(0),
	text: z.string().min(1).max(OUTPUT_CHUNK_MAX_CHARS)
});

export const sessionFinishInput = z.object({
	sessionId: id,
	status: z.enum(['done', 'failed', 'aborted']),
	reason: z.string().max(2000).nullable(),
	durationMs: z.number().int().min(0)
});
export type SessionFinishInput = z.infer<typeof sessionFinishInput>;

/**
 * The agent tells the chat about a task's changes (after the task's output, before it finishes)
 * or answers a review request. Exactly one of `sessionId` and `requestId`.
 */
export const reviewReplyInput = z
	.object({
		sessionId: id.optional(),
		requestId: id.optional(),
		text: z.string().min(1).max(TELEGRAM_TEXT_LIMIT)
	})
	.refine((v) => (v.sessionId === undefined) !== (v.requestId === undefined), {
		message: 'give a sessionId or a requestId'
	});
export type ReviewReplyInput = z.infer<typeof reviewReplyInput>;

export const onOutputInput = z.object({ sessionId: id, lastEventId: z.string().nullish() });

/**
 * Dashboard (web console): a prompt for one of the user's agents. `requestId` is random per
 * submission: a retried request (answer lost, double click) finds the session it made.
 */
export const createSessionInput = z.object({
	agentId: id,
	prompt: z.string().trim().min(1, 'write a prompt first').max(CONSOLE_PROMPT_MAX_CHARS),
	requestId: z.string().regex(/^[\w-]{16,64}$/, 'malformed request id')
});
export type CreateSessionInput = z.infer<typeof createSessionInput>;

export const createSessionOutput = z.object({
	sessionId: id,
	/** Prompts waiting or running on the agent before this one (0: it runs next). */
	ahead: z.number().int().min(0),
	agentOnline: z.boolean()
});
export type CreateSessionOutput = z.infer<typeof createSessionOutput>;

/** Dashboard: stop one of the user's sessions (queued or running). */
export const abortSessionInput = z.object({ sessionId: id });

/** What the dashboard's live view receives for a session. */
export const outputEvent = z.discriminatedUnion('kind', [
	/** `seq` is the agent's batch number: a batch retried after a crash may appear twice. */
	z.object({ kind: z.literal('text'), text: z.string(), seq: z.number().int().min(0) }),
	z.object({
		kind: z.literal('end'),
		status: z.enum(['done', 'failed', 'aborted', 'expired']),
		reason: z.string().nullable()
	})
]);
export type OutputEvent = z.infer<typeof outputEvent>;

export const agentSummary = z.object({
	id: z.string(),
	name: z.string(),
	runner: z.string(),
	online: z.boolean(),
	lastSeenAt: z.string().nullable()
});
export type AgentSummary = z.infer<typeof agentSummary>;

/** The agent asks the person who started a task to allow a tool call. */
export const approvalRequestInput = z.object({
	sessionId: id,
	/** Chosen by the agent; a retried request with the same id is the same request. */
	requestId: approvalRequestId,
	/** The runner's tool name, e.g. Bash, Edit, run_command. */
	tool: z.string().min(1).max(100),
	/** The command line, or the file path with a diff stat. */
	what: z.string().min(1).max(1000),
	/** Why, if the model said so. */
	why: z.string().max(500).nullable(),
	/** The first lines of a diff, or null. */
	detail: z.string().max(2000).nullable(),
	/** The rule "Always allow" would save (e.g. `Bash(npm test:*)`); null offers no such button. */
	pattern: z.string().max(80).nullable()
});
export type ApprovalRequestInput = z.infer<typeof approvalRequestInput>;

/** The agent waits this long for an answer, then gives up with {@link approvalExpireInput}. */
export const approvalRequestOutput = z.object({ timeoutMs: z.number().int().positive() });

/** The agent stopped waiting (timeout or abort): the relay closes the request. */
export const approvalExpireInput = z.object({
	sessionId: id,
	requestId: approvalRequestId,
	why: z.enum(['timeout', 'aborted'])
});

/** What the request came to: a person's answer that raced the expiry, or a deny (by null). */
export const approvalExpireOutput = z.object({
	decision: approvalDecision,
	reason: z.string().nullable(),
	by: startedBy.nullable()
});
export type ApprovalExpireOutput = z.infer<typeof approvalExpireOutput>;
