import type {EventEmitter} from 'node:events';
import type {PoolBackend, ProxyEndpoint} from '../../pool/pool-backend.js';
import type {LeaseMessenger} from './lease-messenger.js';
import type {ProviderEvents} from '../provider-events.js';
import type {Lease, RotateReply} from './lease-records.js';
import type {LeaseInfo} from './messages.js';
import type {ExitFailure} from '../../tor/exit-registry.js';
import type {ProxySlots} from './proxy-slots.js';

/** What rotations need of the lease server. */
export type RotationHost = {
	/** Sends the holder its proven answers and updates. */
	messenger: LeaseMessenger;
	backend: PoolBackend;
	events: EventEmitter<ProviderEvents>;
	/** The provider's proxies: rotations set their endpoints, and move recycled ones back to free. */
	slots: ProxySlots;
	/** Whether the lease is still held (its holder is told the outcome only then). */
	isHeld(lease: Lease): boolean;
	leaseInfo(lease: Lease): LeaseInfo;
};

/** Exit changes on the provider side: for the holder (rotate), by hand (the UI), and before a proxy is leased again (recycle). */
export class LeaseRotations {
	constructor(private readonly host: RotationHost) {}

	/**
	 * The holder asks for a new exit: repeat the answer of the last finished rotation if it is the
	 * same one, refuse while another runs (ignore repeats of the running one), else rotate.
	 */
	async request(lease: Lease, rotateId: string, failure?: ExitFailure): Promise<void> {
		const {messenger} = this.host;
		if (lease.lastRotation?.rotateId === rotateId) {
			// The answer was lost: say it again, with the lease as it is now (and a new count and proof).
			const {reply} = lease.lastRotation;
			void messenger.rotate(lease, reply.ok ? {...reply, lease: this.host.leaseInfo(lease)} : reply);
			return;
		}

		if (lease.rotation) {
			if (lease.rotation.rotateId !== rotateId) {
				void messenger.rotate(lease, {ok: false, leaseId: lease.leaseId, rotateId, reason: 'another rotation is in progress'});
			}

			return;
		}

		await this.rotateLease(lease, rotateId, failure);
	}

	/** Rotate for the holder: keep the lease, answer with the new state (or why not). */
	private async rotateLease(lease: Lease, rotateId: string, failure?: ExitFailure): Promise<void> {
		const {backend, events, messenger, slots} = this.host;
		const started = Date.now();
		lease.rotation = {rotateId, startedAt: started};
		const previousExitIp = slots.get(lease.proxyId)?.endpoint.exitIp;
		let reply: RotateReply;
		try {
			if (failure) {
				await this.report(lease, failure, previousExitIp);
			}

			const endpoint = await backend.rotate(lease.proxyId);
			slots.setEndpoint(endpoint);
			reply = {ok: true, leaseId: lease.leaseId, rotateId, lease: this.host.leaseInfo(lease), previousExitIp};
			events.emit('rotated', {proxyId: lease.proxyId, leaseId: lease.leaseId, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'rotate'});
		} catch (error) {
			reply = {ok: false, leaseId: lease.leaseId, rotateId, reason: toError(error).message.slice(0, 200)};
			events.emit('rotate-failed', lease.proxyId, toError(error));
		}

		lease.rotation = undefined;
		if (this.host.isHeld(lease)) {
			lease.lastRotation = {rotateId, reply};
			void messenger.rotate(lease, reply);
		}
	}

	/** Record the holder's failure report, so the cluster avoids the exit; a registry that fails does not stop the rotation. */
	private async report(lease: Lease, failure: ExitFailure, exitIp: string | undefined): Promise<void> {
		const {backend, events} = this.host;
		try {
			const avoided = await backend.reportFailure?.(lease.proxyId, failure);
			if (avoided) {
				events.emit('exit-avoided', {...avoided, proxyId: lease.proxyId, leaseId: lease.leaseId, exitIp});
			}
		} catch (error) {
			events.emit('warning', new Error(`could not record the ${failure.kind} report of ${lease.proxyId}'s exit`, {cause: error}));
		}
	}

	/**
	 * Rotate one proxy by hand (from the provider's UI). A free proxy is held back (recycling) while
	 * it rotates; a leased one keeps its lease and its holder is told the new exit. Offered, rotating
	 * or unready proxies are left alone.
	 */
	async rotateProxy(proxyId: string, lease: Lease | undefined): Promise<void> {
		const {backend, events, messenger, slots} = this.host;
		const state = slots.get(proxyId)?.state;
		if ((state !== 'free' && state !== 'leased') || lease?.rotation) {
			return;
		}

		if (lease) {
			lease.rotation = {rotateId: 'manual', startedAt: Date.now()};
		} else {
			slots.move(proxyId, 'recycling');
		}

		const before = slots.get(proxyId)?.endpoint.exitIp;
		const started = Date.now();
		try {
			const endpoint = await backend.rotate(proxyId);
			slots.setEndpoint(endpoint);
			events.emit('rotated', {proxyId, leaseId: lease?.leaseId, previousExitIp: before, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'manual'});
		} catch (error) {
			events.emit('rotate-failed', proxyId, toError(error));
		} finally {
			if (lease) {
				lease.rotation = undefined;
			}
		}

		if (lease && this.host.isHeld(lease)) {
			void messenger.update(lease, {leaseId: lease.leaseId, lease: this.host.leaseInfo(lease)});
		} else if (!lease && slots.get(proxyId)?.state === 'recycling') {
			slots.move(proxyId, 'free');
		}
	}

	/** Give a proxy whose lease ended (it is recycling) a new exit before anyone else gets it. */
	async recycle(proxyId: string): Promise<void> {
		const {backend, events, slots} = this.host;
		const started = Date.now();
		const previousExitIp = slots.get(proxyId)?.endpoint.exitIp;
		let endpoint: ProxyEndpoint;
		try {
			endpoint = await backend.rotate(proxyId);
		} catch (error) {
			// The backend reports the proxy down or ready again on its own; until then it is not leased.
			if (slots.get(proxyId)?.state === 'recycling') {
				slots.move(proxyId, 'down');
			}

			events.emit('rotate-failed', proxyId, toError(error));
			return;
		}

		if (slots.get(proxyId)?.state === 'recycling') {
			slots.setEndpoint(endpoint);
			events.emit('rotated', {proxyId: endpoint.id, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'recycle'});
			slots.move(proxyId, 'free');
		}
	}
}

export function toError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}
