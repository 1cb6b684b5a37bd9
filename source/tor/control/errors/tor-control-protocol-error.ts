/** Tor's reply was a success but could not be understood (e.g. a malformed `status/bootstrap-phase`). */
export class TorControlProtocolError extends Error {
	override name = 'TorControlProtocolError';

	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
	}
}
