/**
 * Forged webhook calls answered at the socket. `pnpm start`'s `node:http` server asks this guard
 * first: a `POST /api/telegram` without the right secret header gets the same 401 as
 * `handleWebhook` gives, before SvelteKit builds a `Request`, routes or runs a hook, so a forgery
 * costs about what it costs grammY's own `webhookCallback`. The route still checks the secret
 * itself: on Vercel there is no such server, and this guard knows only the exact path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASELINE_HEADERS } from '../security-headers.ts';
import { SECRET_HEADER, webhookSecretMatches } from './webhook-secret.ts';

export const WEBHOOK_PATH = '/api/telegram';

/**
 * The body of a refused request is never read. Up to this size Node discards it after the answer
 * and the connection stays open for the next request (keep-alive); a bigger one, or one of unknown
 * length (chunked), could take long or never end, so the answer closes the connection instead.
 * Telegram's updates are a few KiB. A small body sent slowly is cut off like any request's, by
 * the server's `requestTimeout` (Node's default: 300 s).
 */
export const DISCARDED_BODY_MAX = 64 * 1024;

const BODY = 'unauthorized';
// With every header given to writeHead, Node would otherwise frame the body as chunked.
const KEEP_OPEN = {
	...BASELINE_HEADERS,
	'content-type': 'text/plain',
	'content-length': String(Buffer.byteLength(BODY))
};
const CLOSE = { ...KEEP_OPEN, connection: 'close' };

/**
 * Answers 401 and returns true for a webhook call without the right secret (every webhook call
 * when none is configured, like `handleWebhook`); returns false for anything else, to be passed on.
 */
export function refuseForgedWebhook(
	req: IncomingMessage,
	res: ServerResponse,
	secret: string | undefined
): boolean {
	if (req.method !== 'POST' || !isWebhookPath(req.url)) return false;
	const header = req.headers[SECRET_HEADER];
	if (secret && webhookSecretMatches(typeof header === 'string' ? header : null, secret)) {
		return false;
	}
	res.writeHead(401, bodyIsSmall(req) ? KEEP_OPEN : CLOSE).end(BODY);
	return true;
}

/** The exact path, query string ignored. Other spellings reach the route, which checks too. */
function isWebhookPath(url: string | undefined): boolean {
	if (!url?.startsWith(WEBHOOK_PATH)) return false;
	return url.length === WEBHOOK_PATH.length || url[WEBHOOK_PATH.length] === '?';
}

function bodyIsSmall(req: IncomingMessage): boolean {
	if (req.headers['transfer-encoding'] !== undefined) return false;
	const length = req.headers['content-length'];
	return length === undefined || Number(length) <= DISCARDED_BODY_MAX;
}
