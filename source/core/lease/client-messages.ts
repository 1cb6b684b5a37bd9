import type {EventEmitter} from 'node:events';
import type {Bus} from '../bus/bus.js';
import type {BusMessage} from '../bus/envelope.js';
import {SealError} from '../errors/seal-error.js';
import type {ProviderEvents} from '../provider-events.js';
import type {HolderCheck, LeaseBook} from './lease-book.js';
import type {LeaseEndings} from './lease-endings.js';
import type {LeaseViews} from './lease-info.js';
import type {LeaseMessenger} from './lease-messenger.js';
import {clientProofFields, proofFieldsOf, protocolVersion, proven, type ClientProvenEvent, type ProofField} from './lease-proof.js';
import type {Lease, Offer} from './lease-records.js';
import type {LeaseRotations} from './lease-rotations.js';
import type {ClientInbound, ProviderInbound, ProviderMessage} from './messages.js';
import type {OfferDesk} from './offer-desk.js';
import type {ProxySlots} from './proxy-slots.js';
import {RotatingSealKey, seal} from './seal.js';

export type ClientMessagesOptions = {
	readonly bus: Bus<ProviderInbound, ClientInbound>;
	readonly events: EventEmitter<ProviderEvents>;
	readonly slots: ProxySlots;
	readonly book: LeaseBook;
	readonly desk: OfferDesk;
	readonly messenger: LeaseMessenger;
	readonly rotations: LeaseRotations;
	readonly endings: LeaseEndings;
	readonly views: LeaseViews;
};

/**
 * The provider's answers to its clients' messages (docs/protocol.md §5): requests and declines go
 * to the offer desk; a claim becomes a lease (its secret and credentials sealed to the claim's key);
 * heartbeats, destroys and rotations must prove the lease's secret (the book's holder check).
 */
export class ClientMessages {
	readonly counters = {dropLinks: 0};

	/** One sealing key pair for every lease sealed within a minute (see RotatingSealKey). */
	private readonly sealKey = new RotatingSealKey();

	constructor(private readonly options: ClientMessagesOptions) {}

	/** Subscribe to the clients' messages; returns the functions that unsubscribe. */
	listen(): Array<() => void> {
		const {bus, desk} = this.options;
		return [
			bus.on('proxy:request', ({from, data}) => {
				desk.request(from, data.requestId, Date.now());
			}),
			bus.onMessage('proxy:link', message => {
				this.onLink(message);
			}),
			bus.onMessage('proxy:decline', ({from, data}) => {
				const offer = desk.get(data.offerId);
				if (offer?.clientId === from) {
					desk.withdraw(offer);
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
	}

	private onLink({from, data}: BusMessage<ProviderMessage<'proxy:link'>>): void {
		const {desk, book} = this.options;
		const offer = desk.get(data.offerId);
		if (data.publicKey === undefined) {
			// A v1 client: its claim has no key to seal the lease to, and nothing goes out in clear.
			if (offer?.clientId === from) {
				desk.withdraw(offer);
			}

			this.dropLink(from, data, `protocol-version: this provider speaks v${protocolVersion} and needs a publicKey in the claim`);
			return;
		}

		if (offer && offer.clientId === from && offer.requestId === data.requestId) {
			this.createLease(offer, data.publicKey);
			return;
		}

		const lease = book.fromOffer(data.offerId);
		if (lease && lease.clientId === from) {
			// Our link answer was lost: send the same lease again. The claim shows the client is alive.
			book.heard(lease, Date.now());
			this.sendLink(lease, data.publicKey);
			return;
		}

		this.dropLink(from, data, offer ? 'offer-not-yours' : 'offer-expired');
	}

	private createLease(offer: Offer, publicKey: string): void {
		const {desk, book, endings, events, views} = this.options;
		desk.take(offer);
		const lease = book.create(offer, Date.now());
		if (!this.sendLink(lease, publicKey)) {
			// The claim's key is not an X25519 key: no lease (the proxy is recycled like any ended one).
			void endings.end(lease, 'unknown-lease');
			this.dropLink(offer.clientId, offer, 'bad-public-key');
			return;
		}

		if (events.listenerCount('leased') > 0) {
			events.emit('leased', views.snapshot(lease));
		}
	}

	private dropLink(to: string, {requestId, offerId}: {requestId: string; offerId: string}, reason: string): void {
		this.counters.dropLinks++;
		void this.options.bus.sendMessage('proxy:dropLink', to, {requestId, offerId, reason});
	}

	/** The link answer: the lease's secret and front credentials sealed to the claim's key, bound to the lease id. */
	private sendLink(lease: Lease, publicKey: string): boolean {
		let sealed;
		try {
			sealed = seal(JSON.stringify({secret: lease.secret, ...lease.credentials}), publicKey, lease.leaseId, this.sealKey.current());
		} catch (error) {
			if (error instanceof SealError) {
				return false;
			}

			throw error;
		}

		void this.options.bus.sendMessage('proxy:link', lease.clientId, {requestId: lease.requestId, offerId: lease.offerId, v: protocolVersion, sealed, lease: this.options.views.info(lease)});
		return true;
	}

	private onHeartbeat({from, data}: BusMessage<ProviderMessage<'proxy:heartbeat'>>): void {
		const check = this.checkHolder(from, 'proxy:heartbeat', data, clientProofFields['proxy:heartbeat'](data));
		if (check.kind !== 'held') {
			// Repeat how the lease ended (the first leaseEnd may have been lost).
			this.options.endings.tellEnded(from, data.leaseId, check);
			return;
		}

		const {book, slots, messenger, events, views} = this.options;
		const {lease} = check;
		const now = Date.now();
		book.heard(lease, now);
		lease.heartbeats++;
		const exitIp = slots.get(lease.proxyId)?.endpoint.exitIp;
		void messenger.heartbeat(lease, {leaseId: lease.leaseId, seq: data.seq, expiresInMs: Math.max(0, lease.expiresAt - now), exitIp});
		if (events.listenerCount('heartbeat') > 0) {
			events.emit('heartbeat', views.snapshot(lease));
		}
	}

	private onDestroy({from, data}: BusMessage<ProviderMessage<'proxy:destroy'>>): void {
		const check = this.checkHolder(from, 'proxy:destroy', data, clientProofFields['proxy:destroy'](data));
		if (check.kind === 'forged') {
			return;
		}

		if (check.kind === 'held') {
			void this.options.endings.end(check.lease, 'destroyed');
		}

		// Answer repeats too (the first answer may have been lost), and leases we no longer know.
		void this.options.bus.sendMessage('proxy:destroy', from, {leaseId: data.leaseId});
	}

	private onRotate({from, data}: BusMessage<ProviderMessage<'proxy:rotate'>>): void {
		const check = this.checkHolder(from, 'proxy:rotate', data, clientProofFields['proxy:rotate'](data));
		if (check.kind !== 'held') {
			this.options.endings.tellEnded(from, data.leaseId, check);
			return;
		}

		void this.options.rotations.request(check.lease, data.rotateId, data.failure);
	}

	/** The lease book's holder check of a client's proven message; a forged or replayed one (counted by the book) is reported too. */
	private checkHolder(from: string, event: ClientProvenEvent, data: {leaseId: string; n: number; proof: string}, own: readonly ProofField[]): HolderCheck {
		const {leaseId, n, proof} = data;
		const fields = proofFieldsOf({event, from, to: this.options.bus.id, leaseId, n}, own);
		const check = this.options.book.check(from, leaseId, n, secret => proven(secret, fields, proof));
		if (check.kind === 'forged') {
			this.options.events.emit('forged', event, from);
		}

		return check;
	}
}
