import { describe, expect, it } from 'vitest';
import { agentCommand, reviewReplyInput } from './schemas.ts';

const SESSION = 'ses_0123456789abcdef0123';
const REQUEST = 'rvw_0123456789abcdef0123';

describe('review contract', () => {
	it('a review reply names exactly one of a session and a request', () => {
		expect(reviewReplyInput.safeParse({ sessionId: SESSION, text: 'x' }).success).toBe(true);
		expect(reviewReplyInput.safeParse({ requestId: REQUEST, text: 'x' }).success).toBe(true);
		expect(
			reviewReplyInput.safeParse({ sessionId: SESSION, requestId: REQUEST, text: 'x' }).success
		).toBe(false);
		expect(reviewReplyInput.safeParse({ text: 'x' }).success).toBe(false);
		expect(reviewReplyInput.safeParse({ sessionId: SESSION, text: 'x'.repeat(4097) }).success).toBe(
			false
		);
	});

	it('review commands and prompt files parse; malformed ones do not', () => {
		expect(agentCommand.parse({ type: 'review', requestId: REQUEST, action: 'undo' })).toEqual({
			type: 'review',
			requestId: REQUEST,
			action: 'undo'
		});
		expect(
			agentCommand.safeParse({ type: 'review', requestId: REQUEST, action: 'rm -rf' }).success
		).toBe(false);
		const prompt = {
			type: 'prompt',
			sessionId: SESSION,
			prompt: 'look',
			continueSessionId: null,
			startedBy: { telegramUserId: 1, name: 'a' },
			expiresAt: 1,
			files: [{ ref: 'sealed', name: 'photo.jpg', size: 10 }]
		};
		expect(agentCommand.safeParse(prompt).success).toBe(true);
		const many = { ...prompt, files: Array(11).fill(prompt.files[0]) };
		expect(agentCommand.safeParse(many).success).toBe(false);
		const { files: _files, ...older } = prompt;
		expect(agentCommand.safeParse(older).success, 'a prompt without files still parses').toBe(true);
	});
});
