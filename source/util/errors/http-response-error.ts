/** The peer sent a malformed HTTP response, closed the connection early, or sent too much. */
export class HttpResponseError extends Error {
	override readonly name = 'HttpResponseError';

	constructor(message: string, options?: {cause?: unknown}) {
		super(message, options);
	}
}
