/** A request over the bus (a claim, a release) got no answer in time. */
export class RequestTimeoutError extends Error {
	override readonly name = 'RequestTimeoutError';

	constructor(readonly what: string, readonly timeoutMs: number, options?: ErrorOptions) {
		super(`${what} not answered within ${timeoutMs} ms`, options);
	}
}
