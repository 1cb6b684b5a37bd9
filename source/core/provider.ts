import {EventEmitter} from 'node:events';
import os from 'node:os';
import {MemoryBackend} from '../pool/memory-backend.js';
import type {InstanceSnapshot, PoolBackend} from '../pool/pool-backend.js';
import {Bus, type BusStats, type RedisTarget} from './bus/bus.js';
import type {Liveness} from './bus/connection-watch.js';
import type {LeaseSnapshot} from './lease/lease-records.js';
import {LeaseServer, type LeaseServerStats} from './lease/lease-server.js';
import {providerInbound, type ClientInbound, type ProviderInbound} from './lease/messages.js';
import {defaultProviderTimings, validateProviderTimings, type ProviderTimings} from './lease/timings.js';
import type {ProviderEvents} from './provider-events.js';
import {ClosedError} from './errors/closed-error.js';
import {isStopped, type Status} from './status.js';
import {Front, type FrontLimits, type FrontPorts, type FrontStats} from '../front/front.js';
import type {FrontAddress} from './lease/lease-access.js';
import {RedisExitRegistry} from '../exits/redis-exit-registry.js';
import type {AvoidedExit} from '../tor/exit-registry.js';

export type ProviderOptions = {
	/** redis:// or rediss:// URL, or ioredis options. Default: REDIS_URL, else redis://127.0.0.1:6379. */
	redis?: RedisTarget;
	namespace?: string;
	/** Where proxies come from. Default: an in-memory pool of `count` pretend proxies. */
	backend?: PoolBackend;
	/** Host name clients should use to reach this provider's proxies (default: the address they are bound to). */
	advertiseHost?: string;
	timings?: Partial<ProviderTimings>;
	/**
	 * Run the authenticated front on this address: one SOCKS5 and one HTTP proxy port (free ones
	 * unless given) that let in only the credentials of a live lease and relay to its proxy. The CLI
	 * always runs one. Without it, clients are sent the proxies' own addresses, which check nothing
	 * (fine for the in-memory backend's pretend proxies, or a provider used only on this machine).
	 */
	front?: ProviderFrontOptions;
	/**
	 * The cluster's exit registry in Redis (docs/protocol.md §10), for a backend with exits of its own
	 * (Tor): exits claimed cluster-wide, reported ones avoided, and free proxies that had to share an
	 * exit moved onto one that comes free (looked for every `unshareIntervalMs`, default 5 s). On unless `false`.
	 */
	exits?: false | {claimTtlMs?: number; unshareIntervalMs?: number};
	/** How its Redis connections are checked for a link gone dark (default: a PING every 15 s, 10 s to answer; `false`: off). */
	liveness?: Partial<Liveness> | false;
	/** Test hook: drop this share of incoming messages. */
	testDropRate?: number;
};

export type ProviderFrontOptions = {
	host: string;
	socksPort?: number;
	httpPort?: number;
	limits?: Partial<FrontLimits>;
};

export type ProviderStats = BusStats & LeaseServerStats & {
	/** The front's counters (connections relayed, open, refused by reason), when it runs one. */
	front: FrontStats | undefined;
};

/** The provider's lifecycle (see `Status`): `ready` once it answers clients, `offline` while its bus reconnects. */
export type ProviderStatus = Status;

/**
 * Runs a pool of proxies and leases them to clients on the bus. `start()` does everything; its
 * steps `connect()`, `startProviding()` and `createCluster()` may also be called one by one.
 */
export class Provider extends EventEmitter<ProviderEvents> {
	status: ProviderStatus = 'idle';
	readonly bus: Bus<ProviderInbound, ClientInbound>;
	readonly backend: PoolBackend;
	readonly timings: ProviderTimings;
	/** This machine's name, for displays. */
	readonly hostname = os.hostname();
	private readonly server: LeaseServer;
	private readonly front: Front | undefined;
	private readonly exits: RedisExitRegistry | undefined;
	private frontAddress: FrontAddress | undefined;
	private starting: Promise<void> | undefined;
	private connecting: Promise<void> | undefined;
	private clustering: Promise<void> | undefined;
	private stopping: Promise<void> | undefined;

	constructor(private readonly options: ProviderOptions = {}) {
		super();
		this.timings = validateProviderTimings({...defaultProviderTimings, ...options.timings});
		this.backend = options.backend ?? new MemoryBackend();
		this.bus = new Bus({
			redis: options.redis ?? process.env.REDIS_URL,
			namespace: options.namespace,
			inbound: providerInbound,
			testDropRate: options.testDropRate,
			liveness: options.liveness,
			name: 'nightcrawler-provider',
		});
		this.bus.events.on('warning', error => this.emit('warning', error));
		this.bus.events.on('online', () => {
			this.updateStatus();
		});
		this.bus.events.on('offline', () => {
			this.updateStatus();
		});
		if (options.front) {
			const front = new Front({...options.front, access: request => this.server.access(request)});
			front.on('refused', refusal => this.emit('refused', refusal));
			front.on('revoked', (leaseId, closed) => this.emit('revoked', leaseId, closed));
			this.front = front;
		}

		const {front} = this;
		this.server = new LeaseServer({
			bus: this.bus,
			backend: this.backend,
			timings: this.timings,
			events: this,
			advertiseHost: options.advertiseHost,
			// No registry, no exit to move to: the mender does not run (0).
			unshareIntervalMs: options.exits === false ? 0 : options.exits?.unshareIntervalMs,
			front: front && {address: () => this.frontAddress, revoke(leaseId) {
				front.revoke(leaseId);
				// The lease is over: the front need not keep its byte counts.
				front.forget(leaseId);
			}},
		});
		if (options.exits !== false && this.backend.useExitRegistry) {
			this.exits = new RedisExitRegistry({redis: options.redis ?? process.env.REDIS_URL, namespace: this.bus.namespace, owner: this.bus.id, claimTtlMs: options.exits?.claimTtlMs, name: 'nightcrawler-provider-exits'});
			this.backend.useExitRegistry(this.exits);
		}

		this.backend.events.on('instance-change', snapshot => this.emit('instance-change', snapshot));
		this.backend.events.on('log', message => this.emit('log', message));
	}

	/** The provider's UUID on the bus (clients see it as a proxy's `clusterId`). */
	get id(): string {
		return this.bus.id;
	}

	get stats(): ProviderStats {
		return {...this.bus.stats, ...this.server.stats, front: this.front?.stats};
	}

	/** The front's address and ports once it listens (undefined without a front, or before connect()). */
	get frontPorts(): (FrontPorts & {host: string}) | undefined {
		const address = this.frontAddress;
		return address && {host: address.host, socksPort: address.port, httpPort: address.httpPort};
	}

	/** The namespace this provider's channels are in. */
	get namespace(): string {
		return this.bus.namespace;
	}

	/**
	 * Connect, answer clients, and start the pool (each proxy is leased as soon as it is ready).
	 * Resolves once the pool has started. A second call waits for the first. If a step fails, the
	 * provider is stopped and the step's error thrown; if stop() is called meanwhile, a ClosedError.
	 */
	async start(): Promise<void> {
		this.starting ??= this.doStart();
		return this.starting;
	}

	private async doStart(): Promise<void> {
		try {
			await this.connect();
			this.startProviding();
			await this.createCluster();
		} catch (error) {
			if (!this.stopping) {
				await this.stop().catch(() => undefined);
				throw error;
			}

			throw error instanceof ClosedError ? error : new ClosedError('the provider was stopped while starting', {cause: error});
		}

		if (this.stopping) {
			throw new ClosedError('the provider was stopped while starting');
		}
	}

	/** Step 1 of start(): connect to Redis, and open the front (if any). A second call waits for the first. */
	async connect(): Promise<void> {
		this.connecting ??= this.doConnect();
		return this.connecting;
	}

	private async doConnect(): Promise<void> {
		const connected = this.bus.connect();
		this.updateStatus();
		try {
			await Promise.all([connected, this.openFront(), this.connectExits()]);
		} finally {
			this.updateStatus();
		}
	}

	/** The exit registry's own connection: failing it does not fail the start (pins then keep apart within this pool only). */
	private async connectExits(): Promise<void> {
		await this.exits?.connect().catch((error: unknown) => {
			this.emit('warning', new Error('the exit registry could not connect; exits are not claimed cluster-wide until it does', {cause: error}));
		});
	}

	private async openFront(): Promise<void> {
		if (this.front && this.options.front) {
			const {socksPort, httpPort} = await this.front.start();
			this.frontAddress = {host: this.options.front.host, port: socksPort, httpPort};
		}
	}

	/** Step 3 of start(): start the pool's instances (they are leased as each becomes ready). A second call waits for the first. */
	async createCluster(): Promise<void> {
		this.clustering ??= this.doCreateCluster();
		return this.clustering;
	}

	private async doCreateCluster(): Promise<void> {
		await this.backend.start();
		if (!this.stopping) {
			// A pool started before this provider reported its ready proxies to nobody: take them now.
			this.server.adopt(this.backend.snapshot());
		}
	}

	/** Step 2 of start(): answer clients' requests (status 'ready' once connected). A second call does nothing. */
	startProviding(): void {
		if (isStopped(this.status)) {
			throw new ClosedError(`the provider is ${this.status}`);
		}

		this.server.start();
		this.updateStatus();
	}

	instances(): InstanceSnapshot[] {
		return this.backend.snapshot();
	}

	leases(): LeaseSnapshot[] {
		return this.server.leaseSnapshots();
	}

	/** The exits the whole cluster avoids now (reported failures), for displays; none without exits of its own. */
	async avoidedExits(): Promise<AvoidedExit[]> {
		return (await this.backend.avoidedExits?.()) ?? [];
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
		// The front stops after the leases ended (each revoked) and before Tor, so nothing is relayed to a dying Tor.
		const steps = [async () => this.server.stop(), async () => this.front?.stop(), async () => this.backend.stop(), async () => this.exits?.close(), async () => this.bus.close()];
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

	/** The status follows the bus and the lease server, until stop() takes over. */
	private updateStatus(): void {
		if (this.stopping) {
			return;
		}

		const bus = this.bus.status;
		if (bus === 'idle' || isStopped(bus)) {
			this.status = bus === 'idle' ? (this.server.isServing ? 'starting' : 'idle') : 'stopped';
		} else {
			this.status = this.server.isServing ? bus : 'starting';
		}
	}
}
