import { describe, expect, it } from 'vitest';
import { DomainError, domainCodeOf } from './errors.ts';
import { agentChannel, outputChannel, PROMPT_PREVIEW_LENGTH, promptPreview } from './protocol.ts';
import { agentCommand, sessionOutputInput } from './schemas.ts';

describe('promptPreview', () => {
	it('keeps short prompts, flattening whitespace', () => {
		expect(promptPreview('  fix\nthe   tests ')).toBe('fix the tests');
	});

	it('cuts long prompts to the preview length', () => {
		const preview = promptPreview('x'.repeat(1000));
		expect(preview.length).toBe(PROMPT_PREVIEW_LENGTH);
		expect(preview.endsWith('…')).toBe(true);
	});

	it('never cuts a surrogate pair in half', () => {
		const preview = promptPreview('a' + '😀'.repeat(300));
		expect(preview.length).toBeLessThanOrEqual(PROMPT_PREVIEW_LENGTH);
		expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(preview)).toBe(false);
	});
});

describe('wire schemas', () => {
	it('accept a prompt command and refuse unknown shapes', () => {
		const ok = agentCommand.safeParse({
			type: 'prompt',
			sessionId: 'ses_0123456789abcdefghjk',
			prompt: 'hi',
			continueSessionId: null,
			startedBy: { telegramUserId: 1, name: 'a' },
			expiresAt: 1
		});
		expect(ok.success).toBe(true);
		expect(agentCommand.safeParse({ type: 'rm', sessionId: null }).success).toBe(false);
		expect(sessionOutputInput.safeParse({ sessionId: '../x', seq: 0, text: 'a' }).success).toBe(
			false
		);
	});

	it('name channels per agent and per session', () => {
		expect(agentChannel('agt_1')).toBe('agent:agt_1');
		expect(outputChannel('ses_1')).toBe('output:ses_1');
	});
});

describe('domain errors', () => {
	it('are recognised by code from a client error shape', () => {
		expect(domainCodeOf({ data: { domainCode: 'AGENT_REVOKED' } })).toBe('AGENT_REVOKED');
		expect(domainCodeOf({ data: { domainCode: 'NOPE' } })).toBeNull();
		expect(domainCodeOf(new Error('x'))).toBeNull();
		expect(new DomainError('PAIRING_CODE_USED').message).toMatch(/already used/);
	});
});
