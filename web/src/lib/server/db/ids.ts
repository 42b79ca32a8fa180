/**
 * Application-generated primary keys: `<prefix>_<26 symbols>`, e.g. `usr_7k2q…`.
 * 26 symbols of lower-case Crockford base32 carry 130 bits from the platform CSPRNG,
 * so ids are unguessable (session ids double as output channel names) and match
 * `id` in `@remoteagent/shared` (`/^[a-z]{2,4}_[0-9a-z]{16,40}$/`).
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const SYMBOLS = 26;

export function newId(prefix: string): string {
	if (!/^[a-z]{2,4}$/.test(prefix))
		throw new Error(`id prefix must be 2-4 lower-case letters: ${prefix}`);
	// 32 symbols divide 256 evenly, so `byte % 32` is unbiased.
	const bytes = crypto.getRandomValues(new Uint8Array(SYMBOLS));
	let out = `${prefix}_`;
	for (const byte of bytes) out += ALPHABET[byte % 32];
	return out;
}
