import type {Client, SlotSnapshot} from '../core/client.js';
import type {ProxySnapshot} from '../core/client-proxy.js';
import type {Status} from '../core/status.js';

/** A leased proxy as the screen shows it: the client's frozen copy. */
export type ProxyView = ProxySnapshot;

/** One wanted proxy as the screen shows it: the client's frozen copy. */
export type SlotView = SlotSnapshot;

export type ClientSnapshot = {
	readonly at: number;
	readonly status: Status;
	readonly slots: readonly SlotView[];
	/** Since when some wanted proxy has had no lease. */
	readonly waitingSince?: number;
	readonly dropped: number;
};

export function takeClientSnapshot(client: Client, at: number): ClientSnapshot {
	return {
		at,
		status: client.status,
		slots: client.snapshot(),
		waitingSince: client.waitingSince,
		dropped: Object.values(client.stats.dropped).reduce((sum, n) => sum + n, 0),
	};
}
