/** A port the user chose for the Tor pool (`--base-port`) is taken. */
export class PortInUseError extends Error {
	override readonly name = 'PortInUseError';

	constructor(readonly port: number, readonly host: string, options?: ErrorOptions) {
		super(`port ${port} on ${host} is in use: pick another --base-port, or leave it out to use free ports`, options);
	}
}
