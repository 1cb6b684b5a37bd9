import type {ProxyEndpoint} from '../../pool/pool-backend.js';
import type {FrontAddress} from './lease-access.js';
import type {Lease, LeaseSnapshot} from './lease-records.js';
import type {LeaseInfo} from './messages.js';
import type {ProxySlots} from './proxy-slots.js';
import type {ProviderTimings} from './timings.js';

/**
 * Where a lease's holder connects: the provider's front when it runs one (every lease the same
 * ports; the credentials pick the proxy), else the proxy itself; `advertiseHost` replaces the host.
 */
export function entranceOf(endpoint: ProxyEndpoint | undefined, front: FrontAddress | undefined, advertiseHost: string | undefined): {host: string; port: number; httpPort?: number} {
	if (front) {
		return {host: advertiseHost ?? front.host, port: front.port, httpPort: front.httpPort};
	}

	return {host: advertiseHost ?? endpoint?.host ?? '', port: endpoint?.port ?? 0, httpPort: endpoint?.httpPort};
}

/** What the holder of a lease is sent about it (link, update, rotate answers). */
export function leaseInfoOf(lease: Lease, endpoint: ProxyEndpoint, timings: ProviderTimings, entrance: {host: string; port: number; httpPort?: number}): LeaseInfo {
	return {
		leaseId: lease.leaseId,
		proxyId: endpoint.id,
		host: entrance.host,
		port: entrance.port,
		...(entrance.httpPort === undefined ? {} : {httpPort: entrance.httpPort}),
		exitIp: endpoint.exitIp,
		...(endpoint.sharedExit ? {sharedExit: true} : {}),
		expiresInMs: Math.max(0, lease.expiresAt - Date.now()),
		ttlMs: timings.leaseTtlMs,
		heartbeatIntervalMs: timings.heartbeatIntervalMs,
		heartbeatTimeoutMs: timings.heartbeatTimeoutMs,
	};
}

/** What displays and logs see of a lease. */
export function leaseSnapshotOf(lease: Lease, endpoint: ProxyEndpoint | undefined, entrance: {host: string; port: number; httpPort?: number}): LeaseSnapshot {
	return {
		leaseId: lease.leaseId,
		clientId: lease.clientId,
		proxyId: lease.proxyId,
		host: entrance.host,
		port: entrance.port,
		httpPort: entrance.httpPort,
		exitIp: endpoint?.exitIp,
		createdAt: lease.createdAt,
		expiresAt: lease.expiresAt,
		lastHeartbeatAt: lease.lastHeartbeatAt,
		heartbeats: lease.heartbeats,
		rotating: lease.rotation !== undefined,
	};
}

/** How the provider describes its leases: to their holders (`info`) and to displays and logs (`snapshot`). */
export class LeaseViews {
	constructor(
		private readonly slots: ProxySlots,
		private readonly timings: ProviderTimings,
		private readonly front: {address(): FrontAddress | undefined} | undefined,
		private readonly advertiseHost: string | undefined,
	) {}

	/** What the holder is sent (the lease's proxy must still be in the pool). */
	info(lease: Lease): LeaseInfo {
		const {endpoint} = this.slots.get(lease.proxyId)!;
		return leaseInfoOf(lease, endpoint, this.timings, this.entrance(endpoint));
	}

	snapshot(lease: Lease): LeaseSnapshot {
		const endpoint = this.slots.get(lease.proxyId)?.endpoint;
		return leaseSnapshotOf(lease, endpoint, this.entrance(endpoint));
	}

	private entrance(endpoint: ProxyEndpoint | undefined): {host: string; port: number; httpPort?: number} {
		return entranceOf(endpoint, this.front?.address(), this.advertiseHost);
	}
}
