/**
 * What the API needs from the server, as interfaces. The router lives in `shared/` so the agent
 * type-checks against exactly what the server serves; the server supplies these services in the
 * request context, so nothing here depends on a database or Redis.
 */
import type {
	AgentCommand,
	ApprovalExpireOutput,
	ApprovalRequestInput,
	CreateSessionInput,
	CreateSessionOutput,
	OutputEvent,
	PollDevicePairingOutput,
	RedeemPairingOutput,
	ReviewReplyInput,
	SessionFinishInput,
	StartDevicePairingInput,
	StartDevicePairingOutput
} from '../schemas.ts';
import type { AgentSummary } from '../schemas.ts';

/** An agent whose token was verified and whose row still exists. */
export interface AgentIdentity {
	agentId: string;
	accountId: string;
	name: string;
}

/** A dashboard user signed in with Telegram. */
export interface UserIdentity {
	userId: string;
}

export interface ApiServices {
	/** Verify an agent token and that the agent was not removed. Throws `DomainError`. */
	authenticateAgent(token: string): Promise<AgentIdentity>;
	pairing: {
		redeem(
			input: { code: string; name: string; runner: string; hostname?: string | undefined },
			clientAddress: string
		): Promise<RedeemPairingOutput>;
		/** Device flow: a pending request the signed-in user approves on the dashboard. */
		startDevice(
			input: StartDevicePairingInput,
			clientAddress: string
		): Promise<StartDevicePairingOutput>;
		/** Device flow: `pending` until approved, then the agent's token, once. */
		pollDevice(deviceCode: string): Promise<PollDevicePairingOutput>;
	};
	commands: {
		/** Unacknowledged commands after `lastEventId`, then new ones as they arrive; ends on `signal`. */
		stream(
			agent: AgentIdentity,
			lastEventId: string | null,
			signal: AbortSignal
		): AsyncIterable<{ id: string; command: AgentCommand }>;
		ack(agent: AgentIdentity, eventId: string): Promise<void>;
	};
	agents: {
		heartbeat(
			agent: AgentIdentity,
			input: {
				busySessionId: string | null;
				version: string;
				permissionMode?: 'ask' | 'accept-edits' | 'auto' | undefined;
			}
		): Promise<void>;
		goodbye(agent: AgentIdentity): Promise<void>;
		removeSelf(agent: AgentIdentity): Promise<void>;
		list(user: UserIdentity): Promise<AgentSummary[]>;
		rename(user: UserIdentity, agentId: string, name: string): Promise<void>;
		remove(user: UserIdentity, agentId: string): Promise<void>;
	};
	approvals: {
		request(agent: AgentIdentity, input: ApprovalRequestInput): Promise<{ timeoutMs: number }>;
		expire(
			agent: AgentIdentity,
			input: { sessionId: string; requestId: string; why: 'timeout' | 'aborted' }
		): Promise<ApprovalExpireOutput>;
	};
	sessions: {
		/**
		 * `run: false` when the session was aborted or expired before it started, or another
		 * agent process (`instance`) started it: skip it.
		 */
		start(agent: AgentIdentity, sessionId: string, instance: string): Promise<{ run: boolean }>;
		output(
			agent: AgentIdentity,
			input: { sessionId: string; seq: number; text: string }
		): Promise<void>;
		finish(agent: AgentIdentity, input: SessionFinishInput): Promise<void>;
		/**
		 * Web console: queue a prompt for one of the user's agents, through the same queue, rate
		 * limit and once-only session creation as a Telegram message.
		 */
		create(user: UserIdentity, input: CreateSessionInput): Promise<CreateSessionOutput>;
		/** Web console: stop one of the user's sessions; a no-op once it ended. */
		abort(user: UserIdentity, sessionId: string): Promise<void>;
		streamOutput(
			user: UserIdentity,
			sessionId: string,
			lastEventId: string | null,
			signal: AbortSignal
		): AsyncIterable<{ id: string; event: OutputEvent }>;
	};
	review: {
		/** Send the agent's text to the chat of its session or review request. */
		reply(agent: AgentIdentity, input: ReviewReplyInput): Promise<void>;
	};
}

export interface ApiContext {
	services: ApiServices;
	/** Bearer token from the Authorization header, if any. */
	agentToken: string | null;
	user: UserIdentity | null;
	/** Client address, for rate limits. */
	clientAddress: string;
}
