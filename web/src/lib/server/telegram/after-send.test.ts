import { describe, expect, it } from 'vitest';
import { recordAfterSend } from './after-send.ts';

describe('recordAfterSend', () => {
	it('retries a failing write with growing delays until it succeeds', async () => {
		const waits: number[] = [];
		let calls = 0;
		const result = await recordAfterSend(
			async () => {
				if (++calls < 4) throw new Error('redis is restarting');
				return 'OK';
			},
			async (ms) => void waits.push(ms)
		);
		expect(result).toBe('OK');
		expect(waits).toEqual([100, 250, 500]);
	});

	it('lets the error through after about 16 s of failures', async () => {
		const waits: number[] = [];
		const failing = recordAfterSend(
			() => Promise.reject(new Error('redis is gone')),
			async (ms) => void waits.push(ms)
		);
		await expect(failing).rejects.toThrow('redis is gone');
		expect(waits.reduce((a, b) => a + b, 0)).toBe(15_850);
	});
});
