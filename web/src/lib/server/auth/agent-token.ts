/**
 * Agent identity: an HS256 JWT signed with a server-only secret. `sub` is the agent id, `jti`
 * the token id stored on the agent row, so deleting the row (or re-pairing) revokes the token.
 * Verification pins the algorithm, issuer and audience: no `alg: none`, no algorithm confusion.
 */
import { errors, jwtVerify, SignJWT } from 'jose';

const ALGORITHM = 'HS256';
export const TOKEN_ISSUER = 'remoteagent-relay';
export const TOKEN_AUDIENCE = 'remoteagent-agent';

export interface AgentClaims {
	agentId: string;
	tokenId: string;
}

export class InvalidAgentToken extends Error {
	override readonly name = 'InvalidAgentToken';
}

function keyOf(secret: string): Uint8Array {
	return new TextEncoder().encode(secret);
}

export async function signAgentToken(claims: AgentClaims, secret: string): Promise<string> {
	return new SignJWT({})
		.setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
		.setSubject(claims.agentId)
		.setJti(claims.tokenId)
		.setIssuer(TOKEN_ISSUER)
		.setAudience(TOKEN_AUDIENCE)
		.setIssuedAt()
		.sign(keyOf(secret));
}

/**
 * Tokens this process verified, and what they said: an agent sends the same token with every
 * call, and its signature check (WebCrypto HMAC, a round trip through the thread pool) gives the
 * same answer every time. Revocation is not decided here (the caller checks the token id).
 */
const verified = new Map<string, { secret: string; claims: AgentClaims }>();
const VERIFIED_MAX = 5_000;

/** Throws InvalidAgentToken for anything but a well-formed token we signed. */
export async function verifyAgentToken(token: string, secret: string): Promise<AgentClaims> {
	const known = verified.get(token);
	if (known?.secret === secret) return known.claims;
	const claims = await verifySignature(token, secret);
	if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
	verified.set(token, { secret, claims });
	return claims;
}

async function verifySignature(token: string, secret: string): Promise<AgentClaims> {
	try {
		const { payload } = await jwtVerify(token, keyOf(secret), {
			algorithms: [ALGORITHM],
			issuer: TOKEN_ISSUER,
			audience: TOKEN_AUDIENCE
		});
		if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
			throw new InvalidAgentToken('token lacks sub or jti');
		}
		return { agentId: payload.sub, tokenId: payload.jti };
	} catch (error) {
		if (error instanceof InvalidAgentToken) throw error;
		if (error instanceof errors.JOSEError)
			throw new InvalidAgentToken(error.code, { cause: error });
		throw error;
	}
}
