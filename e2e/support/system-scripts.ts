/**
 * What the stand-ins do in the system tests: the fake models' answers, chosen from the
 * conversation, and a custom runner that counts slowly (for killing things mid-task).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_BIN, type AgentOptions } from './system-agent.ts';
import {
	lastUserText,
	type ChatRequestBody,
	type MessagesRequestBody,
	type ModelReply
} from './system-fakes.ts';
import { SECRETS } from './system.ts';

/** A project file the claude-sdk runner is asked to read with its read_file tool. */
export const NOTES = { 'NOTES.md': '# Notes\nThe password of the day is octopus-4711.\n' };

/**
 * The Messages API's answers: "read the notes" → some text and a read_file tool call; the turn
 * after the tool result → an answer quoting the file, streamed over ~2 s; "tell me more" →
 * a short answer; anything else → "Model says: <prompt>".
 */
export function anthropicScript(body: MessagesRequestBody): ModelReply {
	const last = body.messages.at(-1);
	const toolResult = Array.isArray(last?.content)
		? last.content.find((b) => b.type === 'tool_result')
		: undefined;
	if (toolResult) {
		// Quoting the file proves the tool ran on the agent's machine.
		const found = /octopus-\d+/.exec(JSON.stringify(toolResult.content))?.[0] ?? 'no octopus';
		const pieces = ['The notes ', 'mention ', `${found}. `, 'That is ', 'all I ', 'found.'];
		return { delayMs: 300, blocks: [{ type: 'text', pieces }] };
	}
	const text = lastUserText(body.messages);
	if (/read the notes/.test(text)) {
		return {
			blocks: [
				{ type: 'text', pieces: ['Let me read ', 'the notes.'] },
				{ type: 'tool_use', name: 'read_file', input: { path: 'NOTES.md' } }
			]
		};
	}
	if (/tell me more/.test(text)) {
		return { blocks: [{ type: 'text', pieces: ['More about ', 'the octopus.'] }] };
	}
	return { blocks: [{ type: 'text', pieces: ['Model says: ', text.slice(0, 60)] }] };
}

/** The gateway's answer: "Gateway says: <prompt>". */
export function openaiScript(body: ChatRequestBody) {
	return {
		pieces: ['Gateway ', 'says: ', body.messages.at(-1)?.content.slice(0, 40) ?? ''],
		delayMs: 50
	};
}

/**
 * A custom runner (prompt on stdin, output on stdout) that logs every prompt it gets to
 * `prompts.log` in the project directory; "count" prints `line i of N` every 250 ms, anything
 * else is echoed. Returns its path.
 */
export async function writeCountingRunner(dir: string, lines: number): Promise<string> {
	const path = join(dir, 'counting-runner');
	const script = [
		'#!/bin/sh',
		'prompt=$(cat)',
		'printf "%s\\n" "$prompt" >> "$PWD/prompts.log"',
		'case "$prompt" in',
		`*count*) i=1; while [ $i -le ${lines} ]; do echo "line $i of ${lines}"; sleep 0.25; i=$((i+1)); done ;;`,
		'*) echo "echo: $prompt" ;;',
		'esac',
		''
	];
	await writeFile(path, script.join('\n'), { mode: 0o755 });
	return path;
}

/** One short session per runner, each with its own distinctive key. */
export interface RunnerCase {
	runner: string;
	prompt: string;
	/** Text the chat must show. */
	expect: string;
	/** Output the agent sends in one piece (the prompt itself never goes back to the relay). */
	marker: string;
	opts: Partial<AgentOptions>;
	secret: string;
}

/** Every runner: the fake CLIs of agent/test/fixtures/bin, or the fake model APIs at `urls`. */
export function runnerCases(urls: { anthropic: string; openai: string }): RunnerCase[] {
	const secretOf = (runner: string) =>
		`sk-${runner}-TEST-SECRET-${Math.random().toString(36).slice(2, 12)}`;
	const bin = (name: string) => ({ runnerBin: join(FAKE_BIN, name) });
	const row = (
		runner: string,
		prompt: string,
		expected: string,
		marker: string,
		opts: Partial<AgentOptions>,
		secret = secretOf(runner)
	): RunnerCase => ({ runner, prompt, expect: expected, marker, opts, secret });
	return [
		row(
			'claude-sdk',
			'hello sdk',
			'Model says: hello sdk',
			'hello sdk',
			{ baseUrl: urls.anthropic },
			SECRETS.anthropic
		),
		row('claude-code', 'hello', 'the tests pass now', 'the tests pass now', bin('claude')),
		row('codex', 'hello', 'added src/new.ts', 'src/new.ts', bin('codex')),
		row('gemini', 'hello', 'Done: fixed', 'Done: fixed', bin('gemini')),
		// aider takes its key in the provider=key form
		row(
			'aider',
			'hello',
			'fix the sign in',
			'fix the sign in',
			bin('aider'),
			`openai=${secretOf('aider')}`
		),
		row(
			'openclaw',
			'hello gateway',
			'Gateway says: hello gateway',
			'hello gateway',
			{ baseUrl: urls.openai },
			SECRETS.openai
		),
		row('custom', 'hello custom', 'You said: hello custom', 'hello custom', bin('custom_runner'))
	];
}
