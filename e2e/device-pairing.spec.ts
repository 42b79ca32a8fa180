/**
 * Device-flow pairing end to end: the real agent (`deno run` of agent/main.ts) runs
 * `remoteagent init --server URL` without a code, prints a link; a signed-in user opens it in
 * the browser, sees the machine, directory and runner, and approves (the agent receives its
 * token and is listed) or denies (the agent says so, nothing is paired). A second user opening
 * an approved link cannot approve it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { denoNetworkEnv } from '../agent/test/deno_env.ts';
import { expect, test } from './support/fixtures.ts';
import { expectNoHorizontalOverflow, PHONE } from './support/layout.ts';
import { AGENT_DIR, DENO, permissionFlags } from './support/system-agent.ts';

interface InitRun {
	child: ChildProcess;
	output: () => string;
	exit: Promise<number | null>;
	projectDir: string;
	cleanup: () => Promise<void>;
}

async function runInit(server: string, name: string): Promise<InitRun> {
	const home = await mkdtemp(join(tmpdir(), 'e2e-device-home-'));
	const projectDir = await realpath(await mkdtemp(join(tmpdir(), 'e2e-device-project-')));
	const args = [
		'run',
		'--config',
		join(AGENT_DIR, 'deno.json'),
		...permissionFlags(),
		join(AGENT_DIR, 'main.ts'),
		'init',
		'--server',
		server,
		'--name',
		name,
		'--runner',
		'custom',
		'--runner-bin',
		'/bin/cat'
	];
	const child = spawn(DENO, args, {
		cwd: projectDir,
		env: {
			PATH: process.env.PATH ?? '/usr/bin:/bin',
			HOME: process.env.HOME ?? tmpdir(),
			...denoNetworkEnv(process.env),
			REMOTEAGENT_HOME: home,
			DENO_NO_PACKAGE_JSON: '1',
			DENO_NO_UPDATE_CHECK: '1',
			NO_COLOR: '1'
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
	const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
	return {
		child,
		output: () => out,
		exit,
		projectDir,
		cleanup: async () => {
			if (child.exitCode === null) child.kill('SIGKILL');
			await rm(home, { recursive: true, force: true });
			await rm(projectDir, { recursive: true, force: true });
		}
	};
}

/** The link the agent printed. */
async function linkOf(run: InitRun): Promise<string> {
	await expect
		.poll(() => /https?:\/\/\S+\/pair\/[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(run.output())?.[0], {
			timeout: 60_000,
			message: 'the agent prints its approval link'
		})
		.toBeTruthy();
	return /https?:\/\/\S+\/pair\/[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(run.output())![0];
}

test.describe('device pairing', () => {
	test.describe.configure({ timeout: 120_000 });

	test('approve in the browser: the agent gets its token and is listed; a second user cannot approve again', async ({
		page,
		browser,
		relay,
		signedIn
	}) => {
		const run = await runInit(relay.baseURL, 'e2e-device');
		try {
			const link = await linkOf(run);
			// The QR code follows the link (drawing it may first load its module).
			await expect.poll(() => run.output(), { message: 'the QR code' }).toContain('█');
			await signedIn();
			// The link is opened where the QR code is scanned: on a phone.
			await page.setViewportSize(PHONE);
			await page.goto(link);
			await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pair an agent');
			await expect(page.getByTestId('device-name')).toHaveText('e2e-device');
			await expect(page.getByTestId('device-hostname')).toHaveText(hostname());
			await expect(page.getByTestId('device-directory')).toHaveText(run.projectDir);
			await expect(page.getByTestId('device-runner')).toHaveText('custom');
			const code = link.split('/pair/')[1]!;
			await expect(page.getByTestId('device-code')).toHaveText(code);
			expect(run.output()).toContain(`The page shows the code ${code}`);
			await expectNoHorizontalOverflow(page, 'the device approval page at 390px');
			await expect(page.getByRole('button', { name: 'Approve' })).toBeInViewport();

			await page.getByRole('button', { name: 'Approve' }).click();
			await expect(page.getByTestId('device-result')).toContainText('Approved');
			expect(await run.exit).toBe(0);
			expect(run.output()).toContain("Paired: agent 'e2e-device'");
			await page.goto('/agents');
			await expect(page.getByText('e2e-device', { exact: true }).first()).toBeVisible();

			const other = await browser.newPage({ baseURL: relay.baseURL });
			try {
				await signedIn(other);
				await other.goto(link);
				await expect(other.getByTestId('device-result')).toContainText('Approved');
				await expect(other.getByRole('button', { name: 'Approve' })).toHaveCount(0);
			} finally {
				await other.close();
			}
		} finally {
			await run.cleanup();
		}
	});

	test('deny in the browser: the agent says so and exits 1', async ({ page, relay, signedIn }) => {
		const run = await runInit(relay.baseURL, 'e2e-denied');
		try {
			const link = await linkOf(run);
			await signedIn();
			await page.goto(link);
			await page.getByRole('button', { name: 'Deny' }).click();
			await expect(page.getByTestId('device-result')).toContainText('Denied');
			expect(await run.exit).toBe(1);
			expect(run.output()).toContain('error: the pairing was denied on the dashboard');
			await page.goto('/agents');
			await expect(page.getByText('e2e-denied')).toHaveCount(0);
		} finally {
			await run.cleanup();
		}
	});
});
