/** Redis did not answer a SUBSCRIBE in time; the bus sends it again. */
export class SubscribeTimeoutError extends Error {
	override readonly name = 'SubscribeTimeoutError';

	constructor(readonly timeoutMs: number) {
		super(`SUBSCRIBE unanswered after ${timeoutMs} ms`);
	}
}
