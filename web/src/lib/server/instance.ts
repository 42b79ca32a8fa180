/**
 * The relay of this server process, created on first use from the environment. Only
 * connections and clients are cached here; every piece of state lives in Redis or PostgreSQL.
 */
import { loadConfig } from './config/index.ts';
import { createRelay, type Relay } from './relay.ts';
import { createServices } from './trpc/services.ts';
import type { ApiServices } from '@remoteagent/shared/api';

let pending: Promise<{ relay: Relay; services: ApiServices }> | undefined;

export function getRelay(): Promise<{ relay: Relay; services: ApiServices }> {
	pending ??= createRelay(loadConfig()).then((relay) => ({ relay, services: createServices(relay) }));
	pending.catch(() => {
		pending = undefined;
	});
	return pending;
}
