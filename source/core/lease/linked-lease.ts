import {v4 as uuidv4} from 'uuid';
import {ClientProxy} from '../client-proxy.js';
import {ProxyDownError} from '../errors/proxy-down-error.js';
import type {ExitFailure} from '../../tor/exit-registry.js';
import {RotateError} from '../errors/rotate-error.js';
import {providerProofFields, type ProviderProvenEvent} from './lease-proof.js';
import type {ClientMessage, LeaseEndReason, LeaseInfo, SealedLease} from './messages.js';
import type {RetriedRequest} from './retried-request.js';
import {SlotHeartbeats} from './slot-heartbeats.js';
import {acceptProven} from './slot-proofs.js';
import {clientProof, slotRequests, type Held, type ProofCounters, type SlotContext} from './slot-requests.js';
import type {SlotReport} from './slot-events.js';

/** A rotation the holder asked for, waiting for its answer. */
export type SlotRotation = {readonly rotateId: string; readonly request: RetriedRequest};

export type LinkedLeaseOptions = {
	readonly context: SlotContext;
	/** The slot's report: the events of this lease are the slot's. */
	readonly report: (...report: SlotReport) => void;
	readonly providerId: string;
	readonly lease: LeaseInfo;
	/** What the link answer's sealed box held. */
	readonly opened: SealedLease;
	/** What the proxy's own destroy() does (the slot gives the lease back). */
	readonly destroy: () => Promise<void>;
	/** The lease was lost (heartbeat silence, or its provider said the proxy is down). */
	readonly lost: (error: ProxyDownError) => void;
	/** The lease ended as its provider said (or its TTL passed with the lease-end message lost). */
	readonly ended: (reason: LeaseEndReason) => void;
};

/**
 * One held lease on the client side (the slot's `linked` phase): its proxy, the secret and counts
 * that prove the messages about it, its heartbeats and a rotation in progress. It checks the
 * provider's messages about the lease; the slot alone changes phase (through `lost` and `ended`).
 */
export class LinkedLease {
	readonly proxy: ClientProxy;
	readonly providerId: string;
	/** The lease as requests about it need it: the secret and the counts live here. */
	readonly held: Held;
	private readonly secret: string;
	/** Counts of the proven messages about the lease, each way (docs/protocol.md §3.5). */
	private readonly counters: ProofCounters = {sentN: 0, heardN: 0};
	private readonly heartbeats: SlotHeartbeats;
	private rotation: SlotRotation | undefined;

	constructor(private readonly options: LinkedLeaseOptions) {
		const {context, providerId, lease, opened: {secret, username, password}} = options;
		this.providerId = providerId;
		this.secret = secret;
		this.held = {providerId, leaseId: lease.leaseId, secret, counters: this.counters};
		this.proxy = new ClientProxy(lease, providerId, {destroy: options.destroy, rotate: async failure => this.rotate(failure)}, {username, password});
		this.heartbeats = new SlotHeartbeats({
			lease,
			send: seq => void context.bus.sendMessage('proxy:heartbeat', providerId, {leaseId: lease.leaseId, seq, ...clientProof(context, this.held, 'proxy:heartbeat', [seq])}),
			expiresAt: () => this.proxy.expiresAt,
			onSilent: () => {
				options.lost(new ProxyDownError(this.proxy, 'no heartbeat answer from its provider'));
			},
			onExpired: () => {
				// The provider's lease-end message was lost.
				options.ended('ttl');
			},
			offline: context.offline(),
		});
	}

	onHeartbeat(from: string, data: ClientMessage<'proxy:heartbeat'>): void {
		if (this.proven(from, 'proxy:heartbeat', data, providerProofFields['proxy:heartbeat'](data))) {
			this.heartbeats.heard();
			// While rotating, the rotation's answer says what the exit is.
			if (this.proxy.heard(data.expiresInMs, this.rotation ? undefined : data.exitIp)) {
				this.options.report('updated', this.proxy);
			}
		}
	}

	onLeaseEnd(from: string, data: ClientMessage<'proxy:leaseEnd'>): void {
		if (!this.proven(from, 'proxy:leaseEnd', data, providerProofFields['proxy:leaseEnd'](data))) {
			return;
		}

		if (data.reason === 'proxy-down') {
			this.options.lost(new ProxyDownError(this.proxy, 'its provider reported it down'));
		} else {
			this.options.ended(data.reason);
		}
	}

	onUpdate(from: string, data: ClientMessage<'proxy:update'>): void {
		if (data.lease.leaseId === data.leaseId && this.proven(from, 'proxy:update', data, providerProofFields['proxy:update'](data))) {
			this.proxy.applyLease(data.lease, 'update');
			this.options.report('updated', this.proxy);
		}
	}

	onRotate(from: string, data: ClientMessage<'proxy:rotate'>): void {
		if ((data.ok && data.lease.leaseId !== data.leaseId) || !this.proven(from, 'proxy:rotate', data, providerProofFields['proxy:rotate'](data))) {
			return;
		}

		const {proxy, rotation} = this;
		if (rotation?.rotateId !== data.rotateId) {
			if (data.ok && data.lease.exitIp !== proxy.exitIp) {
				// The answer to a rotation we stopped waiting for: the exit did change.
				proxy.applyLease(data.lease, 'update');
				this.options.report('updated', proxy);
			}

			return;
		}

		if (!data.ok) {
			rotation.request.reject(new RotateError(`rotation refused: ${data.reason}`));
			return;
		}

		const previous = data.previousExitIp ?? proxy.exitIp;
		proxy.applyLease(data.lease, 'rotated', previous);
		this.options.report('rotated', proxy, previous);
		rotation.request.resolve();
	}

	/** Change the exit; resolves when the provider verified the new one. */
	async rotate(failure?: ExitFailure): Promise<void> {
		if (this.rotation) {
			throw new RotateError('a rotation of this proxy is already in progress');
		}

		const rotateId = uuidv4();
		const request = slotRequests.rotate(this.options.context, this.held, rotateId, () => {
			if (this.rotation?.rotateId === rotateId) {
				this.rotation = undefined;
			}
		}, failure);
		this.rotation = {rotateId, request};
		return request.done;
	}

	/** The bus went offline: heartbeat silence stops counting. */
	offline(): void {
		this.heartbeats.offline();
	}

	/** The bus is back: heartbeat at once. */
	online(): void {
		this.heartbeats.online();
	}

	/** One `proxy:destroy`, not repeated (best effort: unanswered, the lease times out at the provider). */
	sendDestroy(): void {
		sendDestroy(this.options.context, this.held);
	}

	/** The slot leaves the linked phase: heartbeats stop, and a rotation still waiting fails with `error()`. */
	stop(error: () => Error): void {
		this.heartbeats.stop();
		this.rotation?.request.reject(error);
	}

	/**
	 * Whether a message from `from` about this lease proves the lease's secret with a new count; one
	 * that does not is ignored and reported.
	 */
	private proven(from: string, event: ProviderProvenEvent, data: {leaseId: string; n?: number; proof?: string}, own: Parameters<typeof acceptProven>[2]): boolean {
		if (from !== this.providerId || data.leaseId !== this.proxy.leaseId) {
			return false;
		}

		if (!acceptProven({event, from, to: this.options.context.bus.id, secret: this.secret, counters: this.counters}, data, own)) {
			this.options.report('unproven', {event, providerId: from, leaseId: data.leaseId});
			return false;
		}

		return true;
	}
}

/** One `proxy:destroy` about `held`, not repeated. */
export function sendDestroy(context: SlotContext, held: Held): void {
	void context.bus.sendMessage('proxy:destroy', held.providerId, {leaseId: held.leaseId, ...clientProof(context, held, 'proxy:destroy', [])});
}
