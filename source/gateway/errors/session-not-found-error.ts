/** The control API named a session the gateway does not have. */
export class SessionNotFoundError extends Error {
	override name = 'SessionNotFoundError';

	constructor(readonly key: string, options?: ErrorOptions) {
		super(`no session "${key}"`, options);
	}
}
