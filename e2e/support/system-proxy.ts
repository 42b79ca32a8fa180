/**
 * A TCP proxy between the agent and the relay that keeps every byte the agent sends (request
 * lines, headers, bodies of every connection, in order). Tests point the agent at the proxy
 * and search the recording for secrets. The relay may be down and come back: a connection
 * made meanwhile is refused (closed) as the relay itself would refuse it.
 */
import { expect } from '@playwright/test';
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
	/** `http://127.0.0.1:<port>`: the address the agent is given as its server. */
	url: string;
	/** Everything the agent sent through the proxy so far. */
	sent(): Buffer;
	/** Connections accepted so far. */
	readonly connections: number;
	close(): Promise<void>;
}

/**
 * `localAddress` (any 127.x.y.z) is the source address the relay sees for this proxy's
 * connections, as if each agent ran on its own machine (the relay limits pairing per address).
 */
export async function startRecordingProxy(target: {
	host: string;
	port: number;
	localAddress?: string;
}): Promise<RecordingProxy> {
	const chunks: Buffer[] = [];
	const sockets = new Set<Socket>();
	let connections = 0;
	const server = createServer((client) => {
		connections++;
		const upstream = connect({
			port: target.port,
			host: target.host,
			localAddress: target.localAddress
		});
		sockets.add(client).add(upstream);
		client.on('data', (chunk: Buffer) => {
			chunks.push(Buffer.from(chunk));
			// Backpressure is left to the kernel buffers: the traffic here is small.
			if (!upstream.destroyed) upstream.write(chunk);
		});
		upstream.on('data', (chunk: Buffer) => {
			if (!client.destroyed) client.write(chunk);
		});
		const end = () => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on('close', end).on('error', end);
		upstream.on('close', end).on('error', end);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		sent: () => Buffer.concat(chunks),
		get connections() {
			return connections;
		},
		close: () =>
			new Promise((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			})
	};
}

/**
 * The forms a secret could take on the wire: as is, URL-encoded, base64 (e.g. inside Basic
 * auth or an encoded payload), JSON-escaped. Each is searched for in the recorded bytes.
 */
export function secretForms(secret: string): string[] {
	const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
	// Base64 of the secret wherever it sits in an encoded blob: for each of the three possible
	// alignments, the whole 3-byte groups from there on encode the same way.
	const bytes = Buffer.from(secret);
	for (let skip = 0; skip < 3; skip++) {
		const whole = bytes.subarray(skip, skip + 3 * Math.floor((bytes.length - skip) / 3));
		forms.add(whole.toString('base64'));
		forms.add(whole.toString('base64url'));
	}
	// A key's distinctive middle alone (prefixes such as `sk-ant-` are public knowledge).
	if (secret.length > 16) forms.add(secret.slice(4, -4));
	return [...forms];
}

/**
 * Asserts the recording is real (API calls, the output `marker` the agent sent) and holds none
 * of `secrets` in any of their forms.
 */
export function expectNoSecrets(
	proxy: RecordingProxy,
	who: string,
	secrets: string[],
	marker: string
): void {
	const sent = proxy.sent().toString('latin1');
	expect(sent.length, `bytes recorded from ${who}`).toBeGreaterThan(1000);
	expect(sent, `the recording holds ${who}'s API calls`).toContain('/api/trpc/');
	expect(sent, `the recording holds the output ${who} sent`).toContain(marker);
	for (const secret of secrets) {
		for (const form of secretForms(secret)) {
			const shown = `${secret.slice(0, 12)}… as "${form.slice(0, 16)}…"`;
			expect(sent.includes(form), `configured secret ${shown} in what ${who} sent`).toBe(false);
		}
	}
}
