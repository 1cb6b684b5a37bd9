import {randomBytes} from 'node:crypto';
import type {EventEmitter} from 'node:events';
import {v4 as uuidv4} from 'uuid';
import type {InstanceSnapshot, PoolBackend} from '../../pool/pool-backend.js';
import type {Bus} from '../bus/bus.js';
import type {BusMessage} from '../bus/envelope.js';
import type {ProviderEvents} from '../provider-events.js';
import {leaseInfoOf, leaseSnapshotOf} from './lease-info.js';
import type {Lease, LeaseSnapshot, Offer, ProxySlot} from './lease-records.js';
import {LeaseRotations} from './lease-rotations.js';
import type {ClientInbound, LeaseEndReason, LeaseInfo, ProviderInbound, ProviderMessage} from './messages.js';
import {OfferDesk} from './offer-desk.js';
import {PoolWatch} from './pool-watch.js';
import type {ProviderTimings} from './timings.js';

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

/**
 * The provider's side of the lease protocol: leases, heartbeats, destroy and rotate. Offers and the
 * waiting list are the offer desk's, exit changes the rotations'.
 */
export class LeaseServer {
	private readonly counters = {leases: 0, forged: 0, dropLinks: 0};
	private readonly slots = new Map<string, ProxySlot>();
	private readonly desk: OfferDesk;
	private readonly rotations: LeaseRotations;
	private readonly pool: PoolWatch;
	private readonly leases = new Map<string, Lease>();
	/** offerId → leaseId, to answer a repeated link claim the same way. */
	private readonly linked = new Map<string, string>();
	private readonly ended = new Map<string, {secret: string; clientId: string; at: number; reason: LeaseEndReason}>();
	private readonly offs: Array<() => void> = [];
	private sweepTimer: NodeJS.Timeout | undefined;

	get stats(): LeaseServerStats {
		return {...this.counters, ...this.desk.counters, waiting: this.desk.waitingCount};
	}

	constructor(private readonly options: LeaseServerOptions) {
		const {backend, bus, timings, events} = options;
		this.desk = new OfferDesk({bus, timings, events, slots: this.slots});
		this.rotations = new LeaseRotations({
			bus,
			backend,
			events,
			slots: this.slots,
			isHeld: lease => this.leases.has(lease.leaseId),
			leaseInfo: lease => this.leaseInfo(lease),
			freed: () => {
				this.desk.serveWaiting();
			},
		});
		this.pool = new PoolWatch({
			backend,
			events,
			slots: this.slots,
			freed: () => {
				this.desk.serveWaiting();
			},
			lost: slot => {
				const offer = slot.offerId ? this.desk.get(slot.offerId) : undefined;
				if (offer) {
					this.desk.withdraw(offer);
				}

				const lease = slot.leaseId ? this.leases.get(slot.leaseId) : undefined;
				if (lease) {
					void this.endLease(lease, 'proxy-down', {recycle: false});
				}
			},
			changed: slot => {
				const lease = slot.leaseId ? this.leases.get(slot.leaseId) : undefined;
				if (lease && !lease.rotation) {
					void bus.sendMessage('proxy:update', lease.clientId, {leaseId: lease.leaseId, lease: this.leaseInfo(lease)});
				}
			},
		});
	}

	/** Start answering clients. */
	start(): void {
		if (this.desk.serving) {
			return;
		}

		this.desk.serving = true;
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
		clearInterval(this.sweepTimer);
		this.pool.close();
		for (const off of this.offs.splice(0)) {
			off();
		}

		const [withdrawn] = await Promise.all([
			this.desk.close('provider-stopping'),
			...[...this.leases.values()].map(async lease => this.endLease(lease, 'provider-stopping', {recycle: false})),
		]);
		this.counters.dropLinks += withdrawn;
		this.ended.clear();
		this.linked.clear();
	}

	/** Take the ready proxies of a pool started before its provider; see PoolWatch.adopt. */
	adopt(instances: readonly InstanceSnapshot[]): void {
		this.pool.adopt(instances);
	}

	leaseSnapshots(): LeaseSnapshot[] {
		return [...this.leases.values()].map(lease => this.snapshotOf(lease));
	}

	/** Rotate one proxy by hand (from the provider's UI); see LeaseRotations.rotateProxy. */
	async rotateProxy(proxyId: string): Promise<void> {
		const slot = this.slots.get(proxyId);
		if (slot) {
			await this.rotations.rotateProxy(slot, slot.leaseId ? this.leases.get(slot.leaseId) : undefined);
		}
	}

	private onRequest({from, data}: BusMessage<ProviderMessage<'proxy:request'>>): void {
		this.desk.request(from, data.requestId, Date.now());
	}

	private onLink({from, data}: BusMessage<ProviderMessage<'proxy:link'>>): void {
		const {bus} = this.options;
		const offer = this.desk.get(data.offerId);
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
		const offer = this.desk.get(data.offerId);
		if (offer?.clientId === from) {
			this.desk.withdraw(offer);
			this.desk.serveWaiting();
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

		void this.rotations.rotateLease(lease, data.rotateId);
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
		this.desk.take(offer);
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
					void this.rotations.recycle(slot);
				}
			}
		}

		await notified;
	}

	private sweep(now: number): void {
		const {timings} = this.options;
		this.desk.expire(now);
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
	}

	private leaseInfo(lease: Lease): LeaseInfo {
		return leaseInfoOf(lease, this.slots.get(lease.proxyId)!.endpoint, this.options.timings, this.options.advertiseHost);
	}

	private snapshotOf(lease: Lease): LeaseSnapshot {
		return leaseSnapshotOf(lease, this.slots.get(lease.proxyId)?.endpoint, this.options.advertiseHost);
	}
}
