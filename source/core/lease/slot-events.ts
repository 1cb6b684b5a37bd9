import type {ClientProxy} from '../client-proxy.js';
import type {ProxyDrop} from '../client-events.js';
import type {ProxyDownError} from '../errors/proxy-down-error.js';
import type {LeaseEndReason} from './messages.js';
import type {SlotState} from './slot-state.js';

/** What a slot reports to its owner. `phase` carries every transition, so its client can keep its routing maps. */
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

/** One report of a slot to its owner: an event of `SlotEvents` with its arguments. */
export type SlotReport = {[K in keyof SlotEvents]: [event: K, ...args: SlotEvents[K]]}[keyof SlotEvents];

/** What is reported of a message ignored for want of proof. */
export type UnprovenMessage = {readonly event: string; readonly providerId: string; readonly leaseId: string};
