export class RedisServerStartError extends Error {
	override readonly name = 'RedisServerStartError';
}
