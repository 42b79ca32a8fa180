/** Seed accounts and paired agents through the product's own code paths. */
import type { Relay } from '../../src/lib/server/relay.ts';
import type { ApiServices } from '@remoteagent/shared/api';
import { signInWithTelegram } from '../../src/lib/server/accounts/accounts.ts';
import { issuePairingCode } from '../../src/lib/server/pairing/pairing.ts';
import { createSession } from '../../src/lib/server/sessions/sessions.ts';
import { TEST_INSTANCE, type AgentClient } from './scripted-agent.ts';

export interface Person {
	id: number;
	firstName: string;
	username: string;
}

export const ALICE: Person = { id: 1001, firstName: 'Alice', username: 'alice' };
export const BOB: Person = { id: 2002, firstName: 'Bob', username: 'bob' };
export const MALLORY: Person = { id: 6666, firstName: 'Mallory', username: 'mallory' };

let address = 0;

/** Sign the person in and pair an agent for them; returns the account id and agent credentials. */
export async function pairAgent(
	relay: Relay,
	services: ApiServices,
	person: Person,
	name = 'my-api'
): Promise<{ userId: string; agentId: string; token: string; name: string }> {
	const user = await signInWithTelegram(relay, person);
	const { code } = await issuePairingCode(relay, { userId: user.id, telegramUserId: person.id });
	// A distinct client address per pairing keeps the per-address limit out of unrelated tests.
	const redeemed = await services.pairing.redeem(
		{ code, name, runner: 'custom' },
		`10.0.0.${++address}`
	);
	return { userId: user.id, agentId: redeemed.agentId, token: redeemed.token, name: redeemed.name };
}

/**
 * A task of a paired agent that the agent has started, as if it were running: created from the
 * dashboard's side for `person`'s private chat (ALICE by default), started through `client`.
 */
export async function startedSession(
	relay: Relay,
	account: { userId: string; agentId: string },
	client: AgentClient,
	opts: { prompt?: string; messageId?: number | null; person?: Person } = {}
): Promise<string> {
	const person = opts.person ?? ALICE;
	const session = await createSession(relay, {
		accountId: account.userId,
		agentId: account.agentId,
		prompt: opts.prompt ?? 'task',
		startedBy: { telegramUserId: person.id, name: `@${person.username}` },
		chatId: person.id,
		messageId: opts.messageId ?? null,
		continueSessionId: null
	});
	await client.session.start.mutate({ sessionId: session.id, instance: TEST_INSTANCE });
	return session.id;
}

let updateId = 1000;

/** A private-chat text message update from a person. */
export function textUpdate(person: Person, text: string, id = ++updateId) {
	return {
		update_id: id,
		message: {
			message_id: id,
			date: Math.floor(Date.now() / 1000),
			chat: {
				id: person.id,
				type: 'private',
				first_name: person.firstName,
				username: person.username
			},
			from: {
				id: person.id,
				is_bot: false,
				first_name: person.firstName,
				username: person.username
			},
			text,
			...(text.startsWith('/')
				? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] }
				: {})
		}
	};
}

export function callbackUpdate(person: Person, data: string, messageId = 1, id = ++updateId) {
	return {
		update_id: id,
		callback_query: {
			id: `cb${id}`,
			chat_instance: 'ci',
			data,
			from: {
				id: person.id,
				is_bot: false,
				first_name: person.firstName,
				username: person.username
			},
			message: {
				message_id: messageId,
				date: Math.floor(Date.now() / 1000),
				chat: { id: person.id, type: 'private', first_name: person.firstName }
			}
		}
	};
}
