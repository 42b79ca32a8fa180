import { getRelay } from '../instance.ts';
import { setUpBot, type ConfiguredBot } from './setup.ts';

let pending: Promise<ConfiguredBot | null> | undefined;

/** The bot of this server process (null when TELEGRAM_BOT_TOKEN is not set). */
export function getBot(): Promise<ConfiguredBot | null> {
	pending ??= getRelay().then(({ relay }) => setUpBot(relay));
	pending.catch(() => {
		pending = undefined;
	});
	return pending;
}
