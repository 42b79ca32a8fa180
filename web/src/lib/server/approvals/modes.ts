/**
 * The permission mode each agent reports with its heartbeat, for the dashboard. The mode itself
 * lives in the agent's local config; the relay only shows what the agent says it runs with.
 */
import type { Redis } from '@upstash/redis';
import type { PermissionMode } from '@remoteagent/shared';

const modeKey = (agentId: string) => `agent:${agentId}:permission-mode`;
/** Forgotten a while after the agent stops reporting it. */
const MODE_TTL_S = 30 * 86_400;

export async function recordPermissionMode(
	redis: Redis,
	agentId: string,
	mode: PermissionMode
): Promise<void> {
	await redis.set(modeKey(agentId), mode, { ex: MODE_TTL_S });
}

/** The reported mode of each agent; null for agents that never reported one. */
export async function permissionModesOf(
	redis: Redis,
	agentIds: string[]
): Promise<Map<string, PermissionMode | null>> {
	if (agentIds.length === 0) return new Map();
	const modes = await redis.mget<(PermissionMode | null)[]>(...agentIds.map(modeKey));
	return new Map(agentIds.map((id, i) => [id, modes[i] ?? null]));
}

/** How the dashboard names a mode: honestly, `auto` runs everything without asking. */
export function permissionModeLabel(mode: PermissionMode | null): string {
	switch (mode) {
		case 'ask':
			return 'asks before commands and edits';
		case 'accept-edits':
			return 'edits allowed, commands ask';
		case 'auto':
			return 'auto: runs everything without asking';
		default:
			return 'not reported';
	}
}
