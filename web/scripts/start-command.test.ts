import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const scriptOf = (path: string) =>
	(
		JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
			scripts: Record<string, string>;
		}
	).scripts.start!;

describe('pnpm start', () => {
	it('runs with the same Node flags from the repository root as from web/ (the benchmark reads web/)', () => {
		const root = scriptOf('../../package.json');
		const web = scriptOf('../package.json');
		const flags = (command: string) => command.slice(0, command.indexOf(' --import tsx '));
		expect(flags(web)).toMatch(/^exec node( --[\w-]+)+$/);
		expect(flags(root)).toBe(flags(web));
		expect(root.endsWith(' --import tsx web/scripts/start.ts')).toBe(true);
		expect(web.endsWith(' --import tsx scripts/start.ts')).toBe(true);
	});
});
