/** Redis did not answer a SUBSCRIBE in time; the bus reconnects the subscriber connection and subscribes again. */
export class SubscribeTimeoutError extends Error {
	override readonly name = 'SubscribeTimeoutError';

	constructor(readonly timeoutMs: number) {
		super(`SUBSCRIBE unanswered after ${timeoutMs} ms`);
	}
}
