import {randomUUID} from 'node:crypto';
import {startRedisServer, type RedisServer} from '../../source/redis/redis-server.js';

export type {RedisServer};

/** Start a private redis-server on a free loopback port; the caller must `stop()` it. */
export async function startTestRedis(port?: number): Promise<RedisServer> {
	return startRedisServer({port});
}

/** A fresh namespace per test, so tests never see each other's messages. */
export function testNamespace(): string {
	return `test-${randomUUID()}`;
}
