import {Redis, type RedisOptions} from 'ioredis';

export type RedisTarget = string | RedisOptions;

export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/**
 * One Redis connection (a bus has two). Nothing is queued while offline (a message sent then fails at
 * once instead of arriving late), commands are pipelined automatically, and `retryStrategy`
 * decides about reconnecting. Commands unanswered when the connection closes are sent again once
 * after the reconnect; with `retryUnanswered: false` they fail at once instead, and nothing is ever
 * sent twice (a bus's messages: a PUBLISH sent into a connection gone dark must not arrive seconds
 * late, or twice if Redis was only paused; the lease protocol repeats what matters itself).
 */
export function createRedisConnection(target: RedisTarget | undefined, connectionName: string, retryStrategy: (times: number) => number | null, {retryUnanswered = true}: {retryUnanswered?: boolean} = {}): Redis {
	const common: RedisOptions = {
		lazyConnect: true,
		connectionName,
		autoResubscribe: false,
		enableOfflineQueue: false,
		maxRetriesPerRequest: retryUnanswered ? 1 : 0,
		autoResendUnfulfilledCommands: retryUnanswered,
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

/** How long a QUIT may go unanswered before the connection is dropped instead. */
export const quitTimeoutMs = 2000;

/**
 * Drop a connection that stopped answering, so that ioredis reconnects it at once. (`disconnect(true)`
 * would end it politely and destroy it only after ioredis's disconnectTimeout, 2 s in which it still
 * counts as ready.)
 */
export function dropConnection(connection: Redis): void {
	connection.stream.destroy();
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

	let timer: NodeJS.Timeout | undefined;
	try {
		// A QUIT on a connection gone dark (half-open) is never answered: give up on it after a while.
		await Promise.race([connection.quit(), new Promise<never>((_resolve, reject) => {
			timer = setTimeout(() => {
				reject(new Error(`QUIT unanswered after ${quitTimeoutMs} ms`));
			}, quitTimeoutMs);
		})]);
	} catch {
		connection.disconnect();
	} finally {
		clearTimeout(timer);
	}
}
