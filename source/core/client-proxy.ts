import {EventEmitter} from 'node:events';
import type {ProxyDownError} from './errors/proxy-down-error.js';
import type {LeaseEndReason, LeaseInfo} from './lease/messages.js';

export type ClientProxyEvents = {
	/** The exit changed on request; the lease goes on. */
	rotated: [proxy: ClientProxy, previousExitIp: string | undefined];
	/** The provider changed the proxy in place (for example a new exit after the old one failed). */
	update: [proxy: ClientProxy];
	down: [error: ProxyDownError];
	/** The lease is over; the proxy must not be used any more. */
	end: [reason: LeaseEndReason | 'closed'];
};

export type ProxyController = {
	destroy(): Promise<void>;
	rotate(): Promise<void>;
};

export type ClientProxyState = 'active' | 'ended';

/** One leased proxy, as scraper code sees it. */
export class ClientProxy extends EventEmitter<ClientProxyEvents> {
	state: ClientProxyState = 'active';
	readonly linkedAt = Date.now();
	/** Lease expiry in this machine's clock (kept fresh by heartbeat answers). */
	expiresAt: number;
	/** Last heartbeat answer, in this machine's clock. */
	lastHeartbeatAt: number;
	private lease: LeaseInfo;

	constructor(
		lease: LeaseInfo,
		/** The UUID of the provider that leased it. */
		readonly clusterId: string,
		private readonly controller: ProxyController,
	) {
		super();
		this.lease = lease;
		this.expiresAt = Date.now() + lease.expiresInMs;
		this.lastHeartbeatAt = Date.now();
	}

	get leaseId(): string {
		return this.lease.leaseId;
	}

	get proxyId(): string {
		return this.lease.proxyId;
	}

	get host(): string {
		return this.lease.host;
	}

	get port(): number {
		return this.lease.port;
	}

	get httpPort(): number | undefined {
		return this.lease.httpPort;
	}

	get exitIp(): string | undefined {
		return this.lease.exitIp;
	}

	/** `socks5h://host:port`: SOCKS5 with DNS resolved by the proxy. */
	get url(): string {
		return `socks5h://${formatHost(this.host)}:${this.port}`;
	}

	/** `http://host:port` of the HTTP CONNECT port, when the proxy has one. */
	get httpUrl(): string | undefined {
		return this.httpPort === undefined ? undefined : `http://${formatHost(this.host)}:${this.httpPort}`;
	}

	get leaseTtlMs(): number {
		return this.lease.ttlMs;
	}

	/** How often this client heartbeats the lease, as its provider asked. */
	get heartbeatIntervalMs(): number {
		return this.lease.heartbeatIntervalMs;
	}

	/** No heartbeat answer for this long and the proxy counts as down. */
	get heartbeatTimeoutMs(): number {
		return this.lease.heartbeatTimeoutMs;
	}

	/** End the lease: the provider gives the proxy a new identity before leasing it again. */
	async destroy(): Promise<void> {
		return this.controller.destroy();
	}

	/** Keep the lease, change the exit; resolves once the provider verified the new exit. */
	async rotate(): Promise<ClientProxy> {
		await this.controller.rotate();
		return this;
	}

	toJSON(): {url: string; httpUrl?: string; exitIp?: string; provider: string; leaseId: string} {
		return {url: this.url, httpUrl: this.httpUrl, exitIp: this.exitIp, provider: this.clusterId, leaseId: this.leaseId};
	}

	/** @internal */
	updateLease(lease: LeaseInfo): void {
		this.lease = lease;
		this.expiresAt = Date.now() + lease.expiresInMs;
	}

	/** @internal */
	updateExitIp(exitIp: string): void {
		this.lease = {...this.lease, exitIp};
	}

	/** @internal */
	markEnded(reason: LeaseEndReason | 'closed'): void {
		if (this.state === 'ended') {
			return;
		}

		this.state = 'ended';
		this.emit('end', reason);
	}
}

function formatHost(host: string): string {
	return host.includes(':') ? `[${host}]` : host;
}
