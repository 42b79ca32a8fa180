/**
 * Prompt and output text is sealed before it is written to Redis, so Redis, its AOF/RDB files
 * and Upstash hold only ciphertext; it is opened in memory on its way to the agent, the
 * dashboard or Telegram. AES-256-GCM, a fresh 96-bit nonce per message, one key per purpose
 * derived with HKDF-SHA-256 from the server secret, and the owner of the data (agent or session
 * id) as additional data, so a sealed value cannot be moved to another key.
 *
 * `node:crypto` does it on the calling thread: a message is a few kilobytes, sealed in
 * microseconds, while WebCrypto's promise goes through the thread pool and back, which cost the
 * prompt path about a millisecond per seal or open on a busy event loop. The format is
 * WebCrypto's (ciphertext then the 16-byte tag), so values sealed either way open either way.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What a sealed value is for: each purpose has its own key. */
export type SealPurpose = 'command' | 'output' | 'live' | 'file' | 'review' | 'approval';

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
const TAG_BYTES = 16;
/** Fixed and public: HKDF's salt only separates this use of the secret from any other. */
const SALT = 'remoteagent/seal';

export function createSealer(secret: string): Sealer {
	const keys = new Map<SealPurpose, Buffer>();
	const keyFor = (purpose: SealPurpose) => {
		let key = keys.get(purpose);
		if (!key) {
			const info = `remoteagent/seal/${VERSION}/${purpose}`;
			key = Buffer.from(hkdfSync('sha256', secret, SALT, info, 32));
			keys.set(purpose, key);
		}
		return key;
	};

	return {
		async seal(purpose, context, plaintext) {
			const iv = randomBytes(NONCE_BYTES);
			const cipher = createCipheriv('aes-256-gcm', keyFor(purpose), iv);
			cipher.setAAD(Buffer.from(context));
			const sealed = Buffer.concat([
				cipher.update(plaintext, 'utf8'),
				cipher.final(),
				cipher.getAuthTag()
			]);
			return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
		},
		async open(purpose, context, sealed) {
			const [version, iv, ciphertext, extra] = sealed.split('.');
			if (version !== VERSION || !iv || !ciphertext || extra !== undefined) {
				throw new SealError('not a sealed value');
			}
			const nonce = fromBase64url(iv);
			const body = fromBase64url(ciphertext);
			if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
				throw new SealError('not a sealed value');
			}
			try {
				const decipher = createDecipheriv('aes-256-gcm', keyFor(purpose), nonce, {
					authTagLength: TAG_BYTES
				});
				decipher.setAAD(Buffer.from(context));
				decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
				const plaintext = Buffer.concat([
					decipher.update(body.subarray(0, body.length - TAG_BYTES)),
					decipher.final()
				]);
				return decoder.decode(plaintext);
			} catch {
				throw new SealError('the sealed value does not open with this key');
			}
		}
	};
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function fromBase64url(text: string): Buffer {
	if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new SealError('not a sealed value');
	return Buffer.from(text, 'base64url');
}
