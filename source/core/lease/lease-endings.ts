import type {EventEmitter} from 'node:events';
import type {ProviderEvents} from '../provider-events.js';
import type {HolderCheck, LeaseBook} from './lease-book.js';
import type {LeaseViews} from './lease-info.js';
import type {LeaseMessenger} from './lease-messenger.js';
import type {Lease} from './lease-records.js';
import type {LeaseRotations} from './lease-rotations.js';
import type {ClientInbound, LeaseEndReason, ProviderInbound} from './messages.js';
import type {ProxySlots} from './proxy-slots.js';
import type {Bus} from '../bus/bus.js';

export type LeaseEndingsOptions = {
	readonly bus: Bus<ProviderInbound, ClientInbound>;
	readonly book: LeaseBook;
	readonly slots: ProxySlots;
	readonly messenger: LeaseMessenger;
	readonly rotations: LeaseRotations;
	readonly events: EventEmitter<ProviderEvents>;
	readonly views: LeaseViews;
	/** The provider's front, when it runs one: a lease that ends has its open connections closed. */
	readonly front: {revoke(leaseId: string): void} | undefined;
};

/**
 * How leases end on the provider side: the book's record closed, the front's connections revoked,
 * the holder told (with proof), the proxy recycled or set aside; the sweep of leases that ran out;
 * and the repeat of how a lease ended, for a former holder that did not hear it.
 */
export class LeaseEndings {
	constructor(private readonly options: LeaseEndingsOptions) {}

	/**
	 * End a held lease, tell its holder (a destroy is answered instead), and settle its proxy: a
	 * proxy that is down stays down; otherwise it is recycled, except when the provider stops.
	 */
	async end(lease: Lease, reason: LeaseEndReason): Promise<void> {
		const {book, front, messenger, events, views, slots, rotations} = this.options;
		const ended = book.end(lease, reason, Date.now());
		if (!ended) {
			return;
		}

		// Its credentials let nobody in from now on (the book no longer grants them); close what is open.
		front?.revoke(lease.leaseId);

		const notified = reason === 'destroyed' || reason === 'unknown-lease' ? Promise.resolve(true) : messenger.leaseEnd(ended, {leaseId: lease.leaseId, reason});
		if (events.listenerCount('released') > 0) {
			events.emit('released', {lease: views.snapshot(lease), reason});
		}

		if (slots.get(lease.proxyId)?.state === 'leased') {
			const recycle = reason !== 'provider-stopping' && reason !== 'proxy-down';
			slots.move(lease.proxyId, recycle ? 'recycling' : 'free');
			if (recycle) {
				void rotations.recycle(lease.proxyId);
			}
		}

		await notified;
	}

	/**
	 * End the leases that are over at `now` (TTL, or heartbeat timeout when `heartbeatTimeoutMs` is
	 * given), and forget those that ended long ago.
	 */
	endDue(now: number, heartbeatTimeoutMs: number | undefined): void {
		const {book} = this.options;
		for (const {lease, reason} of book.due(now, heartbeatTimeoutMs)) {
			void this.end(lease, reason);
		}

		book.forgetEnded(now);
	}

	/** Tell a former holder how its lease ended (a forged message gets no answer). */
	tellEnded(to: string, leaseId: string, check: Exclude<HolderCheck, {kind: 'held'}>): void {
		if (check.kind === 'ended') {
			void this.options.messenger.leaseEnd(check.ended, {leaseId, reason: check.ended.reason});
		} else if (check.kind === 'unknown') {
			// Without the secret this cannot be proven: the client ignores it, and finds out from the silence.
			void this.options.bus.sendMessage('proxy:leaseEnd', to, {leaseId, reason: 'unknown-lease'});
		}
	}
}
