import {randomBytes} from 'node:crypto';
import type {EventEmitter} from 'node:events';
import {v4 as uuidv4} from 'uuid';
import type {PoolBackend, ProxyEndpoint} from '../../pool/pool-backend.js';
import type {Bus} from '../bus/bus.js';
import type {BusMessage} from '../bus/envelope.js';
import type {ProviderEvents} from '../provider-events.js';
import type {Lease, LeaseSnapshot, Offer, ProxySlot} from './lease-records.js';
import type {ClientInbound, LeaseEndReason, LeaseInfo, ProviderInbound, ProviderMessage} from './messages.js';
import type {ProviderTimings} from './timings.js';
import {WaitingList} from './waiting-list.js';

export type LeaseServerOptions = {
	bus: Bus<ProviderInbound, ClientInbound>;
	backend: PoolBackend;
	timings: ProviderTimings;
	events: EventEmitter<ProviderEvents>;
	/** Host clients should connect to, when not the address the proxies are bound to. */
	advertiseHost?: string;
};

export type LeaseServerStats = {offers: number; leases: number; forged: number; dropLinks: number; waitingRefused: number; waiting: number};

/** How long a finished lease is remembered: to tell forged repeats from the holder's, and to repeat how it ended. */
const endedMemoryMs = 60_000;

/** The provider's side of the lease protocol: offers, leases, heartbeats, destroy and rotate. */
export class LeaseServer {
	private readonly counters = {offers: 0, leases: 0, forged: 0, dropLinks: 0, waitingRefused: 0};
	private readonly slots = new Map<string, ProxySlot>();
	private readonly offers = new Map<string, Offer>();
	private readonly offersByRequest = new Map<string, string>();
	private readonly leases = new Map<string, Lease>();
	/** offerId → leaseId, to answer a repeated link claim the same way. */
	private readonly linked = new Map<string, string>();
	private readonly ended = new Map<string, {secret: string; clientId: string; at: number; reason: LeaseEndReason}>();
	private readonly waiting: WaitingList;
	private readonly offs: Array<() => void> = [];
	private sweepTimer: NodeJS.Timeout | undefined;
	private serving = false;

	get stats(): LeaseServerStats {
		return {...this.counters, waiting: this.waiting.size};
	}

	constructor(private readonly options: LeaseServerOptions) {
		this.waiting = new WaitingList(options.timings.waitingTtlMs);
		const {backend} = options;
		const on = <E extends 'proxy-ready' | 'proxy-down' | 'proxy-update'>(event: E, listener: (...args: never[]) => void) => {
			backend.events.on(event, listener as never);
			this.offs.push(() => backend.events.off(event, listener as never));
		};

		on('proxy-ready', (endpoint: ProxyEndpoint) => {
			this.onProxyReady(endpoint);
		});
		on('proxy-down', (id: string, reason: string) => {
			this.onProxyDown(id, reason);
		});
		on('proxy-update', (endpoint: ProxyEndpoint) => {
			this.onProxyUpdate(endpoint);
		});
	}

	/** Start answering clients. */
	start(): void {
		if (this.serving) {
			return;
		}

		this.serving = true;
		const {bus} = this.options;
		this.offs.push(
			bus.on('proxy:request', message => {
				this.onRequest(message);
			}),
			bus.onMessage('proxy:link', message => {
				this.onLink(message);
			}),
			bus.onMessage('proxy:decline', message => {
				this.onDecline(message);
			}),
			bus.onMessage('proxy:heartbeat', message => {
				this.onHeartbeat(message);
			}),
			bus.onMessage('proxy:destroy', message => {
				this.onDestroy(message);
			}),
			bus.onMessage('proxy:rotate', message => {
				this.onRotate(message);
			}),
		);
		const sweepMs = Math.max(20, Math.min(250, Math.floor(this.options.timings.heartbeatTimeoutMs / 4)));
		this.sweepTimer = setInterval(() => {
			this.sweep(Date.now());
		}, sweepMs);
		this.sweepTimer.unref();
	}

	/** Stop answering, tell every holder its lease ends, and forget everything. */
	async stop(): Promise<void> {
		this.serving = false;
		clearInterval(this.sweepTimer);
		for (const off of this.offs.splice(0)) {
			off();
		}

		this.counters.dropLinks += this.offers.size;
		const offers = [...this.offers.values()].map(async offer => this.options.bus.sendMessage('proxy:dropLink', offer.clientId, {requestId: offer.requestId, offerId: offer.offerId, reason: 'provider-stopping'}));
		await Promise.all([...offers, ...[...this.leases.values()].map(async lease => this.endLease(lease, 'provider-stopping', {recycle: false}))]);
		this.offers.clear();
		this.offersByRequest.clear();
		this.waiting.clear();
		this.ended.clear();
		this.linked.clear();
		for (const slot of this.slots.values()) {
			slot.offerId = undefined;
			if (slot.state === 'offered') {
				slot.state = 'free';
			}
		}
	}

	leaseSnapshots(): LeaseSnapshot[] {
		return [...this.leases.values()].map(lease => this.snapshotOf(lease));
	}

	/**
	 * Rotate one proxy by hand (from the provider's UI). A free proxy is held back while it rotates;
	 * a leased one keeps its lease and its holder is told the new exit. Offered, rotating or
	 * unready proxies are left alone.
	 */
	async rotateProxy(proxyId: string): Promise<void> {
		const slot = this.slots.get(proxyId);
		const lease = slot?.leaseId ? this.leases.get(slot.leaseId) : undefined;
		if (!slot || (slot.state !== 'free' && slot.state !== 'leased') || lease?.rotation) {
			return;
		}

		if (lease) {
			lease.rotation = {rotateId: 'manual', startedAt: Date.now()};
		} else {
			slot.state = 'recycling';
		}

		const before = slot.endpoint.exitIp;
		const started = Date.now();
		try {
			slot.endpoint = await this.options.backend.rotate(proxyId);
			this.options.events.emit('rotated', {proxyId, leaseId: lease?.leaseId, previousExitIp: before, exitIp: slot.endpoint.exitIp, durationMs: Date.now() - started, reason: 'manual'});
		} catch (error) {
			this.options.events.emit('rotate-failed', proxyId, toError(error));
		} finally {
			if (lease) {
				lease.rotation = undefined;
			}
		}

		if (lease && this.leases.has(lease.leaseId)) {
			void this.options.bus.sendMessage('proxy:update', lease.clientId, {leaseId: lease.leaseId, lease: this.leaseInfo(lease)});
		} else if (!lease && slot.state === 'recycling') {
			slot.state = 'free';
			this.serveWaiting();
		}
	}

	private onRequest({from, data}: BusMessage<ProviderMessage<'proxy:request'>>): void {
		const now = Date.now();
		const existing = this.offersByRequest.get(`${from}/${data.requestId}`);
		const offer = existing ? this.offers.get(existing) : undefined;
		if (offer) {
			// The supply was probably lost: say it again, without reserving a second proxy.
			this.sendSupply(offer, now);
			return;
		}

		const slot = this.freeSlot();
		if (slot) {
			this.offer(slot, from, data.requestId, now);
		} else if (!this.waiting.add(from, data.requestId, now)) {
			this.counters.waitingRefused++;
		}
	}

	private onLink({from, data}: BusMessage<ProviderMessage<'proxy:link'>>): void {
		const {bus} = this.options;
		const offer = this.offers.get(data.offerId);
		if (offer && offer.clientId === from && offer.requestId === data.requestId) {
			this.createLease(offer);
			return;
		}

		const leaseId = this.linked.get(data.offerId);
		const lease = leaseId ? this.leases.get(leaseId) : undefined;
		if (lease && lease.clientId === from) {
			// Our link answer was lost: send the same lease again. The claim shows the client is alive.
			lease.lastHeartbeatAt = Date.now();
			void bus.sendMessage('proxy:link', from, {requestId: lease.requestId, offerId: lease.offerId, secret: lease.secret, lease: this.leaseInfo(lease)});
			return;
		}

		this.counters.dropLinks++;
		void bus.sendMessage('proxy:dropLink', from, {requestId: data.requestId, offerId: data.offerId, reason: offer ? 'offer-not-yours' : 'offer-expired'});
	}

	private onDecline({from, data}: BusMessage<ProviderMessage<'proxy:decline'>>): void {
		const offer = this.offers.get(data.offerId);
		if (offer?.clientId === from) {
			this.withdraw(offer);
			this.serveWaiting();
		}
	}

	private onHeartbeat({from, data}: BusMessage<ProviderMessage<'proxy:heartbeat'>>): void {
		const lease = this.holderLease(from, data.leaseId, data.secret, 'proxy:heartbeat');
		if (lease === 'forged') {
			return;
		}

		if (!lease) {
			// Repeat how the lease ended (the first leaseEnd may have been lost).
			void this.options.bus.sendMessage('proxy:leaseEnd', from, {leaseId: data.leaseId, reason: this.ended.get(data.leaseId)?.reason ?? 'unknown-lease'});
			return;
		}

		const now = Date.now();
		lease.lastHeartbeatAt = now;
		lease.heartbeats++;
		const exitIp = this.slots.get(lease.proxyId)?.endpoint.exitIp;
		void this.options.bus.sendMessage('proxy:heartbeat', from, {leaseId: lease.leaseId, seq: data.seq, expiresInMs: Math.max(0, lease.expiresAt - now), exitIp});
		this.options.events.emit('heartbeat', this.snapshotOf(lease));
	}

	private onDestroy({from, data}: BusMessage<ProviderMessage<'proxy:destroy'>>): void {
		const lease = this.holderLease(from, data.leaseId, data.secret, 'proxy:destroy');
		if (lease === 'forged') {
			return;
		}

		if (lease) {
			void this.endLease(lease, 'destroyed', {recycle: true});
		}

		// Answer repeats too (the first answer may have been lost), and leases we no longer know.
		void this.options.bus.sendMessage('proxy:destroy', from, {leaseId: data.leaseId});
	}

	private onRotate({from, data}: BusMessage<ProviderMessage<'proxy:rotate'>>): void {
		const lease = this.holderLease(from, data.leaseId, data.secret, 'proxy:rotate');
		if (lease === 'forged') {
			return;
		}

		const {bus} = this.options;
		if (!lease) {
			void bus.sendMessage('proxy:leaseEnd', from, {leaseId: data.leaseId, reason: this.ended.get(data.leaseId)?.reason ?? 'unknown-lease'});
			return;
		}

		if (lease.lastRotation?.rotateId === data.rotateId) {
			// The answer was lost: say it again, with the lease as it is now.
			const {reply} = lease.lastRotation;
			void bus.sendMessage('proxy:rotate', from, reply.ok ? {...reply, lease: this.leaseInfo(lease)} : reply);
			return;
		}

		if (lease.rotation) {
			if (lease.rotation.rotateId !== data.rotateId) {
				void bus.sendMessage('proxy:rotate', from, {ok: false, leaseId: lease.leaseId, rotateId: data.rotateId, reason: 'another rotation is in progress'});
			}

			return;
		}

		void this.rotateLease(lease, data.rotateId);
	}

	private async rotateLease(lease: Lease, rotateId: string): Promise<void> {
		const started = Date.now();
		lease.rotation = {rotateId, startedAt: started};
		const slot = this.slots.get(lease.proxyId);
		const previousExitIp = slot?.endpoint.exitIp;
		let reply;
		try {
			const endpoint = await this.options.backend.rotate(lease.proxyId);
			if (slot) {
				slot.endpoint = endpoint;
			}

			reply = {ok: true as const, leaseId: lease.leaseId, rotateId, lease: this.leaseInfo(lease), previousExitIp};
			this.options.events.emit('rotated', {proxyId: lease.proxyId, leaseId: lease.leaseId, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'rotate'});
		} catch (error) {
			reply = {ok: false as const, leaseId: lease.leaseId, rotateId, reason: toError(error).message.slice(0, 200)};
			this.options.events.emit('rotate-failed', lease.proxyId, toError(error));
		}

		lease.rotation = undefined;
		if (this.leases.has(lease.leaseId)) {
			lease.lastRotation = {rotateId, reply};
			void this.options.bus.sendMessage('proxy:rotate', lease.clientId, reply);
		}
	}

	/** The lease if `from` holds it with `secret`; undefined if unknown; 'forged' (counted) otherwise. */
	private holderLease(from: string, leaseId: string, secret: string, event: string): Lease | 'forged' | undefined {
		const lease = this.leases.get(leaseId);
		const known = lease ?? this.ended.get(leaseId);
		if (known && (known.secret !== secret || known.clientId !== from)) {
			this.counters.forged++;
			this.options.events.emit('forged', event, from);
			return 'forged';
		}

		return lease;
	}

	private createLease(offer: Offer): void {
		const now = Date.now();
		const {timings} = this.options;
		this.offers.delete(offer.offerId);
		this.offersByRequest.delete(`${offer.clientId}/${offer.requestId}`);
		const lease: Lease = {
			leaseId: uuidv4(),
			secret: randomBytes(24).toString('base64url'),
			clientId: offer.clientId,
			offerId: offer.offerId,
			requestId: offer.requestId,
			proxyId: offer.proxyId,
			createdAt: now,
			expiresAt: now + timings.leaseTtlMs,
			lastHeartbeatAt: now,
			heartbeats: 0,
		};
		this.leases.set(lease.leaseId, lease);
		this.linked.set(offer.offerId, lease.leaseId);
		const slot = this.slots.get(offer.proxyId)!;
		slot.state = 'leased';
		slot.offerId = undefined;
		slot.leaseId = lease.leaseId;
		this.counters.leases++;
		void this.options.bus.sendMessage('proxy:link', lease.clientId, {requestId: lease.requestId, offerId: lease.offerId, secret: lease.secret, lease: this.leaseInfo(lease)});
		this.options.events.emit('leased', this.snapshotOf(lease));
	}

	private async endLease(lease: Lease, reason: LeaseEndReason, {recycle}: {recycle: boolean}): Promise<void> {
		if (!this.leases.delete(lease.leaseId)) {
			return;
		}

		this.linked.delete(lease.offerId);
		this.ended.set(lease.leaseId, {secret: lease.secret, clientId: lease.clientId, at: Date.now(), reason});
		const snapshot = this.snapshotOf(lease);
		const notified = reason === 'destroyed' ? Promise.resolve(true) : this.options.bus.sendMessage('proxy:leaseEnd', lease.clientId, {leaseId: lease.leaseId, reason});
		this.options.events.emit('released', {lease: snapshot, reason});
		const slot = this.slots.get(lease.proxyId);
		if (slot?.leaseId === lease.leaseId) {
			slot.leaseId = undefined;
			if (slot.state === 'leased') {
				slot.state = recycle ? 'recycling' : 'free';
				if (recycle) {
					void this.recycle(slot);
				}
			}
		}

		await notified;
	}

	/** Give a proxy a new exit before anyone else gets it. */
	private async recycle(slot: ProxySlot): Promise<void> {
		const started = Date.now();
		const previousExitIp = slot.endpoint.exitIp;
		try {
			const endpoint = await this.options.backend.rotate(slot.endpoint.id);
			if (slot.state !== 'recycling') {
				return;
			}

			slot.endpoint = endpoint;
			slot.state = 'free';
			this.options.events.emit('rotated', {proxyId: endpoint.id, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'recycle'});
			this.serveWaiting();
		} catch (error) {
			// The backend reports the proxy down or ready again on its own; until then it is not leased.
			if (slot.state === 'recycling') {
				slot.state = 'down';
			}

			this.options.events.emit('rotate-failed', slot.endpoint.id, toError(error));
		}
	}

	private onProxyReady(endpoint: ProxyEndpoint): void {
		const slot = this.slots.get(endpoint.id);
		if (!slot) {
			this.slots.set(endpoint.id, {endpoint, state: 'free'});
		} else if (slot.state === 'leased' || slot.state === 'offered') {
			this.onProxyUpdate(endpoint);
			return;
		} else {
			slot.endpoint = endpoint;
			slot.state = 'free';
		}

		this.options.events.emit('instance-ready', endpoint);
		this.serveWaiting();
	}

	private onProxyDown(id: string, reason: string): void {
		const slot = this.slots.get(id);
		if (!slot) {
			return;
		}

		const offer = slot.offerId ? this.offers.get(slot.offerId) : undefined;
		if (offer) {
			this.withdraw(offer);
		}

		const lease = slot.leaseId ? this.leases.get(slot.leaseId) : undefined;
		slot.state = 'down';
		if (lease) {
			void this.endLease(lease, 'proxy-down', {recycle: false});
		}

		this.options.events.emit('instance-down', id, reason);
	}

	private onProxyUpdate(endpoint: ProxyEndpoint): void {
		const slot = this.slots.get(endpoint.id);
		if (!slot) {
			return;
		}

		slot.endpoint = endpoint;
		const lease = slot.leaseId ? this.leases.get(slot.leaseId) : undefined;
		if (lease && !lease.rotation) {
			void this.options.bus.sendMessage('proxy:update', lease.clientId, {leaseId: lease.leaseId, lease: this.leaseInfo(lease)});
		}
	}

	private freeSlot(): ProxySlot | undefined {
		for (const slot of this.slots.values()) {
			if (slot.state === 'free') {
				return slot;
			}
		}

		return undefined;
	}

	private offer(slot: ProxySlot, clientId: string, requestId: string, now: number): void {
		const offer: Offer = {offerId: uuidv4(), clientId, requestId, proxyId: slot.endpoint.id, expiresAt: now + this.options.timings.offerTtlMs};
		slot.state = 'offered';
		slot.offerId = offer.offerId;
		this.offers.set(offer.offerId, offer);
		this.offersByRequest.set(`${clientId}/${requestId}`, offer.offerId);
		this.waiting.remove(clientId, requestId);
		this.counters.offers++;
		this.sendSupply(offer, now);
		this.options.events.emit('offered', {offerId: offer.offerId, clientId, proxyId: offer.proxyId});
	}

	private sendSupply(offer: Offer, now: number): void {
		void this.options.bus.sendMessage('proxy:supply', offer.clientId, {requestId: offer.requestId, offerId: offer.offerId, offerTtlMs: Math.max(0, offer.expiresAt - now)});
	}

	/** Take an offer back; its proxy is free again. */
	private withdraw(offer: Offer): void {
		this.offers.delete(offer.offerId);
		this.offersByRequest.delete(`${offer.clientId}/${offer.requestId}`);
		const slot = this.slots.get(offer.proxyId);
		if (slot?.offerId === offer.offerId) {
			slot.offerId = undefined;
			if (slot.state === 'offered') {
				slot.state = 'free';
			}
		}
	}

	/** Offer free proxies to the clients that have been waiting longest. */
	private serveWaiting(): void {
		if (!this.serving) {
			return;
		}

		const now = Date.now();
		for (let slot = this.freeSlot(); slot && this.waiting.size > 0; slot = this.freeSlot()) {
			const next = this.waiting.shift(now);
			if (!next) {
				return;
			}

			this.offer(slot, next.clientId, next.requestId, now);
		}
	}

	private sweep(now: number): void {
		const {timings} = this.options;
		let freed = false;
		for (const offer of this.offers.values()) {
			if (offer.expiresAt <= now) {
				this.withdraw(offer);
				freed = true;
			}
		}

		for (const lease of this.leases.values()) {
			if (lease.expiresAt <= now) {
				void this.endLease(lease, 'ttl', {recycle: true});
			} else if (now - lease.lastHeartbeatAt > timings.heartbeatTimeoutMs) {
				void this.endLease(lease, 'heartbeat-timeout', {recycle: true});
			}
		}

		for (const [leaseId, ended] of this.ended) {
			if (now - ended.at > endedMemoryMs) {
				this.ended.delete(leaseId);
			}
		}

		this.waiting.prune(now);
		if (freed) {
			this.serveWaiting();
		}
	}

	private leaseInfo(lease: Lease): LeaseInfo {
		const {timings, advertiseHost} = this.options;
		const {endpoint} = this.slots.get(lease.proxyId)!;
		return {
			leaseId: lease.leaseId,
			proxyId: endpoint.id,
			host: advertiseHost ?? endpoint.host,
			port: endpoint.port,
			httpPort: endpoint.httpPort,
			exitIp: endpoint.exitIp,
			expiresInMs: Math.max(0, lease.expiresAt - Date.now()),
			ttlMs: timings.leaseTtlMs,
			heartbeatIntervalMs: timings.heartbeatIntervalMs,
			heartbeatTimeoutMs: timings.heartbeatTimeoutMs,
		};
	}

	private snapshotOf(lease: Lease): LeaseSnapshot {
		const endpoint = this.slots.get(lease.proxyId)?.endpoint;
		return {
			leaseId: lease.leaseId,
			clientId: lease.clientId,
			proxyId: lease.proxyId,
			host: this.options.advertiseHost ?? endpoint?.host ?? '',
			port: endpoint?.port ?? 0,
			httpPort: endpoint?.httpPort,
			exitIp: endpoint?.exitIp,
			createdAt: lease.createdAt,
			expiresAt: lease.expiresAt,
			lastHeartbeatAt: lease.lastHeartbeatAt,
			heartbeats: lease.heartbeats,
			rotating: lease.rotation !== undefined,
		};
	}
}

function toError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}
