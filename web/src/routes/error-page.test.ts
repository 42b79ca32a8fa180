/**
 * The styled error page (+error.svelte) for a server error, rendered on the server as SvelteKit
 * does: a real title, the status, and links back. (404 is covered in e2e/layout.spec.ts; no
 * page of the app fails on purpose, so a 500 is rendered here.)
 */
import { describe, expect, it, vi } from 'vitest';
import { render } from 'svelte/server';

const state = vi.hoisted(() => ({
	page: {
		status: 500,
		error: { message: 'Internal Error' } as { message: string } | null,
		url: new URL('http://127.0.0.1/agents')
	}
}));
vi.mock('$app/state', () => state);

describe('the error page', () => {
	it('names a server error in its title and body and offers a way back', async () => {
		const { default: ErrorPage } = await import('./+error.svelte');
		const { head, body } = render(ErrorPage);
		expect(head).toContain('<title>Something went wrong — RemoteAgent</title>');
		expect(body).toContain('Something went wrong');
		expect(body).toContain('(500: Internal Error)');
		expect(body).toMatch(/<a[^>]+href="\/agents"/);
		expect(body).toMatch(/<a[^>]+href="\/"/);
	});

	it('calls a 404 "Page not found" and names the path', async () => {
		state.page.status = 404;
		state.page.url = new URL('http://127.0.0.1/no/such/page');
		const { default: ErrorPage } = await import('./+error.svelte');
		const { head, body } = render(ErrorPage);
		expect(head).toContain('<title>Page not found — RemoteAgent</title>');
		expect(body).toContain('/no/such/page');
	});
});
