/**
 * Stripe's error envelope: `{ error: { type, code?, message, param?, doc_url?, request_log_url? } }`
 * with the HTTP status Stripe uses for it. stripe-node turns these into its typed errors
 * (StripeInvalidRequestError, StripeAuthenticationError, …) from `type` and the status.
 */

export interface StripeErrorBody {
	error: {
		type: 'invalid_request_error' | 'api_error' | 'card_error' | 'idempotency_error';
		message: string;
		code?: string;
		param?: string;
		doc_url?: string;
	};
}

export class ApiFailure extends Error {
	constructor(
		readonly status: number,
		readonly body: StripeErrorBody
	) {
		super(body.error.message);
	}
}

export const missing = (what: string, id: string, param = 'id') =>
	new ApiFailure(404, {
		error: {
			type: 'invalid_request_error',
			code: 'resource_missing',
			message: `No such ${what}: '${id}'`,
			param,
			doc_url: 'https://stripe.com/docs/error-codes/resource-missing'
		}
	});

export const missingParam = (param: string) =>
	new ApiFailure(400, {
		error: {
			type: 'invalid_request_error',
			code: 'parameter_missing',
			message: `Missing required param: ${param}.`,
			param,
			doc_url: 'https://stripe.com/docs/error-codes/parameter-missing'
		}
	});

export const invalid = (param: string, message: string) =>
	new ApiFailure(400, {
		error: { type: 'invalid_request_error', code: 'parameter_invalid_string', message, param }
	});

export const unauthorized = (key: string) =>
	new ApiFailure(401, {
		error: {
			type: 'invalid_request_error',
			message: key
				? `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
				: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
		}
	});

export const unknownRoute = (method: string, path: string) =>
	new ApiFailure(404, {
		error: {
			type: 'invalid_request_error',
			message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
		}
	});
