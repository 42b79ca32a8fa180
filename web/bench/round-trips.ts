/**
 * Round trips as the delaying proxies saw them, and the chain of them an event waited for: what
 * the latency benchmark multiplies by the round trip time to get its floor.
 */
import type { HttpExchange } from '../test/harness/delaying-http-proxy.ts';
import type { WsProxyMessage } from '../test/harness/ws-proxy.ts';
import { restCommand, sqlSummary } from './support.ts';

export interface RoundTrip {
	kind: 'rest' | 'sql';
	/** `performance.now()` when the client sent the request. */
	start: number;
	/** When the client had the (last of the) answer. */
	end: number;
	what: string;
}

/** A REST request is one round trip; a subscription is a stream, not a round trip (null). */
export function restRoundTrip(exchange: HttpExchange): RoundTrip | null {
	if (exchange.streaming) return null;
	return {
		kind: 'rest',
		start: exchange.start,
		end: exchange.end,
		what: restCommand(exchange.path, exchange.body)
	};
}

/**
 * SQL round trips from the WebSocket messages between the relay and PostgreSQL. On one
 * connection the PostgreSQL protocol takes turns: a round trip begins when the client sends
 * after it has received something (or sends first) and lasts until the last message it receives
 * before it sends again. Messages must be added in the order they happened.
 */
export class SqlRoundTrips {
	readonly trips: RoundTrip[] = [];
	private readonly open = new Map<number, { trip: RoundTrip; answered: boolean }>();

	add(message: WsProxyMessage): void {
		const current = this.open.get(message.connection);
		if (message.direction === 'down') {
			if (!current) return;
			current.trip.end = message.at;
			if (!current.answered) this.trips.push(current.trip);
			current.answered = true;
			return;
		}
		const what = describePgMessages(message.data);
		if (current && !current.answered) {
			// More of the same turn (the driver flushed in several messages).
			if (!current.trip.what) current.trip.what = what;
			return;
		}
		const trip: RoundTrip = { kind: 'sql', start: message.at, end: message.at, what };
		this.open.set(message.connection, { trip, answered: false });
	}
}

/**
 * The round trips `event` waited for, oldest first: from `at` backwards, the round trip that
 * ended last before it, then the one that ended last before that one began, and so on back to
 * `t0`. That is the critical path when every step waits for the one before (the relay's code is
 * sequential); a round trip run alongside that happens to end in the gap between two steps
 * could stand in for one, which the median over many samples smooths out.
 */
export function criticalPath(trips: readonly RoundTrip[], t0: number, at: number): RoundTrip[] {
	const window = trips.filter((trip) => trip.start >= t0 && trip.end <= at);
	const chain: RoundTrip[] = [];
	let cursor = at;
	for (;;) {
		let last: RoundTrip | null = null;
		for (const trip of window)
			if (trip.end <= cursor && (!last || trip.end > last.end)) last = trip;
		if (!last) return chain;
		chain.unshift(last);
		cursor = last.start;
	}
}

/** e.g. `select agents`, `begin`, `startup`: the first statement of a client message. */
export function describePgMessages(data: Buffer): string {
	// The startup message has no type byte: length, then protocol 3.0.
	if (data.length >= 8 && data.readInt32BE(4) === 196_608) return 'startup';
	let offset = 0;
	while (offset + 5 <= data.length) {
		const type = String.fromCharCode(data[offset]!);
		const length = data.readInt32BE(offset + 1);
		const body = data.subarray(offset + 5, offset + 1 + length);
		if (type === 'Q') return sqlSummary(cString(body, 0));
		// Parse: statement name, then the query.
		if (type === 'P') return sqlSummary(cString(body, body.indexOf(0) + 1));
		if (type === 'p') return 'auth';
		if (length < 4) break;
		offset += 1 + length;
	}
	return '';
}

function cString(buffer: Buffer, from: number): string {
	const end = buffer.indexOf(0, from);
	return buffer.toString('utf8', from, end === -1 ? buffer.length : end);
}
