/**
 * Files sent to the bot: a photo (its largest size) or a document becomes a prompt for the
 * active agent, the caption being the prompt. The agent fetches the bytes through the relay and
 * saves them in the project's `.remoteagent/inbox/`; the relay keeps nothing of them.
 */
import { Composer } from 'grammy';
import { TELEGRAM_DOWNLOAD_LIMIT } from '@remoteagent/shared';
import type { TelegramFile } from '../../review/file-refs.ts';
import type { BotContext } from '../context.ts';
import { submitPrompt } from './tasks.ts';

export const filesFeature = new Composer<BotContext>();

/** The prompt when a file comes without a caption. */
export const NO_CAPTION_PROMPT = 'Look at the file I sent.';

filesFeature.on(['message:photo', 'message:document'], async (ctx) => {
	const file = fileOf(ctx);
	if (!file) return;
	if (file.size > TELEGRAM_DOWNLOAD_LIMIT) {
		await ctx.reply('That file is larger than 20 MB, the most a bot can receive from Telegram.');
		return;
	}
	const caption = ctx.message?.caption?.trim();
	await submitPrompt(ctx, caption || NO_CAPTION_PROMPT, null, undefined, [file]);
});

function fileOf(ctx: BotContext): TelegramFile | null {
	const message = ctx.message;
	if (message?.document) {
		const { document } = message;
		return {
			fileId: document.file_id,
			name: document.file_name || `document-${document.file_unique_id}`,
			size: document.file_size ?? 0
		};
	}
	const photo = message?.photo?.reduce((a, b) =>
		(a.file_size ?? a.width * a.height) >= (b.file_size ?? b.width * b.height) ? a : b
	);
	if (!photo) return null;
	return {
		fileId: photo.file_id,
		name: `photo-${photo.file_unique_id}.jpg`,
		size: photo.file_size ?? 0
	};
}
