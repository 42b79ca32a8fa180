/**
 * Domain errors that cross the wire. The server maps each code to a tRPC error in one place
 * (`api/init.ts`); clients recognise them by `error.data.domainCode`, never by message text.
 */
export const DOMAIN_ERRORS = {
	PAIRING_CODE_UNKNOWN: { status: 'NOT_FOUND', message: 'unknown pairing code' },
	PAIRING_CODE_EXPIRED: {
		status: 'BAD_REQUEST',
		message: 'this pairing code has expired: create a new one on the dashboard'
	},
	PAIRING_CODE_USED: {
		status: 'CONFLICT',
		message: 'this pairing code was already used: create a new one on the dashboard'
	},
	PAIRING_CODE_MALFORMED: {
		status: 'BAD_REQUEST',
		message: 'a pairing code looks like ABCD-EFGH (8 letters or digits)'
	},
	PAIRING_DENIED: {
		status: 'FORBIDDEN',
		message: 'the pairing was denied on the dashboard'
	},
	AGENT_REVOKED: {
		status: 'UNAUTHORIZED',
		message: 'this agent was removed from the dashboard'
	},
	UNAUTHENTICATED: { status: 'UNAUTHORIZED', message: 'missing or invalid credentials' },
	SESSION_NOT_FOUND: { status: 'NOT_FOUND', message: 'no such session for this agent' },
	AGENT_NOT_FOUND: { status: 'NOT_FOUND', message: 'no such agent' },
	NAME_TAKEN: { status: 'CONFLICT', message: 'an agent with this name already exists' },
	RATE_LIMITED: { status: 'TOO_MANY_REQUESTS', message: 'too many attempts: try again later' },
	PLAN_LIMIT_REACHED: {
		status: 'FORBIDDEN',
		message: 'your plan allows no more agents: upgrade on the dashboard (Billing) or remove one'
	},
	TOO_MANY_CONNECTIONS: {
		status: 'TOO_MANY_REQUESTS',
		message: 'this agent already has too many open connections: is it running twice?'
	}
} as const;

export type DomainErrorCode = keyof typeof DOMAIN_ERRORS;

/** Thrown by server services; turned into a TRPCError carrying `domainCode`. */
export class DomainError extends Error {
	override readonly name = 'DomainError';
	constructor(
		readonly code: DomainErrorCode,
		message: string = DOMAIN_ERRORS[code].message,
		options?: { cause?: unknown }
	) {
		super(message, options);
	}
}

/** Read the domain code out of a tRPC client error, if there is one. */
export function domainCodeOf(error: unknown): DomainErrorCode | null {
	const data = (error as { data?: { domainCode?: unknown } } | null)?.data;
	const code = data?.domainCode;
	return typeof code === 'string' && code in DOMAIN_ERRORS ? (code as DomainErrorCode) : null;
}
