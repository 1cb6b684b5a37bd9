/** A control command or the connection attempt got no answer in time. */
export class TorControlTimeoutError extends Error {
	override name = 'TorControlTimeoutError';

	readonly timeoutMs: number;

	constructor(message: string, timeoutMs: number, options?: ErrorOptions) {
		super(`${message} (no answer within ${timeoutMs} ms)`, options);
		this.timeoutMs = timeoutMs;
	}
}
