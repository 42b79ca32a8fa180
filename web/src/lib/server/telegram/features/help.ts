import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';

export function helpText(dashboardUrl: string | undefined): string {
	const dashboard = dashboardUrl ?? 'the dashboard';
	return [
		'I relay your messages to the coding agent running on your own machine.',
		'',
		'Send any text: it becomes a prompt for your active agent.',
		'abort — stop the running task',
		'continue [more text] — continue the previous conversation',
		'/agents — your agents and whether they are online',
		'/projects — switch the active agent',
		'/history — your last 10 tasks',
		'/diff — what the last task changed; /undo — put those files back',
		'A photo or document (its caption as the prompt) is saved in the project for the agent.',
		'/login — a one-time link to sign in to the dashboard',
		'',
		`To pair an agent, open ${dashboard} → Add agent, then run the command it shows in your project directory.`
	].join('\n');
}

export const helpFeature = new Composer<BotContext>();

helpFeature.command(['start', 'help'], (ctx) => ctx.reply(helpText(ctx.deps.config.PUBLIC_URL)));
