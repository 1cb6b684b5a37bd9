import {v4 as uuidv4} from 'uuid';
import type {Bus} from '../bus/bus.js';
import {ClientProxy} from '../client-proxy.js';
import {ClosedError} from '../errors/closed-error.js';
import {ProxyDownError} from '../errors/proxy-down-error.js';
import {RotateError} from '../errors/rotate-error.js';
import type {ClientInbound, ClientMessage, LeaseEndReason, ProviderInbound} from './messages.js';
import {PendingRotation} from './pending-rotation.js';
import type {ClientTimings} from './timings.js';

export type SlotPhase = 'requesting' | 'linking' | 'linked' | 'closing' | 'closed';

/** What a slot reports to its client. */
export type SlotHost = {
	readonly bus: Bus<ClientInbound, ProviderInbound>;
	readonly timings: ClientTimings;
	indexRequest(slot: LeaseSlot, requestId: string | undefined, previous: string | undefined): void;
	indexLease(slot: LeaseSlot, leaseId: string | undefined, previous: string | undefined): void;
	linked(slot: LeaseSlot, proxy: ClientProxy): void;
	ended(slot: LeaseSlot, proxy: ClientProxy, reason: LeaseEndReason): void;
	down(slot: LeaseSlot, error: ProxyDownError): void;
	dropped(slot: LeaseSlot, drop: {providerId: string; offerId: string; reason: string}): void;
	updated(slot: LeaseSlot, proxy: ClientProxy, previousExitIp: string | undefined, rotated: boolean): void;
	closed(slot: LeaseSlot): void;
};

type Linking = {offerId: string; providerId: string; deadline: number};
type Linked = {proxy: ClientProxy; secret: string; providerId: string; seq: number};

/**
 * One wanted proxy on the client side: asks for it, claims an offer, keeps the lease alive, and
 * (when `renew` is set) leases again by itself when the lease ends. Every step repeats on a timer
 * until answered, so a lost message only delays it.
 */
export class LeaseSlot {
	readonly id = uuidv4();
	phase: SlotPhase = 'requesting';
	/** Since when this slot has had no proxy. */
	wantingSince = Date.now();
	requestId: string | undefined;
	private linking: Linking | undefined;
	private linked: Linked | undefined;
	private rotation: PendingRotation | undefined;
	private timer: NodeJS.Timeout | undefined;
	private destroying: Promise<void> | undefined;

	constructor(
		private readonly host: SlotHost,
		readonly renew: boolean,
	) {}

	get proxy(): ClientProxy | undefined {
		return this.linked?.proxy;
	}

	get providerId(): string | undefined {
		return this.linked?.providerId ?? this.linking?.providerId;
	}

	start(): void {
		this.request();
	}

	onSupply(from: string, data: ClientMessage<'proxy:supply'>): void {
		if (this.phase !== 'requesting' || data.requestId !== this.requestId) {
			if (this.linking?.offerId !== data.offerId) {
				void this.host.bus.sendMessage('proxy:decline', from, {offerId: data.offerId});
			}

			return;
		}

		const {linkRetryMs} = this.host.timings;
		this.phase = 'linking';
		this.linking = {offerId: data.offerId, providerId: from, deadline: Date.now() + data.offerTtlMs};
		this.sendLink();
		this.every(linkRetryMs, () => {
			if (Date.now() >= this.linking!.deadline) {
				void this.host.bus.sendMessage('proxy:decline', this.linking!.providerId, {offerId: this.linking!.offerId});
				this.request();
			} else {
				this.sendLink();
			}
		});
	}

	onLink(from: string, data: ClientMessage<'proxy:link'>): void {
		if (this.phase === 'linked' && this.linked?.proxy.leaseId === data.lease.leaseId) {
			return;
		}

		if (this.phase !== 'linking' || this.linking?.offerId !== data.offerId || this.linking.providerId !== from) {
			// A lease we gave up on: hand it back at once rather than let it time out.
			void this.host.bus.sendMessage('proxy:destroy', from, {leaseId: data.lease.leaseId, secret: data.secret});
			return;
		}

		this.linking = undefined;
		this.setRequest(undefined);
		const proxy = new ClientProxy(data.lease, from, {
			destroy: async () => this.destroy(),
			rotate: async () => this.rotate(),
		});
		this.linked = {proxy, secret: data.secret, providerId: from, seq: 0};
		this.phase = 'linked';
		this.host.indexLease(this, data.lease.leaseId, undefined);
		const {heartbeatIntervalMs, heartbeatTimeoutMs} = data.lease;
		this.every(Math.max(10, heartbeatIntervalMs), () => {
			const now = Date.now();
			if (now - proxy.lastHeartbeatAt > heartbeatTimeoutMs) {
				this.lose(new ProxyDownError(proxy, 'no heartbeat answer from its provider'));
			} else if (now > proxy.expiresAt + heartbeatTimeoutMs) {
				// The provider's lease-end message was lost.
				this.end('ttl');
			} else {
				this.sendHeartbeat();
			}
		});
		this.host.linked(this, proxy);
	}

	onDropLink(from: string, data: ClientMessage<'proxy:dropLink'>): void {
		if (this.phase === 'linking' && this.linking?.offerId === data.offerId && this.linking.providerId === from) {
			this.host.dropped(this, {providerId: from, offerId: data.offerId, reason: data.reason});
			this.request();
		}
	}

	onHeartbeat(from: string, data: ClientMessage<'proxy:heartbeat'>): void {
		const proxy = this.linked?.proxy;
		if (proxy && this.linked?.providerId === from && data.leaseId === proxy.leaseId) {
			proxy.lastHeartbeatAt = Date.now();
			proxy.expiresAt = Date.now() + data.expiresInMs;
			if (data.exitIp !== undefined && data.exitIp !== proxy.exitIp && !this.rotation) {
				// A proxy:update was lost; the answer carries the current exit.
				const previous = proxy.exitIp;
				proxy.updateExitIp(data.exitIp);
				proxy.emit('update', proxy);
				this.host.updated(this, proxy, previous, false);
			}
		}
	}

	onLeaseEnd(from: string, data: ClientMessage<'proxy:leaseEnd'>): void {
		if (this.linked?.providerId !== from || this.phase !== 'linked') {
			return;
		}

		if (data.reason === 'proxy-down') {
			this.lose(new ProxyDownError(this.linked.proxy, 'its provider reported it down'));
		} else {
			this.end(data.reason);
		}
	}

	onUpdate(from: string, data: ClientMessage<'proxy:update'>): void {
		const proxy = this.linked?.proxy;
		if (!proxy || this.linked?.providerId !== from || data.lease.leaseId !== proxy.leaseId) {
			return;
		}

		const previous = proxy.exitIp;
		proxy.updateLease(data.lease);
		proxy.emit('update', proxy);
		this.host.updated(this, proxy, previous, false);
	}

	onRotate(from: string, data: ClientMessage<'proxy:rotate'>): void {
		const rotation = this.rotation;
		const proxy = this.linked?.proxy;
		if (!proxy || this.linked?.providerId !== from || data.leaseId !== proxy.leaseId || (data.ok && data.lease.leaseId !== proxy.leaseId)) {
			return;
		}

		if (rotation?.rotateId !== data.rotateId) {
			if (data.ok && data.lease.exitIp !== proxy.exitIp) {
				// The answer to a rotation we stopped waiting for: the exit did change.
				const previous = proxy.exitIp;
				proxy.updateLease(data.lease);
				proxy.emit('update', proxy);
				this.host.updated(this, proxy, previous, false);
			}

			return;
		}

		this.rotation = undefined;
		if (!data.ok) {
			rotation.reject(new RotateError(`rotation refused: ${data.reason}`));
			return;
		}

		const previous = proxy.exitIp;
		proxy.updateLease(data.lease);
		proxy.emit('rotated', proxy, data.previousExitIp ?? previous);
		this.host.updated(this, proxy, data.previousExitIp ?? previous, true);
		rotation.resolve();
	}

	onDestroyed(from: string): void {
		if (from === this.providerId) {
			this.destroyed?.();
		}
	}

	/** Change the exit of the leased proxy; resolves when the provider verified the new one. */
	async rotate(): Promise<void> {
		const linked = this.linked;
		if (this.phase !== 'linked' || !linked) {
			throw new RotateError('the proxy is not leased any more');
		}

		if (this.rotation) {
			throw new RotateError('a rotation of this proxy is already in progress');
		}

		const rotation = new PendingRotation(
			rotateId => {
				void this.host.bus.sendMessage('proxy:rotate', linked.providerId, {leaseId: linked.proxy.leaseId, secret: linked.secret, rotateId});
			},
			this.host.timings,
			() => {
				if (this.rotation === rotation) {
					this.rotation = undefined;
				}
			},
		);
		this.rotation = rotation;
		return rotation.done;
	}

	/** Give the lease back (or stop asking for one). Resolves when the provider confirmed or the wait ran out. */
	async destroy(): Promise<void> {
		this.destroying ??= this.doDestroy();
		return this.destroying;
	}

	private destroyed: (() => void) | undefined;

	private async doDestroy(): Promise<void> {
		const {linked, linking} = this;
		this.phase = 'closing';
		this.stopTimer();
		this.setRequest(undefined);
		this.failRotation(() => new ClosedError('the proxy was destroyed'));
		if (linking) {
			void this.host.bus.sendMessage('proxy:decline', linking.providerId, {offerId: linking.offerId});
		}

		if (linked) {
			const {retryMs, destroyTimeoutMs} = this.host.timings;
			const message = {leaseId: linked.proxy.leaseId, secret: linked.secret};
			await new Promise<void>(resolve => {
				const deadline = Date.now() + destroyTimeoutMs;
				const timer = setInterval(() => {
					if (Date.now() > deadline) {
						this.destroyed?.();
					} else {
						void this.host.bus.sendMessage('proxy:destroy', linked.providerId, message);
					}
				}, retryMs);
				this.destroyed = () => {
					clearInterval(timer);
					this.destroyed = undefined;
					resolve();
				};

				void this.host.bus.sendMessage('proxy:destroy', linked.providerId, message);
			});
			linked.proxy.markEnded('destroyed');
		}

		this.close();
	}

	/** Stop at once, without telling anyone (the client is going away or the lease is already gone). */
	close(): void {
		this.stopTimer();
		this.failRotation(() => new ClosedError('the client was closed'));
		this.setRequest(undefined);
		if (this.linked) {
			this.host.indexLease(this, undefined, this.linked.proxy.leaseId);
			this.linked.proxy.markEnded('closed');
		}

		this.linked = undefined;
		this.linking = undefined;
		if (this.phase !== 'closed') {
			this.phase = 'closed';
			this.host.closed(this);
		}
	}

	private request(): void {
		this.linking = undefined;
		this.phase = 'requesting';
		this.setRequest(uuidv4());
		const send = () => {
			void this.host.bus.emit('proxy:request', {requestId: this.requestId!});
		};

		send();
		this.every(this.host.timings.requestIntervalMs, send);
	}

	private sendLink(): void {
		const {linking, requestId} = this;
		if (linking && requestId) {
			void this.host.bus.sendMessage('proxy:link', linking.providerId, {requestId, offerId: linking.offerId});
		}
	}

	private sendHeartbeat(): void {
		const linked = this.linked;
		if (linked) {
			void this.host.bus.sendMessage('proxy:heartbeat', linked.providerId, {leaseId: linked.proxy.leaseId, secret: linked.secret, seq: linked.seq++});
		}
	}

	/** The lease is over; lease again when renewing. */
	private end(reason: LeaseEndReason): void {
		const linked = this.unlink();
		if (linked) {
			linked.proxy.markEnded(reason);
			this.host.ended(this, linked.proxy, reason);
		}

		this.afterLoss();
	}

	private lose(error: ProxyDownError): void {
		const linked = this.unlink();
		if (linked) {
			// Best effort: if the provider still holds the lease, it can free the proxy now.
			void this.host.bus.sendMessage('proxy:destroy', linked.providerId, {leaseId: linked.proxy.leaseId, secret: linked.secret});
			linked.proxy.emit('down', error);
			linked.proxy.markEnded('proxy-down');
			this.host.down(this, error);
		}

		this.afterLoss();
	}

	private unlink(): Linked | undefined {
		const {linked} = this;
		this.stopTimer();
		this.failRotation(() => new RotateError('the lease ended'));
		if (linked) {
			this.host.indexLease(this, undefined, linked.proxy.leaseId);
		}

		this.linked = undefined;
		return linked;
	}

	private afterLoss(): void {
		if (this.renew && this.phase === 'linked') {
			this.wantingSince = Date.now();
			this.request();
		} else if (this.phase === 'linked') {
			this.close();
		}
	}

	private failRotation(error: () => Error): void {
		const {rotation} = this;
		this.rotation = undefined;
		rotation?.reject(error());
	}

	private setRequest(requestId: string | undefined): void {
		const previous = this.requestId;
		this.requestId = requestId;
		this.host.indexRequest(this, requestId, previous);
	}

	private every(ms: number, fn: () => void): void {
		this.stopTimer();
		this.timer = setInterval(fn, ms);
	}

	private stopTimer(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}
}
