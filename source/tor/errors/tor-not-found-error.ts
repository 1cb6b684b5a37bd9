/** The tor binary could not be started because it does not exist at the given path or on PATH. */
export class TorNotFoundError extends Error {
	override name = 'TorNotFoundError';

	readonly torPath: string;

	constructor(torPath: string, options?: ErrorOptions) {
		super(`tor not found at "${torPath}": install it with "sudo apt-get install tor" (Debian/Ubuntu) or pass --tor PATH`, options);
		this.torPath = torPath;
	}
}
