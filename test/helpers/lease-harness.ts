import {Client, type ClientOptions} from '../../source/core/client.js';
import {Provider, type ProviderOptions} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {testNamespace} from './redis.js';

/** Providers and clients on one namespace of a test Redis; `cleanup()` stops them all. */
export class LeaseHarness {
	readonly namespace = testNamespace();
	private readonly clients: Client[] = [];
	private readonly providers: Provider[] = [];

	constructor(private readonly redisUrl: string) {}

	async provider(options: Partial<ProviderOptions> & {count?: number} = {}): Promise<Provider> {
		const {count = 3, ...rest} = options;
		const provider = new Provider({redis: this.redisUrl, namespace: this.namespace, backend: new MemoryBackend({count}), ...rest});
		this.providers.push(provider);
		await provider.connect();
		await provider.createCluster();
		provider.startProviding();
		return provider;
	}

	async client(options: Partial<ClientOptions> = {}): Promise<Client> {
		const client = new Client({redis: this.redisUrl, namespace: this.namespace, ...options});
		this.clients.push(client);
		await client.connect();
		return client;
	}

	async cleanup(): Promise<void> {
		// Clients first, so their leases are given back while the providers still answer.
		await Promise.all(this.clients.splice(0).map(async client => client.close()));
		await Promise.all(this.providers.splice(0).map(async provider => provider.stop()));
	}
}
