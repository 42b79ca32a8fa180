import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLocalSecrets, SECRETS_FILE } from './secrets.ts';

describe('loadLocalSecrets', () => {
	let dataDir: string;
	beforeEach(async () => {
		dataDir = join(await mkdtemp(join(tmpdir(), 'secrets-test-')), 'nested', '.data');
	});
	afterEach(async () => {
		await rm(join(dataDir, '..', '..'), { recursive: true, force: true });
	});

	it('creates the data dir and a 0600 file with strong random secrets', async () => {
		const secrets = await loadLocalSecrets(dataDir);
		const file = join(dataDir, SECRETS_FILE);
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		expect((await stat(dataDir)).mode & 0o077).toBe(0);
		expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(secrets);
		// 48 random bytes each: comfortably over AGENT_JWT_SECRET's 32-byte minimum.
		expect(Buffer.from(secrets.agentJwtSecret, 'base64url')).toHaveLength(48);
		expect(Buffer.from(secrets.restToken, 'base64url')).toHaveLength(48);
		expect(secrets.agentJwtSecret).not.toBe(secrets.restToken);
	});

	it('reuses the stored secrets on the next start without rewriting the file', async () => {
		const first = await loadLocalSecrets(dataDir);
		const file = join(dataDir, SECRETS_FILE);
		const before = await stat(file);
		await new Promise((resolve) => setTimeout(resolve, 20));
		const second = await loadLocalSecrets(dataDir);
		expect(second).toEqual(first);
		expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
	});

	it('keeps a hand-written secret, adds the missing one and tightens the mode', async () => {
		await loadLocalSecrets(dataDir);
		const file = join(dataDir, SECRETS_FILE);
		await writeFile(file, JSON.stringify({ agentJwtSecret: 'kept-by-hand' }), { mode: 0o644 });
		const secrets = await loadLocalSecrets(dataDir);
		expect(secrets.agentJwtSecret).toBe('kept-by-hand');
		expect(secrets.restToken.length).toBeGreaterThan(40);
		expect((await stat(file)).mode & 0o777).toBe(0o600);
	});

	it('refuses a corrupt file instead of silently replacing the secrets', async () => {
		await loadLocalSecrets(dataDir);
		const file = join(dataDir, SECRETS_FILE);
		await writeFile(file, '{ not json');
		await expect(loadLocalSecrets(dataDir)).rejects.toThrow(
			/is not a JSON object: fix it or delete it/
		);
		expect(await readFile(file, 'utf8')).toBe('{ not json');
	});
});
