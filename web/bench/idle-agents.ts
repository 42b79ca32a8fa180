/**
 * The agents of `bench/idle.ts`, in their own process so their clients' memory is not counted as
 * the relay's: each holds its command subscription (the real tRPC client over SSE, like the Deno
 * agent) and heartbeats at the given interval, starting at a random point of it.
 *
 *   tsx bench/idle-agents.ts <relay url> <heartbeat ms>   (tokens, one per line, on stdin)
 */
import { text } from 'node:stream/consumers';
import { agentClient, ScriptedAgent } from '../test/harness/scripted-agent.ts';

const [url, heartbeat] = process.argv.slice(2);
if (!url || !heartbeat) throw new Error('usage: idle-agents.ts <relay url> <heartbeat ms>');
const heartbeatMs = Number(heartbeat);
const tokens = (await text(process.stdin)).split('\n').filter(Boolean);
const timers: NodeJS.Timeout[] = [];
const agents = tokens.map((token) => {
	const agent = new ScriptedAgent(agentClient(url, token), { ack: false });
	agent.connect();
	const beat = () =>
		agent.client.agent.heartbeat
			.mutate({ busySessionId: null, version: 'bench', permissionMode: 'ask' })
			.catch((error: unknown) => console.error(`heartbeat failed: ${String(error)}`));
	timers.push(
		setTimeout(() => {
			void beat();
			timers.push(setInterval(beat, heartbeatMs));
		}, Math.random() * heartbeatMs)
	);
	return agent;
});
console.log(`connecting ${agents.length}`);
process.on('SIGTERM', () => {
	for (const timer of timers) clearTimeout(timer);
	for (const agent of agents) agent.disconnect();
	process.exit(0);
});
