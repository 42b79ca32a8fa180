import { describe, expect, it } from 'vitest';
import { createSealer, SealError } from './seal.ts';

const SECRET = 'Zq8Xv2Lm4Nb6Pc1Rt3Ys5Hd7Kf9Gj0Wa';

describe('seal', () => {
	const sealer = createSealer(SECRET);

	it('round-trips text, and the sealed form does not contain it', async () => {
		const text = 'marker-7f3a9 ünïcødé 🐙 '.repeat(20);
		const sealed = await sealer.seal('command', 'agt_1', text);
		expect(sealed).not.toContain('marker-7f3a9');
		expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/);
		expect(await sealer.open('command', 'agt_1', sealed)).toBe(text);
	});

	it('uses a fresh nonce for every message', async () => {
		const a = await sealer.seal('output', 'ses_1', 'same text');
		const b = await sealer.seal('output', 'ses_1', 'same text');
		expect(a).not.toBe(b);
		expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
	});

	it('refuses another context, another purpose and another secret', async () => {
		const sealed = await sealer.seal('output', 'ses_1', 'secret text');
		await expect(sealer.open('output', 'ses_2', sealed)).rejects.toBeInstanceOf(SealError);
		await expect(sealer.open('live', 'ses_1', sealed)).rejects.toBeInstanceOf(SealError);
		const other = createSealer(SECRET.split('').reverse().join(''));
		await expect(other.open('output', 'ses_1', sealed)).rejects.toBeInstanceOf(SealError);
	});

	it('refuses tampered and malformed values', async () => {
		const sealed = await sealer.seal('command', 'agt_1', 'hello');
		const [version, iv, body] = sealed.split('.') as [string, string, string];
		const flipped = body.slice(0, -2) + (body.at(-2) === 'A' ? 'B' : 'A') + body.at(-1);
		for (const bad of [
			`${version}.${iv}.${flipped}`,
			`v2.${iv}.${body}`,
			`${version}.${iv}`,
			`${sealed}.extra`,
			'{"type":"prompt"}',
			`${version}.${iv}.${body}!`
		]) {
			await expect(sealer.open('command', 'agt_1', bad), bad).rejects.toBeInstanceOf(SealError);
		}
	});
});
