// A little over 300 lines: the Client is the one owner of its slots, their routes and the getProxy()
// waits, and follow() is where every slot report lands; slot logic lives in lease/ (lease-slot.ts and
// its parts).
import {EventEmitter} from 'node:events';
import {Bus, type BusStats, type RedisTarget} from './bus/bus.js';
import type {Liveness} from './bus/connection-watch.js';
import type {ClientProxy, ProxySnapshot} from './client-proxy.js';
import type {ClientEvents, ProxyDrop} from './client-events.js';
import {ClosedError} from './errors/closed-error.js';
import {LeaseTimeoutError} from './errors/lease-timeout-error.js';
import type {ProxyDownError} from './errors/proxy-down-error.js';
import {LeaseSlot, type SlotReport} from './lease/lease-slot.js';
import type {SlotContext} from './lease/slot-requests.js';
import {clientInbound, type ClientInbound, type ProviderInbound} from './lease/messages.js';
import {RetriedRequest} from './lease/retried-request.js';
import {providerIdOf, proxyOf, wantingSinceOf, type SlotPhase} from './lease/slot-state.js';
import {SlotRoutes} from './lease/slot-routes.js';
import {defaultClientTimings, type ClientTimings} from './lease/timings.js';
import {isStopped, type Status} from './status.js';
import {newSealKeyPair} from './lease/seal.js';

export type ClientOptions = {
	/** redis:// or rediss:// URL, or ioredis options. Default: REDIS_URL, else redis://127.0.0.1:6379. */
	redis?: RedisTarget;
	namespace?: string;
	timings?: Partial<ClientTimings>;
	/** How its Redis connections are checked for a link gone dark (default: a PING every 15 s, 10 s to answer; `false`: off). */
	liveness?: Partial<Liveness> | false;
	/** Test hook: drop this share of incoming messages. */
	testDropRate?: number;
};

export type ClientStats = BusStats & {unproven: number};

/** The client's lifecycle: the shared `Status` ('offline' while its Redis connection is being retried). */
export type ClientStatus = Status;

/** What a display shows of one wanted proxy: a frozen copy, taken when asked. */
export type SlotSnapshot = {
	readonly slotId: string;
	readonly phase: SlotPhase;
	/** Since when it has had no proxy (undefined while leased). */
	readonly wantingSince?: number;
	readonly providerId?: string;
	/** The leased proxy (also while it is being given back). */
	readonly proxy?: ProxySnapshot;
};

/** Leases proxies from the providers on the bus and keeps them alive. */
export class Client extends EventEmitter<ClientEvents> {
	private state: Status = 'idle';
	private readonly bus: Bus<ClientInbound, ProviderInbound>;
	private readonly timings: ClientTimings;
	/** One X25519 key pair for this client's claims; leases are sealed to it (docs/protocol.md §3.5). */
	private readonly sealKeys = newSealKeyPair();
	private readonly slots = new Map<string, LeaseSlot>();
	/** What every slot of this client works with (one object for all of them). */
	private readonly slotContext: SlotContext;
	/** The getProxy() calls waiting for their slot's first proxy. */
	private readonly waits = new Map<LeaseSlot, RetriedRequest<ClientProxy>>();
	/** Every slot reports here (see follow). */
	private readonly onSlotReport = (slot: LeaseSlot, ...report: SlotReport): void => {
		this.follow(slot, ...report);
	};
	/** Routing of the providers' answers, kept from the slots' 'phase' events. */
	private readonly routes: SlotRoutes;
	private unprovenCount = 0;
	private starting: Promise<void> | undefined;
	private closing: Promise<void> | undefined;

	constructor(options: ClientOptions = {}) {
		super();
		this.timings = {...defaultClientTimings, ...options.timings};
		this.bus = new Bus({
			redis: options.redis ?? process.env.REDIS_URL,
			namespace: options.namespace,
			inbound: clientInbound,
			testDropRate: options.testDropRate,
			liveness: options.liveness,
			name: 'nightcrawler-client',
		});
		this.bus.events.on('warning', error => this.emit('proxy-error', error));
		this.bus.events.on('online', () => {
			this.onOnline();
		});
		this.bus.events.on('offline', () => {
			this.onOffline();
		});
		this.routes = new SlotRoutes(this.bus);
		this.routes.listen();
		this.slotContext = {bus: this.bus, timings: this.timings, offline: () => this.state === 'offline', keys: this.sealKeys};
	}

	/** The client's UUID on the bus. */
	get id(): string {
		return this.bus.id;
	}

	/** The namespace its channels live in. */
	get namespace(): string {
		return this.bus.namespace;
	}

	/** 'idle', 'starting', 'ready', 'offline' (Redis lost, retrying by itself), 'stopping', 'stopped'. */
	get status(): Status {
		return this.state;
	}

	/**
	 * The bus's message counters (delivered, received, published, dropped by reason), and `unproven`:
	 * providers' messages about a held lease ignored because they did not prove its secret.
	 */
	get stats(): ClientStats {
		return {...this.bus.stats, unproven: this.unprovenCount};
	}

	/** Test hook: the share (0..1) of incoming messages this client throws away, to simulate loss. */
	get testDropRate(): number {
		return this.bus.testDropRate;
	}

	set testDropRate(rate: number) {
		this.bus.testDropRate = rate;
	}

	/**
	 * Connect to Redis and listen for the providers' answers; resolves once subscribed. A second call
	 * waits for the first; after close() it fails with a ClosedError.
	 */
	async start(): Promise<void> {
		if (!this.starting) {
			if (isStopped(this.state)) {
				throw new ClosedError(`the client is ${this.state}`);
			}

			this.starting = this.doStart();
		}

		return this.starting;
	}

	/** The same as start(): connects, once. */
	async connect(): Promise<void> {
		return this.start();
	}

	private async doStart(): Promise<void> {
		this.state = 'starting';
		try {
			await this.bus.connect();
		} catch (error) {
			this.state = 'stopped';
			throw error;
		}

		if (this.state === 'starting') {
			this.state = this.bus.online ? 'ready' : 'offline';
			this.emit('change');
		}
	}

	/**
	 * Start leasing one proxy; 'proxy-ready' reports it. It is kept leased: when its lease ends or
	 * it goes down, another is leased, until it is destroyed or the client closes.
	 */
	createProxy(): string {
		return this.addSlot(true).id;
	}

	/** Lease one proxy and wait for it. It is not renewed when its lease ends. */
	async getProxy({timeoutMs = 30_000}: {timeoutMs?: number} = {}): Promise<ClientProxy> {
		const slot = this.addSlot(false);
		// Settled by the slot's 'linked' or 'closed' report (see follow), or the deadline.
		const wait = new RetriedRequest<ClientProxy>({
			timeoutMs,
			timeoutError: () => new LeaseTimeoutError(timeoutMs),
			onSettled: () => {
				this.waits.delete(slot);
			},
		});
		this.waits.set(slot, wait);
		try {
			return await wait.done;
		} catch (error) {
			void slot.destroy();
			throw error;
		}
	}

	/** The proxies leased now. */
	proxies(): ClientProxy[] {
		return [...this.slots.values()].flatMap(slot => (slot.proxy ? [slot.proxy] : []));
	}

	/** Every wanted proxy, leased or not, for displays: frozen copies. */
	snapshot(): readonly SlotSnapshot[] {
		return Object.freeze([...this.slots.values()].map(slot => {
			const {state} = slot;
			const proxy = proxyOf(state)?.snapshot();
			return Object.freeze({slotId: slot.id, phase: state.phase, wantingSince: wantingSinceOf(state), providerId: providerIdOf(state), proxy});
		}));
	}

	/** Since when some wanted proxy has had no lease (undefined when all are leased). */
	get waitingSince(): number | undefined {
		const since = [...this.slots.values()].flatMap(slot => wantingSinceOf(slot.state) ?? []);
		return since.length === 0 ? undefined : Math.min(...since);
	}

	/** Stop wanting one proxy (by the id createProxy returned): its lease is given back. */
	async cancel(slotId: string): Promise<void> {
		await this.slots.get(slotId)?.destroy();
	}

	onProxyReady(listener: (proxy: ClientProxy) => void): this {
		return this.on('proxy-ready', listener);
	}

	onProxyLink(listener: (proxy: ClientProxy) => void): this {
		return this.on('proxy-link', listener);
	}

	onProxyDown(listener: (error: ProxyDownError) => void): this {
		return this.on('proxy-down', listener);
	}

	onProxyDrop(listener: (drop: ProxyDrop) => void): this {
		return this.on('proxy-drop', listener);
	}

	onProxyError(listener: (error: Error) => void): this {
		return this.on('proxy-error', listener);
	}

	/** Give every lease back and disconnect. Safe to call twice. */
	async close(): Promise<void> {
		this.closing ??= this.doClose();
		return this.closing;
	}

	private async doClose(): Promise<void> {
		this.state = 'stopping';
		await Promise.all([...this.slots.values()].map(async slot => slot.destroy()));
		await this.bus.close();
		this.state = 'stopped';
		this.emit('change');
	}

	private onOnline(): void {
		if (this.state === 'offline') {
			this.state = 'ready';
			for (const slot of this.slots.values()) {
				slot.online();
			}
		}

		this.emit('online');
		this.emit('change');
	}

	private onOffline(): void {
		if (this.state === 'ready') {
			this.state = 'offline';
		}

		for (const slot of this.slots.values()) {
			slot.offline();
		}

		this.emit('offline');
		this.emit('change');
	}

	private addSlot(renew: boolean): LeaseSlot {
		if (this.state !== 'ready' && this.state !== 'offline') {
			throw new ClosedError(`the client is ${this.state}: call start() first`);
		}

		const slot = new LeaseSlot(this.slotContext, renew, this.onSlotReport);
		this.slots.set(slot.id, slot);
		slot.start();
		this.emit('change');
		return slot;
	}

	/** Keep the routing maps, settle a getProxy() waiting for the slot, and re-emit what a slot reports. */
	private follow(slot: LeaseSlot, ...[event, first, second]: SlotReport): void {
		switch (event) {
			case 'phase': {
				this.routes.moved(slot, first, second);
				this.emit('change');
				break;
			}

			case 'linked': {
				this.waits.get(slot)?.resolve(first);
				this.emit('proxy-link', first);
				this.emit('proxy-ready', first);
				break;
			}

			case 'ended': {
				this.emit('proxy-end', first, second);
				break;
			}

			case 'down': {
				this.emit('proxy-down', first);
				break;
			}

			case 'dropped': {
				this.emit('proxy-drop', first);
				break;
			}

			case 'updated': {
				this.emit('proxy-update', first);
				this.emit('change');
				break;
			}

			case 'rotated': {
				this.emit('proxy-rotated', first, second);
				this.emit('change');
				break;
			}

			case 'unproven': {
				this.unprovenCount++;
				this.emit('proxy-unproven', first);
				break;
			}

			case 'closed': {
				this.waits.get(slot)?.reject(new ClosedError('the client was closed'));
				this.slots.delete(slot.id);
				this.emit('change');
				break;
			}
		}
	}
}
