import type {EventEmitter} from 'node:events';
import type {InstanceSnapshot, PoolBackend, ProxyEndpoint} from '../../pool/pool-backend.js';
import type {Bus} from '../bus/bus.js';
import type {BusMessage} from '../bus/envelope.js';
import type {ProviderEvents} from '../provider-events.js';
import {SealError} from '../errors/seal-error.js';
import {LeaseBook, type HolderCheck} from './lease-book.js';
import {LeaseMessenger} from './lease-messenger.js';
import {clientProofFields, proofFieldsOf, protocolVersion, proven, type ClientProvenEvent, type ProofField} from './lease-proof.js';
import {seal} from './seal.js';
import type {AccessGrant, AccessRefusal, AccessRequest} from '../../front/front-access.js';
import {leaseAccess, type FrontAddress} from './lease-access.js';
import {entranceOf, leaseInfoOf, leaseSnapshotOf} from './lease-info.js';
import type {Lease, LeaseSnapshot, Offer} from './lease-records.js';
import {LeaseRotations} from './lease-rotations.js';
import type {ClientInbound, LeaseEndReason, LeaseInfo, ProviderInbound, ProviderMessage} from './messages.js';
import {OfferDesk} from './offer-desk.js';
import {PoolWatch} from './pool-watch.js';
import {ProxySlots} from './proxy-slots.js';
import type {ProviderTimings} from './timings.js';

export type LeaseServerOptions = {
	bus: Bus<ProviderInbound, ClientInbound>;
	backend: PoolBackend;
	timings: ProviderTimings;
	events: EventEmitter<ProviderEvents>;
	/** Host clients should connect to, when not the address the front (or the proxies) listen on. */
	advertiseHost?: string;
	/** The provider's front, when it runs one: where clients connect, and how a lease's connections are closed. */
	front?: LeaseFront;
};

/** What the lease server needs of the provider's front. */
export type LeaseFront = {
	/** Its address once it listens (undefined before). */
	address(): FrontAddress | undefined;
	/** Close every open connection of a lease that ended. */
	revoke(leaseId: string): void;
};

export type LeaseServerStats = {offers: number; leases: number; forged: number; dropLinks: number; waitingRefused: number; waiting: number};

/**
 * The provider's side of the lease protocol: it answers clients' messages and runs the sweep. The
 * proxies are the slots' (`ProxySlots`), the leases the book's (`LeaseBook`), offers and the
 * waiting list the offer desk's, exit changes the rotations', and the pool's news the pool watch's.
 */
export class LeaseServer {
	private readonly counters = {dropLinks: 0};
	private readonly slots = new ProxySlots();
	private readonly book: LeaseBook;
	private readonly desk: OfferDesk;
	private readonly rotations: LeaseRotations;
	private readonly pool: PoolWatch;
	private readonly messenger: LeaseMessenger;
	/** Present while answering clients: what start() set up and stop() takes down. */
	private serving: {offs: Array<() => void>; sweepTimer: NodeJS.Timeout} | undefined;

	constructor(private readonly options: LeaseServerOptions) {
		const {backend, bus, timings, events} = options;
		const {slots} = this;
		this.book = new LeaseBook(timings.leaseTtlMs);
		this.messenger = new LeaseMessenger(bus);
		this.desk = new OfferDesk({bus, timings, events, slots});
		this.rotations = new LeaseRotations({messenger: this.messenger, backend, events, slots, isHeld: lease => this.book.isHeld(lease), leaseInfo: lease => this.leaseInfo(lease)});
		this.pool = new PoolWatch({
			backend,
			events,
			slots,
			lost: proxyId => {
				const offer = this.desk.onProxy(proxyId);
				if (offer) {
					this.desk.withdraw(offer);
				}

				const lease = this.book.onProxy(proxyId);
				if (lease) {
					void this.endLease(lease, 'proxy-down');
				}
			},
			changed: proxyId => {
				const lease = this.book.onProxy(proxyId);
				if (lease && !lease.rotation) {
					void this.messenger.update(lease, {leaseId: lease.leaseId, lease: this.leaseInfo(lease)});
				}
			},
		});
	}

	get stats(): LeaseServerStats {
		return {...this.book.counters, ...this.counters, ...this.desk.counters, waiting: this.desk.waitingCount};
	}

	/** Whether it answers clients (between start() and stop()). */
	get isServing(): boolean {
		return this.serving !== undefined;
	}

	/** Start answering clients. A second call does nothing. */
	start(): void {
		if (this.serving) {
			return;
		}

		const {bus, timings} = this.options;
		const onFree = () => {
			this.desk.serveWaiting();
		};

		const onOnline = () => {
			// While the bus was offline no heartbeat could be heard: that time does not count against the holders.
			this.book.heardAll(Date.now());
		};

		this.slots.events.on('free', onFree);
		bus.events.on('online', onOnline);
		const offs = [
			() => this.slots.events.off('free', onFree),
			() => bus.events.off('online', onOnline),
			bus.on('proxy:request', ({from, data}) => {
				this.desk.request(from, data.requestId, Date.now());
			}),
			bus.onMessage('proxy:link', message => {
				this.onLink(message);
			}),
			bus.onMessage('proxy:decline', ({from, data}) => {
				const offer = this.desk.get(data.offerId);
				if (offer?.clientId === from) {
					this.desk.withdraw(offer);
				}
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
		];
		const sweepMs = Math.max(20, Math.min(250, Math.floor(timings.heartbeatTimeoutMs / 4)));
		const sweepTimer = setInterval(() => {
			this.sweep(Date.now());
		}, sweepMs);
		sweepTimer.unref();
		this.serving = {offs, sweepTimer};
	}

	/** Stop answering, tell every holder its lease ends, and forget everything. */
	async stop(): Promise<void> {
		if (this.serving) {
			clearInterval(this.serving.sweepTimer);
			for (const off of this.serving.offs.splice(0)) {
				off();
			}

			this.serving = undefined;
		}

		this.pool.close();
		const [withdrawn] = await Promise.all([
			this.desk.close('provider-stopping'),
			...this.book.all().map(async lease => this.endLease(lease, 'provider-stopping')),
		]);
		this.counters.dropLinks += withdrawn;
		this.book.clearEnded();
	}

	/** The front's question: relay a connection with these credentials, and where to? */
	access(request: AccessRequest): AccessGrant | AccessRefusal {
		return leaseAccess(this.book, this.slots, request);
	}

	/** Take the ready proxies of a pool started before its provider; see PoolWatch.adopt. */
	adopt(instances: readonly InstanceSnapshot[]): void {
		this.pool.adopt(instances);
	}

	leaseSnapshots(): LeaseSnapshot[] {
		return this.book.all().map(lease => this.snapshotOf(lease));
	}

	/** Rotate one proxy by hand (from the provider's UI); see LeaseRotations.rotateProxy. */
	async rotateProxy(proxyId: string): Promise<void> {
		if (this.slots.has(proxyId)) {
			await this.rotations.rotateProxy(proxyId, this.book.onProxy(proxyId));
		}
	}

	private onLink({from, data}: BusMessage<ProviderMessage<'proxy:link'>>): void {
		const {bus} = this.options;
		const offer = this.desk.get(data.offerId);
		if (data.publicKey === undefined) {
			// A v1 client: its claim has no key to seal the lease to, and nothing goes out in clear.
			if (offer?.clientId === from) {
				this.desk.withdraw(offer);
			}

			this.dropLink(from, data, `protocol-version: this provider speaks v${protocolVersion} and needs a publicKey in the claim`);
			return;
		}

		if (offer && offer.clientId === from && offer.requestId === data.requestId) {
			this.createLease(offer, data.publicKey);
			return;
		}

		const lease = this.book.fromOffer(data.offerId);
		if (lease && lease.clientId === from) {
			// Our link answer was lost: send the same lease again. The claim shows the client is alive.
			this.book.heard(lease, Date.now());
			this.sendLink(lease, data.publicKey);
			return;
		}

		this.dropLink(from, data, offer ? 'offer-not-yours' : 'offer-expired');
	}

	private dropLink(to: string, {requestId, offerId}: {requestId: string; offerId: string}, reason: string): void {
		this.counters.dropLinks++;
		void this.options.bus.sendMessage('proxy:dropLink', to, {requestId, offerId, reason});
	}

	/** The link answer: the lease's secret and front credentials sealed to the claim's key, bound to the lease id. */
	private sendLink(lease: Lease, publicKey: string): boolean {
		let sealed;
		try {
			sealed = seal(JSON.stringify({secret: lease.secret, ...lease.credentials}), publicKey, lease.leaseId);
		} catch (error) {
			if (error instanceof SealError) {
				return false;
			}

			throw error;
		}

		void this.options.bus.sendMessage('proxy:link', lease.clientId, {requestId: lease.requestId, offerId: lease.offerId, v: protocolVersion, sealed, lease: this.leaseInfo(lease)});
		return true;
	}

	private onHeartbeat({from, data}: BusMessage<ProviderMessage<'proxy:heartbeat'>>): void {
		const check = this.checkHolder(from, 'proxy:heartbeat', data, clientProofFields['proxy:heartbeat'](data));
		if (check.kind !== 'held') {
			// Repeat how the lease ended (the first leaseEnd may have been lost).
			this.sendLeaseEnded(from, data.leaseId, check);
			return;
		}

		const {lease} = check;

		const now = Date.now();
		this.book.heard(lease, now);
		lease.heartbeats++;
		const exitIp = this.slots.get(lease.proxyId)?.endpoint.exitIp;
		void this.messenger.heartbeat(lease, {leaseId: lease.leaseId, seq: data.seq, expiresInMs: Math.max(0, lease.expiresAt - now), exitIp});
		this.options.events.emit('heartbeat', this.snapshotOf(lease));
	}

	private onDestroy({from, data}: BusMessage<ProviderMessage<'proxy:destroy'>>): void {
		const check = this.checkHolder(from, 'proxy:destroy', data, clientProofFields['proxy:destroy'](data));
		if (check.kind === 'forged') {
			return;
		}

		if (check.kind === 'held') {
			void this.endLease(check.lease, 'destroyed');
		}

		// Answer repeats too (the first answer may have been lost), and leases we no longer know.
		void this.options.bus.sendMessage('proxy:destroy', from, {leaseId: data.leaseId});
	}

	private onRotate({from, data}: BusMessage<ProviderMessage<'proxy:rotate'>>): void {
		const check = this.checkHolder(from, 'proxy:rotate', data, clientProofFields['proxy:rotate'](data));
		if (check.kind !== 'held') {
			this.sendLeaseEnded(from, data.leaseId, check);
			return;
		}

		void this.rotations.request(check.lease, data.rotateId, data.failure);
	}

	/** The lease book's holder check of a client's proven message; a forged or replayed one (counted by the book) is reported too. */
	private checkHolder(from: string, event: ClientProvenEvent, data: {leaseId: string; n: number; proof: string}, own: readonly ProofField[]): HolderCheck {
		const {leaseId, n, proof} = data;
		const fields = proofFieldsOf({event, from, to: this.options.bus.id, leaseId, n}, own);
		const check = this.book.check(from, leaseId, n, secret => proven(secret, fields, proof));
		if (check.kind === 'forged') {
			this.options.events.emit('forged', event, from);
		}

		return check;
	}

	/** Tell a former holder how its lease ended (a forged message gets no answer). */
	private sendLeaseEnded(to: string, leaseId: string, check: Exclude<HolderCheck, {kind: 'held'}>): void {
		if (check.kind === 'ended') {
			void this.messenger.leaseEnd(check.ended, {leaseId, reason: check.ended.reason});
		} else if (check.kind === 'unknown') {
			// Without the secret this cannot be proven: the client ignores it, and finds out from the silence.
			void this.options.bus.sendMessage('proxy:leaseEnd', to, {leaseId, reason: 'unknown-lease'});
		}
	}

	private createLease(offer: Offer, publicKey: string): void {
		this.desk.take(offer);
		const lease = this.book.create(offer, Date.now());
		if (!this.sendLink(lease, publicKey)) {
			// The claim's key is not an X25519 key: no lease (the proxy is recycled like any ended one).
			void this.endLease(lease, 'unknown-lease');
			this.dropLink(offer.clientId, offer, 'bad-public-key');
			return;
		}

		this.options.events.emit('leased', this.snapshotOf(lease));
	}

	/**
	 * End a held lease, tell its holder (a destroy is answered instead), and settle its proxy: a
	 * proxy that is down stays down; otherwise it is recycled, except when the provider stops.
	 */
	private async endLease(lease: Lease, reason: LeaseEndReason): Promise<void> {
		const ended = this.book.end(lease, reason, Date.now());
		if (!ended) {
			return;
		}

		// Its credentials let nobody in from now on (the book no longer grants them); close what is open.
		this.options.front?.revoke(lease.leaseId);

		const notified = reason === 'destroyed' || reason === 'unknown-lease' ? Promise.resolve(true) : this.messenger.leaseEnd(ended, {leaseId: lease.leaseId, reason});
		this.options.events.emit('released', {lease: this.snapshotOf(lease), reason});
		if (this.slots.get(lease.proxyId)?.state === 'leased') {
			const recycle = reason !== 'provider-stopping' && reason !== 'proxy-down';
			this.slots.move(lease.proxyId, recycle ? 'recycling' : 'free');
			if (recycle) {
				void this.rotations.recycle(lease.proxyId);
			}
		}

		await notified;
	}

	private sweep(now: number): void {
		const {bus, timings} = this.options;
		this.desk.expire(now);
		// While the bus is offline no heartbeat can be heard: only TTLs end leases then.
		for (const {lease, reason} of this.book.due(now, bus.online ? timings.heartbeatTimeoutMs : undefined)) {
			void this.endLease(lease, reason);
		}

		this.book.forgetEnded(now);
	}

	private leaseInfo(lease: Lease): LeaseInfo {
		const {endpoint} = this.slots.get(lease.proxyId)!;
		return leaseInfoOf(lease, endpoint, this.options.timings, this.entrance(endpoint));
	}

	private snapshotOf(lease: Lease): LeaseSnapshot {
		const endpoint = this.slots.get(lease.proxyId)?.endpoint;
		return leaseSnapshotOf(lease, endpoint, this.entrance(endpoint));
	}

	private entrance(endpoint: ProxyEndpoint | undefined): {host: string; port: number; httpPort?: number} {
		return entranceOf(endpoint, this.options.front?.address(), this.options.advertiseHost);
	}
}
