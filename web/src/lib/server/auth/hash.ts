import { createHash, randomBytes } from 'node:crypto';

/** Secrets we hand out (cookies, codes, links) are stored only as their SHA-256. */
export function sha256Hex(value: string): string {
	return createHash('sha256').update(value).digest('hex');
}

/** A random opaque token (256 bits, base64url). */
export function randomToken(bytes = 32): string {
	return randomBytes(bytes).toString('base64url');
}
