import {Redis, type RedisOptions} from 'ioredis';

export type RedisTarget = string | RedisOptions;

export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/**
 * One of a bus's two connections. Nothing is queued while offline (a message sent then fails at
 * once instead of arriving late), commands are pipelined automatically, and `retryStrategy`
 * decides about reconnecting.
 */
export function createRedisConnection(target: RedisTarget | undefined, connectionName: string, retryStrategy: (times: number) => number | null): Redis {
	const common: RedisOptions = {
		lazyConnect: true,
		connectionName,
		autoResubscribe: false,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 1,
		enableAutoPipelining: true,
		retryStrategy,
	};
	const resolved = target ?? defaultRedisUrl;
	return typeof resolved === 'string' ? new Redis(resolved, common) : new Redis({...resolved, ...common});
}

/** The Redis address for messages, without a password. */
export function describeTarget(target: RedisTarget | undefined): string {
	if (target === undefined) {
		return defaultRedisUrl;
	}

	if (typeof target === 'string') {
		try {
			const url = new URL(target);
			url.password = '';
			url.username = '';
			return url.toString().replace(/\/$/, '');
		} catch {
			return 'an unparsable Redis URL';
		}
	}

	return `${target.host ?? '127.0.0.1'}:${target.port ?? 6379}`;
}

/** Close a connection whatever state it is in, without throwing. */
export async function quit(connection: Redis): Promise<void> {
	if (connection.status === 'end') {
		// Already closed. (disconnect() would arm a 2 s timer that keeps the process alive.)
		return;
	}

	if (connection.status === 'wait') {
		connection.disconnect();
		return;
	}

	try {
		await connection.quit();
	} catch {
		connection.disconnect();
	}
}
