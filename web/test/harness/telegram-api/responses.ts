/** Bot API response envelopes, with Telegram's exact wording for the errors the harness produces. */

export interface ApiError {
	ok: false;
	error_code: number;
	description: string;
	parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export type ApiResponse = { ok: true; result: unknown; description?: string } | ApiError;

export const ok = (result: unknown, description?: string): ApiResponse =>
	description === undefined ? { ok: true, result } : { ok: true, result, description };

export const badRequest = (description: string): ApiError => ({
	ok: false,
	error_code: 400,
	description: `Bad Request: ${description}`
});

export const conflict = (description: string): ApiError => ({
	ok: false,
	error_code: 409,
	description: `Conflict: ${description}`
});

export const UNAUTHORIZED: ApiError = { ok: false, error_code: 401, description: 'Unauthorized' };
export const METHOD_NOT_FOUND: ApiError = {
	ok: false,
	error_code: 404,
	description: 'Not Found: method not found'
};
export const NOT_MODIFIED = badRequest(
	'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'
);
