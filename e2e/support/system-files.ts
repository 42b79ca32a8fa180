/**
 * Files in the system tests: a photo as Telegram delivers it (its bytes held by the Bot API
 * stand-in until the relay fetches them), and a git repository as a project.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FakeTelegram } from '../../web/test/harness/telegram-api.ts';
import type { TelegramUser } from './telegram-login.ts';

let updateId = 700_000;

/** A private-chat photo from `user` (a thumbnail and the full size), with an optional caption. */
export function photoUpdate(
	telegram: FakeTelegram,
	user: TelegramUser,
	bytes: Uint8Array,
	caption?: string
) {
	const full = telegram.files.add(bytes, 'photo.jpg');
	const thumb = telegram.files.add(bytes.subarray(0, 100), 'thumb.jpg');
	const id = ++updateId;
	return {
		file: full,
		update: {
			update_id: id,
			message: {
				message_id: id,
				date: Math.floor(Date.now() / 1000),
				chat: { id: user.id, type: 'private', first_name: user.first_name },
				from: { id: user.id, is_bot: false, first_name: user.first_name },
				photo: [
					{ ...sizeOf(thumb), width: 90, height: 90 },
					{ ...sizeOf(full), width: 1280, height: 960 }
				],
				...(caption ? { caption } : {})
			}
		}
	};
}

function sizeOf(file: { file_id: string; file_unique_id: string; file_size: number }) {
	return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size };
}

/** Runs git in `dir`; resolves with its stdout. */
export async function git(dir: string, ...args: string[]): Promise<string> {
	const env = {
		...process.env,
		GIT_AUTHOR_NAME: 'Test',
		GIT_AUTHOR_EMAIL: 't@example.com',
		GIT_COMMITTER_NAME: 'Test',
		GIT_COMMITTER_EMAIL: 't@example.com'
	};
	return (await promisify(execFile)('git', args, { cwd: dir, env })).stdout;
}

/** Makes `dir` a git repository with everything in it committed. */
export async function commitAll(dir: string): Promise<void> {
	await git(dir, 'init', '-q');
	await git(dir, 'add', '-A');
	await git(dir, 'commit', '-qm', 'start');
}
