/**
 * Telegram allows about one message or edit per second in a chat. grammY's throttler enforces
 * that inside one process; serverless instances are many processes, so live output also takes a
 * per-chat turn in Redis: whoever sets the short-lived key may call Telegram, the others wait
 * for it to expire. Bounded: after `maxWaitMs` the call goes ahead (a 429 is still retried).
 */
import type { Redis } from '@upstash/redis';

/** One message or edit per chat per this many milliseconds. */
export const CHAT_PACE_MS = 1_000;

export async function paceChat(
	redis: Redis,
	chatId: number,
	opts: { intervalMs?: number; maxWaitMs?: number } = {}
): Promise<void> {
	const intervalMs = opts.intervalMs ?? CHAT_PACE_MS;
	const deadline = Date.now() + (opts.maxWaitMs ?? 30_000);
	const key = `tg:pace:${chatId}`;
	while ((await redis.set(key, 1, { nx: true, px: intervalMs })) !== 'OK') {
		const untilDeadline = deadline - Date.now();
		if (untilDeadline <= 0) return;
		const left = await redis.pttl(key);
		const wait = Math.min(Math.max(left, 10), intervalMs, untilDeadline);
		await new Promise((resolve) => setTimeout(resolve, wait));
	}
}
