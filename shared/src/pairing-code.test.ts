import { describe, expect, it } from 'vitest';
import {
	generatePairingCode,
	normalizePairingCode,
	PAIRING_CODE_ALPHABET,
	PAIRING_CODE_SYMBOLS
} from './pairing-code.ts';

describe('pairing codes', () => {
	it('carry at least 40 bits: 8 symbols of a 32-symbol alphabet', () => {
		expect(new Set(PAIRING_CODE_ALPHABET).size).toBe(32);
		expect(PAIRING_CODE_SYMBOLS * Math.log2(PAIRING_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(
			40
		);
	});

	it('look like XXXX-XXXX with no ambiguous letters', () => {
		for (let i = 0; i < 200; i++) {
			const code = generatePairingCode();
			expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
			expect(normalizePairingCode(code)).toBe(code);
		}
	});

	it('use every symbol about equally (no modulo bias, CSPRNG-backed)', () => {
		const counts = new Map<string, number>();
		const samples = 4000;
		for (let i = 0; i < samples; i++) {
			for (const ch of generatePairingCode().replace('-', ''))
				counts.set(ch, (counts.get(ch) ?? 0) + 1);
		}
		expect(counts.size).toBe(32);
		const expected = (samples * 8) / 32;
		// Chi-squared with 31 degrees of freedom: 70 is far beyond the 99.99th percentile (~61).
		const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
		expect(chi2).toBeLessThan(70);
		const distinct = new Set(Array.from({ length: 1000 }, generatePairingCode));
		expect(distinct.size).toBe(1000);
	});

	it('normalise what people type', () => {
		expect(normalizePairingCode('7kq4 m2xd')).toBe('7KQ4-M2XD');
		expect(normalizePairingCode('7KQ4M2XD')).toBe('7KQ4-M2XD');
		expect(normalizePairingCode('oIlL-0000')).toBe('0111-0000');
		expect(normalizePairingCode(' 7kq4-m2xd\n')).toBe('7KQ4-M2XD');
	});

	it('refuse what cannot be a code', () => {
		expect(normalizePairingCode('')).toBeNull();
		expect(normalizePairingCode('7KQ4-M2X')).toBeNull();
		expect(normalizePairingCode('7KQ4-M2XDD')).toBeNull();
		expect(normalizePairingCode('7KQ4-M2XU')).toBeNull();
		expect(normalizePairingCode('7KQ4/M2XD')).toBeNull();
	});
});
