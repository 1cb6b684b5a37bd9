import type {EventEmitter} from 'node:events';
import {v4 as uuidv4} from 'uuid';
import type {Bus} from '../bus/bus.js';
import type {ProviderEvents} from '../provider-events.js';
import type {ProxySlot, ProxySlots} from './proxy-slots.js';
import type {Offer} from './lease-records.js';
import type {ClientInbound, ProviderInbound} from './messages.js';
import type {ProviderTimings} from './timings.js';
import {WaitingList, type WaitingRequest} from './waiting-list.js';
import {Claimants} from './claimants.js';

/** Offers to clients that never claimed, outstanding at once: forged requests cannot reserve more. */
const unprovenOfferLimit = 1;

export type OfferDeskOptions = {
	bus: Bus<ProviderInbound, ClientInbound>;
	timings: ProviderTimings;
	events: EventEmitter<ProviderEvents>;
	/** The provider's proxies: the desk moves them between free and offered. */
	slots: ProxySlots;
};

/**
 * The provider's offers: a free proxy is reserved for one asking client at a time (no thundering
 * herd), unclaimed offers expire, and clients that asked when nothing was free wait in a bounded
 * FIFO list and get the next proxy that frees up (`serveWaiting`, called on the slots' `free` event).
 *
 * Requests cost nothing to forge, so clients that have claimed an offer here (proven) come first:
 * they are served from the waiting list before the others, clients that never claimed hold at most
 * `unprovenOfferLimit` offers at once (one each), and such an offer is taken back at once
 * (`proxy:dropLink`, reason `offer-withdrawn`) when a proven client waits and no proxy is free.
 */
export class OfferDesk {
	readonly counters = {offers: 0, waitingRefused: 0, offersWithdrawn: 0};
	private readonly claimants = new Claimants();
	private readonly offers = new Map<string, Offer>();
	private readonly byRequest = new Map<string, string>();
	private readonly waiting: WaitingList;

	constructor(private readonly options: OfferDeskOptions) {
		this.waiting = new WaitingList(options.timings.waitingTtlMs);
	}

	get waitingCount(): number {
		return this.waiting.size;
	}

	/** Offers not yet claimed, declined or expired. */
	get openCount(): number {
		return this.offers.size;
	}

	get(offerId: string): Offer | undefined {
		return this.offers.get(offerId);
	}

	/** The offer that reserves a proxy, if one does. */
	onProxy(proxyId: string): Offer | undefined {
		for (const offer of this.offers.values()) {
			if (offer.proxyId === proxyId) {
				return offer;
			}
		}

		return undefined;
	}

	/** A client asks: offer it a free proxy, repeat an offer it already has, or put it on the waiting list. */
	request(clientId: string, requestId: string, now: number): void {
		const existing = this.byRequest.get(key(clientId, requestId));
		const offer = existing ? this.offers.get(existing) : undefined;
		if (offer) {
			// The supply was probably lost: say it again, without reserving a second proxy.
			this.sendSupply(offer, now);
			return;
		}

		const proven = this.claimants.has(clientId);
		const slot = proven || this.mayOfferUnproven(clientId) ? this.options.slots.firstFree() : undefined;
		// A proxy whose exit another proxy of the cluster holds too is offered only to a request heard
		// before (its repeat): the first time, providers with an exit of their own answer alone.
		if (slot && (!slot.endpoint.sharedExit || this.waiting.has(clientId, requestId))) {
			this.offer(slot, clientId, requestId, now);
			return;
		}

		if (!this.waiting.add(clientId, requestId, now)) {
			this.counters.waitingRefused++;
		} else if (proven) {
			this.withdrawForProven(now);
		}
	}

	/**
	 * The offer was claimed: it leaves the desk, and its proxy becomes leased. The client is proven
	 * now, so its other requests that waited in the unproven lane are served at once (a new client
	 * asking for several proxies gets them in a round trip each, not at its next request repeat).
	 */
	take(offer: Offer): void {
		this.claimants.claimed(offer.clientId, Date.now());
		this.forget(offer);
		this.options.slots.move(offer.proxyId, 'leased');
		this.serveWaiting();
	}

	/** Take an offer back; its proxy is free again (unless it went down meanwhile). */
	withdraw(offer: Offer): void {
		this.forget(offer);
		if (this.options.slots.get(offer.proxyId)?.state === 'offered') {
			this.options.slots.move(offer.proxyId, 'free');
		}
	}

	/** Offer free proxies to the clients that have been waiting longest. */
	serveWaiting(): void {
		const {slots} = this.options;
		const now = Date.now();
		const rank = (entry: WaitingRequest): number | undefined => {
			if (this.claimants.has(entry.clientId)) {
				return 0;
			}

			return this.mayOfferUnproven(entry.clientId) ? 1 : undefined;
		};

		for (let slot = slots.firstFree(); slot && this.waiting.size > 0; slot = slots.firstFree()) {
			const next = this.waiting.shift(now, rank);
			if (!next) {
				return;
			}

			this.offer(slot, next.clientId, next.requestId, now);
		}
	}

	/** Withdraw expired offers (their proxies are free again) and forget clients that stopped asking. */
	expire(now: number): void {
		const expired = [...this.offers.values()].filter(offer => offer.expiresAt <= now);
		for (const offer of expired) {
			this.withdraw(offer);
		}

		this.waiting.prune(now);
		this.withdrawForProven(now);
	}

	/** Withdraw every offer, telling each client; forget the waiting list. Resolves with the number withdrawn. */
	async close(reason: string): Promise<number> {
		const offers = [...this.offers.values()];
		this.waiting.clear();
		for (const offer of offers) {
			this.withdraw(offer);
		}

		await Promise.all(offers.map(async offer => this.options.bus.sendMessage('proxy:dropLink', offer.clientId, {requestId: offer.requestId, offerId: offer.offerId, reason})));
		return offers.length;
	}

	/** Whether a client that never claimed may get an offer now: room in the lane, and none outstanding to it. */
	private mayOfferUnproven(clientId: string): boolean {
		let outstanding = 0;
		for (const offer of this.offers.values()) {
			if (offer.clientId === clientId) {
				return false;
			}

			if (!this.claimants.has(offer.clientId)) {
				outstanding++;
			}
		}

		return outstanding < unprovenOfferLimit;
	}

	/**
	 * While a proven client waits and no proxy is free, take back the offers to clients that never
	 * claimed; each freed proxy goes to the waiting list (proven first).
	 */
	private withdrawForProven(now: number): void {
		const provenWaiting = (): boolean => this.waiting.some(now, entry => this.claimants.has(entry.clientId));
		for (const offer of [...this.offers.values()]) {
			if (this.options.slots.firstFree() !== undefined || !provenWaiting()) {
				break;
			}

			if (!this.claimants.has(offer.clientId)) {
				this.counters.offersWithdrawn++;
				this.withdraw(offer);
				void this.options.bus.sendMessage('proxy:dropLink', offer.clientId, {requestId: offer.requestId, offerId: offer.offerId, reason: 'offer-withdrawn'});
				this.serveWaiting();
			}
		}
	}

	private forget(offer: Offer): void {
		this.offers.delete(offer.offerId);
		this.byRequest.delete(key(offer.clientId, offer.requestId));
	}

	private offer(slot: ProxySlot, clientId: string, requestId: string, now: number): void {
		const offer: Offer = {offerId: uuidv4(), clientId, requestId, proxyId: slot.endpoint.id, expiresAt: now + this.options.timings.offerTtlMs};
		this.options.slots.move(offer.proxyId, 'offered');
		this.offers.set(offer.offerId, offer);
		this.byRequest.set(key(clientId, requestId), offer.offerId);
		this.waiting.remove(clientId, requestId);
		this.counters.offers++;
		this.sendSupply(offer, now);
		this.options.events.emit('offered', {offerId: offer.offerId, clientId, proxyId: offer.proxyId});
	}

	private sendSupply(offer: Offer, now: number): void {
		void this.options.bus.sendMessage('proxy:supply', offer.clientId, {requestId: offer.requestId, offerId: offer.offerId, offerTtlMs: Math.max(0, offer.expiresAt - now)});
	}
}

function key(clientId: string, requestId: string): string {
	return `${clientId}/${requestId}`;
}
