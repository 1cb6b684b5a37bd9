import {Client, type ClientOptions} from '../../source/core/client.js';
import {Provider, type ProviderOptions} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {Cleanups} from './cleanups.js';
import {testNamespace} from './redis.js';
import {setupRedisTestbed, type RedisTestbed} from './redis-testbed.js';

/** Providers and clients on one namespace of a test Redis; `cleanup()` stops them all. */
export class LeaseHarness {
	readonly namespace = testNamespace();
	private readonly clients = new Cleanups();
	private readonly providers = new Cleanups();

	constructor(private readonly redisUrl: string) {}

	async provider(options: Partial<ProviderOptions> & {count?: number} = {}): Promise<Provider> {
		const {count = 3, ...rest} = options;
		const provider = new Provider({redis: this.redisUrl, namespace: this.namespace, backend: new MemoryBackend({count}), ...rest});
		this.providers.add(async () => provider.stop());
		await provider.start();
		return provider;
	}

	async client(options: Partial<ClientOptions> = {}): Promise<Client> {
		const client = new Client({redis: this.redisUrl, namespace: this.namespace, ...options});
		this.clients.add(async () => client.close());
		await client.start();
		return client;
	}

	/** Close every client, then stop every provider, even when some of them fail; throws the failures. */
	async cleanup(): Promise<void> {
		const steps = new Cleanups();
		// Clients first, so their leases are given back while the providers still answer.
		steps.add(async () => this.clients.run({concurrent: true}));
		steps.add(async () => this.providers.run({concurrent: true}));
		await steps.run({order: 'oldest-first'});
	}
}

export type LeaseTestbed = RedisTestbed & {
	/**
	 * A harness on a fresh namespace of the file's Redis, cleaned up after the test with the other
	 * cleanups (newest first: after whatever the test adds later, such as hand-made buses).
	 */
	newHarness(): LeaseHarness;
};

/** For lease test files: the hooks of `setupRedisTestbed`, and harnesses cleaned up after each test. */
export function setupLeaseTestbed(): LeaseTestbed {
	const testbed = setupRedisTestbed();
	return {
		...testbed,
		newHarness() {
			const harness = new LeaseHarness(testbed.redisUrl());
			testbed.cleanups.add(async () => harness.cleanup());
			return harness;
		},
	};
}
