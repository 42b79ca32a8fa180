/**
 * Telegram has no idempotency key: once it accepted a message, the relay must record that in
 * Redis, or a retry sends the message again. A Redis blip between the two (a restart, a
 * failover) must not turn into a duplicate, so the record is retried with backoff for a while
 * before the error is let through. Only a crash of the process itself in the milliseconds
 * between the send and the record can still repeat a message.
 */
const DELAYS_MS = [100, 250, 500, 1_000, 2_000, 4_000, 8_000];

export async function recordAfterSend<T>(
	write: () => Promise<T>,
	sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))
): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await write();
		} catch (error) {
			const delay = DELAYS_MS[attempt];
			if (delay === undefined) throw error;
			await sleep(delay);
		}
	}
}
