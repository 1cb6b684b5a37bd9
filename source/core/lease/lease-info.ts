import type {ProxyEndpoint} from '../../pool/pool-backend.js';
import type {Lease, LeaseSnapshot} from './lease-records.js';
import type {LeaseInfo} from './messages.js';
import type {ProviderTimings} from './timings.js';

/** What the holder of a lease is sent about it (link, update, rotate answers). */
export function leaseInfoOf(lease: Lease, endpoint: ProxyEndpoint, timings: ProviderTimings, advertiseHost: string | undefined): LeaseInfo {
	return {
		leaseId: lease.leaseId,
		proxyId: endpoint.id,
		host: advertiseHost ?? endpoint.host,
		port: endpoint.port,
		httpPort: endpoint.httpPort,
		exitIp: endpoint.exitIp,
		expiresInMs: Math.max(0, lease.expiresAt - Date.now()),
		ttlMs: timings.leaseTtlMs,
		heartbeatIntervalMs: timings.heartbeatIntervalMs,
		heartbeatTimeoutMs: timings.heartbeatTimeoutMs,
	};
}

/** What displays and logs see of a lease. */
export function leaseSnapshotOf(lease: Lease, endpoint: ProxyEndpoint | undefined, advertiseHost: string | undefined): LeaseSnapshot {
	return {
		leaseId: lease.leaseId,
		clientId: lease.clientId,
		proxyId: lease.proxyId,
		host: advertiseHost ?? endpoint?.host ?? '',
		port: endpoint?.port ?? 0,
		httpPort: endpoint?.httpPort,
		exitIp: endpoint?.exitIp,
		createdAt: lease.createdAt,
		expiresAt: lease.expiresAt,
		lastHeartbeatAt: lease.lastHeartbeatAt,
		heartbeats: lease.heartbeats,
		rotating: lease.rotation !== undefined,
	};
}
