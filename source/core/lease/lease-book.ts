import {v4 as uuidv4} from 'uuid';
import {mintLeaseSecrets, samePassword} from './lease-credentials.js';
import type {Lease, Offer} from './lease-records.js';
import type {LeaseEndReason} from './messages.js';

/** What is remembered of a lease after it ended: enough to prove how it ended, and to tell forgeries and replays. */
export type EndedLease = {
	readonly leaseId: string;
	readonly secret: string;
	readonly clientId: string;
	readonly at: number;
	readonly reason: LeaseEndReason;
	sentN: number;
	heardN: number;
};

/** What the holder check says of a message about a lease. */
export type HolderCheck = {kind: 'held'; lease: Lease} | {kind: 'ended'; ended: EndedLease} | {kind: 'unknown'} | {kind: 'forged'};

/** How long a finished lease is remembered: to tell forged repeats from the holder's, and to repeat how it ended. */
export const endedMemoryMs = 60_000;

/**
 * The provider's lease records (docs/protocol.md §5.3): who holds which proxy, until when, with which
 * secret; the leases that ended lately and why; and the holder check every heartbeat, destroy and
 * rotate goes through. Lease credentials belong here too.
 */
export class LeaseBook {
	readonly counters = {leases: 0, forged: 0};
	private readonly leases = new Map<string, Lease>();
	/** offerId → leaseId, to answer a repeated claim with the same lease. */
	private readonly byOffer = new Map<string, string>();
	/** proxyId → leaseId. */
	private readonly byProxy = new Map<string, string>();
	/** Front username → leaseId. */
	private readonly byUsername = new Map<string, string>();
	private readonly ended = new Map<string, EndedLease>();

	constructor(private readonly leaseTtlMs: number) {}

	get size(): number {
		return this.leases.size;
	}

	all(): Lease[] {
		return [...this.leases.values()];
	}

	get(leaseId: string): Lease | undefined {
		return this.leases.get(leaseId);
	}

	/** The lease on a proxy, if it is leased. */
	onProxy(proxyId: string): Lease | undefined {
		return this.lookUp(this.byProxy.get(proxyId));
	}

	/** The lease an offer became, while it is held. */
	fromOffer(offerId: string): Lease | undefined {
		return this.lookUp(this.byOffer.get(offerId));
	}

	isHeld(lease: Lease): boolean {
		return this.leases.get(lease.leaseId) === lease;
	}

	/**
	 * The held lease whose front credentials these are (compared in constant time), or undefined: a
	 * lease that ended lets nobody in any more.
	 */
	grant(username: string, password: string): Lease | undefined {
		const lease = this.lookUp(this.byUsername.get(username));
		return lease && samePassword(password, lease.credentials.password) ? lease : undefined;
	}

	/** A claimed offer becomes a lease, with a new id, secret and front credentials. */
	create(offer: Offer, now: number): Lease {
		const lease: Lease = {
			leaseId: uuidv4(),
			...mintLeaseSecrets(),
			clientId: offer.clientId,
			offerId: offer.offerId,
			requestId: offer.requestId,
			proxyId: offer.proxyId,
			createdAt: now,
			expiresAt: now + this.leaseTtlMs,
			lastHeartbeatAt: now,
			heartbeats: 0,
			sentN: 0,
			heardN: 0,
		};
		this.leases.set(lease.leaseId, lease);
		this.byOffer.set(lease.offerId, lease.leaseId);
		this.byProxy.set(lease.proxyId, lease.leaseId);
		this.byUsername.set(lease.credentials.username, lease.leaseId);
		this.counters.leases++;
		return lease;
	}

	/** End a lease and remember how (the record its end is told with); undefined if it was not held (ended already). */
	end(lease: Lease, reason: LeaseEndReason, now: number): EndedLease | undefined {
		if (!this.isHeld(lease)) {
			return undefined;
		}

		this.leases.delete(lease.leaseId);
		this.byOffer.delete(lease.offerId);
		this.byProxy.delete(lease.proxyId);
		this.byUsername.delete(lease.credentials.username);
		const ended: EndedLease = {leaseId: lease.leaseId, secret: lease.secret, clientId: lease.clientId, at: now, reason, sentN: lease.sentN, heardN: lease.heardN};
		this.ended.set(lease.leaseId, ended);
		return ended;
	}

	/**
	 * Whether `from` holds `leaseId`: the message's proof must check out with the lease's secret
	 * (`isProven`) and its count `n` must be higher than any accepted before. A message about a lease
	 * held or lately ended that fails either (a forgery, a replay, another client) is counted forged.
	 */
	check(from: string, leaseId: string, n: number, isProven: (secret: string) => boolean): HolderCheck {
		const lease = this.leases.get(leaseId);
		const ended = this.ended.get(leaseId);
		const known = lease ?? ended;
		if (!known) {
			return {kind: 'unknown'};
		}

		if (known.clientId !== from || n <= known.heardN || !isProven(known.secret)) {
			this.counters.forged++;
			return {kind: 'forged'};
		}

		known.heardN = n;
		if (lease) {
			return {kind: 'held', lease};
		}

		return ended ? {kind: 'ended', ended} : {kind: 'unknown'};
	}

	/** The holder was heard from (a heartbeat, or a repeated claim). */
	heard(lease: Lease, now: number): void {
		lease.lastHeartbeatAt = now;
	}

	/**
	 * Count every held lease as heard from now: after the provider's own bus was offline, when it
	 * could hear no heartbeat, that time is not held against the holders (docs/protocol.md §2.4).
	 */
	heardAll(now: number): void {
		for (const lease of this.leases.values()) {
			lease.lastHeartbeatAt = Math.max(lease.lastHeartbeatAt, now);
		}
	}

	/**
	 * The leases that are over at `now`, each with its reason: TTL first, then heartbeat timeout
	 * (only when `heartbeatTimeoutMs` is given: not while the provider cannot hear heartbeats).
	 */
	due(now: number, heartbeatTimeoutMs: number | undefined): Array<{lease: Lease; reason: 'ttl' | 'heartbeat-timeout'}> {
		const due: Array<{lease: Lease; reason: 'ttl' | 'heartbeat-timeout'}> = [];
		for (const lease of this.leases.values()) {
			if (lease.expiresAt <= now) {
				due.push({lease, reason: 'ttl'});
			} else if (heartbeatTimeoutMs !== undefined && now - lease.lastHeartbeatAt > heartbeatTimeoutMs) {
				due.push({lease, reason: 'heartbeat-timeout'});
			}
		}

		return due;
	}

	/** Forget leases that ended more than `endedMemoryMs` ago. */
	forgetEnded(now: number): void {
		for (const [leaseId, ended] of this.ended) {
			if (now - ended.at > endedMemoryMs) {
				this.ended.delete(leaseId);
			}
		}
	}

	/** Forget the ended leases (the provider stops). */
	clearEnded(): void {
		this.ended.clear();
	}

	private lookUp(leaseId: string | undefined): Lease | undefined {
		return leaseId === undefined ? undefined : this.leases.get(leaseId);
	}
}
