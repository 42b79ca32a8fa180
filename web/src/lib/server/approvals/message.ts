/**
 * What an approval request looks like in Telegram: plain text (what, why, the first lines of a
 * diff) and the buttons Allow once · Allow for this task · Always allow `<pattern>` · Deny. The
 * callback data carries only the request's random token and one letter for the choice.
 */
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { ApprovalDecision, ApprovalRequestInput } from '@remoteagent/shared';
import { formatDuration } from '../sessions/format.ts';

/** One letter per decision in callback data. */
export const CHOICE_LETTERS: Record<string, ApprovalDecision> = {
	o: 'allow-once',
	t: 'allow-task',
	a: 'allow-always',
	d: 'deny'
};

/** `ap:<token>:<letter>`; a token is 22 base64url characters (128 random bits). */
export const APPROVAL_CALLBACK = /^ap:([\w-]{22}):([otad])$/;

export function approvalText(agentName: string, input: ApprovalRequestInput): string {
	const lines = [`🔐 ${agentName} asks to use ${input.tool}:`, input.what];
	if (input.why) lines.push(`Why: ${input.why}`);
	if (input.detail) lines.push('', input.detail);
	lines.push('', 'Reply to this message to deny with a reason.');
	return lines.join('\n');
}

export function approvalKeyboard(token: string, pattern: string | null): InlineKeyboardMarkup {
	const data = (letter: string) => `ap:${token}:${letter}`;
	return {
		inline_keyboard: [
			[
				{ text: '✅ Allow once', callback_data: data('o') },
				{ text: '✅ Allow for this task', callback_data: data('t') }
			],
			...(pattern ? [[{ text: `✅ Always allow ${pattern}`, callback_data: data('a') }]] : []),
			[{ text: '❌ Deny', callback_data: data('d') }]
		]
	};
}

/** The line the request's message ends with once it is decided. */
export function decisionLine(
	answer: { decision: ApprovalDecision; reason: string | null; by: { name: string } | null },
	pattern: string | null,
	expiry: { why: 'timeout' | 'aborted' | 'ended'; timeoutMs: number } | null
): string {
	if (!answer.by) {
		if (expiry?.why === 'aborted') return '⏹ The task was aborted: denied.';
		if (expiry?.why === 'ended') return '⏹ The task ended before an answer: denied.';
		return `⌛ No answer within ${formatDuration(expiry?.timeoutMs ?? 0)}: denied.`;
	}
	const who = answer.by.name;
	switch (answer.decision) {
		case 'allow-once':
			return `✅ Allowed once by ${who}`;
		case 'allow-task':
			return `✅ Allowed for this task by ${who}`;
		case 'allow-always':
			return `✅ Always allowed ${pattern ?? ''} by ${who}`.replace('  ', ' ');
		case 'deny':
			return answer.reason ? `❌ Denied by ${who}: “${answer.reason}”` : `❌ Denied by ${who}`;
	}
}
