import type {EventEmitter} from 'node:events';
import {v4 as uuidv4} from 'uuid';
import type {Bus} from '../bus/bus.js';
import type {ProviderEvents} from '../provider-events.js';
import type {Offer, ProxySlot} from './lease-records.js';
import type {ClientInbound, ProviderInbound} from './messages.js';
import type {ProviderTimings} from './timings.js';
import {WaitingList} from './waiting-list.js';

export type OfferDeskOptions = {
	bus: Bus<ProviderInbound, ClientInbound>;
	timings: ProviderTimings;
	events: EventEmitter<ProviderEvents>;
	/** The provider's proxies, shared with the lease server. */
	slots: ReadonlyMap<string, ProxySlot>;
};

/**
 * The provider's offers: a free proxy is reserved for one asking client at a time (no thundering
 * herd), unclaimed offers expire, and clients that asked when nothing was free wait in a bounded
 * FIFO list and get the next proxy that frees up.
 */
export class OfferDesk {
	readonly counters = {offers: 0, waitingRefused: 0};
	/** Off while the provider is not serving: freed proxies are then not offered to waiting clients. */
	serving = false;
	private readonly offers = new Map<string, Offer>();
	private readonly byRequest = new Map<string, string>();
	private readonly waiting: WaitingList;

	constructor(private readonly options: OfferDeskOptions) {
		this.waiting = new WaitingList(options.timings.waitingTtlMs);
	}

	get waitingCount(): number {
		return this.waiting.size;
	}

	get(offerId: string): Offer | undefined {
		return this.offers.get(offerId);
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

		const slot = this.freeSlot();
		if (slot) {
			this.offer(slot, clientId, requestId, now);
		} else if (!this.waiting.add(clientId, requestId, now)) {
			this.counters.waitingRefused++;
		}
	}

	/** The offer was claimed and becomes a lease: it leaves the desk (its slot is the caller's now). */
	take(offer: Offer): void {
		this.offers.delete(offer.offerId);
		this.byRequest.delete(key(offer.clientId, offer.requestId));
	}

	/** Take an offer back; its proxy is free again. */
	withdraw(offer: Offer): void {
		this.take(offer);
		const slot = this.options.slots.get(offer.proxyId);
		if (slot?.offerId === offer.offerId) {
			slot.offerId = undefined;
			if (slot.state === 'offered') {
				slot.state = 'free';
			}
		}
	}

	/** Offer free proxies to the clients that have been waiting longest. */
	serveWaiting(): void {
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

	/** Withdraw expired offers and forget clients that stopped asking; freed proxies go to waiting clients. */
	expire(now: number): void {
		let freed = false;
		for (const offer of this.offers.values()) {
			if (offer.expiresAt <= now) {
				this.withdraw(offer);
				freed = true;
			}
		}

		this.waiting.prune(now);
		if (freed) {
			this.serveWaiting();
		}
	}

	/** Withdraw every offer, telling each client; forget the waiting list. Resolves with the number withdrawn. */
	async close(reason: string): Promise<number> {
		this.serving = false;
		const offers = [...this.offers.values()];
		for (const offer of offers) {
			this.withdraw(offer);
		}

		this.waiting.clear();
		await Promise.all(offers.map(async offer => this.options.bus.sendMessage('proxy:dropLink', offer.clientId, {requestId: offer.requestId, offerId: offer.offerId, reason})));
		return offers.length;
	}

	private freeSlot(): ProxySlot | undefined {
		for (const slot of this.options.slots.values()) {
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
