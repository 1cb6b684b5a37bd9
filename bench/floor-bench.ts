import {randomUUID} from 'node:crypto';
import {performance} from 'node:perf_hooks';
import {Redis} from 'ioredis';
import {Channels} from '../source/core/bus/channels.js';
import {ProviderProcess} from './provider-process-handle.js';
import {quantile, round} from './stats.js';

export type FloorBenchResult = {floorP50Ms: number; floorP99Ms: number};

/** One client of the floor: its own two connections, like a real client's bus. */
class FloorClient {
	readonly id = randomUUID();
	private readonly pub: Redis;
	private readonly sub: Redis;
	private waiting: ((text: string) => void) | undefined;

	constructor(url: string, private readonly channels: Channels) {
		this.pub = new Redis(url, {enableAutoPipelining: true});
		this.sub = new Redis(url);
		this.sub.on('message', (_channel: string, text: string) => this.waiting?.(text));
	}

	async connect(): Promise<void> {
		await this.sub.subscribe(this.channels.direct(this.id));
	}

	/** Request, take the first supply, claim it, resolve on the link (or fail after 30 s: a lost message). */
	async lease(): Promise<void> {
		const requestId = randomUUID();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiting = undefined;
				reject(new Error('floor: a lease was not answered within 30 s'));
			}, 30_000);
			this.waiting = text => {
				const {event, UUID: provider, data} = JSON.parse(text) as {event: string; UUID: string; data: {offerId: string}};
				if (event === 'proxy:supply') {
					void this.pub.publish(this.channels.direct(provider), JSON.stringify({event: 'proxy:link', UUID: this.id, to: provider, data: {requestId, offerId: data.offerId}}));
				} else {
					clearTimeout(timer);
					this.waiting = undefined;
					resolve();
				}
			};

			void this.pub.publish(this.channels.broadcast('proxy:request'), JSON.stringify({event: 'proxy:request', UUID: this.id, data: {requestId}}));
		});
	}

	close(): void {
		this.pub.disconnect();
		this.sub.disconnect();
	}
}

/**
 * The floor under the lease figures: the same four messages per lease, the same channels, message
 * sizes, connections and processes, with bare ioredis and no nightcrawler code at all. What the
 * real lease costs above it is the protocol's own work (validation, reservations, timers).
 */
export async function floorBench({url, clients, rounds, warmup}: {url: string; clients: number; rounds: number; warmup: number}): Promise<FloorBenchResult> {
	const namespace = `floor-${Date.now()}-${Math.random().toString(36).slice(2)}`;
	const channels = new Channels(namespace);
	const provider = new ProviderProcess();
	const floorClients = Array.from({length: clients}, () => new FloorClient(url, channels));
	try {
		await provider.request({type: 'start-floor', url, namespace}, 'started');
		await Promise.all(floorClients.map(async client => client.connect()));
		const samples: number[] = [];
		for (let index = 0; index < warmup + rounds; index++) {
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(floorClients.map(async client => {
				const started = performance.now();
				await client.lease();
				if (index >= warmup) {
					samples.push(performance.now() - started);
				}
			}));
		}

		return {floorP50Ms: round(quantile(samples, 0.5)), floorP99Ms: round(quantile(samples, 0.99))};
	} finally {
		for (const client of floorClients) {
			client.close();
		}

		await provider.stop();
	}
}
