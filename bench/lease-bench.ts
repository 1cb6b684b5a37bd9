import {performance} from 'node:perf_hooks';
import {Redis} from 'ioredis';
import {Client} from '../source/core/client.js';
import {burst, type Leaser, type Release} from './fleet.js';
import {ProviderProcess} from './provider-process-handle.js';
import {quantile, round} from './stats.js';

/** Round trips of PING on one connection. */
export async function pingP50(url: string, count = 2000): Promise<number> {
	const redis = new Redis(url);
	try {
		const samples: number[] = [];
		for (let index = 0; index < count; index++) {
			const started = performance.now();
			// eslint-disable-next-line no-await-in-loop
			await redis.ping();
			samples.push(performance.now() - started);
		}

		return round(quantile(samples, 0.5));
	} finally {
		redis.disconnect();
	}
}

/** One nightcrawler client as a leaser: getProxy, and destroy to give it back. */
function leaserOf(client: Client): Leaser {
	return {
		async lease(): Promise<Release> {
			const proxy = await client.getProxy({timeoutMs: 30_000});
			return async () => proxy.destroy();
		},
	};
}

/**
 * `clients` nightcrawler clients leasing from one provider with the in-memory pool (in its own
 * process, as a provider runs on its own host), while `idle` more clients sit connected to the bus.
 */
export class NightcrawlerFleet {
	readonly leasers: Leaser[];
	private readonly namespace = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}`;
	private readonly provider = new ProviderProcess();
	private readonly clients: Client[];

	constructor(private readonly url: string, private readonly count: number, idle = 0) {
		this.clients = Array.from({length: count + idle}, () => new Client({redis: url, namespace: this.namespace}));
		this.leasers = this.clients.slice(0, count).map(client => leaserOf(client));
	}

	async start(): Promise<void> {
		await this.provider.request({type: 'start', url: this.url, namespace: this.namespace, count: this.count}, 'started');
		for (let index = 0; index < this.clients.length; index += 50) {
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(this.clients.slice(index, index + 50).map(async client => client.connect()));
		}
	}

	/** Messages Redis delivered so far to the provider and every client. */
	async delivered(): Promise<number> {
		const {delivered} = await this.provider.request<{delivered: number}>({type: 'stats'}, 'stats');
		return this.clients.reduce((sum, client) => sum + client.stats.delivered, delivered);
	}

	async stop(): Promise<void> {
		await Promise.all(this.clients.map(async client => client.close()));
		await this.provider.stop();
	}
}

export type CrowdedBenchResult = {leaseP50Ms: number; leaseP99Ms: number; messagesPerLease: number};

/**
 * Bursts of `clients` leases while `idle` more clients sit connected to the bus: `rounds`
 * measured rounds after `warmup` unmeasured ones.
 */
export async function crowdedBench({url, clients, idle, rounds, warmup}: {url: string; clients: number; idle: number; rounds: number; warmup: number}): Promise<CrowdedBenchResult> {
	const fleet = new NightcrawlerFleet(url, clients, idle);
	try {
		await fleet.start();
		for (let index = 0; index < warmup; index++) {
			// eslint-disable-next-line no-await-in-loop
			await burst(fleet.leasers);
		}

		const deliveredBefore = await fleet.delivered();
		const samples: number[] = [];
		for (let index = 0; index < rounds; index++) {
			// eslint-disable-next-line no-await-in-loop
			samples.push(...(await burst(fleet.leasers)).samples);
		}

		const messages = (await fleet.delivered()) - deliveredBefore;
		return {leaseP50Ms: round(quantile(samples, 0.5)), leaseP99Ms: round(quantile(samples, 0.99)), messagesPerLease: round(messages / samples.length, 2)};
	} finally {
		await fleet.stop();
	}
}
