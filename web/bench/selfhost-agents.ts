/**
 * Agents for a running `pnpm start`, paired and connected the supported way: the owner signs in
 * with the one-time local link from the status block, asks the dashboard for a pairing code per
 * agent (the form on /agents/new), and each agent redeems its code (`pairing.redeem`) and
 * subscribes to its commands like the Deno agent: the tRPC SSE subscription, a heartbeat when it
 * starts and every HEARTBEAT_INTERVAL_MS.
 */
import { request } from 'node:http';
import { HEARTBEAT_INTERVAL_MS } from '@remoteagent/shared';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@remoteagent/shared/api';
import { agentClient } from '../test/harness/scripted-agent.ts';

/** Signs the local owner in; returns the session cookie. */
export async function signIn(url: string, statusBlock: string): Promise<string> {
	const link = /Sign in {3}(http:\/\/\S+)/.exec(statusBlock)?.[1];
	if (!link) throw new Error('no local sign-in link in the status block');
	const response = await fetch(`${url}/login/link`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: url,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! })
	});
	const cookie = response.headers.get('set-cookie')?.split(';')[0];
	if (response.status !== 303 || !cookie) throw new Error(`sign-in failed (${response.status})`);
	return cookie;
}

/**
 * One pairing code after another from the dashboard, each redeemed by a new agent. Pairing is
 * rate limited per client address, so each agent redeems from its own loopback address
 * (127.0.0.x, as the e2e agents do); the relay listens on 127.0.0.1 and sees them apart.
 */
export async function pairAgents(url: string, cookie: string, count: number): Promise<string[]> {
	const tokens: string[] = [];
	for (let i = 0; i < count; i++) {
		const response = await fetch(`${url}/agents/new`, {
			method: 'POST',
			headers: {
				cookie,
				origin: url,
				accept: 'application/json',
				'x-sveltekit-action': 'true',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: ''
		});
		const code = /--code ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(await response.text())?.[1];
		if (!code) throw new Error(`no pairing code from /agents/new (${response.status})`);
		const client = createTRPCClient<AppRouter>({
			links: [httpBatchLink({ url: `${url}/api/trpc`, fetch: fetchFrom(`127.0.0.${10 + i}`) })]
		});
		const paired = await client.pairing.redeem.mutate({
			code,
			name: `bench-${i}`,
			runner: 'claude-code',
			hostname: 'bench'
		});
		tokens.push(paired.token);
	}
	return tokens;
}

export interface ConnectedAgents {
	/** Resolves once every subscription has started. */
	started: Promise<void>;
	errors: unknown[];
	stop(): void;
}

export function connectAgents(url: string, tokens: string[]): ConnectedAgents {
	const errors: unknown[] = [];
	const stops: (() => void)[] = [];
	const started = tokens.map((token) => {
		const client: TRPCClient<AppRouter> = agentClient(url, token);
		const heartbeat = () =>
			client.agent.heartbeat
				.mutate({ busySessionId: null, version: 'bench', permissionMode: 'auto' })
				.catch((error: unknown) => errors.push(error));
		let beat: NodeJS.Timeout | undefined;
		return new Promise<void>((resolve) => {
			const sub = client.agent.onCommand.subscribe(
				{ lastEventId: null },
				{
					onStarted: () => {
						void heartbeat();
						clearInterval(beat);
						beat = setInterval(() => void heartbeat(), HEARTBEAT_INTERVAL_MS);
						resolve();
					},
					onData: (event) => {
						client.agent.ack.mutate({ eventId: event.id }).catch(() => {});
					},
					onError: (error) => errors.push(error)
				}
			);
			stops.push(() => {
				clearInterval(beat);
				sub.unsubscribe();
			});
		});
	});
	return {
		started: Promise.all(started).then(() => {}),
		errors,
		stop: () => {
			for (const stop of stops.splice(0)) stop();
		}
	};
}

/** How many agents the dashboard shows online, waiting (10 s at most) for `expected`. */
export async function onlineAgents(url: string, cookie: string, expected: number): Promise<number> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		const html = await (await fetch(`${url}/agents`, { headers: { cookie } })).text();
		const online = html.split('data-online="true"').length - 1;
		if (online >= expected || Date.now() > deadline) return online;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** A `fetch` for the tRPC client whose connections leave from `localAddress`. */
function fetchFrom(localAddress: string): typeof fetch {
	return (input, init) =>
		new Promise<Response>((resolve, reject) => {
			const req = request(
				String(input),
				{
					method: init?.method ?? 'GET',
					headers: init?.headers as Record<string, string> | undefined,
					localAddress
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('end', () => {
						const headers = new Headers();
						for (const [name, value] of Object.entries(res.headers)) {
							if (typeof value === 'string') headers.set(name, value);
						}
						resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }));
					});
					res.on('error', reject);
				}
			);
			req.on('error', reject);
			req.end(typeof init?.body === 'string' ? init.body : undefined);
		});
}
