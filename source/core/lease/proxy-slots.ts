import {EventEmitter} from 'node:events';
import type {ProxyEndpoint} from '../../pool/pool-backend.js';
import {SlotTransitionError} from '../errors/slot-transition-error.js';

/**
 * Where a proxy of the provider's pool stands (docs/protocol.md §5.3). A slot is made `free` when the
 * backend first reports the proxy ready; who reserves or holds it is the offer desk's and the lease
 * book's to say, by proxyId.
 */
export type SlotState = 'free' | 'offered' | 'leased' | 'recycling' | 'down';

/** The provider's view of one proxy of its pool. */
export type ProxySlot = {
	readonly endpoint: ProxyEndpoint;
	readonly state: SlotState;
};

/**
 * Every move the protocol draws, and no other:
 * - free: offered (a request or the waiting list), recycling (rotated by hand, or moved off a shared exit), down (the backend says so);
 * - offered: free (declined, expired, withdrawn), leased (claimed), down;
 * - leased: recycling (destroyed, ttl, heartbeat-timeout), free (provider-stopping), down;
 * - recycling: free (the new exit is there, or the backend reports the proxy ready), down (the rotation failed, or the backend says so);
 * - down: free (the backend reports it ready again).
 */
export const slotTransitions: Readonly<Record<SlotState, readonly SlotState[]>> = {
	free: ['offered', 'recycling', 'down'],
	offered: ['free', 'leased', 'down'],
	leased: ['recycling', 'free', 'down'],
	recycling: ['free', 'down'],
	down: ['free'],
};

export type ProxySlotsEvents = {
	/** A proxy became free (new, or back from any other state): the one trigger to serve the waiting list. */
	free: [ProxySlot];
};

type SlotRecord = {endpoint: ProxyEndpoint; state: SlotState};

/** The one owner of the provider's proxy slots: it alone writes them, and only along `slotTransitions`. */
export class ProxySlots {
	readonly events = new EventEmitter<ProxySlotsEvents>();
	private readonly slots = new Map<string, SlotRecord>();

	get(proxyId: string): ProxySlot | undefined {
		return this.slots.get(proxyId);
	}

	has(proxyId: string): boolean {
		return this.slots.has(proxyId);
	}

	/** Every slot, in the order the backend first reported them. */
	all(): ProxySlot[] {
		return [...this.slots.values()];
	}

	/** The first free proxy, in the order the backend first reported them; one with an exit of its own before one that shares it. */
	firstFree(): ProxySlot | undefined {
		let shared: ProxySlot | undefined;
		for (const slot of this.slots.values()) {
			if (slot.state === 'free') {
				if (!slot.endpoint.sharedExit) {
					return slot;
				}

				shared ??= slot;
			}
		}

		return shared;
	}

	/** A proxy the backend reports ready for the first time: it is free. */
	add(endpoint: ProxyEndpoint): void {
		if (this.slots.has(endpoint.id)) {
			throw new SlotTransitionError(endpoint.id, this.slots.get(endpoint.id)!.state, 'free (added)');
		}

		const slot: SlotRecord = {endpoint, state: 'free'};
		this.slots.set(endpoint.id, slot);
		this.events.emit('free', slot);
	}

	/** Move a proxy to `to`; throws a SlotTransitionError unless `slotTransitions` allows it. */
	move(proxyId: string, to: SlotState): void {
		const slot = this.slots.get(proxyId);
		if (!slot || !slotTransitions[slot.state].includes(to)) {
			throw new SlotTransitionError(proxyId, slot?.state ?? 'unknown', to);
		}

		slot.state = to;
		if (to === 'free') {
			this.events.emit('free', slot);
		}
	}

	/** The proxy's details changed in place (a new exit, a new port); its state does not. */
	setEndpoint(endpoint: ProxyEndpoint): void {
		const slot = this.slots.get(endpoint.id);
		if (slot) {
			slot.endpoint = endpoint;
		}
	}
}
