/** What the bot answers a prompt with, whichever path queued it (prompt-path.ts, features/tasks.ts). */
import { formatDuration } from '../sessions/format.ts';
import { ago } from './agents-of.ts';

export interface ReceiptInput {
	agentName: string;
	online: boolean;
	lastSeenAt: Date | null;
	/** Tasks of the agent queued or running before this one. */
	ahead: number;
	/** The running task when someone else started it. */
	runningOther: { name: string | null; preview: string } | null;
	now: Date;
	offlineQueueMs: number;
}

/** `working` is true when the agent takes the prompt right away. */
export function promptReceipt(input: ReceiptInput): { text: string; working: boolean } {
	if (!input.online) {
		const wait = formatDuration(input.offlineQueueMs);
		return {
			text:
				`○ ${input.agentName} is offline (last seen ${ago(input.lastSeenAt, input.now)}). ` +
				`Your prompt will wait ${wait} and run when it comes back.`,
			working: false
		};
	}
	if (input.ahead > 0) {
		const lines = [];
		if (input.runningOther) {
			lines.push(
				`⚠️ ${input.runningOther.name ?? 'someone'} is working on: “${input.runningOther.preview.slice(0, 80)}”`
			);
		}
		lines.push(`⏳ ${input.agentName} is busy: your prompt is #${input.ahead} in the queue.`);
		return { text: lines.join('\n'), working: false };
	}
	return { text: `▶ ${input.agentName}: working…`, working: true };
}

/** Set once the "working…" message is out, so `session.start` does not send another. */
export const startedKey = (sessionId: string) => `tg:started:${sessionId}`;
/** The task's status message (it carries the Abort button; the end notice may edit it). */
export const abortMessageKey = (sessionId: string) => `tg:abortmsg:${sessionId}`;
export const STARTED_TTL_S = 6 * 3600;
