/**
 * "5 minutes ago" / "in 9 minutes" for the dashboard's timestamps. The exact time goes in the
 * element's tooltip (see components/RelativeTime.svelte); this only says how long ago.
 */
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
	['minute', 60],
	['hour', 24],
	['day', 7],
	['week', 4.35],
	['month', 12],
	['year', Infinity]
];

const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** How far `then` is from `now` (both ms since the epoch), in the largest whole unit. */
export function relativeTime(then: number, now: number): string {
	let amount = (then - now) / 1000;
	if (Math.abs(amount) < 45) return 'just now';
	amount /= 60;
	for (const [unit, size] of STEPS) {
		if (Math.round(Math.abs(amount)) < size) return format.format(Math.round(amount), unit);
		amount /= size;
	}
	return format.format(Math.round(amount), 'year');
}

/** The exact time the server can render before it knows the reader's time zone. */
export function utcTime(iso: string): string {
	return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
