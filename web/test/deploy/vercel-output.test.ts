/**
 * The hosted build: `vite build` with VERCEL=1 (adapter-vercel), checked the way Vercel will
 * read it. The build runs in a temporary mirror of the repository (a copy of web/, the rest
 * linked), so it shares nothing writable with web/build, web/.svelte-kit or another build and
 * can run beside them.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { appRouter } from '@remoteagent/shared/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webDir = fileURLToPath(new URL('../../', import.meta.url));
const repoDir = join(webDir, '..');
/** Made by builds and runs, not sources: never copied into the mirror. */
const GENERATED = new Set(['node_modules', '.svelte-kit', 'build', '.vercel', '.data']);
/** Vercel's ceiling for a function's maxDuration (seconds). */
const VERCEL_MAX_DURATION_S = 300;
/** Time a subscription's request needs besides its own lifetime: auth, setup, closing. */
const SUBSCRIPTION_MARGIN_S = 30;

interface Route {
	src?: string;
	dest?: string;
	handle?: string;
	continue?: boolean;
}
interface FunctionConfig {
	runtime?: string;
	maxDuration?: number;
	handler?: string;
	launcherType?: string;
	experimentalResponseStreaming?: boolean;
}

let mirror: string;
let output: string;
let buildLog: string;

beforeAll(async () => {
	mirror = mkdtempSync(join(tmpdir(), 'vercel-build-'));
	const web = join(mirror, 'web');
	cpSync(webDir, web, {
		recursive: true,
		filter: (source) => !GENERATED.has(relative(webDir, source).split('/')[0]!)
	});
	// pnpm's links are relative (web/node_modules/x -> ../../node_modules/.pnpm/...), and the
	// adapter's file tracer resolves them by path: the mirror keeps the repository's layout.
	symlinkSync(join(webDir, 'node_modules'), join(web, 'node_modules'));
	symlinkSync(join(repoDir, 'node_modules'), join(mirror, 'node_modules'));
	symlinkSync(join(repoDir, 'shared'), join(mirror, 'shared'));
	// As Vercel's build: VERCEL set, and none of vitest's own environment (NODE_ENV=test).
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !/^VITEST/.test(name))
	);
	const { stdout, stderr } = await promisify(execFile)(
		join(web, 'node_modules/.bin/vite'),
		['build'],
		{
			cwd: web,
			env: { ...env, VERCEL: '1' },
			timeout: 240_000,
			maxBuffer: 16 * 1024 * 1024
		}
	);
	buildLog = stdout + stderr;
	output = join(web, '.vercel', 'output');
}, 300_000);
afterAll(() => {
	if (mirror) rmSync(mirror, { recursive: true, force: true });
});

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/**
 * The function a request path ends at, as Vercel routes it (simplified: routes marked
 * `continue` and phase markers are passed over, the first matching `src` decides).
 */
function functionFor(path: string): { dir: string; config: FunctionConfig } | null {
	const { routes } = readJson<{ routes: Route[] }>(join(output, 'config.json'));
	for (const route of routes) {
		if (route.handle || route.continue || route.src === undefined) continue;
		if (!new RegExp(route.src.startsWith('^') ? route.src : `^${route.src}$`).test(path)) continue;
		if (!route.dest) return null;
		const dir = join(output, 'functions', `${route.dest.split('?')[0]}.func`);
		return { dir, config: readJson<FunctionConfig>(join(dir, '.vc-config.json')) };
	}
	return null;
}

describe('the Vercel build (VERCEL=1)', () => {
	it('writes the Build Output API config with routes', () => {
		const config = readJson<{ version: number; routes: Route[] }>(join(output, 'config.json'));
		expect(config.version).toBe(3);
		expect(config.routes.length).toBeGreaterThan(0);
	});

	it.each([
		'/api/telegram',
		'/api/stripe/webhook',
		'/api/trpc/agent.onCommand',
		'/api/cron/sweep',
		'/healthz'
	])('routes %s to a Node 20 function that streams and outlives a subscription', (path) => {
		const fn = functionFor(path);
		expect(fn, `${path} reaches no function`).not.toBeNull();
		const { dir, config } = fn!;
		expect(config.runtime).toBe('nodejs20.x');
		expect(config.launcherType).toBe('Nodejs');
		expect(existsSync(join(dir, config.handler ?? 'missing'))).toBe(true);
		// SSE needs a streamed response, and the whole subscription inside maxDuration.
		expect(config.experimentalResponseStreaming).toBe(true);
		const subscriptionS = appRouter._def._config.sse!.maxDurationMs! / 1000;
		expect(config.maxDuration).toBeGreaterThanOrEqual(subscriptionS + SUBSCRIPTION_MARGIN_S);
		expect(config.maxDuration).toBeLessThanOrEqual(VERCEL_MAX_DURATION_S);
	});

	it('has the per-minute sweep cron in vercel.json, on a route with a GET handler', () => {
		// Vercel reads crons from vercel.json itself; adapter-vercel leaves them out of
		// config.json on purpose (sveltejs/kit#10071) and only warns when no GET matches.
		const { crons } = readJson<{ crons?: { path: string; schedule: string }[] }>(
			join(webDir, 'vercel.json')
		);
		expect(crons).toContainEqual({ path: '/api/cron/sweep', schedule: '* * * * *' });
		expect(buildLog).toContain('Using @sveltejs/adapter-vercel');
		expect(buildLog).not.toContain('vercel.json defines cron tasks');
		expect(functionFor('/api/cron/sweep')).not.toBeNull();
	});
});
