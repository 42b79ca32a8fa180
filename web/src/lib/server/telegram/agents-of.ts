/** Which agents a Telegram sender can drive, and which one their prompts go to. */
import { asc, eq, inArray } from 'drizzle-orm';
import { agents, type Agent, type AuthorizedUser } from '../db/schema/index.ts';
import type { BotDeps, Sender } from './context.ts';

export async function agentsOfSender(deps: Pick<BotDeps, 'db'>, sender: Sender): Promise<Agent[]> {
	const accounts = sender.authorizations.map((a) => a.accountId);
	if (accounts.length === 0) return [];
	return deps.db
		.select()
		.from(agents)
		.where(inArray(agents.ownerId, accounts))
		.orderBy(asc(agents.name));
}

/** The agent the sender chose with /projects, else the first agent of their first account. */
export async function activeAgentOf(
	deps: Pick<BotDeps, 'db'>,
	sender: Sender
): Promise<{ agent: Agent; authorization: AuthorizedUser } | null> {
	const all = await agentsOfSender(deps, sender);
	for (const authorization of sender.authorizations) {
		const chosen = all.find((a) => a.id === authorization.activeAgentId);
		if (chosen) return { agent: chosen, authorization };
	}
	for (const authorization of sender.authorizations) {
		const first = all.find((a) => a.ownerId === authorization.accountId);
		if (first) return { agent: first, authorization };
	}
	return null;
}

export async function agentById(deps: Pick<BotDeps, 'db'>, agentId: string): Promise<Agent | null> {
	const [row] = await deps.db.select().from(agents).where(eq(agents.id, agentId));
	return row ?? null;
}

/** "2m ago", "3h ago", "never". */
export function ago(date: Date | null, now: Date): string {
	if (!date) return 'never';
	const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
	if (s < 60) return 'just now';
	if (s < 3600) return `${Math.floor(s / 60)}m ago`;
	if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
	return `${Math.floor(s / 86_400)}d ago`;
}
