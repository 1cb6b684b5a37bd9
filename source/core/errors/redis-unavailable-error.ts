/** Redis could not be reached when connecting. */
export class RedisUnavailableError extends Error {
	override readonly name = 'RedisUnavailableError';

	constructor(readonly target: string, options?: ErrorOptions) {
		const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
		super(`cannot reach Redis at ${target}${reason}`, options);
	}
}
