/**
 * A scripted agent: the real tRPC client, typed from the shared router, playing the agent's
 * side of the protocol so relay tests can run without the Deno agent.
 */
import {
	createTRPCClient,
	httpBatchLink,
	httpSubscriptionLink,
	splitLink,
	type TRPCClient
} from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AgentCommand } from '@remoteagent/shared';
import type { AppRouter } from '@remoteagent/shared/api';

export type AgentClient = TRPCClient<AppRouter>;

/** The agent process id a scripted agent passes to `session.start`. */
export const TEST_INSTANCE = 'scripted-agent-instance-0001';

export function agentClient(baseUrl: string, token: string | null): AgentClient {
	const url = `${baseUrl}/api/trpc`;
	const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
	return createTRPCClient<AppRouter>({
		links: [
			splitLink({
				condition: (op) => op.type === 'subscription',
				true: httpSubscriptionLink({
					url,
					EventSource,
					eventSourceOptions: () => ({
						fetch: (input, init) =>
							fetch(input, {
								...init,
								headers: { ...(init?.headers as Record<string, string>), ...auth }
							})
					})
				}),
				false: httpBatchLink({ url, headers: () => auth })
			})
		]
	});
}

export interface Received {
	id: string;
	command: AgentCommand;
	/** `performance.now()` when the subscription's onData fired for it. */
	at: number;
}

export interface ScriptedAgentOptions {
	/** Acknowledge each command (default true). */
	ack?: boolean;
	/** Called synchronously from onData, right after the command is recorded. */
	onCommand?: (received: Received) => void;
}

/** Subscribes to its commands, records them, acknowledges them unless told not to. */
export class ScriptedAgent {
	readonly received: Received[] = [];
	readonly errors: unknown[] = [];
	/** Errors the subscription link retries on its own (it reconnects after each). */
	readonly connectionErrors: unknown[] = [];
	lastEventId: string | null = null;
	private unsubscribe: (() => void) | null = null;
	private waiters: (() => void)[] = [];

	constructor(
		readonly client: AgentClient,
		private readonly opts: ScriptedAgentOptions = {}
	) {}

	connect(): void {
		const sub = this.client.agent.onCommand.subscribe(
			{ lastEventId: this.lastEventId },
			{
				onData: (event) => {
					const at = performance.now();
					this.lastEventId = event.id;
					const received: Received = { id: event.id, command: event.data, at };
					this.received.push(received);
					this.opts.onCommand?.(received);
					if (this.opts.ack !== false) {
						// A test may stop the relay while an ack is on its way: that is not its failure.
						this.client.agent.ack.mutate({ eventId: event.id }).catch(() => {});
					}
					this.notify();
				},
				onError: (error) => {
					this.errors.push(error);
					this.notify();
				},
				onConnectionStateChange: (state) => {
					if (state.state !== 'connecting' || !state.error) return;
					this.connectionErrors.push(state.error);
					this.notify();
				}
			}
		);
		this.unsubscribe = () => sub.unsubscribe();
	}

	disconnect(): void {
		this.unsubscribe?.();
		this.unsubscribe = null;
	}

	/** Resolves once `predicate` holds; rejects after `timeoutMs`. */
	async until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!predicate()) {
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`timed out waiting for ${what}`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, Math.min(left, 200));
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	prompts(): Extract<AgentCommand, { type: 'prompt' }>[] {
		return this.received.flatMap((r) => (r.command.type === 'prompt' ? [r.command] : []));
	}

	private notify(): void {
		const waiters = this.waiters;
		this.waiters = [];
		for (const wake of waiters) wake();
	}
}

/** Poll until `predicate` returns a truthy value. */
export async function eventually<T>(
	predicate: () => Promise<T> | T,
	timeoutMs = 10_000,
	what = 'condition'
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await predicate();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
