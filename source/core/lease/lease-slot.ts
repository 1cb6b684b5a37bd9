import type {ExitFailure} from '../../tor/exit-registry.js';
import {v4 as uuidv4} from 'uuid';
import type {ClientProxy} from '../client-proxy.js';
import {ClosedError} from '../errors/closed-error.js';
import type {ProxyDownError} from '../errors/proxy-down-error.js';
import {RotateError} from '../errors/rotate-error.js';
import {LinkedLease, sendDestroy} from './linked-lease.js';
import type {ClientMessage, LeaseEndReason} from './messages.js';
import type {SlotReport} from './slot-events.js';
import {openLink} from './slot-proofs.js';
import {slotRequests, type SlotContext} from './slot-requests.js';
import {settleState, type SlotState} from './slot-state.js';

export type {SlotPhase, SlotState} from './slot-state.js';
export type {SlotContext} from './slot-requests.js';
export type {SlotEvents, SlotReport, UnprovenMessage} from './slot-events.js';

/** Where a slot's reports go: one function of its owner for all its slots (no emitter or listeners per slot). */
export type SlotReporter = (slot: LeaseSlot, ...report: SlotReport) => void;

const endedError = () => new RotateError('the lease ended');
const destroyedError = () => new ClosedError('the proxy was destroyed');

/**
 * One wanted proxy on the client side: asks for it, claims an offer, holds the lease (a
 * `LinkedLease`: heartbeats, rotations, the provider's proven messages), and (when `renew` is set)
 * leases again by itself when the lease ends. Every request repeats until answered, so a lost
 * message only delays it. The slot alone changes its phase.
 */
export class LeaseSlot {
	readonly id = uuidv4();
	private current: SlotState = {phase: 'idle'};

	constructor(private readonly context: SlotContext, readonly renew: boolean, private readonly reporter: SlotReporter) {}

	get state(): SlotState {
		return this.current;
	}

	/** The leased proxy, while linked. */
	get proxy(): ClientProxy | undefined {
		return this.linked()?.proxy;
	}

	start(): void {
		if (this.current.phase === 'idle') {
			this.request(Date.now());
		}
	}

	onSupply(from: string, data: ClientMessage<'proxy:supply'>): void {
		const state = this.current;
		if (state.phase !== 'requesting' || data.requestId !== state.requestId) {
			if (state.phase !== 'linking' || state.offerId !== data.offerId) {
				void this.context.bus.sendMessage('proxy:decline', from, {offerId: data.offerId});
			}

			return;
		}

		const {requestId, wantingSince} = state;
		const {offerId, offerTtlMs} = data;
		const claim = slotRequests.claim(this.context, from, requestId, offerId, offerTtlMs, this.context.keys.publicKey, () => {
			if (this.current === linking) {
				// The offer ran out unanswered: let it go, and ask again.
				void this.context.bus.sendMessage('proxy:decline', from, {offerId});
				this.request(wantingSince);
			}
		});
		const linking = {phase: 'linking', requestId, wantingSince, offerId, providerId: from, claim} as const;
		this.enter(linking);
	}

	onLink(from: string, data: ClientMessage<'proxy:link'>): void {
		const state = this.current;
		if (state.phase === 'linked' && state.lease.proxy.leaseId === data.lease.leaseId) {
			return;
		}

		const opened = openLink(this.context.keys, data);
		if (!opened) {
			this.report('unproven', {event: 'proxy:link', providerId: from, leaseId: data.lease.leaseId});
			return;
		}

		if (state.phase !== 'linking' || state.offerId !== data.offerId || state.providerId !== from) {
			// A lease we gave up on: hand it back at once rather than let it time out.
			sendDestroy(this.context, {providerId: from, leaseId: data.lease.leaseId, secret: opened.secret, counters: {sentN: 0, heardN: 0}});
			return;
		}

		state.claim.resolve();
		const lease: LinkedLease = new LinkedLease({
			context: this.context,
			report: (...report) => {
				this.report(...report);
			},
			providerId: from,
			lease: data.lease,
			opened,
			destroy: () => this.destroy(),
			lost: error => {
				this.lose(lease, error);
			},
			ended: reason => {
				this.end(lease, reason);
			},
		});
		this.enter({phase: 'linked', lease});
		this.report('linked', lease.proxy);
	}

	onDropLink(from: string, data: ClientMessage<'proxy:dropLink'>): void {
		const state = this.current;
		if (state.phase === 'linking' && state.offerId === data.offerId && state.providerId === from) {
			this.report('dropped', {providerId: from, offerId: data.offerId, reason: data.reason});
			this.request(state.wantingSince);
		}
	}

	onHeartbeat(from: string, data: ClientMessage<'proxy:heartbeat'>): void {
		this.linked()?.onHeartbeat(from, data);
	}

	onLeaseEnd(from: string, data: ClientMessage<'proxy:leaseEnd'>): void {
		this.linked()?.onLeaseEnd(from, data);
	}

	onUpdate(from: string, data: ClientMessage<'proxy:update'>): void {
		this.linked()?.onUpdate(from, data);
	}

	onRotate(from: string, data: ClientMessage<'proxy:rotate'>): void {
		this.linked()?.onRotate(from, data);
	}

	onDestroyed(from: string): void {
		const state = this.current;
		if (state.phase === 'closing' && state.providerId === from) {
			state.release.resolve();
		}
	}

	/** The bus went offline: heartbeat silence stops counting. */
	offline(): void {
		this.linked()?.offline();
	}

	/** The bus is back: heartbeat at once. */
	online(): void {
		this.linked()?.online();
	}

	/** Change the exit of the leased proxy; resolves when the provider verified the new one. */
	async rotate(failure?: ExitFailure): Promise<void> {
		const lease = this.linked();
		if (!lease) {
			throw new RotateError('the proxy is not leased any more');
		}

		return lease.rotate(failure);
	}

	/** Give the lease back (or stop asking for one). Resolves when the provider confirmed or the wait ran out. */
	destroy(): Promise<void> {
		const state = this.current;
		if (state.phase === 'closing') {
			return state.released;
		}

		if (state.phase === 'linking') {
			void this.context.bus.sendMessage('proxy:decline', state.providerId, {offerId: state.offerId});
		}

		if (state.phase !== 'linked') {
			this.close();
			return Promise.resolve();
		}

		const {lease} = state;
		lease.stop(destroyedError);
		const {proxy, providerId} = lease;
		let confirm!: () => void;
		const released = new Promise<void>(resolve => {
			confirm = resolve;
		});
		// Confirmed or unanswered (the lease then times out at the provider by itself): nothing more to do either way.
		const release = slotRequests.release(this.context, lease.held, () => {
			// Settled first: a user's listener that throws below must not leave destroy() and close() waiting.
			confirm();
			proxy.end('destroyed');
			this.close();
		});
		this.enter({phase: 'closing', proxy, providerId, release, released});
		return released;
	}

	/** The held lease, while linked. */
	private linked(): LinkedLease | undefined {
		return this.current.phase === 'linked' ? this.current.lease : undefined;
	}

	private request(wantingSince: number): void {
		const requestId = uuidv4();
		const asking = slotRequests.ask(this.context, requestId);
		this.enter({phase: 'requesting', requestId, wantingSince, asking});
	}

	/** The lease is over; lease again when renewing. */
	private end(lease: LinkedLease, reason: LeaseEndReason): void {
		if (this.linked() === lease) {
			lease.stop(endedError);
			lease.proxy.end(reason);
			this.report('ended', lease.proxy, reason);
			this.afterLoss();
		}
	}

	private lose(lease: LinkedLease, error: ProxyDownError): void {
		if (this.linked() === lease) {
			lease.stop(endedError);
			// Best effort: if the provider still holds the lease, it can free the proxy now.
			lease.sendDestroy();
			lease.proxy.down(error);
			this.report('down', error);
			this.afterLoss();
		}
	}

	private afterLoss(): void {
		if (this.renew) {
			this.request(Date.now());
		} else {
			this.close();
		}
	}

	/** Stop at once, without telling anyone (the lease is already given back or gone). */
	private close(): void {
		const state = this.current;
		if (state.phase === 'closed') {
			return;
		}

		if (state.phase === 'linked') {
			state.lease.proxy.end('closed');
		} else if (state.phase === 'closing') {
			state.proxy.end('closed');
		}

		this.enter({phase: 'closed'});
		this.report('closed');
	}

	/** Tell the owner. */
	private report(...report: SlotReport): void {
		this.reporter(this, ...report);
	}

	private enter(next: SlotState): void {
		const previous = this.current;
		settleState(previous, destroyedError);
		this.current = next;
		this.report('phase', next, previous);
	}
}
