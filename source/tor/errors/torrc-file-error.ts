/** The torrc file given to the pool (`--torrc`) cannot be read. */
export class TorrcFileError extends Error {
	override readonly name = 'TorrcFileError';

	constructor(readonly file: string, options?: ErrorOptions) {
		super(`torrc file not found: ${file}`, options);
	}
}
