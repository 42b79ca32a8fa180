/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys
 * (`line_items[0][price]=price_x`, `metadata[account_id]=…`), as stripe-node writes it; GET
 * parameters use the same shape in the query string. Decoded into nested objects, a run of
 * numeric keys becoming an array, the way the API reads them.
 */

export type Params = Record<string, unknown>;

export function parseParams(text: string): Params {
	const root: Params = {};
	for (const [key, value] of new URLSearchParams(text)) {
		const path = key.split(/\[|\]\[|\]/).filter((part, i) => i === 0 || part !== '');
		let node: Params = root;
		path.forEach((part, i) => {
			if (i === path.length - 1) {
				node[part] = value;
				return;
			}
			const next = node[part];
			node = (next && typeof next === 'object' ? next : (node[part] = {})) as Params;
		});
	}
	return arrays(root) as Params;
}

function arrays(value: unknown): unknown {
	if (!value || typeof value !== 'object') return value;
	const entries = Object.entries(value as Params).map(([k, v]) => [k, arrays(v)] as const);
	const numeric = entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k));
	if (numeric) {
		return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
	}
	return Object.fromEntries(entries);
}
