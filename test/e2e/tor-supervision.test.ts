import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {Client} from '../../source/core/client.js';
import type {ProxyDownError} from '../../source/core/errors/proxy-down-error.js';
import {isAlive} from '../helpers/cli.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {exitViaSocks, startTorProvider} from '../helpers/tor-provider.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

let redis: RedisServer;
let pool: Awaited<ReturnType<typeof startTorProvider>>;
let client: Client | undefined;

beforeAll(async () => {
	redis = await startTestRedis();
	// Frequent checks, each with the pool's own health timeout (10 s): a healthy Tor slowed by a
	// busy machine is not mistaken for a hung one, as it was when the timeout was the interval.
	pool = await startTorProvider(redis.url, {count: 2, healthIntervalMs: 500});
});
afterAll(async () => {
	await client?.close();
	const pids = pool?.backend.snapshot().map(instance => instance.pid).filter(pid => pid !== undefined) ?? [];
	await pool?.stop();
	await redis?.stop();
	// A normal stop leaves no Tor behind.
	expect(pids.filter(pid => isAlive(pid))).toEqual([]);
});

describe('supervision', () => {
	it('a Tor that stops answering (SIGSTOP) is killed and restarted; its holder is told and re-leased', {timeout: 180_000}, async () => {
		client = new Client({redis: redis.url, namespace: pool.provider.bus.namespace, timings: {requestIntervalMs: 250}});
		await client.connect();
		client.createProxy();
		const [first] = await nextEvent<[ClientProxy]>(client, 'proxy-ready', 30_000);
		const victim = pool.backend.snapshot().find(instance => instance.id === first.proxyId)!;
		// Noticed within an exit check already under way when Tor froze (up to its 15 s deadline),
		// then one health probe left unanswered (10 s), then one interval: well inside a minute.
		const down = nextEvent<[ProxyDownError]>(client, 'proxy-down', 60_000);
		process.kill(victim.pid!, 'SIGSTOP');
		try {
			const [error] = await down;
			expect(error.proxy).toBe(first);
		} finally {
			// If it is still there, let it die normally.
			if (isAlive(victim.pid!)) {
				process.kill(victim.pid!, 'SIGCONT');
			}
		}

		await waitFor(() => !isAlive(victim.pid!), {timeoutMs: 30_000, message: 'the hung tor to be killed'});
		const second = await waitFor(() => client!.proxies().find(proxy => proxy.state === 'active'), {timeoutMs: 30_000, message: 'a new lease'});
		expect(await exitViaSocks(second.host, second.port)).toBe(second.exitIp);
		await waitFor(() => pool.backend.snapshot().find(instance => instance.id === victim.id)?.state === 'ready', {timeoutMs: 60_000, message: 'restart'});
	});
});
