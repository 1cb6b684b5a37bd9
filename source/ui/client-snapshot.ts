import type {Client, ClientStatus} from '../core/client.js';
import type {SlotPhase} from '../core/lease/lease-slot.js';

/** A leased proxy as the screen shows it, copied when read (the ClientProxy changes in place). */
export type ProxyView = {
	readonly leaseId: string;
	readonly url: string;
	readonly exitIp?: string;
	readonly linkedAt: number;
	readonly expiresAt: number;
	readonly lastHeartbeatAt: number;
};

export type SlotView = {
	readonly slotId: string;
	readonly phase: SlotPhase;
	readonly wantingSince: number;
	readonly providerId?: string;
	readonly proxy?: ProxyView;
};

export type ClientSnapshot = {
	readonly at: number;
	readonly status: ClientStatus;
	readonly slots: readonly SlotView[];
	/** Since when some wanted proxy has had no lease. */
	readonly waitingSince?: number;
	readonly dropped: number;
};

export function takeClientSnapshot(client: Client, at: number): ClientSnapshot {
	const slots = client.snapshot().map(({slotId, phase, wantingSince, providerId, proxy}): SlotView => ({
		slotId,
		phase,
		wantingSince,
		providerId,
		proxy: proxy && {leaseId: proxy.leaseId, url: proxy.url, exitIp: proxy.exitIp, linkedAt: proxy.linkedAt, expiresAt: proxy.expiresAt, lastHeartbeatAt: proxy.lastHeartbeatAt},
	}));
	return {
		at,
		status: client.status,
		slots,
		waitingSince: client.waitingSince,
		dropped: Object.values(client.stats.dropped).reduce((sum, n) => sum + n, 0),
	};
}
