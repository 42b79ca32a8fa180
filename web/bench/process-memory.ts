/**
 * Memory of another process, read from outside (Linux): its RSS from `/proc/<pid>/status`, its
 * children, and its V8 heap through the inspector, which SIGUSR1 opens on a port chosen when the
 * process was started (`--inspect-port`). Only the last one touches the process, so it is used
 * after the RSS samples.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { WebSocket } from 'ws';

const MIB = 1024 * 1024;

/** VmRSS in MiB, or null once the process is gone. */
export function rssMiB(pid: number): number | null {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
		return kb === undefined ? null : (Number(kb) * 1024) / MIB;
	} catch {
		return null;
	}
}

/** The direct children of `pid`, with their command name (`/proc/<pid>/comm`). */
export function childrenOf(pid: number): { pid: number; name: string }[] {
	const children: { pid: number; name: string }[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			// pid (comm) state ppid …; comm may contain spaces and parentheses.
			const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(afterComm[1]) !== pid) continue;
			const name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
			children.push({ pid: Number(entry), name });
		} catch {
			// gone meanwhile
		}
	}
	return children;
}

export interface Samples {
	/** MiB per process name, one value per sample (a process that was gone is left out). */
	byName: Map<string, number[]>;
}

/** Samples the RSS of `pid` (as `main`) and of each child, every `everyMs` for `durationMs`. */
export async function sampleRss(pid: number, durationMs: number, everyMs = 1000): Promise<Samples> {
	const byName = new Map<string, number[]>();
	const add = (name: string, value: number | null) => {
		if (value === null) return;
		if (!byName.has(name)) byName.set(name, []);
		byName.get(name)!.push(value);
	};
	const end = Date.now() + durationMs;
	for (;;) {
		add('main', rssMiB(pid));
		for (const child of childrenOf(pid)) add(child.name, rssMiB(child.pid));
		if (Date.now() + everyMs > end) break;
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
	return { byName };
}

export interface V8Memory {
	/** `process.memoryUsage()` in MiB. */
	before: Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>;
	/** The same right after a full garbage collection (the inspector's `collectGarbage`). */
	afterGc: V8Memory['before'];
}

/**
 * Opens the inspector of `pid` (SIGUSR1; the process was started with `--inspect-port=port`) and
 * reads `process.memoryUsage()` before and after a full GC. The inspector stays open afterwards:
 * call this last.
 */
export async function v8MemoryOf(pid: number, port: number): Promise<V8Memory> {
	process.kill(pid, 'SIGUSR1');
	const target = await inspectorTarget(port);
	const ws = new WebSocket(target);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	let nextId = 0;
	const waiting = new Map<number, (result: unknown) => void>();
	ws.on('message', (data: Buffer) => {
		const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
		if (message.id !== undefined) waiting.get(message.id)?.(message.result);
	});
	const call = (method: string, params: unknown = {}) =>
		new Promise<unknown>((resolve) => {
			const id = ++nextId;
			waiting.set(id, resolve);
			ws.send(JSON.stringify({ id, method, params }));
		});
	const usage = async () => {
		const result = (await call('Runtime.evaluate', {
			expression: 'JSON.stringify(process.memoryUsage())',
			returnByValue: true
		})) as { result: { value: string } };
		const raw = JSON.parse(result.result.value) as Record<string, number>;
		return Object.fromEntries(
			Object.entries(raw).map(([key, bytes]) => [key, bytes / MIB])
		) as V8Memory['before'];
	};
	try {
		const before = await usage();
		await call('HeapProfiler.collectGarbage');
		return { before, afterGc: await usage() };
	} finally {
		ws.close();
	}
}

async function inspectorTarget(port: number): Promise<string> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		try {
			const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
				webSocketDebuggerUrl: string;
			}[];
			if (list[0]) return list[0].webSocketDebuggerUrl;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) throw new Error(`no inspector on port ${port}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
