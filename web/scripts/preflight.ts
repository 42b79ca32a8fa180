/**
 * Run before the test suite: every binary the tests need must be there. A missing one fails the
 * run with one line saying what to install — tests are never skipped for it.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(name: string): boolean {
	return (process.env.PATH ?? '').split(delimiter).some((dir) => {
		try {
			accessSync(join(dir, name), constants.X_OK);
			return true;
		} catch {
			return false;
		}
	});
}

function postgresInstalled(): boolean {
	try {
		return readdirSync('/usr/lib/postgresql').some((version) => {
			try {
				accessSync(join('/usr/lib/postgresql', version, 'bin', 'initdb'), constants.X_OK);
				return true;
			} catch {
				return false;
			}
		});
	} catch {
		return onPath('initdb');
	}
}

const missing: string[] = [];
if (!onPath('redis-server')) missing.push('redis-server');
if (!postgresInstalled()) missing.push('postgresql');
if (!onPath('chromium') && !onPath('chromium-browser')) missing.push('chromium');

if (missing.length > 0) {
	console.error(
		`missing for the test suite: ${missing.join(', ')} — install with: apt-get install -y ${missing.join(' ')}`
	);
	process.exit(1);
}
