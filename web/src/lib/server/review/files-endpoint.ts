/**
 * The agent's byte channel, `AGENT_FILES_PATH` (files are bytes, not tRPC's JSON):
 * - `GET ?ref=<sealed ref>` streams a file sent to the bot from Telegram to the agent;
 * - `POST ?sessionId=|requestId=&name=` streams the body to the chat as a document.
 * Both authenticate the agent by its token, like every tRPC call. Bytes pass through and are
 * never buffered whole, stored or logged.
 */
import { InputFile } from 'grammy';
import { DOMAIN_ERRORS, DomainError, id, TELEGRAM_UPLOAD_LIMIT } from '@remoteagent/shared';
import type { ApiServices } from '@remoteagent/shared/api';
import type { Relay } from '../relay.ts';
import { destinationOf } from './destination.ts';
import { openFileRef } from './file-refs.ts';

const STATUS: Record<string, number> = {
	UNAUTHORIZED: 401,
	NOT_FOUND: 404,
	BAD_REQUEST: 400,
	CONFLICT: 409,
	TOO_MANY_REQUESTS: 429
};

export async function handleAgentFiles(
	request: Request,
	opts: { relay: Relay; services: ApiServices }
): Promise<Response> {
	try {
		const authorization = request.headers.get('authorization');
		const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
		if (!token) throw new DomainError('UNAUTHENTICATED');
		const agent = await opts.services.authenticateAgent(token);
		const url = new URL(request.url);
		if (request.method === 'GET') return await download(opts.relay, agent.agentId, url);
		if (request.method === 'POST') return await upload(opts.relay, agent, url, request);
		return text(405, 'method not allowed');
	} catch (error) {
		if (error instanceof DomainError) {
			return text(STATUS[DOMAIN_ERRORS[error.code].status] ?? 400, error.message);
		}
		opts.relay.log.warn('files.failed', { error: (error as Error).name });
		return text(502, 'the file could not be transferred');
	}
}

async function download(relay: Relay, agentId: string, url: URL): Promise<Response> {
	const sealed = url.searchParams.get('ref') ?? '';
	const ref = await openFileRef(relay.sealer, agentId, sealed).catch(() => null);
	if (!ref) return text(404, 'no such file for this agent');
	if (!relay.telegram || !relay.config.TELEGRAM_BOT_TOKEN) return text(404, 'Telegram is off');
	const file = await relay.telegram.getFile(ref.fileId);
	if (!file.file_path) return text(404, 'Telegram no longer has this file');
	const root = relay.config.TELEGRAM_API_ROOT.replace(/\/+$/, '');
	const source = await fetch(
		`${root}/file/bot${relay.config.TELEGRAM_BOT_TOKEN}/${file.file_path}`
	);
	if (!source.ok || !source.body) return text(502, 'Telegram did not send the file');
	const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
	const length = source.headers.get('content-length');
	if (length) headers['content-length'] = length;
	return new Response(source.body, { status: 200, headers });
}

async function upload(
	relay: Relay,
	agent: Parameters<typeof destinationOf>[1],
	url: URL,
	request: Request
): Promise<Response> {
	const sessionId = url.searchParams.get('sessionId') ?? undefined;
	const requestId = url.searchParams.get('requestId') ?? undefined;
	const name = (url.searchParams.get('name') ?? '').replace(/[\\/\0\r\n]/g, '_').slice(0, 255);
	if (!name || (sessionId === undefined) === (requestId === undefined)) {
		return text(400, 'give a name and a sessionId or a requestId');
	}
	if (!id.safeParse(sessionId ?? requestId).success) return text(400, 'malformed id');
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > TELEGRAM_UPLOAD_LIMIT) return text(413, 'larger than Telegram allows (50 MB)');
	const to = await destinationOf(relay, agent, { sessionId, requestId });
	if (!to || !relay.telegram || !request.body) return text(404, 'no chat to send it to');
	const message = await relay.telegram.sendDocument(
		to.chatId,
		new InputFile(limited(request.body, TELEGRAM_UPLOAD_LIMIT), name),
		to.replyTo
			? { reply_parameters: { message_id: to.replyTo, allow_sending_without_reply: true } }
			: {}
	);
	return Response.json({ messageId: message.message_id });
}

/** Passes the bytes on, failing the upload once more than `max` went by. */
async function* limited(body: ReadableStream<Uint8Array>, max: number) {
	let total = 0;
	for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
		total += chunk.byteLength;
		if (total > max) throw new Error('file too large');
		yield chunk;
	}
}

function text(status: number, message: string): Response {
	return new Response(message, { status, headers: { 'content-type': 'text/plain' } });
}
