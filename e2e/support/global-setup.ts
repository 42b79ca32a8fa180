/**
 * Runs once before any worker: checks the machine has what the suite needs, then makes sure
 * web/build and the migrated database template are current. Each worker starts its own relay
 * stack from those (fixtures.ts) and stops it itself, so there is nothing global to tear down.
 */
import { ensureBuilt } from './build.ts';
import { MissingBinaryError, requireBinaries } from './binaries.ts';
import { ensureDatabaseTemplate } from './database-template.ts';

export default async function globalSetup(): Promise<void> {
	try {
		requireBinaries();
	} catch (error) {
		// One line, no stack: the message says what is missing and how to install it.
		if (error instanceof MissingBinaryError) error.stack = error.message;
		throw error;
	}
	let started = Date.now();
	if ((await ensureBuilt()) === 'built') console.log(`e2e: built web/ in ${seconds(started)}`);
	started = Date.now();
	const template = await ensureDatabaseTemplate();
	if (template.created) console.log(`e2e: made the database template in ${seconds(started)}`);
	// Workers inherit the runner's environment.
	process.env.E2E_DATABASE_TEMPLATE = template.dir;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
