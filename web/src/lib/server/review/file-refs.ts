/**
 * References to files sent to the bot. The relay never downloads or keeps a file: the prompt
 * command carries a sealed reference (Telegram's file id, bound to the agent it was sent to),
 * and the agent redeems it at the files endpoint, which streams the bytes from Telegram.
 */
import type { IncomingFile } from '@remoteagent/shared';
import type { Sealer } from '../crypto/seal.ts';

export interface FileRef {
	fileId: string;
}

export function sealFileRef(sealer: Sealer, agentId: string, ref: FileRef): Promise<string> {
	return sealer.seal('file', agentId, JSON.stringify(ref));
}

/** Throws SealError when the reference was not made for this agent. */
export async function openFileRef(sealer: Sealer, agentId: string, sealed: string) {
	return JSON.parse(await sealer.open('file', agentId, sealed)) as FileRef;
}

/** A file as the bot received it (the largest size of a photo). */
export interface TelegramFile {
	fileId: string;
	name: string;
	size: number;
}

/** The prompt command's `files`: each Telegram file id sealed for the agent that gets the prompt. */
export async function fileRefsFor(
	sealer: Sealer,
	agentId: string,
	files: TelegramFile[]
): Promise<IncomingFile[]> {
	return Promise.all(
		files.map(async (file) => ({
			ref: await sealFileRef(sealer, agentId, { fileId: file.fileId }),
			name: file.name,
			size: file.size
		}))
	);
}
