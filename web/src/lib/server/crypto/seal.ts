/**
 * Prompt and output text is sealed before it is written to Redis, so Redis, its AOF/RDB files
 * and Upstash hold only ciphertext; it is opened in memory on its way to the agent, the
 * dashboard or Telegram. AES-256-GCM through WebCrypto, a fresh 96-bit nonce per message, one
 * key per purpose derived with HKDF-SHA-256 from the server secret, and the owner of the data
 * (agent or session id) as additional data, so a sealed value cannot be moved to another key.
 */

/** What a sealed value is for: each purpose has its own key. */
export type SealPurpose = 'command' | 'output' | 'live' | 'file' | 'review';

export interface Sealer {
	/** `context` (an agent or session id) must be given again to open the value. */
	seal(purpose: SealPurpose, context: string, plaintext: string): Promise<string>;
	/** Throws {@link SealError} when the value was not sealed with this secret, purpose and context. */
	open(purpose: SealPurpose, context: string, sealed: string): Promise<string>;
}

export class SealError extends Error {
	override readonly name = 'SealError';
}

const VERSION = 'v1';
const NONCE_BYTES = 12;
/** Fixed and public: HKDF's salt only separates this use of the secret from any other. */
const SALT = new TextEncoder().encode('remoteagent/seal');

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function createSealer(secret: string): Sealer {
	const root = crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
	const keys = new Map<SealPurpose, Promise<CryptoKey>>();
	const keyFor = (purpose: SealPurpose) => {
		let key = keys.get(purpose);
		if (!key) {
			key = root.then((base) =>
				crypto.subtle.deriveKey(
					{
						name: 'HKDF',
						hash: 'SHA-256',
						salt: SALT,
						info: encoder.encode(`remoteagent/seal/${VERSION}/${purpose}`)
					},
					base,
					{ name: 'AES-GCM', length: 256 },
					false,
					['encrypt', 'decrypt']
				)
			);
			keys.set(purpose, key);
		}
		return key;
	};

	return {
		async seal(purpose, context, plaintext) {
			const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
			const ciphertext = await crypto.subtle.encrypt(
				{ name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
				await keyFor(purpose),
				encoder.encode(plaintext)
			);
			return `${VERSION}.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
		},
		async open(purpose, context, sealed) {
			const [version, iv, ciphertext, extra] = sealed.split('.');
			if (version !== VERSION || !iv || !ciphertext || extra !== undefined) {
				throw new SealError('not a sealed value');
			}
			try {
				const plaintext = await crypto.subtle.decrypt(
					{ name: 'AES-GCM', iv: fromBase64url(iv), additionalData: encoder.encode(context) },
					await keyFor(purpose),
					fromBase64url(ciphertext)
				);
				return decoder.decode(plaintext);
			} catch {
				throw new SealError('the sealed value does not open with this key');
			}
		}
	};
}

function base64url(bytes: Uint8Array): string {
	return Buffer.from(bytes).toString('base64url');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
	if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new SealError('not a sealed value');
	const buffer = Buffer.from(text, 'base64url');
	const bytes = new Uint8Array(new ArrayBuffer(buffer.length));
	bytes.set(buffer);
	return bytes;
}
