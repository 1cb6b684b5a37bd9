/** The IP-check service, asked through a Tor instance, gave no usable answer (an HTTP error, no address). */
export class ExitCheckError extends Error {
	override readonly name = 'ExitCheckError';
}
