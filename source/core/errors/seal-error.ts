/** An X25519 key or a sealed box that is malformed, or a box that does not open with the key and context given. */
export class SealError extends Error {
	override readonly name = 'SealError';
}
