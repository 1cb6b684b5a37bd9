import {dropReasons, type DropReason} from './drop-reason.js';

export type BusStats = {
	/** Raw messages Redis delivered to this instance. */
	delivered: number;
	/** Messages that passed validation and reached a listener. */
	received: number;
	published: number;
	publishFailed: number;
	dropped: Record<DropReason, number>;
};

/** All counters at zero. */
export function emptyBusStats(): BusStats {
	return {
		delivered: 0,
		received: 0,
		published: 0,
		publishFailed: 0,
		dropped: Object.fromEntries(dropReasons.map(reason => [reason, 0])) as Record<DropReason, number>,
	};
}
