/** Tor answered a control command with an error reply (4xx or 5xx), e.g. `510 Unrecognized command`. */
export class TorControlError extends Error {
	override name = 'TorControlError';

	/** The reply's status code, e.g. 510, 515, 552. */
	readonly code: number;

	/** The command that was answered, with secrets redacted. */
	readonly command: string;

	constructor(code: number, message: string, command: string, options?: ErrorOptions) {
		super(`${code} ${message} (in reply to "${command}")`, options);
		this.code = code;
		this.command = command;
	}
}
