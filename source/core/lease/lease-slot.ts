import {EventEmitter} from 'node:events';
import {v4 as uuidv4} from 'uuid';
import {ClientProxy} from '../client-proxy.js';
import type {ProxyDrop} from '../client-events.js';
import {ClosedError} from '../errors/closed-error.js';
import {ProxyDownError} from '../errors/proxy-down-error.js';
import {RotateError} from '../errors/rotate-error.js';
import type {ClientMessage, LeaseEndReason} from './messages.js';
import {SlotHeartbeats} from './slot-heartbeats.js';
import {slotRequests, type SlotContext} from './slot-requests.js';
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
	closed: [];
};

/**
 * One wanted proxy on the client side: asks for it, claims an offer, keeps the lease alive, and
 * (when `renew` is set) leases again by itself when the lease ends. Every request repeats until
 * answered, so a lost message only delays it.
 */
export class LeaseSlot extends EventEmitter<SlotEvents> {
	readonly id = uuidv4();
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
		const claim = slotRequests.claim(this.context, from, requestId, offerId, offerTtlMs);
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

		if (state.phase !== 'linking' || state.offerId !== data.offerId || state.providerId !== from) {
			// A lease we gave up on: hand it back at once rather than let it time out.
			void this.context.bus.sendMessage('proxy:destroy', from, {leaseId: data.lease.leaseId, secret: data.secret});
			return;
		}

		state.claim.resolve();
		const {lease, secret} = data;
		const proxy = new ClientProxy(lease, from, {
			destroy: async () => this.destroy(),
			rotate: async () => this.rotate(),
		});
		const heartbeats = new SlotHeartbeats({
			lease,
			send: seq => void this.context.bus.sendMessage('proxy:heartbeat', from, {leaseId: lease.leaseId, secret, seq}),
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
		this.enter({phase: 'linked', proxy, providerId: from, secret, heartbeats, rotation: undefined});
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
		const state = this.linkedFrom(from, data.leaseId);
		if (state) {
			state.heartbeats.heard();
			// While rotating, the rotation's answer says what the exit is.
			if (state.proxy.heard(data.expiresInMs, state.rotation ? undefined : data.exitIp)) {
				this.emit('updated', state.proxy);
			}
		}
	}

	onLeaseEnd(from: string, data: ClientMessage<'proxy:leaseEnd'>): void {
		const state = this.linkedFrom(from, data.leaseId);
		if (state && data.reason === 'proxy-down') {
			this.lose(new ProxyDownError(state.proxy, 'its provider reported it down'));
		} else if (state) {
			this.end(data.reason);
		}
	}

	onUpdate(from: string, data: ClientMessage<'proxy:update'>): void {
		const state = this.linkedFrom(from, data.lease.leaseId);
		if (state) {
			state.proxy.applyLease(data.lease, 'update');
			this.emit('updated', state.proxy);
		}
	}

	onRotate(from: string, data: ClientMessage<'proxy:rotate'>): void {
		const state = this.linkedFrom(from, data.leaseId);
		if (!state || (data.ok && data.lease.leaseId !== data.leaseId)) {
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
	async rotate(): Promise<void> {
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
		});
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

	private held({providerId, proxy, secret}: Linked): {providerId: string; leaseId: string; secret: string} {
		return {providerId, leaseId: proxy.leaseId, secret};
	}

	/** The linked state, when a message from `from` about `leaseId` concerns it. */
	private linkedFrom(from: string, leaseId: string): Linked | undefined {
		const state = this.current;
		return state.phase === 'linked' && state.providerId === from && state.proxy.leaseId === leaseId ? state : undefined;
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
			void this.context.bus.sendMessage('proxy:destroy', state.providerId, {leaseId: state.proxy.leaseId, secret: state.secret});
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
