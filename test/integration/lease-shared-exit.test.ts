import {describe, expect, it} from 'vitest';
import {Client} from '../../source/core/client.js';
import {Provider} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {testNamespace} from '../helpers/redis.js';
import {setupRedisTestbed} from '../helpers/redis-testbed.js';

const {cleanups, redisUrl} = setupRedisTestbed();

async function provider(namespace: string, options: {count: number; sharedExits: number}): Promise<Provider> {
	const p = new Provider({redis: redisUrl(), namespace, backend: new MemoryBackend(options)});
	cleanups.add(async () => p.stop());
	await p.start();
	return p;
}

async function lease(namespace: string, requestIntervalMs: number) {
	const client = new Client({redis: redisUrl(), namespace, timings: {requestIntervalMs}});
	cleanups.add(async () => client.close());
	await client.start();
	return client.getProxy({timeoutMs: 30_000});
}

describe('a proxy whose exit is shared', () => {
	it('loses to a provider with an exit of its own, every time', async () => {
		const namespace = testNamespace();
		await provider(namespace, {count: 5, sharedExits: 5});
		const own = await provider(namespace, {count: 5, sharedExits: 0});
		for (let index = 0; index < 5; index++) {
			// eslint-disable-next-line no-await-in-loop
			const proxy = await lease(namespace, 60_000);
			expect(proxy.sharedExit).toBe(false);
			expect(proxy.clusterId).toBe(own.id);
		}
	});

	it('is still leased, at the request\'s repeat, when nobody has a better one', async () => {
		const namespace = testNamespace();
		await provider(namespace, {count: 1, sharedExits: 1});
		const asked = Date.now();
		const proxy = await lease(namespace, 300);
		expect(proxy.sharedExit).toBe(true);
		// Not at the first request: at a repeat.
		expect(Date.now() - asked).toBeGreaterThanOrEqual(300);
	});
});
