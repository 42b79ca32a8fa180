/**
 * The relay of this server process, created on first use from the environment. Only
 * connections and clients are cached here; every piece of state lives in Redis or PostgreSQL.
 */
import { loadConfig } from './config/index.ts';
import { createRelay, type Relay } from './relay.ts';
import { createServices } from './trpc/services.ts';
import type { ApiServices } from '@remoteagent/shared/api';

/**
 * `pnpm start` creates the relay before it loads the built app and hands it over under this
 * registry symbol (the bundle is a separate copy of these modules): PGlite allows one instance
 * per data directory, so the app must not open the database a second time.
 */
const HANDED_OVER = Symbol.for('remoteagent.relay');

let pending: Promise<{ relay: Relay; services: ApiServices }> | undefined;

export function getRelay(): Promise<{ relay: Relay; services: ApiServices }> {
	const given = (globalThis as Record<symbol, unknown>)[HANDED_OVER] as Relay | undefined;
	pending ??= (given ? Promise.resolve(given) : createRelay(loadConfig())).then((relay) => ({
		relay,
		services: createServices(relay)
	}));
	pending.catch(() => {
		pending = undefined;
	});
	return pending;
}

// adapter-node emits this after SIGTERM/SIGINT once the HTTP server stopped accepting requests:
// close the database and clients so the process can exit (pnpm start closes its own relay).
process.once('sveltekit:shutdown' as 'beforeExit', () => {
	const given = (globalThis as Record<symbol, unknown>)[HANDED_OVER];
	if (!given && pending) void pending.then(({ relay }) => relay.close()).catch(() => {});
});
