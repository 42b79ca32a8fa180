import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/lib/server/config/schema.ts';
import {
	dropEmptySettings,
	parseStartSettings,
	resolveDataDir,
	SETTING_NAMES,
	withLocalDefaults
} from './settings.ts';

const valid = {
	UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
	UPSTASH_REDIS_REST_TOKEN: 'local-token',
	AGENT_JWT_SECRET: 'q8Zr3Vn0xLw7Yt2Ks9Pd4Hb6Mf1Jc5Ga'
};

describe('.env.example', () => {
	it('documents every variable the start command validates', () => {
		const example = readFileSync(
			fileURLToPath(new URL('../../../.env.example', import.meta.url)),
			'utf8'
		);
		const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
		expect(SETTING_NAMES).toContain('DATABASE_URL');
		expect(SETTING_NAMES.filter((name) => !documented.has(name))).toEqual([]);
		// A copied example must start: every value is empty (no real secrets shipped).
		expect([...example.matchAll(/^[A-Z][A-Z0-9_]*=(.+)$/gm)]).toEqual([]);
	});
});

describe('withLocalDefaults', () => {
	it('defaults to loopback, port 3000 and the local address as PUBLIC_URL and ORIGIN', () => {
		expect(withLocalDefaults({})).toMatchObject({
			PORT: '3000',
			HOST: '127.0.0.1',
			PUBLIC_URL: 'http://127.0.0.1:3000',
			ORIGIN: 'http://127.0.0.1:3000'
		});
		expect(withLocalDefaults({ HOST: '0.0.0.0' }).PUBLIC_URL).toBe('http://localhost:3000');
		expect(
			withLocalDefaults({ PORT: '8080', PUBLIC_URL: 'https://relay.example.com/' })
		).toMatchObject({
			PORT: '8080',
			PUBLIC_URL: 'https://relay.example.com/',
			ORIGIN: 'https://relay.example.com'
		});
		expect(withLocalDefaults({ ORIGIN: 'https://proxy.example' }).ORIGIN).toBe(
			'https://proxy.example'
		);
	});
});

describe('dropEmptySettings', () => {
	it('treats NAME= (a copied .env.example) as unset, and leaves other variables alone', () => {
		const env: Record<string, string | undefined> = { LOG_LEVEL: '', PORT: '', OTHER: '' };
		dropEmptySettings(env);
		expect(env).toEqual({ OTHER: '' });
		expect(parseStartSettings({ ...valid, ...env }).config.LOG_LEVEL).toBe('info');
	});
});

describe('resolveDataDir', () => {
	it('takes a relative DATA_DIR from the repository root', () => {
		expect(resolveDataDir(undefined, '/repo')).toBe('/repo/.data');
		expect(resolveDataDir('state', '/repo')).toBe('/repo/state');
		expect(resolveDataDir('/var/lib/relay', '/repo')).toBe('/var/lib/relay');
	});
});

describe('parseStartSettings', () => {
	it('returns the app config and the listen address', () => {
		const settings = parseStartSettings({ ...valid, PORT: '8080', HOST: '0.0.0.0' });
		expect(settings.port).toBe(8080);
		expect(settings.host).toBe('0.0.0.0');
		expect(settings.config.UPSTASH_REDIS_REST_URL).toBe(valid.UPSTASH_REDIS_REST_URL);
		expect(settings.config).not.toHaveProperty('PORT');
	});

	it('names every bad variable at once, with its expected shape and without its value', () => {
		try {
			parseStartSettings({
				...valid,
				PORT: 'eighty',
				REDIS_URL: 'http://secret-host-value',
				DATABASE_URL: 'mysql://user:pw-value@x/db'
			});
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			const message = (error as Error).message;
			expect(message).toContain('PORT must be a port number from 0 to 65535, e.g. 3000');
			expect(message).toContain('REDIS_URL must be a redis:// or rediss:// URL');
			expect(message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
			for (const value of ['eighty', 'secret-host-value', 'pw-value'])
				expect(message).not.toContain(value);
		}
	});

	it('checks the billing variables together, as the app does', () => {
		expect(() =>
			parseStartSettings({
				...valid,
				STRIPE_SECRET_KEY: 'sk_test_local',
				STRIPE_PRICE_PRO: 'price_pro'
			})
		).toThrow(/STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set/);
	});

	it('reports a bad PORT or PUBLIC_URL under its own name, never as a bare "Invalid URL"', () => {
		const messageOf = (env: Record<string, string>) => {
			try {
				parseStartSettings(withLocalDefaults({ ...valid, ...env }));
			} catch (error) {
				expect(error).toBeInstanceOf(ConfigError);
				return (error as Error).message;
			}
			return 'no error';
		};
		for (const port of ['abc', '99999', '-1', '3000.5']) {
			const message = messageOf({ PORT: port });
			expect(message, `PORT=${port}`).toContain('PORT must be a port number from 0 to 65535');
			expect(message, `PORT=${port}`).not.toContain('PUBLIC_URL');
		}
		const message = messageOf({ PUBLIC_URL: 'example.com' });
		expect(message).toContain('PUBLIC_URL must be a URL');
		expect(message).not.toMatch(/^Invalid URL/);
	});

	it('says which required variable is missing', () => {
		expect(() => parseStartSettings({})).toThrow(/AGENT_JWT_SECRET is required/);
	});
});
