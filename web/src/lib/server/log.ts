/**
 * Structured logs: one JSON object per line. Callers pass ids and counts, never prompt or output
 * text, tokens, codes or keys; `redact` masks fields with secret-looking names as a second line
 * of defence.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
	debug(event: string, fields?: Fields): void;
	info(event: string, fields?: Fields): void;
	warn(event: string, fields?: Fields): void;
	error(event: string, fields?: Fields): void;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_NAME = /token|secret|password|code|key|prompt|text|hash/i;

export function redact(fields: Fields): Fields {
	const out: Fields = {};
	for (const [key, value] of Object.entries(fields)) {
		out[key] = SECRET_NAME.test(key) && typeof value === 'string' ? '[redacted]' : value;
	}
	return out;
}

export function createLogger(
	level: Level = 'info',
	write: (line: string) => void = (line) => process.stdout.write(line + '\n')
): Logger {
	const emit =
		(at: Level) =>
		(event: string, fields: Fields = {}) => {
			if (ORDER[at] < ORDER[level]) return;
			write(JSON.stringify({ t: new Date().toISOString(), level: at, event, ...redact(fields) }));
		};
	return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
