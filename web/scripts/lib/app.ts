/**
 * Serving the built SvelteKit app (adapter-node's `build/handler.js`) with `node:http`, behind the
 * webhook guard: forged Telegram webhook calls are answered before the app is called.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Relay } from '../../src/lib/server/relay.ts';
import { refuseForgedWebhook } from '../../src/lib/server/telegram/webhook-guard.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/**
 * PGlite allows one instance per data directory (two instances on one directory each see only
 * their own writes), so the app must use the relay `pnpm start` created instead of opening the
 * database a second time. The bundled app is a separate copy of the modules; a registry symbol
 * is the one name both copies share (read by `src/lib/server/instance.ts`).
 */
export const RELAY_HANDOFF = Symbol.for('remoteagent.relay');

export function handOverRelay(relay: Relay): void {
	(globalThis as Record<symbol, unknown>)[RELAY_HANDOFF] = relay;
}

export class BuildMissingError extends Error {
	override readonly name = 'BuildMissingError';
}

/** The app's entry in the build; checked before anything starts. */
export function handlerFile(buildDir: string): string {
	const file = join(buildDir, 'handler.js');
	if (!existsSync(file)) {
		throw new BuildMissingError(
			`${file} not found: run \`pnpm --filter @remoteagent/web build\` first`
		);
	}
	return file;
}

/** Imports the app; it reads `process.env` on import, so set the environment first. */
export async function loadHandler(file: string): Promise<Handler> {
	const module = (await import(pathToFileURL(file).href)) as { handler: Handler };
	return module.handler;
}

export interface AppServer {
	port: number;
	close(): Promise<void>;
}

/** `webhookSecret` is `TELEGRAM_WEBHOOK_SECRET`; unset refuses every webhook call, like the app. */
export function serveApp(
	handler: Handler,
	host: string,
	port: number,
	webhookSecret: string | undefined
): Promise<AppServer> {
	const server = createServer((req, res) => {
		if (refuseForgedWebhook(req, res, webhookSecret)) return;
		handler(req, res, () => {
			res.statusCode = 404;
			res.end('Not Found');
		});
	});
	return new Promise((resolve, reject) => {
		server.once('error', (error: NodeJS.ErrnoException) => {
			const where = `${host}:${port}`;
			reject(
				error.code === 'EADDRINUSE'
					? new Error(`cannot listen on ${where}: the address is in use (set PORT or HOST)`)
					: new Error(`cannot listen on ${where}: ${error.message}`)
			);
		});
		server.listen(port, host, () => {
			resolve({
				port: (server.address() as AddressInfo).port,
				close: () =>
					new Promise<void>((done) => {
						server.close(() => done());
						// Live-output streams (SSE) never end on their own.
						server.closeAllConnections();
					})
			});
		});
	});
}
