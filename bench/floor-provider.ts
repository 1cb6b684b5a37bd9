import {randomUUID} from 'node:crypto';
import {Redis} from 'ioredis';
import {Channels} from '../source/core/bus/channels.js';

type FloorMessage = {event: string; UUID: string; data: {requestId: string; offerId?: string; leaseId?: string}};

/**
 * The transport's floor, provider side: the same channels and message sizes as a real provider,
 * with bare ioredis and nothing else (no validation, no reservation, no timers). It answers a
 * request with a supply, a link with a link and a destroy with a destroy, so a lease through it
 * costs exactly the messages of a real one and none of nightcrawler's own work.
 */
export async function startFloorProvider(url: string, namespace: string): Promise<{id: string; stop: () => void}> {
	const id = randomUUID();
	const channels = new Channels(namespace);
	const pub = new Redis(url, {enableAutoPipelining: true});
	const sub = new Redis(url);
	sub.on('message', (_channel: string, text: string) => {
		const {event, UUID: client, data} = JSON.parse(text) as FloorMessage;
		let answer: object;
		if (event === 'proxy:request') {
			answer = {event: 'proxy:supply', UUID: id, to: client, data: {requestId: data.requestId, offerId: randomUUID(), offerTtlMs: 3000}};
		} else if (event === 'proxy:link') {
			answer = {event: 'proxy:link', UUID: id, to: client, data: {...data, secret: 'Owyi9_xBLMpOBAYymMEZFXV9ae4w9-ST', lease: {
				leaseId: randomUUID(), proxyId: 'mem-0', host: '127.0.0.1', port: 20_000, httpPort: 20_001, exitIp: '203.0.113.2',
				expiresInMs: 1_800_000, ttlMs: 1_800_000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000,
			}}};
		} else {
			answer = {event: 'proxy:destroy', UUID: id, to: client, data: {leaseId: data.leaseId}};
		}

		void pub.publish(channels.direct(client), JSON.stringify(answer));
	});
	await sub.subscribe(channels.direct(id), channels.broadcast('proxy:request'));
	return {
		id,
		stop() {
			pub.disconnect();
			sub.disconnect();
		},
	};
}
