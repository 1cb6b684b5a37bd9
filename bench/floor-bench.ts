import {randomUUID} from 'node:crypto';
import {Redis} from 'ioredis';
import {Channels} from '../source/core/bus/channels.js';
import type {Leaser, Release} from './fleet.js';
import {ProviderProcess} from './provider-process-handle.js';

type FloorAnswer = {event: string; UUID: string; data: {offerId: string; secret: string; lease: {leaseId: string}}};

/** One client of the floor: its own two connections, like a real client's bus. */
class FloorClient implements Leaser {
	readonly id = randomUUID();
	private readonly pub: Redis;
	private readonly sub: Redis;
	private waiting: ((answer: FloorAnswer) => void) | undefined;

	constructor(url: string, private readonly channels: Channels) {
		this.pub = new Redis(url, {enableAutoPipelining: true});
		this.sub = new Redis(url);
		this.sub.on('message', (_channel: string, text: string) => this.waiting?.(JSON.parse(text) as FloorAnswer));
	}

	async connect(): Promise<void> {
		await this.sub.subscribe(this.channels.direct(this.id));
	}

	/** Request, take the first supply, claim it, resolve on the link; the release destroys the lease. */
	async lease(): Promise<Release> {
		const requestId = randomUUID();
		const link = await this.exchange(this.channels.broadcast('proxy:request'), {event: 'proxy:request', UUID: this.id, data: {requestId}}, (answer, publish) => {
			if (answer.event !== 'proxy:supply') {
				return true;
			}

			publish(this.channels.direct(answer.UUID), {event: 'proxy:link', UUID: this.id, to: answer.UUID, data: {requestId, offerId: answer.data.offerId}});
			return false;
		});
		const {leaseId} = link.data.lease;
		return async () => {
			await this.exchange(this.channels.direct(link.UUID), {event: 'proxy:destroy', UUID: this.id, to: link.UUID, data: {leaseId, secret: link.data.secret}}, () => true);
		};
	}

	close(): void {
		this.pub.disconnect();
		this.sub.disconnect();
	}

	/** Publish one message, then hand each answer to `step` until it says done (or fail after 30 s: a lost message). */
	private async exchange(channel: string, message: object, step: (answer: FloorAnswer, publish: (channel: string, message: object) => void) => boolean): Promise<FloorAnswer> {
		const publish = (to: string, body: object) => {
			void this.pub.publish(to, JSON.stringify(body));
		};

		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiting = undefined;
				reject(new Error('floor: a message was not answered within 30 s'));
			}, 30_000);
			this.waiting = answer => {
				if (step(answer, publish)) {
					clearTimeout(timer);
					this.waiting = undefined;
					resolve(answer);
				}
			};

			publish(channel, message);
		});
	}
}

/**
 * The floor under the lease figures: the same messages per lease (request, supply, link, link, and
 * destroy and its answer to give it back), the same channels, message sizes, connections and
 * processes, with bare ioredis and no nightcrawler code at all. What the real lease costs above it
 * is the protocol's own work (validation, reservations, timers).
 */
export class FloorFleet {
	readonly leasers: FloorClient[];
	private readonly provider = new ProviderProcess();
	private readonly channels: Channels;

	constructor(private readonly url: string, clients: number) {
		this.channels = new Channels(`floor-${Date.now()}-${Math.random().toString(36).slice(2)}`);
		this.leasers = Array.from({length: clients}, () => new FloorClient(url, this.channels));
	}

	async start(): Promise<void> {
		await this.provider.request({type: 'start-floor', url: this.url, namespace: this.channels.namespace}, 'started');
		await Promise.all(this.leasers.map(async client => client.connect()));
	}

	async stop(): Promise<void> {
		for (const client of this.leasers) {
			client.close();
		}

		await this.provider.stop();
	}
}
