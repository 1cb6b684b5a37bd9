import type {Bus} from '../bus/bus.js';
import type {LeaseSlot} from './lease-slot.js';
import type {ClientInbound, ProviderInbound} from './messages.js';
import {leaseIdOf, requestIdOf, type SlotState} from './slot-state.js';

/**
 * The client's routing of the providers' answers to its slots: by the request a slot asks with, and
 * by the lease it holds or gives back. The maps follow the slots' phase changes (`moved`); this
 * class alone writes them.
 */
export class SlotRoutes {
	private readonly byRequest = new Map<string, LeaseSlot>();
	private readonly byLease = new Map<string, LeaseSlot>();

	constructor(private readonly bus: Pick<Bus<ClientInbound, ProviderInbound>, 'onMessage' | 'sendMessage'>) {}

	/** A slot changed phase: route the replies of its new phase to it, and no longer those of its old one. */
	moved(slot: LeaseSlot, next: SlotState, previous: SlotState): void {
		reindex(this.byRequest, slot, requestIdOf(next), requestIdOf(previous));
		reindex(this.byLease, slot, leaseIdOf(next), leaseIdOf(previous));
	}

	/** Subscribe to the providers' messages and hand each to its slot; returns the functions that unsubscribe. */
	listen(): Array<() => void> {
		const {bus} = this;
		return [
			bus.onMessage('proxy:supply', ({from, data}) => {
				const slot = this.byRequest.get(data.requestId);
				if (slot) {
					slot.onSupply(from, data);
				} else {
					void bus.sendMessage('proxy:decline', from, {offerId: data.offerId});
				}
			}),
			bus.onMessage('proxy:link', ({from, data}) => {
				// A link for no slot cannot be opened (the key was the slot's) nor handed back: it times out at the provider.
				(this.byLease.get(data.lease.leaseId) ?? this.byRequest.get(data.requestId))?.onLink(from, data);
			}),
			bus.onMessage('proxy:dropLink', ({from, data}) => this.byRequest.get(data.requestId)?.onDropLink(from, data)),
			bus.onMessage('proxy:heartbeat', ({from, data}) => this.byLease.get(data.leaseId)?.onHeartbeat(from, data)),
			bus.onMessage('proxy:destroy', ({from, data}) => this.byLease.get(data.leaseId)?.onDestroyed(from)),
			bus.onMessage('proxy:rotate', ({from, data}) => this.byLease.get(data.leaseId)?.onRotate(from, data)),
			bus.onMessage('proxy:leaseEnd', ({from, data}) => this.byLease.get(data.leaseId)?.onLeaseEnd(from, data)),
			bus.onMessage('proxy:update', ({from, data}) => this.byLease.get(data.leaseId)?.onUpdate(from, data)),
		];
	}
}

function reindex(map: Map<string, LeaseSlot>, slot: LeaseSlot, key: string | undefined, previous: string | undefined): void {
	if (key === previous) {
		return;
	}

	if (previous !== undefined && map.get(previous) === slot) {
		map.delete(previous);
	}

	if (key !== undefined) {
		map.set(key, slot);
	}
}
