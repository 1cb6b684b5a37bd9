import path from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {Client} from '../../source/core/client.js';
import {processesMentioning} from '../helpers/processes.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {exitViaSocks, startTorProvider} from '../helpers/tor-provider.js';
import {nextEvent} from '../helpers/wait-for.js';

let redis: RedisServer;
let pool: Awaited<ReturnType<typeof startTorProvider>>;
let client: Client | undefined;

beforeAll(async () => {
	redis = await startTestRedis();
	pool = await startTorProvider(redis.url, {count: 1, healthIntervalMs: 500, checkTimeoutMs: 3000});
});
afterAll(async () => {
	await client?.close();
	await pool?.stop();
	await redis?.stop();
});

/** The pid of the test network's relay `nickname` (its torrc lives in the network's directory). */
async function relayPid(nickname: string): Promise<number> {
	const directory = path.dirname(inject('testnet').torrcFile);
	const [pid] = await processesMentioning(`${directory}/${nickname}/`);
	if (pid === undefined) {
		throw new Error(`no relay ${nickname} under ${directory}`);
	}

	return pid;
}

describe('a pinned exit that stops working', () => {
	it('is replaced by a verified new exit, and the lease holder is told the new exit IP', async () => {
		const {exits} = inject('testnet');
		client = new Client({redis: redis.url, namespace: pool.provider.bus.namespace});
		await client.connect();
		const proxy: ClientProxy = await client.getProxy({timeoutMs: 30_000});
		const before = proxy.exitIp!;
		// Exit k of the test network leaves from 127.0.0.(k+1).
		const exit = await relayPid(`exit${exits.indexOf(before) + 1}`);
		const updated = nextEvent<[ClientProxy]>(proxy, 'update', 60_000);
		process.kill(exit, 'SIGSTOP');
		try {
			await updated;
		} finally {
			process.kill(exit, 'SIGCONT');
		}

		expect(proxy.state).toBe('active');
		expect(proxy.exitIp).not.toBe(before);
		expect(exits).toContain(proxy.exitIp);
		expect(await exitViaSocks(proxy.host, proxy.port)).toBe(proxy.exitIp);
	});
});
