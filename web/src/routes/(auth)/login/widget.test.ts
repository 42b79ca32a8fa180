import { describe, expect, it } from 'vitest';
import { authUserFromWidget, WIDGET_ORIGIN } from './widget.ts';

const source = {} as Window;
const frame = { contentWindow: source } as HTMLIFrameElement;
const user = { id: 42, first_name: 'Ada', auth_date: 1, hash: 'ab' };
const message = (data: unknown, over: { origin?: string; source?: object } = {}) => ({
	origin: over.origin ?? WIDGET_ORIGIN,
	source: (over.source ?? source) as Window,
	data
});

describe('authUserFromWidget', () => {
	it('takes the payload of the widget iframe’s auth_user message', () => {
		const data = JSON.stringify({ event: 'auth_user', auth_data: user });
		expect(authUserFromWidget(message(data), frame)).toEqual(user);
	});

	it('ignores other origins, other frames, other events and malformed data', () => {
		const data = JSON.stringify({ event: 'auth_user', auth_data: user });
		expect(authUserFromWidget(message(data, { origin: 'https://evil.example' }), frame)).toBe(null);
		expect(authUserFromWidget(message(data, { source: {} }), frame)).toBe(null);
		expect(authUserFromWidget(message(data), null)).toBe(null);
		for (const other of ['{"event":"resize","height":40}', '{"event":"auth_user"}', '{', 'null']) {
			expect(authUserFromWidget(message(other), frame)).toBe(null);
		}
	});
});
