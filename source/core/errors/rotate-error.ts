/** A rotation did not complete: the provider refused, it timed out, or the lease ended. */
export class RotateError extends Error {
	override readonly name = 'RotateError';
}
