/** The control connection closed (by us or by Tor) before a command was answered. */
export class TorControlClosedError extends Error {
	override name = 'TorControlClosedError';

	constructor(message = 'the Tor control connection is closed', options?: ErrorOptions) {
		super(message, options);
	}
}
