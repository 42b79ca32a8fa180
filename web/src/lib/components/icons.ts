/**
 * The dashboard's icon set: 24×24 outline drawings (stroke `currentColor`), inline SVG so they
 * look the same everywhere — no icon font, no emoji font. Each entry is the inner markup's
 * path data; `Icon.svelte` draws them.
 */
export const ICONS = {
	agents: [
		'M5 4h14a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
		'm7 9 3 3-3 3',
		'M13 15h4'
	],
	sessions: ['M9 6h12', 'M9 12h12', 'M9 18h12', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'],
	team: [
		'M9 11.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z',
		'M2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6',
		'M16 4.5a3.5 3.5 0 0 1 0 7',
		'M18 14.2c2.1.7 3.5 2.7 3.5 5.8'
	],
	download: ['M12 3v12', 'm7 10 5 5 5-5', 'M4 20h16'],
	// For the sections other branches add to the nav (web console, billing).
	console: [
		'M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1h-9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z',
		'm8 9 2 2-2 2',
		'M13 13h3'
	],
	billing: [
		'M4 5h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z',
		'M2 10h20',
		'M6 15h4'
	],
	signIn: ['M10 17l5-5-5-5', 'M15 12H3', 'M14 3h5a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-5'],
	signOut: ['M15 17l5-5-5-5', 'M20 12H9', 'M10 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h5'],
	plus: ['M12 5v14', 'M5 12h14'],
	back: ['M19 12H5', 'm11 6-6 6 6 6'],
	copy: [
		'M11 9h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-8a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2z',
		'M5 15V5a2 2 0 0 1 2-2h8'
	],
	send: ['M21 3 10 14', 'M21 3l-6.5 18-4.5-7-7-4.5z'],
	edit: ['M4 20h4L19 9l-4-4L4 16z', 'm13.5 6.5 4 4'],
	trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
	stop: ['M7 5h10a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z'],
	alert: ['M12 3 2 20h20z', 'M12 10v4', 'M12 17h.01'],
	// Session states (the bot's emoji, drawn).
	queued: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 2'],
	running: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M10 8.5v7l5.5-3.5z'],
	done: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'm8 12.5 2.5 2.5L16 9.5'],
	failed: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'm9 9 6 6', 'm15 9-6 6'],
	aborted: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M9.5 9h5v6h-5z'],
	expired: ['M6 3h12', 'M6 21h12', 'M7 3v2a5 5 0 0 0 10 0V3', 'M7 21v-2a5 5 0 0 1 10 0v2'],
	// Connection states.
	online: ['M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z'],
	offline: ['M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z'],
	reconnecting: ['M12 7a5 5 0 0 1 5 5', 'M12 17a5 5 0 0 1-5-5']
} as const;

export type IconName = keyof typeof ICONS;

/** Drawn filled as well as stroked. */
export const FILLED: ReadonlySet<IconName> = new Set(['online']);
