import type {LeaseSnapshot} from '../core/lease/lease-records.js';
import type {Provider, ProviderStatus} from '../core/provider.js';
import type {InstanceSnapshot} from '../pool/pool-backend.js';

/** What the provider screen shows, read from the provider at one moment. */
export type ProviderSnapshot = {
	readonly at: number;
	readonly status: ProviderStatus;
	readonly instances: readonly InstanceSnapshot[];
	readonly leases: readonly LeaseSnapshot[];
	/** Incoming messages the bus dropped (malformed, unknown, ...). */
	readonly dropped: number;
	/** Destroy, rotate or heartbeat messages without the lease's secret. */
	readonly forged: number;
	/** Connections the front kept out, by reason (absent without a front). Never credentials. */
	readonly refused?: Readonly<Record<string, number>>;
};

export function takeProviderSnapshot(provider: Provider, at: number): ProviderSnapshot {
	const {stats} = provider;
	return {
		at,
		status: provider.status,
		instances: provider.instances(),
		leases: provider.leases(),
		dropped: Object.values(stats.dropped).reduce((sum, n) => sum + n, 0),
		forged: stats.forged,
		refused: stats.front?.refused,
	};
}
