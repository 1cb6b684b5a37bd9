import {performance} from 'node:perf_hooks';
import {Redis} from 'ioredis';
import {Client} from '../source/core/client.js';
import type {ClientProxy} from '../source/core/client-proxy.js';
import {ProviderProcess} from './provider-process-handle.js';
import {quantile, round} from './stats.js';

export type LeaseBenchResult = {
	leaseP50Ms: number;
	leaseP99Ms: number;
	leases: number;
	messagesPerLease: number;
	/** With `spreadRate`: the same clients asking at independent random moments. */
	spread?: {ratePerSecond: number; leases: number; p50Ms: number; p99Ms: number};
};

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

/**
 * `clients` clients each ask for a proxy at the same moment, from one provider with the in-memory
 * pool (in its own process), while `idle` more clients sit connected to the bus. Repeated `rounds`
 * times after `warmup` rounds that are not measured (they let V8 compile the hot paths); every proxy
 * is destroyed between rounds.
 *
 * With `spreadRate`, the same clients then lease again as a fleet of scrapers would: each asks at
 * random moments (a Poisson process), `spreadRate` leases a second in all, and gives its proxy back
 * as soon as it has it; `clients * rounds` leases are measured, and the rate reached is reported.
 */
export async function leaseBench({url, clients, idle, rounds, warmup, spreadRate}: {
	url: string;
	clients: number;
	idle: number;
	rounds: number;
	warmup: number;
	spreadRate?: number;
}): Promise<LeaseBenchResult> {
	const namespace = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}`;
	const provider = new ProviderProcess();
	const active = Array.from({length: clients}, () => new Client({redis: url, namespace}));
	const idlers = Array.from({length: idle}, () => new Client({redis: url, namespace}));
	const everyone = [...active, ...idlers];
	try {
		await provider.request({type: 'start', url, namespace, count: clients}, 'started');
		for (let index = 0; index < everyone.length; index += 50) {
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(everyone.slice(index, index + 50).map(async client => client.connect()));
		}

		const burst = async (samples?: number[]) => {
			const proxies = await Promise.all(active.map(async client => {
				const started = performance.now();
				const proxy: ClientProxy = await client.getProxy({timeoutMs: 30_000});
				samples?.push(performance.now() - started);
				return proxy;
			}));
			await Promise.all(proxies.map(async proxy => proxy.destroy()));
		};

		for (let index = 0; index < warmup; index++) {
			// eslint-disable-next-line no-await-in-loop
			await burst();
		}

		const deliveredBefore = await delivered(provider, everyone);
		const samples: number[] = [];
		for (let round = 0; round < rounds; round++) {
			// eslint-disable-next-line no-await-in-loop
			await burst(samples);
		}

		const messages = (await delivered(provider, everyone)) - deliveredBefore;
		return {
			leaseP50Ms: round(quantile(samples, 0.5)),
			leaseP99Ms: round(quantile(samples, 0.99)),
			leases: samples.length,
			messagesPerLease: round(messages / samples.length, 2),
			spread: spreadRate === undefined ? undefined : await spreadLeases(active, clients * rounds, spreadRate),
		};
	} finally {
		await Promise.all(everyone.map(async client => client.close()));
		await provider.stop();
	}
}

/**
 * Open loop: `total` requests at random moments (a Poisson process of `ratePerSecond`), drawn in
 * advance and each given to a client picked at random, so a slow lease does not hold back the
 * requests after it. A request whose client is still busy with the one before waits, and that wait
 * counts in its latency.
 */
async function spreadLeases(clients: Client[], total: number, ratePerSecond: number): Promise<NonNullable<LeaseBenchResult['spread']>> {
	const origin = performance.now() + 10;
	const timetables: number[][] = clients.map(() => []);
	for (let index = 0, at = origin; index < total; index++) {
		at += (-Math.log(1 - Math.random()) * 1000) / ratePerSecond;
		timetables[Math.floor(Math.random() * clients.length)]!.push(at);
	}

	const samples: number[] = [];
	let lastDone = origin;
	await Promise.all(clients.map(async (client, clientIndex) => {
		for (const at of timetables[clientIndex]!) {
			let started = at;
			if (performance.now() < at) {
				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, at - performance.now());
				});
				// A timer fires a little late; that lateness is the timer's, not the lease's.
				started = performance.now();
			}

			// eslint-disable-next-line no-await-in-loop
			const proxy = await client.getProxy({timeoutMs: 30_000});
			const done = performance.now();
			samples.push(done - started);
			lastDone = Math.max(lastDone, done);
			// eslint-disable-next-line no-await-in-loop
			await proxy.destroy();
		}
	}));
	return {ratePerSecond: round((samples.length * 1000) / (lastDone - origin), 0), leases: samples.length, p50Ms: round(quantile(samples, 0.5)), p99Ms: round(quantile(samples, 0.99))};
}

async function delivered(provider: ProviderProcess, clients: Client[]): Promise<number> {
	const {delivered: providerDelivered} = await provider.request<{delivered: number}>({type: 'stats'}, 'stats');
	return clients.reduce((sum, client) => sum + client.stats.delivered, providerDelivered);
}
