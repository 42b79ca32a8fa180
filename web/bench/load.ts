/**
 * The benchmarks' load generator: POSTs at a fixed concurrency from a worker thread (the other
 * core), so its client work does not share the event loop with the server it measures.
 *
 * It writes HTTP/1.1 requests straight onto keep-alive sockets and reads only what it needs of
 * each answer (status, framing). A general client costs more than the cheapest answers it times:
 * on a 2-core machine `fetch` tops out near 3,000 req/s and `node:http`'s client near 18,000,
 * below what a bare `node:http` server answers a 401 with (~70,000 with this one).
 */
import { Worker } from 'node:worker_threads';
import { within } from './support.ts';

export interface LoadResult {
	requests: number;
	elapsedMs: number;
	statuses: Record<number, number>;
}

/**
 * One connection per lane; each lane sends its bodies one after another (one request in flight)
 * and reconnects when an answer says `connection: close`. Answers must be framed by
 * content-length or chunked encoding, as `node:http` frames them.
 */
const LOAD_WORKER = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');

const CRLF = Buffer.from('\\r\\n');
const HEAD_END = Buffer.from('\\r\\n\\r\\n');

/** The end of the first complete answer in buffer, its status and whether it closes; or null. */
function parseAnswer(buffer) {
	const headEnd = buffer.indexOf(HEAD_END);
	if (headEnd < 0) return null;
	const lines = buffer.toString('latin1', 0, headEnd).split('\\r\\n');
	const status = Number(lines[0].split(' ')[1]);
	let length = 0;
	let chunked = false;
	let close = false;
	for (const line of lines.slice(1)) {
		const colon = line.indexOf(':');
		const name = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim().toLowerCase();
		if (name === 'content-length') length = Number(value);
		else if (name === 'transfer-encoding') chunked = value.includes('chunked');
		else if (name === 'connection') close = value === 'close';
	}
	let at = headEnd + 4;
	if (!chunked) return buffer.length >= at + length ? { end: at + length, status, close } : null;
	for (;;) {
		const lineEnd = buffer.indexOf(CRLF, at);
		if (lineEnd < 0) return null;
		const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
		at = lineEnd + 2;
		if (size === 0) {
			// No trailers expected: the empty line ends the answer.
			return buffer.length >= at + 2 ? { end: at + 2, status, close } : null;
		}
		at += size + 2;
		if (buffer.length < at) return null;
	}
}

function open(host, port) {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, host);
		socket.setNoDelay(true);
		let buffer = Buffer.alloc(0);
		let waiting = null;
		let closed = false;
		const fail = (error) => {
			const w = waiting;
			waiting = null;
			if (w) w.reject(error);
		};
		socket.on('data', (chunk) => {
			buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
			const answer = parseAnswer(buffer);
			if (!answer) return;
			buffer = buffer.subarray(answer.end);
			const w = waiting;
			waiting = null;
			if (w) w.resolve(answer);
		});
		socket.on('error', fail);
		socket.on('close', () => {
			closed = true;
			fail(new Error('the server closed the connection mid-answer'));
		});
		socket.once('error', reject);
		socket.once('connect', () =>
			resolve({
				exchange: (bytes) =>
					new Promise((resolveAnswer, rejectAnswer) => {
						if (closed) return rejectAnswer(new Error('the server closed the connection'));
						waiting = { resolve: resolveAnswer, reject: rejectAnswer };
						socket.write(bytes);
					}),
				close: () => socket.destroy()
			})
		);
	});
}

parentPort.on('message', async ({ maxMs, url, headers, lanes }) => {
	const target = new URL(url);
	const host = target.hostname.replace(/^\\[|\\]$/g, '');
	const head =
		'POST ' + target.pathname + target.search + ' HTTP/1.1\\r\\nhost: ' + target.host + '\\r\\n' +
		Object.entries(headers).map(([name, value]) => name + ': ' + value + '\\r\\n').join('');
	const statuses = {};
	let requests = 0;
	let stopAt = Infinity;
	const lane = async (bodies) => {
		let connection = null;
		try {
			for (const body of bodies) {
				if (performance.now() >= stopAt) break;
				connection ??= await open(host, Number(target.port));
				const bytes = Buffer.from(
					head + 'content-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body
				);
				const answer = await connection.exchange(bytes);
				statuses[answer.status] = (statuses[answer.status] || 0) + 1;
				requests++;
				if (answer.close) {
					connection.close();
					connection = null;
				}
			}
		} finally {
			if (connection) connection.close();
		}
	};
	const start = performance.now();
	stopAt = start + maxMs;
	try {
		await Promise.all(lanes.map(lane));
		parentPort.postMessage({ requests, elapsedMs: performance.now() - start, statuses });
	} catch (error) {
		parentPort.postMessage({ error: String((error && error.stack) || error) });
	}
});
`;

export function startLoadWorker() {
	const worker = new Worker(LOAD_WORKER, { eval: true });
	return {
		/** Sends every lane's bodies, or as many as fit in `maxMs` (requests in flight finish). */
		run: (maxMs: number, url: string, headers: Record<string, string>, lanes: string[][]) =>
			within(
				new Promise<LoadResult>((resolve, reject) => {
					worker.once('message', (result: LoadResult | { error: string }) =>
						'error' in result ? reject(new Error(result.error)) : resolve(result)
					);
					worker.postMessage({ maxMs, url, headers, lanes });
				}),
				'load round',
				60_000
			),
		stop: () => worker.terminate()
	};
}

export const rps = (n: number) => `${Math.round(n).toLocaleString('en-US')} req/s`;
