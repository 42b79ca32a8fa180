import { describe, expect, it } from 'vitest';
import { createLogger, redact } from './log.ts';

describe('structured logs', () => {
	it('writes one JSON object per line with the event and fields', () => {
		const lines: string[] = [];
		createLogger('info', (line) => lines.push(line)).info('session.queued', {
			sessionId: 'ses_1',
			n: 2
		});
		expect(lines).toHaveLength(1);
		expect(JSON.parse(lines[0]!)).toMatchObject({
			level: 'info',
			event: 'session.queued',
			sessionId: 'ses_1',
			n: 2
		});
	});

	it('drops lines below the configured level', () => {
		const lines: string[] = [];
		const log = createLogger('warn', (line) => lines.push(line));
		log.info('quiet');
		log.warn('loud');
		expect(lines.map((l) => JSON.parse(l).event)).toEqual(['loud']);
	});

	it('masks fields named like secrets or text', () => {
		expect(
			redact({
				token: 'eyJ…',
				prompt: 'delete prod',
				code: 'ABCD-EFGH',
				apiKey: 'sk-1',
				agentId: 'agt_1'
			})
		).toEqual({
			token: '[redacted]',
			prompt: '[redacted]',
			code: '[redacted]',
			apiKey: '[redacted]',
			agentId: 'agt_1'
		});
	});
});
