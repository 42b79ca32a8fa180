import { describe, expect, it } from 'vitest';
import { useUpstashRest } from '../../../../tools/upstash-rest/testing.ts';
import { UpdateClaims } from './update-claim.ts';

const env = useUpstashRest();
const SECRET = 'Zq8Xv2Lm4Nb6Pc1Rt3Ys5Hd7Kf9Gj0Wa';
/** Ten seconds into a minute, so a window boundary is not crossed by accident. */
const T = Date.UTC(2030, 0, 1, 12, 0, 10);

let nextUpdate = 5_000;
const request = (sender: number | null, now = T) => ({
	updateId: ++nextUpdate,
	limitedSender: sender,
	perMinute: 3,
	claimTtlS: 30,
	now
});

describe('UpdateClaims', () => {
	it('claims an update once; a second delivery learns it is processing, then done', async () => {
		const claims = new UpdateClaims(env.redis, SECRET);
		const first = request(1);
		expect(await claims.claim(first)).toMatchObject({ claimed: true, allowed: true });
		expect(await claims.claim(first)).toEqual({ claimed: false, state: 'processing' });
		await env.redis.set(`tg:update:${first.updateId}`, 'done');
		expect(await claims.claim(first)).toEqual({ claimed: false, state: 'done' });
	});

	it('lets a sender through perMinute times, then says when to try again', async () => {
		const claims = new UpdateClaims(env.redis, SECRET);
		for (let i = 0; i < 3; i++) {
			expect(await claims.claim(request(2))).toMatchObject({ allowed: true });
		}
		const refused = await claims.claim(request(2));
		expect(refused).toMatchObject({ claimed: true, allowed: false, retryInMs: 50_000 });
		// Another sender has their own budget; a sign-up command is not counted.
		expect(await claims.claim(request(3))).toMatchObject({ allowed: true });
		expect(await claims.claim(request(null))).toMatchObject({ allowed: true, counter: null });
	});

	it('weighs the previous minute by how much of it still overlaps (sliding window)', async () => {
		const claims = new UpdateClaims(env.redis, SECRET);
		const minute = T - 10_000;
		for (let i = 0; i < 3; i++) await claims.claim(request(4, minute + 50_000));
		// 15 s into the next minute, 75 % of the previous one counts: floor(3 × 0.75) = 2 → one more.
		expect(await claims.claim(request(4, minute + 75_000))).toMatchObject({ allowed: true });
		expect(await claims.claim(request(4, minute + 75_000))).toMatchObject({ allowed: false });
		// 50 s in, floor(3 × 1/6) = 0 of the old minute plus 1 of this one: two more.
		expect(await claims.claim(request(4, minute + 110_000))).toMatchObject({ allowed: true });
		expect(await claims.claim(request(4, minute + 110_000))).toMatchObject({ allowed: true });
		expect(await claims.claim(request(4, minute + 110_000))).toMatchObject({ allowed: false });
	});

	it('keeps the count under a pseudonym, and takes a stranger’s count back entirely', async () => {
		const claims = new UpdateClaims(env.redis, SECRET);
		const stranger = 987_654_321;
		const claim = await claims.claim(request(stranger));
		if (!claim.claimed || !claim.counter) throw new Error('expected a counted claim');
		expect(claim.counter).not.toContain(String(stranger));
		expect(await env.direct.get(claim.counter)).toBe('1');
		await claims.forgetSender(claim);
		expect(await env.direct.exists(claim.counter)).toBe(0);
		const keys = await env.direct.keys('rl:*');
		expect(keys.some((key) => key.includes(String(stranger)))).toBe(false);
	});

	it('counts the web console against the same budget as Telegram', async () => {
		const claims = new UpdateClaims(env.redis, SECRET);
		await claims.claim(request(5));
		await claims.claim(request(5));
		expect(await claims.limit(5, 3, T)).toMatchObject({ allowed: true });
		expect(await claims.limit(5, 3, T)).toMatchObject({ allowed: false });
		expect(await claims.claim(request(5))).toMatchObject({ allowed: false });
	});
});
