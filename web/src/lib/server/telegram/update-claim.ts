/**
 * An update's first Redis round trip: the idempotency claim on its `update_id` and the sender's
 * rate limit, in one script. The limit is a sliding window (the previous fixed window weighted
 * by how much of it still overlaps, plus the current one), as `@upstash/ratelimit` does it,
 * counted under a pseudonym of the Telegram id (an HMAC under a key derived from the server's
 * secret), so the key names nobody. A sender the authorisation gate then refuses has the count
 * taken back at once ({@link forgetSender}): nothing about strangers outlives their update.
 */
import { createHmac } from 'node:crypto';
import type { Redis } from '@upstash/redis';

export type Claim =
	/** Ours to handle; `allowed` false: over the rate limit (the bot says so). */
	| { claimed: true; allowed: boolean; retryInMs: number; counter: string | null }
	/** Another delivery has it (`processing`) or had it (`done`). */
	| { claimed: false; state: string };

/**
 * KEYS[1] claim, KEYS[2] current window, KEYS[3] previous window; ARGV[1] claim TTL s (0: no
 * claim), ARGV[2] limit (0: not counted), ARGV[3] window ms, ARGV[4] ms into the current window.
 */
const CLAIM_SCRIPT = `
if ARGV[1] ~= '0' and not redis.call('SET', KEYS[1], 'processing', 'NX', 'EX', ARGV[1]) then
	return { 0, redis.call('GET', KEYS[1]) or '' }
end
local limit = tonumber(ARGV[2])
if limit == 0 then return { 1, 1 } end
local window = tonumber(ARGV[3])
local previous = tonumber(redis.call('GET', KEYS[3]) or '0')
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if math.floor(previous * (1 - tonumber(ARGV[4]) / window)) + current >= limit then return { 1, 0 } end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], window * 2 + 1000)
return { 1, 1 }`;

const FORGET_SCRIPT = `if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end return 0`;

const WINDOW_MS = 60_000;

export interface ClaimRequest {
	/** Null: count only, claim nothing. */
	updateId: number | null;
	/** The sender, or null for an update that is not rate limited (sign-up commands). */
	limitedSender: number | null;
	perMinute: number;
	claimTtlS: number;
	now: number;
}

export class UpdateClaims {
	private readonly script;
	private readonly pseudonymKey: Buffer;

	constructor(
		private readonly redis: Redis,
		secret: string
	) {
		this.script = redis.createScript<[number, number | string]>(CLAIM_SCRIPT);
		this.pseudonymKey = createHmac('sha256', secret)
			.update('remoteagent rate-limit pseudonym v1')
			.digest();
	}

	async claim(request: ClaimRequest): Promise<Claim> {
		const window = Math.floor(request.now / WINDOW_MS);
		const counter = request.limitedSender === null ? null : this.counterKey(request.limitedSender);
		const [claimed, value] = await this.script.exec(
			[
				request.updateId === null ? 'rl:none' : updateKey(request.updateId),
				`${counter ?? 'rl:none'}:${window}`,
				`${counter ?? 'rl:none'}:${window - 1}`
			],
			[
				String(request.updateId === null ? 0 : request.claimTtlS),
				String(counter === null ? 0 : request.perMinute),
				String(WINDOW_MS),
				String(request.now - window * WINDOW_MS)
			]
		);
		if (claimed !== 1) return { claimed: false, state: String(value) };
		return {
			claimed: true,
			allowed: value === 1,
			retryInMs: (window + 1) * WINDOW_MS - request.now,
			counter: counter === null ? null : `${counter}:${window}`
		};
	}

	/** Count one message of an authorised sender outside Telegram (the web console). */
	async limit(
		telegramUserId: number,
		perMinute: number,
		now: number
	): Promise<{ allowed: boolean; retryInMs: number }> {
		const claim = await this.claim({
			updateId: null,
			limitedSender: telegramUserId,
			perMinute,
			claimTtlS: 0,
			now
		});
		return claim.claimed ? claim : { allowed: false, retryInMs: 1_000 };
	}

	/** A sender the gate refused: take back what their update counted. */
	async forgetSender(claim: Claim): Promise<void> {
		if (claim.claimed && claim.counter && claim.allowed) {
			await this.redis.eval(FORGET_SCRIPT, [claim.counter], []);
		}
	}

	private counterKey(telegramUserId: number): string {
		const pseudonym = createHmac('sha256', this.pseudonymKey)
			.update(String(telegramUserId))
			.digest('base64url')
			.slice(0, 22);
		return `rl:tg:${pseudonym}`;
	}
}

export const updateKey = (updateId: number) => `tg:update:${updateId}`;
