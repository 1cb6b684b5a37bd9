/** Fewer instances than asked for became ready within the deadline. */
export class PoolNotReadyError extends Error {
	override readonly name = 'PoolNotReadyError';

	constructor(readonly count: number, readonly timeoutMs: number, options?: ErrorOptions) {
		super(`${count} Tor instances were not ready within ${timeoutMs} ms`, options);
	}
}
