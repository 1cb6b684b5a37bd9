/** A pool was asked to rotate or restart an instance it does not have (or no longer has: it was stopped). */
export class UnknownInstanceError extends Error {
	override readonly name = 'UnknownInstanceError';

	constructor(message: string, readonly instanceId: string, options?: ErrorOptions) {
		super(message, options);
	}
}
