/**
 * Pairing codes: 8 Crockford base32 symbols (40 bits), shown as `XXXX-XXXX`.
 * Typing is forgiving: case-insensitive, separators ignored, and the ambiguous
 * letters folded the way Crockford specifies (O→0, I/L→1).
 */
export const PAIRING_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PAIRING_CODE_SYMBOLS = 8;

/** Canonical form (`ABCD-EFGH`) of what a person typed, or null when it cannot be a code. */
export function normalizePairingCode(input: string): string | null {
	const folded = input
		.toUpperCase()
		.replace(/[\s\-_.]/g, '')
		.replace(/O/g, '0')
		.replace(/[IL]/g, '1');
	if (folded.length !== PAIRING_CODE_SYMBOLS) return null;
	for (const ch of folded) if (!PAIRING_CODE_ALPHABET.includes(ch)) return null;
	return `${folded.slice(0, 4)}-${folded.slice(4)}`;
}

/** A new random code from the platform CSPRNG. */
export function generatePairingCode(): string {
	// 32 symbols divide 256 evenly, so `byte % 32` is unbiased.
	const bytes = crypto.getRandomValues(new Uint8Array(PAIRING_CODE_SYMBOLS));
	let code = '';
	for (const byte of bytes) code += PAIRING_CODE_ALPHABET[byte % 32];
	return `${code.slice(0, 4)}-${code.slice(4)}`;
}
