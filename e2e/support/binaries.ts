/**
 * The programs the e2e suite needs on this machine. Each check fails with one line that says
 * what is missing and how to get it, instead of a stack trace from deep inside a launch.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian's Chromium: Playwright cannot download its own browsers here. */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-quic',
	'--no-first-run'
];

export class MissingBinaryError extends Error {
	override readonly name = 'MissingBinaryError';
}

function executable(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

function onPath(name: string): boolean {
	return (process.env.PATH ?? '')
		.split(delimiter)
		.some((dir) => dir && executable(join(dir, name)));
}

/** Throws a one-line MissingBinaryError for the first missing program. */
export function requireBinaries(): void {
	if (!executable(CHROMIUM)) {
		throw new MissingBinaryError(`e2e: ${CHROMIUM} not found: apt-get install -y chromium`);
	}
	if (!onPath('redis-server')) {
		throw new MissingBinaryError(
			'e2e: redis-server not found on PATH: apt-get install -y redis-server'
		);
	}
}
