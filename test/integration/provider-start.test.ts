import {afterEach, describe, expect, it} from 'vitest';
import {Provider} from '../../source/core/provider.js';
import {ClosedError} from '../../source/core/errors/closed-error.js';
import {RedisUnavailableError} from '../../source/core/errors/redis-unavailable-error.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {Cleanups} from '../helpers/cleanups.js';
import {startTestRedis, testNamespace} from '../helpers/redis.js';

const cleanups = new Cleanups();

afterEach(async () => {
	await cleanups.run({order: 'newest-first'});
});

describe('Provider.start()', () => {
	it('connects, provides and starts the pool once, however often it is called; status is ready once providing', async () => {
		const redis = await startTestRedis();
		cleanups.add(async () => redis.stop());
		const namespace = testNamespace();
		const provider = new Provider({redis: redis.url, namespace, backend: new MemoryBackend({count: 2})});
		cleanups.add(async () => provider.stop());
		expect(provider.status).toBe('idle');
		expect(provider.namespace).toBe(namespace);
		const first = provider.start();
		expect(provider.status).toBe('starting');
		await Promise.all([first, provider.start()]);
		await provider.start();
		expect(provider.status).toBe('ready');
		expect(provider.instances().filter(instance => instance.state === 'ready')).toHaveLength(2);
		// Its own steps stay callable and change nothing now.
		await provider.connect();
		provider.startProviding();
		await provider.createCluster();
		expect(provider.status).toBe('ready');

		// ('offline' and back to 'ready' across a Redis restart: provider-outage.test.ts.)
		await Promise.all([provider.stop(), provider.stop()]);
		expect(provider.status).toBe('stopped');
		expect(() => {
			provider.startProviding();
		}).toThrow(ClosedError);
	});

	it('fails cleanly: the connect error is thrown, the pool never starts, and the provider is stopped', async () => {
		const backend = new MemoryBackend({count: 1});
		const provider = new Provider({redis: 'redis://127.0.0.1:1', namespace: testNamespace(), backend});
		cleanups.add(async () => provider.stop());
		await expect(provider.start()).rejects.toBeInstanceOf(RedisUnavailableError);
		await expect(provider.start()).rejects.toBeInstanceOf(RedisUnavailableError);
		expect(provider.status).toBe('stopped');
		expect(provider.instances().filter(instance => instance.state === 'ready')).toHaveLength(0);
	});
});
