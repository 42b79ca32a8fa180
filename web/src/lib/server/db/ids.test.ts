import { id } from '@remoteagent/shared';
import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
	it('makes ids the shared id schema accepts, with 130 random bits', () => {
		const value = newId('ses');
		expect(value).toMatch(/^ses_[0-9a-hjkmnp-tv-z]{26}$/);
		expect(id.safeParse(value).success).toBe(true);
	});

	it('does not repeat and uses the whole alphabet', () => {
		const ids = Array.from({ length: 2000 }, () => newId('usr'));
		expect(new Set(ids).size).toBe(ids.length);
		const symbols = new Set(ids.flatMap((v) => [...v.slice(4)]));
		expect(symbols.size).toBe(32);
	});

	it('rejects prefixes the id schema would not accept', () => {
		for (const prefix of ['', 'u', 'users', 'Usr', 'us_'])
			expect(() => newId(prefix)).toThrow(/prefix/);
	});
});
