/**
 * Secrets `pnpm start` generates for itself, kept in `<DATA_DIR>/local-secrets.json` (0600) so
 * they stay the same across restarts: agent JWTs stay valid and the REST token is stable.
 * Generated once, never overwritten, never printed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSecrets {
	/** Signs agent JWTs when AGENT_JWT_SECRET is not set. */
	agentJwtSecret: string;
	/** Bearer token between the app and the local Upstash-compatible REST server. */
	restToken: string;
}

export const SECRETS_FILE = 'local-secrets.json';

const generate = (): string => randomBytes(48).toString('base64url');

export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
	await mkdir(dataDir, { recursive: true, mode: 0o700 });
	const path = join(dataDir, SECRETS_FILE);
	const stored = await readStored(path);
	if (stored && isComplete(stored)) {
		await chmod(path, 0o600);
		return { agentJwtSecret: stored.agentJwtSecret, restToken: stored.restToken };
	}
	// Keep whatever is there (a hand-edited file may hold one of the two) and add the rest.
	const secrets: LocalSecrets = {
		agentJwtSecret: nonEmpty(stored?.agentJwtSecret) ?? generate(),
		restToken: nonEmpty(stored?.restToken) ?? generate()
	};
	await writeFile(path, JSON.stringify(secrets, null, '\t') + '\n', { mode: 0o600 });
	// `mode` only applies when the file is created.
	await chmod(path, 0o600);
	return secrets;
}

async function readStored(
	path: string
): Promise<Partial<Record<keyof LocalSecrets, unknown>> | null> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
	try {
		const parsed: unknown = JSON.parse(text);
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
	} catch {
		// reported below
	}
	throw new Error(`${path} is not a JSON object: fix it or delete it to generate new secrets`);
}

function isComplete(stored: Partial<Record<keyof LocalSecrets, unknown>>): stored is LocalSecrets {
	return nonEmpty(stored.agentJwtSecret) !== undefined && nonEmpty(stored.restToken) !== undefined;
}

function nonEmpty(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}
