/** Authentication could not even be attempted or Tor's proof was wrong (no usable method, unreadable cookie, bad server hash). */
export class TorControlAuthError extends Error {
	override name = 'TorControlAuthError';

	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
	}
}
