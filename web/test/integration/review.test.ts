/**
 * Issue 10, review and files through the relay: a photo or document becomes a prompt whose bytes
 * the agent fetches through the relay (and only that agent); the agent's documents and review
 * answers reach only the chat that asked; `/undo` is confirmed by the asker's single tap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_FILES_PATH, type AgentCommand } from '@remoteagent/shared';
import { createInvite } from '../../src/lib/server/team/team.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { agentClient, ScriptedAgent, type AgentClient } from '../harness/scripted-agent.ts';
import { sha256 } from '../harness/telegram-api/files.ts';
import {
	ALICE,
	BOB,
	callbackUpdate,
	MALLORY,
	pairAgent,
	startedSession,
	textUpdate,
	type Person
} from '../harness/accounts.ts';

const STRANGER: Person = { id: 7777, firstName: 'Eve', username: 'eve' };

let t: TestRelay;
let alice: Awaited<ReturnType<typeof pairAgent>>;
let mallory: Awaited<ReturnType<typeof pairAgent>>;
let agent: ScriptedAgent;
let aliceClient: AgentClient;
let malloryClient: AgentClient;

beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000' });
	alice = await pairAgent(t.relay, t.services, ALICE, 'alice-box');
	mallory = await pairAgent(t.relay, t.services, MALLORY, 'mallory-box');
	const { code } = await createInvite(t.relay, alice.userId, alice.userId);
	await t.postUpdate(textUpdate(BOB, `/start join_${code}`));
	aliceClient = agentClient(t.url, alice.token);
	malloryClient = agentClient(t.url, mallory.token);
	agent = new ScriptedAgent(aliceClient);
	agent.connect();
});
afterAll(async () => {
	agent?.disconnect();
	await t?.stop();
});

let updateId = 50_000;
function fileUpdate(person: Person, content: Record<string, unknown>, caption?: string) {
	const id = ++updateId;
	return {
		update_id: id,
		message: {
			message_id: id,
			date: Math.floor(Date.now() / 1000),
			chat: { id: person.id, type: 'private', first_name: person.firstName },
			from: { id: person.id, is_bot: false, first_name: person.firstName },
			...content,
			...(caption ? { caption } : {})
		}
	};
}

const filesUrl = (query: string) => `${t.url}${AGENT_FILES_PATH}?${query}`;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const reviews = () =>
	agent.received.flatMap((r) =>
		r.command.type === 'review' ? [r.command as Extract<AgentCommand, { type: 'review' }>] : []
	);
const answers = () =>
	t.telegram.calls
		.filter((c) => c.method === 'answerCallbackQuery')
		.map((c) => c.payload.text ?? '');

const runningSession = () =>
	startedSession(t.relay, alice, aliceClient, { prompt: 'make a report' });

describe('files sent to the bot', () => {
	it('a photo becomes a prompt; its largest size streams to that agent byte-identical', async () => {
		const bytes = new Uint8Array(300_000).map((_, i) => (i * 131) % 251);
		const large = t.telegram.files.add(bytes, 'photo.jpg');
		await t.postUpdate(
			fileUpdate(
				ALICE,
				{
					photo: [
						{
							file_id: 'small-not-stored',
							file_unique_id: 's',
							width: 90,
							height: 90,
							file_size: 900
						},
						{
							file_id: large.file_id,
							file_unique_id: large.file_unique_id,
							width: 1280,
							height: 960,
							file_size: large.file_size
						}
					]
				},
				'what is in this picture?'
			)
		);
		await agent.until(() => agent.prompts().length === 1, 10_000, 'the prompt');
		const prompt = agent.prompts()[0]!;
		expect(prompt.prompt).toBe('what is in this picture?');
		expect(prompt.files).toHaveLength(1);
		const file = prompt.files![0]!;
		expect(file).toMatchObject({ name: `photo-${large.file_unique_id}.jpg`, size: bytes.length });
		expect(file.ref).not.toContain(large.file_id);

		const response = await fetch(filesUrl(`ref=${encodeURIComponent(file.ref)}`), {
			headers: auth(alice.token)
		});
		expect(response.status).toBe(200);
		expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
		expect(t.telegram.files.fetched).toEqual([large.file_id]);

		// Another agent cannot redeem the reference, and nobody can without a token.
		const stolen = await fetch(filesUrl(`ref=${encodeURIComponent(file.ref)}`), {
			headers: auth(mallory.token)
		});
		expect(stolen.status).toBe(404);
		const anonymous = await fetch(filesUrl(`ref=${encodeURIComponent(file.ref)}`));
		expect(anonymous.status).toBe(401);
		expect(t.telegram.files.fetched).toHaveLength(1);
	});

	it('a document without a caption gets a default prompt; one over 20 MB is refused', async () => {
		const doc = t.telegram.files.add(new TextEncoder().encode('a,b\n1,2\n'), 'data.csv');
		await t.postUpdate(
			fileUpdate(ALICE, {
				document: {
					file_id: doc.file_id,
					file_unique_id: doc.file_unique_id,
					file_name: 'data.csv',
					file_size: doc.file_size
				}
			})
		);
		await agent.until(() => agent.prompts().length === 2, 10_000, 'the second prompt');
		expect(agent.prompts()[1]!.prompt).toBe('Look at the file I sent.');
		expect(agent.prompts()[1]!.files![0]!.name).toBe('data.csv');

		await t.postUpdate(
			fileUpdate(ALICE, {
				document: { file_id: 'huge', file_unique_id: 'h', file_name: 'big.iso', file_size: 21e6 }
			})
		);
		expect(t.telegram.messages(ALICE.id).at(-1)?.visible).toBe(
			'That file is larger than 20 MB, the most a bot can receive from Telegram.'
		);
		expect(agent.prompts()).toHaveLength(2);
	});
});

describe('files and answers from the agent', () => {
	it('a document goes to the chat of the agent’s running session, streamed as sent', async () => {
		const sessionId = await runningSession();
		const body = new Uint8Array(100_000).map((_, i) => (i * 17) % 256);
		const response = await fetch(filesUrl(`sessionId=${sessionId}&name=report.pdf`), {
			method: 'POST',
			headers: { ...auth(alice.token), 'content-type': 'application/octet-stream' },
			body
		});
		expect(response.status).toBe(200);
		const sent = t.telegram.messages(ALICE.id).at(-1);
		expect(sent?.document).toEqual({
			filename: 'report.pdf',
			size: body.length,
			sha256: sha256(body)
		});

		// Another agent cannot write to this session's chat.
		const foreign = await fetch(filesUrl(`sessionId=${sessionId}&name=x.txt`), {
			method: 'POST',
			headers: auth(mallory.token),
			body: 'spam'
		});
		expect(foreign.status).toBe(404);
		await expect(malloryClient.review.reply.mutate({ sessionId, text: 'spam' })).rejects.toThrow(
			/no such session/
		);
		expect(t.telegram.messages(ALICE.id).at(-1)?.document?.filename).toBe('report.pdf');

		await aliceClient.review.reply.mutate({ sessionId, text: '📝 1 file changed (+1 −0)' });
		expect(t.telegram.messages(ALICE.id).at(-1)?.visible).toBe('📝 1 file changed (+1 −0)');
	});

	it('/diff asks the active agent; its answer goes to the chat that asked', async () => {
		await t.postUpdate(textUpdate(ALICE, '/diff'));
		await agent.until(() => reviews().length === 1, 10_000, 'the review command');
		const [request] = reviews();
		expect(request).toMatchObject({ type: 'review', action: 'diff' });
		await aliceClient.review.reply.mutate({ requestId: request!.requestId, text: 'the diff' });
		expect(t.telegram.messages(ALICE.id).at(-1)?.visible).toBe('the diff');
		await expect(
			malloryClient.review.reply.mutate({ requestId: request!.requestId, text: 'spam' })
		).rejects.toThrow();
		const upload = await fetch(filesUrl(`requestId=${request!.requestId}&name=last.diff`), {
			method: 'POST',
			headers: auth(alice.token),
			body: '+added\n'
		});
		expect(upload.status).toBe(200);
		expect(t.telegram.messages(ALICE.id).at(-1)?.document?.filename).toBe('last.diff');
	});
});

describe('/undo', () => {
	it('needs the asker’s single tap: strangers are ignored, others refused, a second tap answered', async () => {
		await t.postUpdate(textUpdate(ALICE, '/undo'));
		const question = t.telegram.messages(ALICE.id).at(-1)!;
		expect(question.visible).toMatch(/^Put the files changed by the last task on alice-box back/);
		const keyboard = question.reply_markup as {
			inline_keyboard: { text: string; callback_data: string }[][];
		};
		const confirm = keyboard.inline_keyboard[0]![0]!.callback_data;
		expect(confirm).toMatch(/^undo:rvw_[0-9a-z]{16,40}$/);
		const before = reviews().length;
		const answered = answers().length;

		await t.postUpdate(callbackUpdate(STRANGER, confirm, question.message_id));
		expect(answers()).toHaveLength(answered); // not authorised: silence
		await t.postUpdate(callbackUpdate(MALLORY, confirm, question.message_id));
		await t.postUpdate(callbackUpdate(BOB, confirm, question.message_id));
		expect(answers().slice(answered)).toEqual([
			'This request expired.',
			'Only the person who asked can answer.'
		]);
		await t.postUpdate(callbackUpdate(MALLORY, 'undo:rvw_0000000000000000guess', 1));
		expect(answers().at(-1)).toBe('This request expired.');

		await t.postUpdate(callbackUpdate(ALICE, confirm, question.message_id));
		await agent.until(() => reviews().length === before + 1, 10_000, 'the undo command');
		expect(reviews().at(-1)).toMatchObject({ action: 'undo' });
		expect(
			t.telegram.messages(ALICE.id).find((m) => m.message_id === question.message_id)?.visible
		).toBe('↩ Undoing the last task…');

		await t.postUpdate(callbackUpdate(ALICE, confirm, question.message_id));
		expect(answers().at(-1)).toBe('Already answered.');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(reviews()).toHaveLength(before + 1);
	});
});
