/**
 * Content-Security-Policy in the browser: a watcher that records every violation a page reports
 * (console errors and uncaught errors naming the policy), and a parser for the header.
 */
import type { Page } from '@playwright/test';

export interface CspWatch {
	/** The violations reported so far; they are cleared. */
	take(): string[];
}

export function watchCsp(page: Page): CspWatch {
	let seen: string[] = [];
	const record = (text: string) => {
		if (/Content Security Policy/i.test(text)) seen.push(text);
	};
	page.on('console', (message) => {
		if (message.type() === 'error') record(message.text());
	});
	page.on('pageerror', (error) => record(String(error)));
	return {
		take: () => {
			const taken = seen;
			seen = [];
			return taken;
		}
	};
}

/** `default-src 'self'; img-src 'self' data:` → { 'default-src': ["'self'"], … }. */
export function parseCsp(header: string): Record<string, string[]> {
	const directives: Record<string, string[]> = {};
	for (const part of header.split(';')) {
		const [name, ...values] = part.trim().split(/\s+/);
		if (name) directives[name.toLowerCase()] = values;
	}
	return directives;
}
