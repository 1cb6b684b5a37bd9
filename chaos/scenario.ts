import {randomUUID} from 'node:crypto';
import {setTimeout as sleep} from 'node:timers/promises';
import {Client, type ClientProxy} from '../source/index.js';
import {Fleet, type Worker} from './fleet.js';
import {Ledger} from './ledger.js';
import {UsageSampler} from './usage.js';
import type {ProviderWorkerSettings} from './workers/provider-worker.js';
import type {ClientWorkerSettings} from './workers/client-worker.js';
import type {WorkerLine} from './workers/worker-io.js';

export type ChaosOptions = {
	/** Length of the churn soak. */
	soakMs: number;
	/** Hostile messages sent in the hostile scenario. */
	hostileMessages: number;
	/** Leases held on one provider in the many-leases scenario. */
	manyLeases: number;
	/** Scale for the fixed waits of the other scenarios (1 = full; the harness test uses less). */
	scale: number;
};

export type ScenarioResult = {
	readonly name: string;
	readonly served: number;
	readonly doubleLeases: number;
	readonly proxiesLost: number;
	readonly crashes: number;
	/** Undefined: nothing to recover from (or not recovered: see notes). */
	readonly recoveryMs: number | undefined;
	readonly cpuPercent: number;
	readonly peakRssMb: number;
	readonly durationMs: number;
	readonly notes: readonly string[];
};

/** What a scenario's body works with. */
export class ScenarioContext {
	readonly namespace = `chaos-${randomUUID()}`;
	readonly ledger = new Ledger();
	readonly fleet: Fleet;
	readonly notes: string[] = [];
	recoveryMs: number | undefined;
	readonly status = new Map<string, WorkerLine>();
	/** CPU and memory of the scenario's processes (Redis included), sampled every second. */
	readonly usage: UsageSampler;
	private readonly capacity = new Map<Worker, number>();

	constructor(readonly options: ChaosOptions) {
		this.fleet = new Fleet((worker, line) => {
			this.ledger.take(worker, line);
			if (line.e === 'status') {
				this.status.set(worker.name, line);
			}
		});
		this.usage = new UsageSampler(() => {
			const processes = this.fleet.workers.filter(worker => worker.alive && worker.pid !== undefined).map(worker => ({name: worker.name, pid: worker.pid!}));
			const redisPid = this.fleet.redis?.pid;
			return redisPid === undefined ? processes : [...processes, {name: 'redis', pid: redisPid}];
		});
	}

	/** A fixed wait of the scenario, scaled. */
	async pause(ms: number): Promise<void> {
		await sleep(Math.round(ms * this.options.scale));
	}

	async provider(settings: Omit<ProviderWorkerSettings, 'redis' | 'basePort' | 'namespace'>): Promise<Worker> {
		const worker = await this.fleet.provider({namespace: this.namespace, ...settings});
		this.capacity.set(worker, settings.count);
		return worker;
	}

	async client(settings: Omit<ClientWorkerSettings, 'redis' | 'namespace'>): Promise<Worker> {
		return this.fleet.client({namespace: this.namespace, ...settings});
	}

	/** SIGKILL a worker; a client uses nothing from this moment. */
	async kill(worker: Worker): Promise<void> {
		const at = Date.now();
		worker.signal('SIGKILL');
		await worker.exited;
		if (worker.role === 'client') {
			this.ledger.clientGone(worker, at);
		}
	}

	/**
	 * Wait until `clients` hold `count` proxies, and at least `settleMs` after `since` (so that
	 * leases a fault ends late are seen). The recovery time is from `since` to the newest holding
	 * then on: 0 when none was lost. Undefined on timeout.
	 */
	async waitHeld(count: number, {since = Date.now(), settleMs = 0, timeoutMs = 60_000, clients}: {since?: number; settleMs?: number; timeoutMs?: number; clients: readonly Worker[]}): Promise<number | undefined> {
		const deadline = Date.now() + timeoutMs;
		while (this.ledger.held(clients) < count || Date.now() < since + settleMs) {
			if (Date.now() > deadline) {
				this.notes.push(`${this.ledger.held(clients)} of ${count} held after ${Math.round(timeoutMs / 1000)} s`);
				return undefined;
			}

			// eslint-disable-next-line no-await-in-loop
			await sleep(50);
		}

		return Math.max(0, this.ledger.latestOpenStart(clients) - since);
	}

	/** Proxies the live providers have. */
	get poolSize(): number {
		let size = 0;
		for (const [worker, count] of this.capacity) {
			size += worker.alive ? count : 0;
		}

		return size;
	}

	/** Ask `workers` for their status (bus counters, leases); resolves once all answered (or after 10 s). */
	async askStatus(workers: readonly Worker[]): Promise<void> {
		const asked = Date.now();
		for (const worker of workers) {
			worker.send({cmd: 'status'});
		}

		const deadline = asked + 10_000;
		while (workers.some(worker => worker.alive && (this.status.get(worker.name)?.t ?? 0) < asked) && Date.now() < deadline) {
			// eslint-disable-next-line no-await-in-loop
			await sleep(20);
		}
	}

	/** The leases the live providers hold now. */
	async providerLeases(): Promise<number> {
		const providers = this.fleet.live('provider');
		await this.askStatus(providers);
		return providers.reduce((sum, provider) => sum + Number(this.status.get(provider.name)?.leases ?? 0), 0);
	}
}

/**
 * After the clients have gone: wait for the providers to hold no lease, then lease every proxy
 * of the live providers with a fresh client. What it cannot lease is lost.
 */
async function countLost(context: ScenarioContext): Promise<number> {
	const deadline = Date.now() + 30_000;
	while ((await context.providerLeases()) > 0 && Date.now() < deadline) {
		// eslint-disable-next-line no-await-in-loop
		await sleep(250);
	}

	const size = context.poolSize;
	if (size === 0) {
		return 0;
	}

	const probe = new Client({redis: context.fleet.redis!.url, namespace: context.namespace});
	probe.on('proxy-error', () => undefined);
	await probe.start();
	try {
		const leased = await Promise.allSettled(Array.from({length: size}, async () => probe.getProxy({timeoutMs: 30_000})));
		const proxies = leased.flatMap(result => (result.status === 'fulfilled' ? [result.value] : []));
		const distinct = new Set(proxies.map((proxy: ClientProxy) => `${proxy.clusterId}/${proxy.proxyId}`));
		if (distinct.size !== proxies.length) {
			context.notes.push(`the probe got ${proxies.length - distinct.size} proxies twice`);
		}

		return size - distinct.size;
	} finally {
		await probe.close();
	}
}

/** Run one scenario: start its Redis, run `body`, stop the clients, count lost proxies, stop everything. */
export async function runScenario(name: string, options: ChaosOptions, body: (context: ScenarioContext) => Promise<void>): Promise<ScenarioResult> {
	const context = new ScenarioContext(options);
	const startedAt = Date.now();
	let proxiesLost = 0;
	try {
		await context.fleet.startRedis();
		await body(context);
		for (const worker of context.fleet.live('client')) {
			// eslint-disable-next-line no-await-in-loop
			await worker.stop();
			context.ledger.clientGone(worker);
		}

		proxiesLost = await countLost(context);
	} catch (error) {
		context.notes.push(`failed: ${error instanceof Error ? error.message : String(error)}`);
		proxiesLost = Number.NaN;
	} finally {
		await context.fleet.stopAll();
	}

	const cpuPercent = context.usage.stop();
	const doubles = context.ledger.doubleLeases();
	for (const double of doubles.slice(0, 5)) {
		context.notes.push(`double lease of ${double.key}: ${double.first} and ${double.second} for ${double.overlapMs} ms`);
	}

	context.notes.push(...context.ledger.providerDoubles.slice(0, 5));
	if (context.ledger.lostBecause.size > 0) {
		context.notes.push(`leases ended under clients: ${[...context.ledger.lostBecause].map(([why, count]) => `${why} ${count}`).join(', ')}`);
	}
	const crashes = context.fleet.workers.filter(worker => worker.crashed).length;
	return {
		name,
		served: context.ledger.served,
		doubleLeases: doubles.length + context.ledger.providerDoubles.length,
		proxiesLost,
		crashes,
		recoveryMs: context.recoveryMs,
		cpuPercent,
		peakRssMb: context.usage.peakRssMb,
		durationMs: Date.now() - startedAt,
		notes: context.notes,
	};
}
