import type {EventEmitter} from 'node:events';
import type {PoolBackend} from '../../pool/pool-backend.js';
import type {Bus} from '../bus/bus.js';
import type {ProviderEvents} from '../provider-events.js';
import type {Lease, ProxySlot} from './lease-records.js';
import type {ClientInbound, ClientMessage, LeaseInfo, ProviderInbound} from './messages.js';

/** What rotations need of the lease server. */
export type RotationHost = {
	bus: Bus<ProviderInbound, ClientInbound>;
	backend: PoolBackend;
	events: EventEmitter<ProviderEvents>;
	slots: ReadonlyMap<string, ProxySlot>;
	/** Whether the lease is still held (its holder is told the outcome only then). */
	isHeld(lease: Lease): boolean;
	leaseInfo(lease: Lease): LeaseInfo;
	/** A proxy became free. */
	freed(): void;
};

/** Exit changes on the provider side: for the holder (rotate), by hand (the UI), and before a proxy is leased again (recycle). */
export class LeaseRotations {
	constructor(private readonly host: RotationHost) {}

	/** The holder asked for a new exit: keep the lease, answer with the new state (or why not). */
	async rotateLease(lease: Lease, rotateId: string): Promise<void> {
		const {backend, events, bus} = this.host;
		const started = Date.now();
		lease.rotation = {rotateId, startedAt: started};
		const slot = this.host.slots.get(lease.proxyId);
		const previousExitIp = slot?.endpoint.exitIp;
		let reply: ClientMessage<'proxy:rotate'>;
		try {
			const endpoint = await backend.rotate(lease.proxyId);
			if (slot) {
				slot.endpoint = endpoint;
			}

			reply = {ok: true, leaseId: lease.leaseId, rotateId, lease: this.host.leaseInfo(lease), previousExitIp};
			events.emit('rotated', {proxyId: lease.proxyId, leaseId: lease.leaseId, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'rotate'});
		} catch (error) {
			reply = {ok: false, leaseId: lease.leaseId, rotateId, reason: toError(error).message.slice(0, 200)};
			events.emit('rotate-failed', lease.proxyId, toError(error));
		}

		lease.rotation = undefined;
		if (this.host.isHeld(lease)) {
			lease.lastRotation = {rotateId, reply};
			void bus.sendMessage('proxy:rotate', lease.clientId, reply);
		}
	}

	/**
	 * Rotate one proxy by hand (from the provider's UI). A free proxy is held back while it rotates;
	 * a leased one keeps its lease and its holder is told the new exit. Offered, rotating or
	 * unready proxies are left alone.
	 */
	async rotateProxy(slot: ProxySlot, lease: Lease | undefined): Promise<void> {
		if ((slot.state !== 'free' && slot.state !== 'leased') || lease?.rotation) {
			return;
		}

		const {backend, events, bus} = this.host;
		const proxyId = slot.endpoint.id;
		if (lease) {
			lease.rotation = {rotateId: 'manual', startedAt: Date.now()};
		} else {
			slot.state = 'recycling';
		}

		const before = slot.endpoint.exitIp;
		const started = Date.now();
		try {
			slot.endpoint = await backend.rotate(proxyId);
			events.emit('rotated', {proxyId, leaseId: lease?.leaseId, previousExitIp: before, exitIp: slot.endpoint.exitIp, durationMs: Date.now() - started, reason: 'manual'});
		} catch (error) {
			events.emit('rotate-failed', proxyId, toError(error));
		} finally {
			if (lease) {
				lease.rotation = undefined;
			}
		}

		if (lease && this.host.isHeld(lease)) {
			void bus.sendMessage('proxy:update', lease.clientId, {leaseId: lease.leaseId, lease: this.host.leaseInfo(lease)});
		} else if (!lease && slot.state === 'recycling') {
			slot.state = 'free';
			this.host.freed();
		}
	}

	/** Give a proxy a new exit before anyone else gets it. */
	async recycle(slot: ProxySlot): Promise<void> {
		const {backend, events} = this.host;
		const started = Date.now();
		const previousExitIp = slot.endpoint.exitIp;
		try {
			const endpoint = await backend.rotate(slot.endpoint.id);
			if (slot.state !== 'recycling') {
				return;
			}

			slot.endpoint = endpoint;
			slot.state = 'free';
			events.emit('rotated', {proxyId: endpoint.id, previousExitIp, exitIp: endpoint.exitIp, durationMs: Date.now() - started, reason: 'recycle'});
			this.host.freed();
		} catch (error) {
			// The backend reports the proxy down or ready again on its own; until then it is not leased.
			if (slot.state === 'recycling') {
				slot.state = 'down';
			}

			events.emit('rotate-failed', slot.endpoint.id, toError(error));
		}
	}
}

export function toError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}
