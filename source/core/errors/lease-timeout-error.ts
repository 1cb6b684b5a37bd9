/** No provider leased a proxy in time. */
export class LeaseTimeoutError extends Error {
	override readonly name = 'LeaseTimeoutError';

	constructor(readonly timeoutMs: number, options?: ErrorOptions) {
		super(`no proxy was leased within ${timeoutMs} ms: is a provider running on this Redis and namespace?`, options);
	}
}
