/** The hosted sweep runs only for the platform's cron, which presents the shared secret. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCron } from '../../src/lib/server/cron.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';

const SECRET = 'cron-secret-for-the-tests-0123';
let t: TestRelay;
beforeAll(async () => {
	t = await startTestRelay({ CRON_SECRET: SECRET });
});
afterAll(async () => {
	await t?.stop();
});

const call = (authorization?: string) =>
	handleCron(
		new Request('http://relay.test/api/cron/sweep', {
			headers: authorization ? { authorization } : {}
		}),
		t.relay
	);

describe('/api/cron/sweep', () => {
	it('refuses a missing or wrong secret', async () => {
		expect((await call()).status).toBe(401);
		expect((await call(`Bearer ${SECRET}x`)).status).toBe(401);
		expect((await call(SECRET)).status).toBe(401);
	});

	it('runs the sweep for the right secret', async () => {
		const response = await call(`Bearer ${SECRET}`);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({
			wentOffline: 0,
			expiredPrompts: 0,
			strandedTasks: 0,
			owedNotices: 0,
			trialReminders: 0
		});
	});

	it('refuses everything when no secret is configured', async () => {
		const open = await startTestRelay();
		try {
			const response = await handleCron(
				new Request('http://relay.test/api/cron/sweep', { headers: { authorization: 'Bearer ' } }),
				open.relay
			);
			expect(response.status).toBe(401);
		} finally {
			await open.stop();
		}
	});
});
