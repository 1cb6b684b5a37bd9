import {EventEmitter} from 'node:events';
import os from 'node:os';
import {MemoryBackend} from '../pool/memory-backend.js';
import type {InstanceSnapshot, PoolBackend} from '../pool/pool-backend.js';
import {Bus, type BusStats, type RedisTarget} from './bus/bus.js';
import type {LeaseSnapshot} from './lease/lease-records.js';
import {LeaseServer, type LeaseServerStats} from './lease/lease-server.js';
import {providerInbound, type ClientInbound, type ProviderInbound} from './lease/messages.js';
import {defaultProviderTimings, validateProviderTimings, type ProviderTimings} from './lease/timings.js';
import type {ProviderEvents} from './provider-events.js';

export type ProviderOptions = {
	/** redis:// or rediss:// URL, or ioredis options. Default: REDIS_URL, else redis://127.0.0.1:6379. */
	redis?: RedisTarget;
	namespace?: string;
	/** Where proxies come from. Default: an in-memory pool of `count` pretend proxies. */
	backend?: PoolBackend;
	/** Host name clients should use to reach this provider's proxies (default: the address they are bound to). */
	advertiseHost?: string;
	timings?: Partial<ProviderTimings>;
	/** Test hook: drop this share of incoming messages. */
	testDropRate?: number;
};

export type ProviderStatus = 'idle' | 'connecting' | 'connected' | 'providing' | 'stopping' | 'stopped';

/** Runs a pool of proxies and leases them to clients on the bus. */
export class Provider extends EventEmitter<ProviderEvents> {
	status: ProviderStatus = 'idle';
	readonly bus: Bus<ProviderInbound, ClientInbound>;
	readonly backend: PoolBackend;
	readonly timings: ProviderTimings;
	/** This machine's name, for displays. */
	readonly hostname = os.hostname();
	private readonly server: LeaseServer;
	private clusterStarted = false;
	private connecting: Promise<void> | undefined;
	private stopping: Promise<void> | undefined;

	constructor(options: ProviderOptions = {}) {
		super();
		this.timings = validateProviderTimings({...defaultProviderTimings, ...options.timings});
		this.backend = options.backend ?? new MemoryBackend();
		this.bus = new Bus({
			redis: options.redis ?? process.env.REDIS_URL,
			namespace: options.namespace,
			inbound: providerInbound,
			testDropRate: options.testDropRate,
			name: 'nightcrawler-provider',
		});
		this.bus.events.on('warning', error => this.emit('warning', error));
		this.server = new LeaseServer({bus: this.bus, backend: this.backend, timings: this.timings, events: this, advertiseHost: options.advertiseHost});
		this.backend.events.on('instance-change', snapshot => this.emit('instance-change', snapshot));
		this.backend.events.on('log', message => this.emit('log', message));
	}

	/** The provider's UUID on the bus (clients see it as a proxy's `clusterId`). */
	get id(): string {
		return this.bus.id;
	}

	get stats(): BusStats & LeaseServerStats {
		return {...this.bus.stats, ...this.server.stats};
	}

	/** Connect to Redis. A second call waits for the first. */
	async connect(): Promise<void> {
		this.connecting ??= this.doConnect();
		return this.connecting;
	}

	private async doConnect(): Promise<void> {
		this.status = 'connecting';
		try {
			await this.bus.connect();
		} catch (error) {
			this.status = 'stopped';
			throw error;
		}

		this.status = 'connected';
	}

	/** Start the pool's instances (they are leased as each becomes ready). */
	async createCluster(): Promise<void> {
		if (this.clusterStarted) {
			return;
		}

		this.clusterStarted = true;
		await this.backend.start();
		if (!this.stopping) {
			// A pool started before this provider reported its ready proxies to nobody: take them now.
			this.server.adopt(this.backend.snapshot());
		}
	}

	/** Start answering clients' requests. */
	startProviding(): void {
		this.server.start();
		this.status = 'providing';
	}

	instances(): InstanceSnapshot[] {
		return this.backend.snapshot();
	}

	leases(): LeaseSnapshot[] {
		return this.server.leaseSnapshots();
	}

	/** Give one instance a new exit; its lease holder, if any, keeps the lease and is told. */
	async rotateInstance(id: string): Promise<void> {
		await this.server.rotateProxy(id);
	}

	/** Restart one instance; its lease holder, if any, is told the proxy is down and leases another. */
	async restartInstance(id: string): Promise<void> {
		await this.backend.restart(id);
	}

	/** Tell every lease holder, stop the pool, disconnect. Safe to call twice. */
	async stop(): Promise<void> {
		this.stopping ??= this.doStop();
		return this.stopping;
	}

	private async doStop(): Promise<void> {
		this.status = 'stopping';
		// Every step runs, whatever an earlier one did: Tor must stop even if Redis is gone.
		const steps = [async () => this.server.stop(), async () => this.backend.stop(), async () => this.bus.close()];
		const failures: unknown[] = [];
		for (const step of steps) {
			try {
				// eslint-disable-next-line no-await-in-loop
				await step();
			} catch (error) {
				failures.push(error);
			}
		}

		this.status = 'stopped';
		if (failures.length > 0) {
			throw failures.length === 1 ? failures[0] : new AggregateError(failures, 'the provider did not stop cleanly');
		}
	}
}
