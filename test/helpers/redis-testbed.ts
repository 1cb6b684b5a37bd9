import {Redis} from 'ioredis';
import {afterAll, afterEach, beforeAll} from 'vitest';
import {Cleanups} from './cleanups.js';
import {startTestRedis, type RedisServer} from './redis.js';

export type RedisTestbed = {
	/** Undone after each test, newest first, all of them even when some fail. */
	readonly cleanups: Cleanups;
	/** The file's redis-server (started in `beforeAll`); only inside tests. */
	redisUrl(): string;
};

/**
 * For test files against a real Redis: registers the hooks that start one redis-server for the
 * file, stop it after the file, and run the `cleanups` after each test.
 */
export function setupRedisTestbed(): RedisTestbed {
	let redis: RedisServer | undefined;
	const cleanups = new Cleanups();
	beforeAll(async () => {
		redis = await startTestRedis();
	});
	afterAll(async () => {
		await redis?.stop();
	});
	afterEach(async () => {
		await cleanups.run();
	});

	return {
		cleanups,
		redisUrl() {
			if (!redis) {
				throw new Error('no redis-server: use the testbed inside tests');
			}

			return redis.url;
		},
	};
}

export type AdminRedisTestbed = {
	/** The file's redis-server (started in `beforeAll`); only inside tests. */
	readonly server: RedisServer;
	/** A plain ioredis connection to it, for what a test does to the server itself (ACL, CLIENT, INFO). */
	readonly admin: Redis;
};

/** For test files that act on the server too: one redis-server and an admin connection for the file, both ended after it. */
export function setupAdminRedis(): AdminRedisTestbed {
	let started: {server: RedisServer; admin: Redis} | undefined;
	beforeAll(async () => {
		const server = await startTestRedis();
		started = {server, admin: new Redis(server.url)};
	});
	afterAll(async () => {
		started?.admin.disconnect();
		await started?.server.stop();
	});
	const current = () => {
		if (!started) {
			throw new Error('no redis-server: use the testbed inside tests');
		}

		return started;
	};

	return {
		get server() {
			return current().server;
		},
		get admin() {
			return current().admin;
		},
	};
}
