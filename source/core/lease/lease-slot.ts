import {EventEmitter} from 'node:events';
import type {ExitFailure} from '../../tor/exit-registry.js';
import {v4 as uuidv4} from 'uuid';
import {ClientProxy} from '../client-proxy.js';
import type {ProxyDrop} from '../client-events.js';
import {ClosedError} from '../errors/closed-error.js';
import {ProxyDownError} from '../errors/proxy-down-error.js';
import {RotateError} from '../errors/rotate-error.js';
import {providerProofFields, type ProviderProvenEvent} from './lease-proof.js';
import type {ClientMessage, LeaseEndReason} from './messages.js';
import {newSealKeyPair} from './seal.js';
import {SlotHeartbeats} from './slot-heartbeats.js';
import {acceptProven, openLink} from './slot-proofs.js';
import {clientProof, slotRequests, type Held, type SlotContext} from './slot-requests.js';
import {settleState, type SlotState} from './slot-state.js';

export type {SlotPhase, SlotState} from './slot-state.js';
export type {SlotContext} from './slot-requests.js';

type Linked = Extract<SlotState, {phase: 'linked'}>;

/** What a slot reports. `phase` carries every transition, so its client can keep its routing maps. */
export type SlotEvents = {
	phase: [next: SlotState, previous: SlotState];
	linked: [ClientProxy];
	ended: [ClientProxy, LeaseEndReason];
	down: [ProxyDownError];
	dropped: [ProxyDrop];
	/** The proxy changed in place (a provider's update, or an exit caught up from a heartbeat answer). */
	updated: [ClientProxy];
	rotated: [ClientProxy, previousExitIp: string | undefined];
	/** A provider's message about this slot's lease that did not prove the lease's secret (forged, replayed, or a link answer that does not open): ignored. */
	unproven: [UnprovenMessage];
	closed: [];
};

/** What is reported of a message ignored for want of proof. */
export type UnprovenMessage = {readonly event: string; readonly providerId: string; readonly leaseId: string};

/**
 * One wanted proxy on the client side: asks for it, claims an offer, keeps the lease alive, and
 * (when `renew` is set) leases again by itself when the lease ends. Every request repeats until
 * answered, so a lost message only delays it.
 */
export class LeaseSlot extends EventEmitter<SlotEvents> {
	readonly id = uuidv4();
	/** The key this slot's claims carry: its leases' secrets and credentials are sealed to it. Never leaves memory. */
	private readonly keys = newSealKeyPair();
	private current: SlotState = {phase: 'idle'};

	constructor(private readonly context: SlotContext, readonly renew: boolean) {
		super();
	}

	get state(): SlotState {
		return this.current;
	}

	/** The leased proxy, while linked. */
	get proxy(): ClientProxy | undefined {
		return this.current.phase === 'linked' ? this.current.proxy : undefined;
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
		const claim = slotRequests.claim(this.context, from, requestId, offerId, offerTtlMs, this.keys.publicKey);
		const linking = {phase: 'linking', requestId, wantingSince, offerId, providerId: from, claim} as const;
		claim.done.catch(() => {
			if (this.current === linking) {
				// The offer ran out unanswered: let it go, and ask again.
				void this.context.bus.sendMessage('proxy:decline', from, {offerId});
				this.request(wantingSince);
			}
		});
		this.enter(linking);
	}

	onLink(from: string, data: ClientMessage<'proxy:link'>): void {
		const state = this.current;
		if (state.phase === 'linked' && state.proxy.leaseId === data.lease.leaseId) {
			return;
		}

		const opened = openLink(this.keys, data);
		if (!opened) {
			this.emit('unproven', {event: 'proxy:link', providerId: from, leaseId: data.lease.leaseId});
			return;
		}

		const {secret, username, password} = opened;
		const counters = {sentN: 0, heardN: 0};
		if (state.phase !== 'linking' || state.offerId !== data.offerId || state.providerId !== from) {
			// A lease we gave up on: hand it back at once rather than let it time out.
			this.sendDestroy({providerId: from, leaseId: data.lease.leaseId, secret, counters});
			return;
		}

		state.claim.resolve();
		const {lease} = data;
		const proxy = new ClientProxy(lease, from, {
			destroy: async () => this.destroy(),
			rotate: async failure => this.rotate(failure),
		}, {username, password});
		const heartbeats = new SlotHeartbeats({
			lease,
			send: seq => void this.context.bus.sendMessage('proxy:heartbeat', from, {
				leaseId: lease.leaseId,
				seq,
				...clientProof(this.context, {providerId: from, leaseId: lease.leaseId, secret, counters}, 'proxy:heartbeat', [seq]),
			}),
			expiresAt: () => proxy.expiresAt,
			onSilent: () => {
				this.lose(new ProxyDownError(proxy, 'no heartbeat answer from its provider'));
			},
			onExpired: () => {
				// The provider's lease-end message was lost.
				this.end('ttl');
			},
			offline: this.context.offline(),
		});
		this.enter({phase: 'linked', proxy, providerId: from, secret, counters, heartbeats, rotation: undefined});
		this.emit('linked', proxy);
	}

	onDropLink(from: string, data: ClientMessage<'proxy:dropLink'>): void {
		const state = this.current;
		if (state.phase === 'linking' && state.offerId === data.offerId && state.providerId === from) {
			this.emit('dropped', {providerId: from, offerId: data.offerId, reason: data.reason});
			this.request(state.wantingSince);
		}
	}

	onHeartbeat(from: string, data: ClientMessage<'proxy:heartbeat'>): void {
		const state = this.provenFrom(from, 'proxy:heartbeat', data, providerProofFields['proxy:heartbeat'](data));
		if (state) {
			state.heartbeats.heard();
			// While rotating, the rotation's answer says what the exit is.
			if (state.proxy.heard(data.expiresInMs, state.rotation ? undefined : data.exitIp)) {
				this.emit('updated', state.proxy);
			}
		}
	}

	onLeaseEnd(from: string, data: ClientMessage<'proxy:leaseEnd'>): void {
		const state = this.provenFrom(from, 'proxy:leaseEnd', data, providerProofFields['proxy:leaseEnd'](data));
		if (state && data.reason === 'proxy-down') {
			this.lose(new ProxyDownError(state.proxy, 'its provider reported it down'));
		} else if (state) {
			this.end(data.reason);
		}
	}

	onUpdate(from: string, data: ClientMessage<'proxy:update'>): void {
		const state = data.lease.leaseId === data.leaseId ? this.provenFrom(from, 'proxy:update', data, providerProofFields['proxy:update'](data)) : undefined;
		if (state) {
			state.proxy.applyLease(data.lease, 'update');
			this.emit('updated', state.proxy);
		}
	}

	onRotate(from: string, data: ClientMessage<'proxy:rotate'>): void {
		const state = data.ok && data.lease.leaseId !== data.leaseId ? undefined : this.provenFrom(from, 'proxy:rotate', data, providerProofFields['proxy:rotate'](data));
		if (!state) {
			return;
		}

		const {proxy, rotation} = state;
		if (rotation?.rotateId !== data.rotateId) {
			if (data.ok && data.lease.exitIp !== proxy.exitIp) {
				// The answer to a rotation we stopped waiting for: the exit did change.
				proxy.applyLease(data.lease, 'update');
				this.emit('updated', proxy);
			}

			return;
		}

		if (!data.ok) {
			rotation.request.reject(new RotateError(`rotation refused: ${data.reason}`));
			return;
		}

		const previous = data.previousExitIp ?? proxy.exitIp;
		proxy.applyLease(data.lease, 'rotated', previous);
		this.emit('rotated', proxy, previous);
		rotation.request.resolve();
	}

	onDestroyed(from: string): void {
		const state = this.current;
		if (state.phase === 'closing' && state.providerId === from) {
			state.release.resolve();
		}
	}

	/** The bus went offline: heartbeat silence stops counting. */
	offline(): void {
		if (this.current.phase === 'linked') {
			this.current.heartbeats.offline();
		}
	}

	/** The bus is back: heartbeat at once. */
	online(): void {
		if (this.current.phase === 'linked') {
			this.current.heartbeats.online();
		}
	}

	/** Change the exit of the leased proxy; resolves when the provider verified the new one. */
	async rotate(failure?: ExitFailure): Promise<void> {
		const state = this.current;
		if (state.phase !== 'linked') {
			throw new RotateError('the proxy is not leased any more');
		}

		if (state.rotation) {
			throw new RotateError('a rotation of this proxy is already in progress');
		}

		const rotateId = uuidv4();
		const request = slotRequests.rotate(this.context, this.held(state), rotateId, () => {
			if (state.rotation?.rotateId === rotateId) {
				state.rotation = undefined;
			}
		}, failure);
		state.rotation = {rotateId, request};
		return request.done;
	}

	/** Give the lease back (or stop asking for one). Resolves when the provider confirmed or the wait ran out. */
	async destroy(): Promise<void> {
		const state = this.current;
		if (state.phase === 'closing') {
			return state.released;
		}

		if (state.phase === 'linking') {
			void this.context.bus.sendMessage('proxy:decline', state.providerId, {offerId: state.offerId});
		}

		if (state.phase !== 'linked') {
			this.close();
			return;
		}

		state.rotation?.request.reject(new ClosedError('the proxy was destroyed'));
		const {proxy, providerId} = state;
		const release = slotRequests.release(this.context, this.held(state));
		// Unanswered, the lease times out at the provider by itself: nothing more to do either way.
		const released = release.done.catch(() => undefined).then(() => {
			proxy.end('destroyed');
			this.close();
		});
		this.enter({phase: 'closing', proxy, providerId, release, released});
		return released;
	}

	private held({providerId, proxy, secret, counters}: Linked): Held {
		return {providerId, leaseId: proxy.leaseId, secret, counters};
	}

	/** One `proxy:destroy`, not repeated (best effort: unanswered, the lease times out at the provider). */
	private sendDestroy(held: Held): void {
		void this.context.bus.sendMessage('proxy:destroy', held.providerId, {leaseId: held.leaseId, ...clientProof(this.context, held, 'proxy:destroy', [])});
	}

	/**
	 * The linked state, when a message from `from` about `leaseId` concerns it and proves the lease's
	 * secret with a new count; a message about it that does not is ignored and reported.
	 */
	private provenFrom(from: string, event: ProviderProvenEvent, data: {leaseId: string; n?: number; proof?: string}, own: Parameters<typeof acceptProven>[2]): Linked | undefined {
		const state = this.current;
		if (state.phase !== 'linked' || state.providerId !== from || state.proxy.leaseId !== data.leaseId) {
			return undefined;
		}

		if (!acceptProven({event, from, to: this.context.bus.id, secret: state.secret, counters: state.counters}, data, own)) {
			this.emit('unproven', {event, providerId: from, leaseId: data.leaseId});
			return undefined;
		}

		return state;
	}

	private request(wantingSince: number): void {
		const requestId = uuidv4();
		const asking = slotRequests.ask(this.context, requestId);
		this.enter({phase: 'requesting', requestId, wantingSince, asking});
	}

	/** The lease is over; lease again when renewing. */
	private end(reason: LeaseEndReason): void {
		const state = this.current;
		if (state.phase === 'linked') {
			settleState(state, () => new RotateError('the lease ended'));
			state.proxy.end(reason);
			this.emit('ended', state.proxy, reason);
			this.afterLoss();
		}
	}

	private lose(error: ProxyDownError): void {
		const state = this.current;
		if (state.phase === 'linked') {
			settleState(state, () => new RotateError('the lease ended'));
			// Best effort: if the provider still holds the lease, it can free the proxy now.
			this.sendDestroy(this.held(state));
			state.proxy.down(error);
			this.emit('down', error);
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

		if (state.phase === 'linked' || state.phase === 'closing') {
			state.proxy.end('closed');
		}

		this.enter({phase: 'closed'});
		this.emit('closed');
	}

	private enter(next: SlotState): void {
		const previous = this.current;
		settleState(previous, () => new ClosedError('the proxy was destroyed'));
		this.current = next;
		this.emit('phase', next, previous);
	}
}
