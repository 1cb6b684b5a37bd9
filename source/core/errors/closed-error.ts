/** The client or proxy was closed while the operation was pending. */
export class ClosedError extends Error {
	override readonly name = 'ClosedError';
}
