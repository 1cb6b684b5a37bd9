export class RedisServerNotFoundError extends Error {
	override readonly name = 'RedisServerNotFoundError';

	constructor(readonly bin: string, options?: ErrorOptions) {
		super(`redis-server not found at "${bin}": install it with "sudo apt-get install redis-server" (Debian/Ubuntu), or pass --redis URL`, options);
	}
}
