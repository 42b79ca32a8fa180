import { describe, expect, it } from 'vitest';
import { relativeTime, utcTime } from './relative-time.ts';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const ago = (ms: number) => relativeTime(NOW - ms, NOW);

describe('relativeTime', () => {
	it('says "just now" under 45 seconds, either way', () => {
		expect(ago(0)).toBe('just now');
		expect(ago(44_000)).toBe('just now');
		expect(ago(-44_000)).toBe('just now');
	});

	it('picks the largest whole unit', () => {
		expect(ago(50_000)).toBe('1 minute ago');
		expect(ago(5 * 60_000)).toBe('5 minutes ago');
		expect(ago(3 * 3_600_000)).toBe('3 hours ago');
		expect(ago(24 * 3_600_000)).toBe('yesterday');
		expect(ago(3 * 86_400_000)).toBe('3 days ago');
		expect(ago(14 * 86_400_000)).toBe('2 weeks ago');
		expect(ago(400 * 86_400_000)).toBe('last year');
	});

	it('speaks of the future for times to come', () => {
		expect(ago(-9 * 60_000)).toBe('in 9 minutes');
	});
});

describe('utcTime', () => {
	it('keeps minutes and names the zone', () => {
		expect(utcTime('2026-11-29T08:41:54.123Z')).toBe('2026-11-29 08:41 UTC');
	});
});
