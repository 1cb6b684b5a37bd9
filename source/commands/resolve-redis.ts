import {embeddedProviderUser, newAclPassword} from '../redis/acl-users.js';
import {canAuthenticate, readProviderPassword, removeProviderPassword, writeProviderPassword} from '../redis/embedded-credentials.js';
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

function withProviderUser(url: string, password: string): string {
	const withUser = new URL(url);
	withUser.username = embeddedProviderUser;
	withUser.password = password;
	return withUser.toString().replace(/\/$/, '');
}

/** The local default as the provider user of an embedded redis-server there, when its password file says so. */
async function embeddedUrl(source: RedisSource): Promise<string | undefined> {
	const password = await readProviderPassword(port);
	if (password !== undefined && (await canAuthenticate(host, port, embeddedProviderUser, password))) {
		return withProviderUser(source.url, password);
	}

	return undefined;
}

/**
 * The Redis URL a provider should use. When no Redis was named and nothing answers on the local
 * default, start a private redis-server there (stopped by the shutdown path), so one machine needs
 * nothing but `tor` and `redis-server`. That server has the two role users (README, "Redis ACL
 * roles"): clients are its `default` user, this provider the user `nightcrawler-provider`, whose
 * password is kept in a 0600 file so a second provider of the same user on this machine joins.
 */
export async function resolveRedis(source: RedisSource, shutdown: Shutdown): Promise<string> {
	if (source.named) {
		return source.url;
	}

	if (await isRedisAnswering(host, port)) {
		return (await embeddedUrl(source)) ?? source.url;
	}

	if (!(await isPortFree(port, host))) {
		throw new Error(`${host}:${port} is in use by something that does not answer as Redis (one with a password?): pass --redis URL`);
	}

	const password = newAclPassword();
	let server: RedisServer;
	try {
		server = await startRedisServer({
			host,
			port,
			users: [
				{name: 'default', role: 'client'},
				{name: embeddedProviderUser, role: 'provider', password},
			],
		});
	} catch (error) {
		// Another provider may have started one there a moment ago: use it (its password file comes just after).
		if (error instanceof RedisServerStartError && (await isRedisAnswering(host, port))) {
			for (let attempt = 0; attempt < 20; attempt++) {
				// eslint-disable-next-line no-await-in-loop
				const url = await embeddedUrl(source);
				if (url) {
					return url;
				}

				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, 100);
				});
			}

			return source.url;
		}

		throw error;
	}

	const {pid} = server;
	shutdown.defer('the redis-server we started', async () => server.stop());
	shutdown.onForce(() => {
		killNow([pid]);
	});
	let where = 'not kept (no private directory for it)';
	try {
		where = `in ${await writeProviderPassword(port, password)}`;
		shutdown.defer('the password file of the redis-server we started', async () => removeProviderPassword(port));
	} catch {}

	shutdown.notice(`nothing answered on ${host}:${port}: started a private redis-server there (pid ${pid ?? '?'}); it stops when this provider does. Clients use its default user; providers the user ${embeddedProviderUser} (password ${where})`);
	return withProviderUser(source.url, password);
}
