import {EventEmitter} from 'node:events';
import {Bus, type RedisTarget} from './bus/bus.js';
import type {BusStats} from './bus/bus.js';
import type {ClientProxy} from './client-proxy.js';
import type {ClientEvents, ProxyDrop} from './client-events.js';
import {ClosedError} from './errors/closed-error.js';
import {LeaseTimeoutError} from './errors/lease-timeout-error.js';
import type {ProxyDownError} from './errors/proxy-down-error.js';
import {LeaseSlot, type SlotHost, type SlotPhase} from './lease/lease-slot.js';
import {clientInbound, type ClientInbound, type LeaseEndReason, type ProviderInbound} from './lease/messages.js';
import {defaultClientTimings, type ClientTimings} from './lease/timings.js';

export type ClientOptions = {
	/** redis:// or rediss:// URL, or ioredis options. Default: REDIS_URL, else redis://127.0.0.1:6379. */
	redis?: RedisTarget;
	namespace?: string;
	timings?: Partial<ClientTimings>;
	/** Test hook: drop this share of incoming messages. */
	testDropRate?: number;
};

export type ClientStatus = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed';

/** What a display shows of one wanted proxy. */
export type SlotSnapshot = {
	readonly slotId: string;
	readonly phase: SlotPhase;
	readonly wantingSince: number;
	readonly proxy?: ClientProxy;
	readonly providerId?: string;
};

/** Leases proxies from the providers on the bus and keeps them alive. */
export class Client extends EventEmitter<ClientEvents> {
	status: ClientStatus = 'idle';
	readonly bus: Bus<ClientInbound, ProviderInbound>;
	private readonly timings: ClientTimings;
	private readonly slots = new Map<string, LeaseSlot>();
	private readonly byRequest = new Map<string, LeaseSlot>();
	private readonly byLease = new Map<string, LeaseSlot>();
	/** getProxy calls waiting for their slot's first lease (undefined: the slot closed first). */
	private readonly waiters = new Map<LeaseSlot, (proxy: ClientProxy | undefined) => void>();
	private readonly host: SlotHost;
	private connecting: Promise<void> | undefined;
	private closing: Promise<void> | undefined;

	constructor(options: ClientOptions = {}) {
		super();
		this.timings = {...defaultClientTimings, ...options.timings};
		this.bus = new Bus({
			redis: options.redis ?? process.env.REDIS_URL,
			namespace: options.namespace,
			inbound: clientInbound,
			testDropRate: options.testDropRate,
			name: 'nightcrawler-client',
		});
		this.bus.events.on('warning', error => this.emit('proxy-error', error));
		this.bus.events.on('online', () => this.emit('change'));
		this.bus.events.on('offline', () => this.emit('change'));
		this.host = this.slotHost();
		this.listen();
	}

	/** The client's UUID on the bus. */
	get id(): string {
		return this.bus.id;
	}

	get stats(): BusStats {
		return this.bus.stats;
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
			this.status = 'closed';
			throw error;
		}

		this.status = 'ready';
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
		return new Promise<ClientProxy>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiters.delete(slot);
				void slot.destroy();
				reject(new LeaseTimeoutError(timeoutMs));
			}, timeoutMs);
			this.waiters.set(slot, proxy => {
				clearTimeout(timer);
				this.waiters.delete(slot);
				if (proxy) {
					resolve(proxy);
				} else {
					reject(new ClosedError('the client was closed'));
				}
			});
		});
	}

	/** The proxies leased now. */
	proxies(): ClientProxy[] {
		return [...this.slots.values()].flatMap(slot => (slot.proxy ? [slot.proxy] : []));
	}

	/** Every wanted proxy, leased or not, for displays. */
	snapshot(): SlotSnapshot[] {
		return [...this.slots.values()].map(slot => ({slotId: slot.id, phase: slot.phase, wantingSince: slot.wantingSince, proxy: slot.proxy, providerId: slot.providerId}));
	}

	/** Since when some wanted proxy has had no lease (undefined when all are leased). */
	get waitingSince(): number | undefined {
		let since: number | undefined;
		for (const slot of this.slots.values()) {
			if ((slot.phase === 'requesting' || slot.phase === 'linking') && (since === undefined || slot.wantingSince < since)) {
				since = slot.wantingSince;
			}
		}

		return since;
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
		this.status = 'closing';
		await Promise.all([...this.slots.values()].map(async slot => slot.destroy()));
		await this.bus.close();
		this.status = 'closed';
		this.emit('change');
	}

	private addSlot(renew: boolean): LeaseSlot {
		if (this.status !== 'ready') {
			throw new ClosedError(`the client is ${this.status}: call connect() first`);
		}

		const slot = new LeaseSlot(this.host, renew);
		this.slots.set(slot.id, slot);
		slot.start();
		this.emit('change');
		return slot;
	}

	private listen(): void {
		const {bus} = this;
		bus.onMessage('proxy:supply', ({from, data}) => {
			const slot = this.byRequest.get(data.requestId);
			if (slot) {
				slot.onSupply(from, data);
			} else {
				void bus.sendMessage('proxy:decline', from, {offerId: data.offerId});
			}
		});
		bus.onMessage('proxy:link', ({from, data}) => {
			const slot = this.byLease.get(data.lease.leaseId) ?? this.byRequest.get(data.requestId);
			if (slot) {
				slot.onLink(from, data);
			} else {
				void bus.sendMessage('proxy:destroy', from, {leaseId: data.lease.leaseId, secret: data.secret});
			}
		});
		bus.onMessage('proxy:dropLink', ({from, data}) => this.byRequest.get(data.requestId)?.onDropLink(from, data));
		bus.onMessage('proxy:heartbeat', ({from, data}) => this.byLease.get(data.leaseId)?.onHeartbeat(from, data));
		bus.onMessage('proxy:destroy', ({from, data}) => this.byLease.get(data.leaseId)?.onDestroyed(from));
		bus.onMessage('proxy:rotate', ({from, data}) => this.byLease.get(data.leaseId)?.onRotate(from, data));
		bus.onMessage('proxy:leaseEnd', ({from, data}) => this.byLease.get(data.leaseId)?.onLeaseEnd(from, data));
		bus.onMessage('proxy:update', ({from, data}) => this.byLease.get(data.leaseId)?.onUpdate(from, data));
	}

	private slotHost(): SlotHost {
		const index = (map: Map<string, LeaseSlot>) => (slot: LeaseSlot, key: string | undefined, previous: string | undefined) => {
			if (previous !== undefined && map.get(previous) === slot) {
				map.delete(previous);
			}

			if (key !== undefined) {
				map.set(key, slot);
			}
		};

		return {
			bus: this.bus,
			timings: this.timings,
			indexRequest: index(this.byRequest),
			indexLease: index(this.byLease),
			linked: (slot, proxy) => {
				this.waiters.get(slot)?.(proxy);
				this.emit('proxy-link', proxy);
				this.emit('proxy-ready', proxy);
				this.emit('change');
			},
			ended: (_slot, proxy, reason: LeaseEndReason) => {
				this.emit('proxy-end', proxy, reason);
				this.emit('change');
			},
			down: (_slot, error) => {
				this.emit('proxy-down', error);
				this.emit('change');
			},
			dropped: (_slot, drop) => {
				this.emit('proxy-drop', drop);
			},
			updated: (_slot, proxy, previous, rotated) => {
				if (rotated) {
					this.emit('proxy-rotated', proxy, previous);
				} else {
					this.emit('proxy-update', proxy);
				}

				this.emit('change');
			},
			closed: slot => {
				this.waiters.get(slot)?.(undefined);
				this.slots.delete(slot.id);
				this.emit('change');
			},
		};
	}
}
