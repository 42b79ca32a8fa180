import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/server/log.ts';
import type { Relay } from '../../src/lib/server/relay.ts';
import { startTestRelay, type TestRelay } from '../../test/harness/relay.ts';
import { startLongPolling, startSweepTimer } from './background.ts';

/** The test relay with its log captured (the harness logs errors only). */
function withLog(relay: Relay): { relay: Relay; lines: Record<string, unknown>[] } {
	const lines: Record<string, unknown>[] = [];
	const log = createLogger('debug', (line) => lines.push(JSON.parse(line)));
	return { relay: { ...relay, log }, lines };
}

describe('background work of pnpm start', () => {
	let t: TestRelay;
	beforeAll(async () => {
		t = await startTestRelay();
	});
	afterAll(() => t?.stop());

	it('the sweep timer keeps going after a failed run and logs no more than the failure', async () => {
		const failing = new Proxy(t.relay.db, {
			get() {
				throw new Error('database is gone');
			}
		});
		const { relay, lines } = withLog({ ...t.relay, db: failing });
		const sweep = startSweepTimer(relay, 30);
		await t.telegram.waitFor(
			() => lines.filter((l) => l.event === 'sweep.failed').length >= 2,
			5_000
		);
		await sweep.stop();
		expect(lines[0]).toMatchObject({
			level: 'warn',
			event: 'sweep.failed',
			error: 'Error: database is gone'
		});

		const healthy = withLog(t.relay);
		const ok = startSweepTimer(healthy.relay, 20);
		await new Promise((resolve) => setTimeout(resolve, 200));
		await ok.stop();
		expect(healthy.lines).toEqual([]);
	});

	it('long polling retries when Telegram is unreachable at start, then polls; stop() ends it', async () => {
		await t.relay.redis.del('tg:botinfo');
		// Not retried by the API client's auto-retry (a 5xx would be).
		t.telegram.failNext('getMe', { error_code: 401, description: 'Unauthorized' });
		const { relay, lines } = withLog(t.relay);
		const polling = startLongPolling(relay, 50);
		await t.telegram.waitFor(() => t.telegram.calls.some((c) => c.method === 'getUpdates'), 5_000);
		expect(lines).toContainEqual(
			expect.objectContaining({ event: 'telegram.setup_failed', error: 'GrammyError 401' })
		);
		const started = Date.now();
		await polling.stop();
		// getUpdates waits up to 25 s on Telegram's side; stopping aborts it.
		expect(Date.now() - started).toBeLessThan(2_000);
	});
});
