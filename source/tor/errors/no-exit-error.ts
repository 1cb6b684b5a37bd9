/** No exit relay could be pinned and verified. */
export class NoExitError extends Error {
	override readonly name = 'NoExitError';
}
