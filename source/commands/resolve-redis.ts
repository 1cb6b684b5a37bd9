import {isRedisAnswering, startRedisServer, type RedisServer} from '../redis/redis-server.js';
import {RedisServerStartError} from '../redis/redis-server-start-error.js';
import {isPortFree} from '../util/free-port.js';
import {killNow} from '../util/terminate.js';
import type {Shutdown} from '../cli/shutdown.js';

export type RedisSource = {
	readonly url: string;
	/** Whether --redis or REDIS_URL named it (false: the local default). */
	readonly named: boolean;
};

const host = '127.0.0.1';
const port = 6379;

/**
 * The Redis URL a provider should use. When no Redis was named and nothing answers on the local
 * default, start a private redis-server there (stopped by the shutdown path), so one machine needs
 * nothing but `tor` and `redis-server`.
 */
export async function resolveRedis(source: RedisSource, shutdown: Shutdown): Promise<string> {
	if (source.named || (await isRedisAnswering(host, port))) {
		return source.url;
	}

	if (!(await isPortFree(port, host))) {
		throw new Error(`${host}:${port} is in use by something that does not answer as Redis (one with a password?): pass --redis URL`);
	}

	let server: RedisServer;
	try {
		server = await startRedisServer({host, port});
	} catch (error) {
		// Another provider may have started one there a moment ago: use it.
		if (error instanceof RedisServerStartError && (await isRedisAnswering(host, port))) {
			return source.url;
		}

		throw error;
	}

	const {pid} = server;
	shutdown.defer('the redis-server we started', async () => server.stop());
	shutdown.onForce(() => {
		killNow([pid]);
	});
	shutdown.notice(`nothing answered on ${host}:${port}: started a private redis-server there (pid ${pid ?? '?'}); it stops when this provider does`);
	return source.url;
}
