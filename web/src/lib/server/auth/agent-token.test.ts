import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import {
	InvalidAgentToken,
	signAgentToken,
	TOKEN_AUDIENCE,
	TOKEN_ISSUER,
	verifyAgentToken
} from './agent-token.ts';

const SECRET = 'k3Jd9Qw2Zr8Xv5Nb7Lm1Pc4Tf6Hy0Gs2Ae';
const claims = { agentId: 'agt_0123456789abcdefgh', tokenId: 'tok_abcdefghij0123456789' };

function b64url(value: string): string {
	return Buffer.from(value).toString('base64url');
}

describe('agent tokens', () => {
	it('round-trips the agent id and token id', async () => {
		const token = await signAgentToken(claims, SECRET);
		await expect(verifyAgentToken(token, SECRET)).resolves.toEqual(claims);
	});

	it('rejects a token signed with another secret', async () => {
		const other = 'another-secret-with-enough-bytes-0123456789';
		const token = await signAgentToken(claims, other);
		await expect(verifyAgentToken(token, SECRET)).rejects.toBeInstanceOf(InvalidAgentToken);
		// Verified once under its own secret, it is still refused under another (a rotated one).
		await expect(verifyAgentToken(token, other)).resolves.toEqual(claims);
		await expect(verifyAgentToken(token, SECRET)).rejects.toBeInstanceOf(InvalidAgentToken);
	});

	it('rejects a tampered payload', async () => {
		const token = await signAgentToken(claims, SECRET);
		const [header, , signature] = token.split('.');
		const forged = b64url(
			JSON.stringify({
				sub: 'agt_someoneelse0000000',
				jti: claims.tokenId,
				iss: TOKEN_ISSUER,
				aud: TOKEN_AUDIENCE
			})
		);
		await expect(
			verifyAgentToken(`${header}.${forged}.${signature}`, SECRET)
		).rejects.toBeInstanceOf(InvalidAgentToken);
	});

	it('rejects alg: none', async () => {
		const unsecured = new UnsecuredJWT({})
			.setSubject(claims.agentId)
			.setJti(claims.tokenId)
			.setIssuer(TOKEN_ISSUER)
			.setAudience(TOKEN_AUDIENCE)
			.encode();
		await expect(verifyAgentToken(unsecured, SECRET)).rejects.toBeInstanceOf(InvalidAgentToken);
	});

	it('rejects another HMAC algorithm even with the right secret', async () => {
		const token = await new SignJWT({})
			.setProtectedHeader({ alg: 'HS512' })
			.setSubject(claims.agentId)
			.setJti(claims.tokenId)
			.setIssuer(TOKEN_ISSUER)
			.setAudience(TOKEN_AUDIENCE)
			.sign(new TextEncoder().encode(SECRET));
		await expect(verifyAgentToken(token, SECRET)).rejects.toBeInstanceOf(InvalidAgentToken);
	});

	it('rejects a token for another audience', async () => {
		const token = await new SignJWT({})
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject(claims.agentId)
			.setJti(claims.tokenId)
			.setIssuer(TOKEN_ISSUER)
			.setAudience('someone-else')
			.sign(new TextEncoder().encode(SECRET));
		await expect(verifyAgentToken(token, SECRET)).rejects.toBeInstanceOf(InvalidAgentToken);
	});

	it('rejects garbage', async () => {
		await expect(verifyAgentToken('not-a-jwt', SECRET)).rejects.toBeInstanceOf(InvalidAgentToken);
	});
});
