import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';
import {Redis} from 'ioredis';
import {Client} from '../source/core/client.js';
import type {ClientProxy} from '../source/core/client-proxy.js';
import {terminate} from '../source/util/terminate.js';
import {quantile, round} from './stats.js';

export type LeaseBenchResult = {
	leaseP50Ms: number;
	leaseP99Ms: number;
	leases: number;
	messagesPerLease: number;
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

/** A provider with the in-memory pool, in a child process. */
class ProviderProcess {
	private readonly child: ChildProcess;

	constructor() {
		this.child = fork(fileURLToPath(new URL('provider-process.js', import.meta.url)), {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
	}

	async request<T>(command: object, answer: string): Promise<T> {
		const reply = new Promise<T>((resolve, reject) => {
			const onMessage = (message: {type: string}) => {
				if (message.type === answer) {
					this.child.off('message', onMessage);
					resolve(message as T);
				}
			};

			this.child.on('message', onMessage);
			this.child.once('exit', () => {
				reject(new Error('the provider process exited'));
			});
		});
		this.child.send(command);
		return reply;
	}

	async stop(): Promise<void> {
		if (this.child.connected) {
			await this.request({type: 'stop'}, 'stopped').catch(() => undefined);
		}

		if (this.child.exitCode === null) {
			await Promise.race([once(this.child, 'exit'), new Promise(resolve => {
				setTimeout(resolve, 3000);
			})]);
		}

		await terminate(this.child);
	}
}

/**
 * `clients` clients each ask for a proxy at the same moment, from one provider with the in-memory
 * pool (in its own process), while `idle` more clients sit connected to the bus. Repeated `rounds`
 * times; every proxy is destroyed between rounds.
 */
export async function leaseBench({url, clients, idle, rounds}: {url: string; clients: number; idle: number; rounds: number}): Promise<LeaseBenchResult> {
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

		await burst();
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
		};
	} finally {
		await Promise.all(everyone.map(async client => client.close()));
		await provider.stop();
	}
}

async function delivered(provider: ProviderProcess, clients: Client[]): Promise<number> {
	const {delivered: providerDelivered} = await provider.request<{delivered: number}>({type: 'stats'}, 'stats');
	return clients.reduce((sum, client) => sum + client.stats.delivered, providerDelivered);
}
