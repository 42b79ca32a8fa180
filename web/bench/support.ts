/** Helpers both relay benchmarks share. */
import { eq } from 'drizzle-orm';
import { sessions } from '../src/lib/server/db/schema/index.ts';
import type { Person } from '../test/harness/accounts.ts';
import type { TestRelay } from '../test/harness/relay.ts';
import {
	agentClient,
	eventually,
	ScriptedAgent,
	type Received
} from '../test/harness/scripted-agent.ts';

export const STEP_TIMEOUT_MS = 15_000;

export function restCommand(path: string, body: unknown): string {
	if (path.startsWith('/subscribe') || path.startsWith('/psubscribe')) return `SSE ${path}`;
	try {
		const parsed = JSON.parse(String(body)) as unknown[];
		const name = (command: unknown) => String((command as unknown[])[0]).toUpperCase();
		if (path.startsWith('/pipeline') || path.startsWith('/multi-exec')) {
			return `${path.slice(1)}[${parsed.map(name).join(' ')}]`;
		}
		return name(parsed);
	} catch {
		return path || '/';
	}
}

export function sqlSummary(sql: string): string {
	const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? '?';
	const table = /\b(?:from|into|update)\s+"?(\w+)"?/i.exec(sql)?.[1] ?? '';
	return `${verb} ${table}`.trim();
}

/**
 * The harness re-reads every agent queue every 300 ms (so tests about lost wake-ups run fast);
 * the relay's default is 5 s. Each re-read is a SQL query and an XRANGE, which at 8 idle agents
 * would add ~27 of each per second of background load, so the benchmark uses the production
 * default. It is read when a subscription starts: set before any agent connects.
 */
export const PRODUCTION_POLL_MS = 5_000;
export function productionPolling(t: TestRelay): void {
	const queue = t.relay.queue as unknown as { pollMs?: number };
	if (typeof queue.pollMs !== 'number') {
		console.warn('warning: CommandQueue.pollMs not found; subscriptions poll at the harness rate');
		return;
	}
	queue.pollMs = PRODUCTION_POLL_MS;
}

/** A session ends as soon as its agent has the command; the next prompt finds the agent idle. */
export async function finish(t: TestRelay, received: Received): Promise<void> {
	if (received.command.type !== 'prompt') return;
	await t.relay.db
		.update(sessions)
		.set({ status: 'done', endedAt: new Date() })
		.where(eq(sessions.id, received.command.sessionId));
}

export async function online(t: TestRelay, userId: string): Promise<void> {
	await eventually(
		async () => (await t.services.agents.list({ userId }))[0]?.online,
		STEP_TIMEOUT_MS,
		'agent online'
	);
}

export function person(id: number, prefix: string): Person {
	return { id, firstName: `${prefix}${id}`, username: `${prefix}${id}` };
}

export async function within<T>(
	promise: Promise<T>,
	what: string,
	ms = STEP_TIMEOUT_MS
): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
			})
		]);
	} finally {
		clearTimeout(timer);
	}
}

export async function runCleanups(cleanups: (() => unknown)[]): Promise<void> {
	for (const cleanup of cleanups.splice(0).reverse()) {
		try {
			await cleanup();
		} catch {
			// best effort: the rest must still run
		}
	}
}

export function quantile(values: number[], q: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export function median(values: number[]): number {
	return quantile(values, 0.5);
}

/** Stops a benchmark that runs over `ms`, cleaning up what it started. */
export function abortAfter(ms: number, cleanups: (() => unknown)[]): () => void {
	const deadline = setTimeout(() => {
		console.error(`error: the benchmark ran over ${ms / 1000} s; stopping`);
		void runCleanups(cleanups).finally(() => process.exit(1));
	}, ms);
	deadline.unref();
	return () => clearTimeout(deadline);
}

/**
 * A connected agent for one account, online before this returns; `waiting` maps a prompt's text
 * to whoever waits for it, called from the agent's onData.
 */
export async function connectedAgent(
	t: TestRelay,
	account: { token: string; userId: string },
	cleanups: (() => unknown)[]
): Promise<{ agent: ScriptedAgent; waiting: Map<string, (received: Received) => void> }> {
	const waiting = new Map<string, (received: Received) => void>();
	const agent = new ScriptedAgent(agentClient(t.url, account.token), {
		onCommand: (received) => {
			if (received.command.type === 'prompt') waiting.get(received.command.prompt)?.(received);
		}
	});
	agent.connect();
	cleanups.push(() => agent.disconnect());
	await online(t, account.userId);
	return { agent, waiting };
}
