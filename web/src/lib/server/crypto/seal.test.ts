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

	it('opens what the WebCrypto sealer before it sealed (values in Redis survive an upgrade)', async () => {
		// Sealed by the WebCrypto implementation (crypto.subtle HKDF + AES-GCM) this replaced.
		const known = createSealer('a-known-answer-secret-of-32-chars!!');
		expect(
			await known.open(
				'command',
				'agt_known',
				'v1.0TLj56OaXgBh3odx.FJVGYd3xn-Zq7uIV19Npce6EMpDuHay5ij7U_A6AVkTU3nshYGjFFA'
			)
		).toBe('héllo, sealed world ✓');
		expect(
			await known.open('output', 'ses_known', 'v1.0ojq4sbhIhLYPjup.Fl9riLLUgk6TNM-pErfA1w')
		).toBe('');
		// And WebCrypto opens what it seals now.
		const sealed = await known.seal('command', 'agt_known', 'the other way');
		const [, iv, body] = sealed.split('.') as [string, string, string];
		const base = await crypto.subtle.importKey(
			'raw',
			new TextEncoder().encode('a-known-answer-secret-of-32-chars!!'),
			'HKDF',
			false,
			['deriveKey']
		);
		const key = await crypto.subtle.deriveKey(
			{
				name: 'HKDF',
				hash: 'SHA-256',
				salt: new TextEncoder().encode('remoteagent/seal'),
				info: new TextEncoder().encode('remoteagent/seal/v1/command')
			},
			base,
			{ name: 'AES-GCM', length: 256 },
			false,
			['decrypt']
		);
		const opened = await crypto.subtle.decrypt(
			{
				name: 'AES-GCM',
				iv: Buffer.from(iv, 'base64url'),
				additionalData: new TextEncoder().encode('agt_known')
			},
			key,
			Buffer.from(body, 'base64url')
		);
		expect(new TextDecoder().decode(opened)).toBe('the other way');
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
			`${version}.${iv}.${body}!`,
			`${version}.${iv.slice(0, 8)}.${body}`,
			`${version}.${iv}.AAAA`
		]) {
			await expect(sealer.open('command', 'agt_1', bad), bad).rejects.toBeInstanceOf(SealError);
		}
	});
});
