import {EventEmitter} from 'node:events';
import type {ProxyDownError} from './errors/proxy-down-error.js';
import type {LeaseCredentials} from './lease/lease-credentials.js';
import type {LeaseEndReason, LeaseInfo} from './lease/messages.js';
import type {ExitFailure, ExitFailureKind} from '../tor/exit-registry.js';

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
	rotate(failure?: ExitFailure): Promise<void>;
};

export type ClientProxyState = 'active' | 'ended';

/** What displays and logs see of a leased proxy: a frozen copy, taken when asked. */
export type ProxySnapshot = {
	readonly leaseId: string;
	readonly proxyId: string;
	readonly clusterId: string;
	readonly url: string;
	readonly httpUrl?: string;
	readonly exitIp?: string;
	/** The exit is shared with another proxy of the cluster (not enough exits for everyone). */
	readonly sharedExit: boolean;
	readonly linkedAt: number;
	readonly expiresAt: number;
	readonly lastHeartbeatAt: number;
};

/**
 * One leased proxy, as scraper code sees it. It changes only through its own methods, which its
 * lease slot calls as the provider's messages arrive; each change emits this proxy's own event.
 */
export class ClientProxy extends EventEmitter<ClientProxyEvents> {
	readonly linkedAt = Date.now();
	private lease: LeaseInfo;
	private current: ClientProxyState = 'active';
	private expiry: number;
	private lastAnswerAt: number;

	constructor(
		lease: LeaseInfo,
		/** The UUID of the provider that leased it. */
		readonly clusterId: string,
		private readonly controller: ProxyController,
		/** What the provider's front lets this lease's traffic in with (they stop working when the lease ends). */
		readonly credentials: LeaseCredentials,
	) {
		super();
		this.lease = lease;
		this.expiry = Date.now() + lease.expiresInMs;
		this.lastAnswerAt = Date.now();
	}

	/** 'active' while leased; 'ended' once the lease is over (the proxy must not be used any more). */
	get state(): ClientProxyState {
		return this.current;
	}

	/** Lease expiry in this machine's clock (kept fresh by heartbeat answers). */
	get expiresAt(): number {
		return this.expiry;
	}

	/** Last heartbeat answer, in this machine's clock. */
	get lastHeartbeatAt(): number {
		return this.lastAnswerAt;
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

	/** True when another proxy in the cluster leaves through the same exit (the cluster has too few exits). */
	get sharedExit(): boolean {
		return this.lease.sharedExit === true;
	}

	/** `socks5h://user:pass@host:port`: SOCKS5 with DNS resolved by the proxy, with the lease's credentials. */
	get url(): string {
		return `socks5h://${this.userInfo()}@${formatHost(this.host)}:${this.port}`;
	}

	/** `socks5h://host:port` without the credentials: for messages, errors and logs, never for connecting. */
	get displayUrl(): string {
		return `socks5h://${formatHost(this.host)}:${this.port}`;
	}

	/**
	 * `http://user:pass@host:port` of the provider's HTTP proxy port (CONNECT and absolute-URI
	 * requests, `Proxy-Authorization: Basic`), when it has one.
	 */
	get httpUrl(): string | undefined {
		return this.httpPort === undefined ? undefined : `http://${this.userInfo()}@${formatHost(this.host)}:${this.httpPort}`;
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
		// Async on purpose: a listener that throws while the lease ends rejects this promise, never throws at the caller.
		return this.controller.destroy();
	}

	/** Keep the lease, change the exit; resolves once the provider verified the new exit. */
	async rotate(): Promise<ClientProxy> {
		await this.controller.rotate();
		return this;
	}

	/**
	 * Report that the current exit failed (`blocked`, `captcha`, `rate-limited`; for one `domain` when
	 * given): the provider records it so every provider of the cluster avoids that exit for a while
	 * (docs/protocol.md §10.3), and moves this proxy to another exit at once. Resolves like rotate().
	 */
	async reportFailure(kind: ExitFailureKind, {domain}: {domain?: string} = {}): Promise<ClientProxy> {
		const failure: ExitFailure = domain === undefined ? {kind} : {kind, domain};
		await this.controller.rotate(failure);
		return this;
	}

	toJSON(): {url: string; httpUrl?: string; exitIp?: string; sharedExit?: true; provider: string; leaseId: string} {
		return {url: this.url, httpUrl: this.httpUrl, exitIp: this.exitIp, ...(this.sharedExit ? {sharedExit: true as const} : {}), provider: this.clusterId, leaseId: this.leaseId};
	}

	snapshot(): ProxySnapshot {
		return Object.freeze({
			leaseId: this.leaseId,
			proxyId: this.proxyId,
			clusterId: this.clusterId,
			url: this.url,
			httpUrl: this.httpUrl,
			exitIp: this.exitIp,
			sharedExit: this.sharedExit,
			linkedAt: this.linkedAt,
			expiresAt: this.expiresAt,
			lastHeartbeatAt: this.lastHeartbeatAt,
		});
	}

	/**
	 * @internal A heartbeat answer: the lease time left and, when given, the current exit (a lost
	 * `proxy:update` is caught up this way). Emits 'update' and returns true when the exit changed.
	 */
	heard(expiresInMs: number, exitIp: string | undefined): boolean {
		this.lastAnswerAt = Date.now();
		this.expiry = Date.now() + expiresInMs;
		if (exitIp === undefined || exitIp === this.exitIp || this.current === 'ended') {
			return false;
		}

		this.lease = {...this.lease, exitIp};
		this.emit('update', this);
		return true;
	}

	/**
	 * @internal The provider sent the lease again: after a rotation this proxy asked for ('rotated',
	 * with the exit it had before), or a change the provider made by itself ('update').
	 */
	applyLease(lease: LeaseInfo, why: 'rotated' | 'update', previousExitIp = this.exitIp): void {
		this.lease = lease;
		this.expiry = Date.now() + lease.expiresInMs;
		if (why === 'rotated') {
			this.emit('rotated', this, previousExitIp);
		} else {
			this.emit('update', this);
		}
	}

	/** @internal The proxy stopped working: 'down', then 'end' with reason 'proxy-down'. */
	down(error: ProxyDownError): void {
		if (this.current === 'active') {
			this.emit('down', error);
			this.end('proxy-down');
		}
	}

	/** @internal The lease is over; emits 'end' once. */
	end(reason: LeaseEndReason | 'closed'): void {
		if (this.current === 'ended') {
			return;
		}

		this.current = 'ended';
		this.emit('end', reason);
	}

	/** `user:pass`, each percent-encoded as a URL's userinfo needs. */
	private userInfo(): string {
		return `${encodeURIComponent(this.credentials.username)}:${encodeURIComponent(this.credentials.password)}`;
	}
}

function formatHost(host: string): string {
	return host.includes(':') ? `[${host}]` : host;
}
