import {afterAll, afterEach, beforeAll} from 'vitest';
import {Client} from '../../source/core/client.js';
import {Cleanups} from './cleanups.js';
import {startTestRedis, type RedisServer} from './redis.js';
import {startTorProvider} from './tor-provider.js';
import {waitFor} from './wait-for.js';

type TorProvider = Awaited<ReturnType<typeof startTorProvider>>;

export type TorTestbed = {
	readonly redis: RedisServer;
	readonly pool: TorProvider;
	/** Run after each test, all at once (clients, agents a test opened). */
	readonly clientCleanups: Cleanups;
	/** A started client in the pool's namespace, closed after the test. */
	client(): Promise<Client>;
};

/**
 * One test file's redis-server and Tor provider on the private network, started before its tests
 * and stopped after them. After each test its clients close and the pool is waited for until every
 * instance is ready again (recycled proxies get new exits first).
 */
export function setupTorTestbed(options: Parameters<typeof startTorProvider>[1]): TorTestbed {
	const suiteCleanups = new Cleanups();
	const clientCleanups = new Cleanups();
	let redis: RedisServer | undefined;
	let pool: TorProvider | undefined;
	beforeAll(async () => {
		redis = await startTestRedis();
		suiteCleanups.add(async () => redis!.stop());
		pool = await startTorProvider(redis.url, options);
		suiteCleanups.add(async () => pool!.stop());
	});
	afterEach(async () => {
		await clientCleanups.run({concurrent: true});
		await waitFor(() => pool!.backend.snapshot().every(instance => instance.state === 'ready'), {timeoutMs: 60_000, message: 'pool ready again'});
	});
	afterAll(async () => {
		await suiteCleanups.run();
	});

	return {
		get redis() {
			return redis!;
		},
		get pool() {
			return pool!;
		},
		clientCleanups,
		async client() {
			const created = new Client({redis: redis!.url, namespace: pool!.provider.namespace, timings: {requestIntervalMs: 250}});
			clientCleanups.add(async () => created.close());
			await created.start();
			return created;
		},
	};
}
