/** An HTTP fetch through a proxy did not finish within its deadline. */
export class FetchTimeoutError extends Error {
	override readonly name = 'FetchTimeoutError';
	readonly timeoutMs: number;

	constructor(what: string, timeoutMs: number) {
		super(`${what} timed out after ${timeoutMs} ms`);
		this.timeoutMs = timeoutMs;
	}
}
