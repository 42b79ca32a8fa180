/**
 * Issue 3 through the real API: pairing-code redemption (valid, unknown, expired, replay,
 * concurrent, rate limit), agent tokens (revocation, tampering) and cross-tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { SignJWT } from 'jose';
import { domainCodeOf } from '@remoteagent/shared';
import { createCallerFactory, appRouter } from '@remoteagent/shared/api';
import { signInWithTelegram } from '../../src/lib/server/accounts/accounts.ts';
import { EXPIRED_CODE_KEPT_MS, issuePairingCode } from '../../src/lib/server/pairing/pairing.ts';
import { runSweep } from '../../src/lib/server/sweep.ts';
import { startTestRelay, TEST_JWT_SECRET, type TestRelay } from '../harness/relay.ts';
import {
	agentClient,
	ScriptedAgent,
	eventually,
	TEST_INSTANCE
} from '../harness/scripted-agent.ts';
import { ALICE, BOB, pairAgent } from '../harness/accounts.ts';

let t: TestRelay;
beforeAll(async () => {
	t = await startTestRelay();
});
afterAll(async () => {
	await t?.stop();
});

async function codeFor(person = ALICE) {
	const user = await signInWithTelegram(t.relay, person);
	return {
		user,
		...(await issuePairingCode(t.relay, { userId: user.id, telegramUserId: person.id }))
	};
}

async function redeemOverHttp(code: string, name = 'laptop') {
	return agentClient(t.url, null).pairing.redeem.mutate({ code, name, runner: 'claude-sdk' });
}

async function domainError(promise: Promise<unknown>) {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(TRPCClientError);
	return domainCodeOf(error);
}

describe('pairing', () => {
	it('redeems a valid code once, into an agent owned by the code’s verified user', async () => {
		const { code, user } = await codeFor();
		const redeemed = await redeemOverHttp(code.toLowerCase().replace('-', ' '));
		expect(redeemed.agentId).toMatch(/^agt_/);
		expect(redeemed.token.split('.')).toHaveLength(3);
		const me = await agentClient(t.url, redeemed.token).agent.me.query();
		expect(me.agentId).toBe(redeemed.agentId);
		const agents = await t.services.agents.list({ userId: user.id });
		expect(agents.map((a) => a.id)).toContain(redeemed.agentId);
	});

	it('refuses a replayed code with a distinct error', async () => {
		const { code } = await codeFor();
		await redeemOverHttp(code);
		expect(await domainError(redeemOverHttp(code))).toBe('PAIRING_CODE_USED');
	});

	it('tells an unknown code apart', async () => {
		expect(await domainError(redeemOverHttp('ZZZZ-ZZZZ'))).toBe('PAIRING_CODE_UNKNOWN');
	});

	it('refuses a malformed code before touching the database', async () => {
		const error = await redeemOverHttp('ab!').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TRPCClientError);
		expect((error as { data?: { code?: string } }).data?.code).toBe('BAD_REQUEST');
	});

	it('expires codes after 10 minutes (injected clock)', async () => {
		const { code } = await codeFor();
		t.advance(10 * 60_000 + 1_000);
		try {
			expect(await domainError(redeemOverHttp(code))).toBe('PAIRING_CODE_EXPIRED');
		} finally {
			t.advance(-(10 * 60_000 + 1_000));
		}
	});

	it('still reports an expired code as expired after the sweep has run', async () => {
		const { code } = await codeFor();
		const late = 10 * 60_000 + 6_000;
		t.advance(late);
		try {
			await runSweep(t.relay);
			expect(await domainError(redeemOverHttp(code))).toBe('PAIRING_CODE_EXPIRED');
		} finally {
			t.advance(-late);
		}
		// A day after expiry the sweep does remove it.
		const muchLater = late + EXPIRED_CODE_KEPT_MS;
		t.advance(muchLater);
		try {
			await runSweep(t.relay);
			expect(await domainError(redeemOverHttp(code))).toBe('PAIRING_CODE_UNKNOWN');
		} finally {
			t.advance(-muchLater);
		}
	});

	it('lets exactly one of two concurrent redemptions win', async () => {
		const { code, user } = await codeFor(BOB);
		const before = (await t.services.agents.list({ userId: user.id })).length;
		const results = await Promise.allSettled([
			t.services.pairing.redeem({ code, name: 'race', runner: 'codex' }, '10.1.0.1'),
			t.services.pairing.redeem({ code, name: 'race', runner: 'codex' }, '10.1.0.2')
		]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect(loser.reason.code).toBe('PAIRING_CODE_USED');
		expect((await t.services.agents.list({ userId: user.id })).length).toBe(before + 1);
	});

	it('rate-limits guessing per client address', async () => {
		const outcomes = [];
		for (let i = 0; i < 12; i++) {
			outcomes.push(
				await t.services.pairing
					.redeem({ code: 'AAAA-AAAA', name: 'guess', runner: 'custom' }, '10.9.9.9')
					.catch((e: { code?: string }) => e.code)
			);
		}
		expect(outcomes.slice(0, 10).every((o) => o === 'PAIRING_CODE_UNKNOWN')).toBe(true);
		expect(outcomes.slice(10)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
	});

	it('one address spending its attempts does not use up the global budget for others', async () => {
		// A relay of its own: the global budget is shared by every test of this file.
		const own = await startTestRelay();
		try {
			for (let i = 0; i < 70; i++) {
				await own.services.pairing
					.redeem({ code: 'AAAA-AAAA', name: 'guess', runner: 'custom' }, '10.66.6.6')
					.catch(() => {});
			}
			const victim = await signInWithTelegram(own.relay, BOB);
			const { code } = await issuePairingCode(own.relay, {
				userId: victim.id,
				telegramUserId: BOB.id
			});
			const redeemed = await own.services.pairing.redeem(
				{ code, name: 'victim', runner: 'custom' },
				'10.77.7.7'
			);
			expect(redeemed.agentId).toMatch(/^agt_/);
		} finally {
			await own.stop();
		}
	});
});

describe('agent identity', () => {
	it('refuses calls without a token, with a forged one, and with alg: none', async () => {
		const { agentId } = await pairAgent(t.relay, t.services, ALICE, 'identity');
		expect(await domainError(agentClient(t.url, null).agent.me.query())).toBe('UNAUTHENTICATED');
		const forged = await new SignJWT({})
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject(agentId)
			.setJti('tok_guessed000000000000000')
			.setIssuer('remoteagent-relay')
			.setAudience('remoteagent-agent')
			.sign(new TextEncoder().encode('not-the-server-secret-but-long-enough'));
		expect(await domainError(agentClient(t.url, forged).agent.me.query())).toBe('UNAUTHENTICATED');
		const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
			JSON.stringify({ sub: agentId, jti: 'x', iss: 'remoteagent-relay', aud: 'remoteagent-agent' })
		).toString('base64url')}.`;
		expect(await domainError(agentClient(t.url, none).agent.me.query())).toBe('UNAUTHENTICATED');
	});

	it('a correctly signed token for a token id that is not the agent’s is revoked', async () => {
		const { agentId } = await pairAgent(t.relay, t.services, ALICE, 'stale-token');
		const stale = await new SignJWT({})
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject(agentId)
			.setJti('tok_previous0000000000000')
			.setIssuer('remoteagent-relay')
			.setAudience('remoteagent-agent')
			.sign(new TextEncoder().encode(TEST_JWT_SECRET));
		expect(await domainError(agentClient(t.url, stale).agent.me.query())).toBe('AGENT_REVOKED');
	});

	it('deleting an agent revokes its token and closes its live subscription', async () => {
		const alice = await pairAgent(t.relay, t.services, ALICE, 'to-delete');
		const client = agentClient(t.url, alice.token);
		const agent = new ScriptedAgent(client);
		agent.connect();
		await eventually(
			async () =>
				(await t.services.agents.list({ userId: alice.userId })).find((a) => a.id === alice.agentId)
					?.online,
			10_000,
			'agent online'
		);
		await t.services.agents.remove({ userId: alice.userId }, alice.agentId);
		await agent.until(() => agent.errors.length > 0, 10_000, 'subscription closed');
		expect(domainCodeOf(agent.errors[0])).toBe('AGENT_REVOKED');
		agent.disconnect();
		expect(
			await domainError(client.agent.heartbeat.mutate({ busySessionId: null, version: 't' }))
		).toBe('AGENT_REVOKED');
	});
});

describe('cross-tenant isolation', () => {
	const caller = createCallerFactory(appRouter);

	it('a user cannot list, rename or delete another account’s agents', async () => {
		const alice = await pairAgent(t.relay, t.services, ALICE, 'alices');
		const bob = await pairAgent(t.relay, t.services, BOB, 'bobs');
		const asBob = caller({
			services: t.services,
			agentToken: null,
			user: { userId: bob.userId },
			clientAddress: 'x'
		});
		expect((await asBob.agents.list()).map((a) => a.id)).not.toContain(alice.agentId);
		await expect(
			asBob.agents.rename({ agentId: alice.agentId, name: 'mine' })
		).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(asBob.agents.delete({ agentId: alice.agentId })).rejects.toMatchObject({
			code: 'NOT_FOUND'
		});
		const asAlice = caller({
			services: t.services,
			agentToken: null,
			user: { userId: alice.userId },
			clientAddress: 'x'
		});
		expect((await asAlice.agents.list()).find((a) => a.id === alice.agentId)?.name).toBe('alices');
	});

	it('an agent cannot report output for another agent’s session', async () => {
		const alice = await pairAgent(t.relay, t.services, ALICE, 'owner-of-session');
		const mallory = await pairAgent(t.relay, t.services, BOB, 'intruder');
		const { createSession } = await import('../../src/lib/server/sessions/sessions.ts');
		const session = await createSession(t.relay, {
			accountId: alice.userId,
			agentId: alice.agentId,
			prompt: 'secret work',
			startedBy: { telegramUserId: ALICE.id, name: 'Alice' },
			chatId: null,
			messageId: null,
			continueSessionId: null
		});
		const intruder = agentClient(t.url, mallory.token);
		expect(
			await domainError(
				intruder.session.output.mutate({ sessionId: session.id, seq: 0, text: 'x' })
			)
		).toBe('SESSION_NOT_FOUND');
		expect(
			await domainError(
				intruder.session.finish.mutate({
					sessionId: session.id,
					status: 'done',
					reason: null,
					durationMs: 1
				})
			)
		).toBe('SESSION_NOT_FOUND');
		expect(
			await domainError(
				intruder.session.start.mutate({ sessionId: session.id, instance: TEST_INSTANCE })
			)
		).toBe('SESSION_NOT_FOUND');
	});

	it('a user cannot watch another account’s session output', async () => {
		const alice = await pairAgent(t.relay, t.services, ALICE, 'watched');
		const bob = await pairAgent(t.relay, t.services, BOB, 'watcher');
		const { createSession } = await import('../../src/lib/server/sessions/sessions.ts');
		const session = await createSession(t.relay, {
			accountId: alice.userId,
			agentId: alice.agentId,
			prompt: 'private',
			startedBy: { telegramUserId: ALICE.id, name: 'Alice' },
			chatId: null,
			messageId: null,
			continueSessionId: null
		});
		const stream = t.services.sessions.streamOutput(
			{ userId: bob.userId },
			session.id,
			null,
			new AbortController().signal
		);
		await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({
			code: 'SESSION_NOT_FOUND'
		});
	});
});

describe('one-time sign-in links', () => {
	it('the bot’s /login answers with a link that works once', async () => {
		const { textUpdate } = await import('../harness/accounts.ts');
		const { redeemLoginLink } = await import('../../src/lib/server/auth/login-link.ts');
		const newcomer = { id: 31337, firstName: 'Nora', username: 'nora' };
		expect((await t.postUpdate(textUpdate(newcomer, '/login'))).status).toBe(200);
		const reply = t.telegram.messages(newcomer.id).at(-1)!.visible;
		const url = new URL(/https?:\/\/\S+/.exec(reply)![0]);
		expect(url.pathname).toBe('/login/link');
		const token = url.searchParams.get('token')!;
		expect(await redeemLoginLink(t.relay, token)).toEqual({
			ok: true,
			telegramUserId: newcomer.id,
			firstName: 'Nora',
			username: 'nora'
		});
		expect(await redeemLoginLink(t.relay, token)).toEqual({ ok: false, reason: 'used' });
		expect(await redeemLoginLink(t.relay, 'made-up-token')).toEqual({
			ok: false,
			reason: 'unknown'
		});
	});

	it('`/start login` (the sign-in page’s t.me button) answers with a link too', async () => {
		const { textUpdate } = await import('../harness/accounts.ts');
		const { loginLinkState } = await import('../../src/lib/server/auth/login-link.ts');
		const newcomer = { id: 31338, firstName: 'Olga', username: 'olga' };
		expect((await t.postUpdate(textUpdate(newcomer, '/start login'))).status).toBe(200);
		const reply = t.telegram.messages(newcomer.id).at(-1)!.visible;
		expect(reply).toMatch(/^Your sign-in link/);
		const url = new URL(/https?:\/\/\S+/.exec(reply)![0]);
		expect(await loginLinkState(t.relay, url.searchParams.get('token')!)).toBe('usable');
	});

	it('tells a usable link from a used, expired or unknown one without using it', async () => {
		const { createLoginLink, loginLinkState, redeemLoginLink } =
			await import('../../src/lib/server/auth/login-link.ts');
		const token = await createLoginLink(t.relay, { id: 4041, firstName: 'Peek' });
		expect(await loginLinkState(t.relay, token)).toBe('usable');
		expect(await loginLinkState(t.relay, token)).toBe('usable');
		expect((await redeemLoginLink(t.relay, token)).ok).toBe(true);
		expect(await loginLinkState(t.relay, token)).toBe('used');
		expect(await loginLinkState(t.relay, 'made-up-token')).toBe('unknown');
		expect(await loginLinkState(t.relay, '')).toBe('unknown');
		const late = await createLoginLink(t.relay, { id: 4042, firstName: 'Late' });
		t.advance(5 * 60_000 + 1_000);
		try {
			expect(await loginLinkState(t.relay, late)).toBe('expired');
		} finally {
			t.advance(-(5 * 60_000 + 1_000));
		}
	});

	it('expires after 5 minutes', async () => {
		const { createLoginLink, redeemLoginLink } =
			await import('../../src/lib/server/auth/login-link.ts');
		const token = await createLoginLink(t.relay, { id: 4040, firstName: 'Late' });
		t.advance(5 * 60_000 + 1_000);
		try {
			expect(await redeemLoginLink(t.relay, token)).toEqual({ ok: false, reason: 'expired' });
		} finally {
			t.advance(-(5 * 60_000 + 1_000));
		}
	});
});

describe('dashboard sessions', () => {
	it('resolve while valid, slide when used, end at logout and at expiry', async () => {
		const { createWebSession, resolveWebSession, destroyWebSession, SESSION_TTL_MS } =
			await import('../../src/lib/server/auth/web-session.ts');
		const user = await signInWithTelegram(t.relay, ALICE);
		const { cookieValue, expiresAt } = await createWebSession(t.relay, user.id);
		expect((await resolveWebSession(t.relay, cookieValue))?.user.userId).toBe(user.id);
		expect(await resolveWebSession(t.relay, cookieValue + 'x')).toBeNull();

		t.advance(2 * 3_600_000);
		try {
			const slid = await resolveWebSession(t.relay, cookieValue);
			expect(slid!.expiresAt.getTime()).toBeGreaterThan(expiresAt.getTime());
		} finally {
			t.advance(-2 * 3_600_000);
		}

		t.advance(SESSION_TTL_MS + 3 * 3_600_000);
		try {
			expect(await resolveWebSession(t.relay, cookieValue)).toBeNull();
		} finally {
			t.advance(-(SESSION_TTL_MS + 3 * 3_600_000));
		}

		const second = await createWebSession(t.relay, user.id);
		await destroyWebSession(t.relay, second.cookieValue);
		expect(await resolveWebSession(t.relay, second.cookieValue)).toBeNull();
	});
});
