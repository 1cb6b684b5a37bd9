import {EventEmitter} from 'node:events';
import net from 'node:net';
import type {FrontAccess, FrontProtocol} from './front-access.js';
import {ConnectionRegistry, type ConnectionLimits} from './connection-registry.js';
import {frontRefusalReasons, type FrontEvents, type FrontRefusalReason} from './front-events.js';
import {HttpFront} from './http-front.js';
import {serveSocks} from './socks-front.js';
import {TrafficMeter, type Traffic} from './traffic-meter.js';

export type FrontOptions = {
	/** Address both ports listen on. */
	host: string;
	/** SOCKS5 port (0 or undefined: a free one). */
	socksPort?: number;
	/** HTTP proxy port (0 or undefined: a free one). */
	httpPort?: number;
	access: FrontAccess;
	limits?: Partial<FrontLimits>;
};

export type FrontLimits = ConnectionLimits & {
	/** A connection must finish its handshake (SOCKS5 up to the request, HTTP up to the request head) within this. */
	handshakeTimeoutMs: number;
	/** A relayed connection with no traffic either way for this long is closed. */
	idleTimeoutMs: number;
};

export const defaultFrontLimits: FrontLimits = {perKey: 256, total: 4096, handshakeTimeoutMs: 10_000, idleTimeoutMs: 5 * 60_000};

export type FrontStats = {
	relayed: number;
	open: number;
	refused: Record<FrontRefusalReason, number>;
};

export type FrontPorts = {socksPort: number; httpPort: number};

/**
 * One authenticated entrance to many upstream SOCKS5 proxies: a SOCKS5 port and an HTTP proxy port
 * on one address. Every connection must present credentials that `access` grants; it is relayed to
 * the upstream the grant names and closed when its key is revoked. The provider puts one in front of
 * its Tor instances; the gateway reuses it for its sessions.
 */
export class Front extends EventEmitter<FrontEvents> {
	private relayedCount = 0;
	private readonly refusedCounts = Object.fromEntries(frontRefusalReasons.map(reason => [reason, 0])) as Record<FrontRefusalReason, number>;
	private readonly limits: FrontLimits;
	private readonly registry: ConnectionRegistry;
	private readonly meter = new TrafficMeter();
	private readonly socks: net.Server;
	private readonly http: HttpFront;
	private readonly socksSockets = new Set<net.Socket>();
	private starting: Promise<FrontPorts> | undefined;
	private stopping: Promise<void> | undefined;

	constructor(private readonly options: FrontOptions) {
		super();
		this.limits = {...defaultFrontLimits, ...options.limits};
		this.registry = new ConnectionRegistry(this.limits);
		const shared = {
			access: options.access,
			registry: this.registry,
			traffic: this.meter,
			handshakeTimeoutMs: this.limits.handshakeTimeoutMs,
			idleTimeoutMs: this.limits.idleTimeoutMs,
		};
		this.socks = net.createServer({allowHalfOpen: true}, socket => {
			socket.on('error', () => undefined);
			// Every SOCKS5 connection, in its handshake or relaying, so stop() can end them all at once.
			this.socksSockets.add(socket);
			socket.once('close', () => this.socksSockets.delete(socket));
			void serveSocks(socket, {...shared, refused: (reason, clientAddress) => this.refused('socks5', reason, clientAddress), relayed: key => this.relayed('socks5', key)});
		});
		// Bounds the sockets still in their handshake too, which the registry does not see yet.
		this.socks.maxConnections = this.limits.total * 2;
		this.http = new HttpFront(options.host, options.httpPort ?? 0, {...shared, refused: (reason, clientAddress) => this.refused('http', reason, clientAddress), relayed: key => this.relayed('http', key)});
		this.http.server.server.maxConnections = this.limits.total * 2;
	}

	get stats(): FrontStats {
		return {relayed: this.relayedCount, open: this.registry.open, refused: {...this.refusedCounts}};
	}

	/** Listen on both ports; resolves with them. A second call waits for the first. */
	async start(): Promise<FrontPorts> {
		this.starting ??= this.doStart();
		return this.starting;
	}

	/** Close every open connection of `key` (its lease ended): its credentials no longer let anyone in. */
	revoke(key: string): number {
		const closed = this.registry.revoke(key);
		if (closed > 0) {
			this.emit('revoked', key, closed);
		}

		return closed;
	}

	/**
	 * Serve a connection accepted elsewhere (a gateway's per-session port) as if it came to this
	 * front's SOCKS5 or HTTP port; `access` sees the port it really came to.
	 */
	accept(socket: net.Socket, protocol: FrontProtocol): void {
		(protocol === 'socks5' ? this.socks : this.http.server.server).emit('connection', socket);
	}

	/** Bytes relayed for `key` so far, open connections included (see `Traffic` for what is counted). */
	traffic(key: string): Traffic {
		return this.meter.of(key);
	}

	/** Stop keeping `key`'s byte counts (its lease or session is over); returns them. `revoke` keeps them. */
	forget(key: string): Traffic {
		return this.meter.forget(key);
	}

	/** Open relayed connections of one key. */
	openConnections(key: string): number {
		return this.registry.openFor(key);
	}

	/** Stop listening and close every connection. Safe to call twice. */
	async stop(): Promise<void> {
		this.stopping ??= this.doStop();
		return this.stopping;
	}

	private async doStart(): Promise<FrontPorts> {
		const {host, socksPort = 0} = this.options;
		await new Promise<void>((resolve, reject) => {
			this.socks.once('error', reject);
			this.socks.listen({host, port: socksPort}, () => {
				this.socks.off('error', reject);
				resolve();
			});
		});
		try {
			const httpPort = await this.http.listen();
			const address = this.socks.address();
			return {socksPort: typeof address === 'object' && address ? address.port : socksPort, httpPort};
		} catch (error) {
			this.socks.close();
			throw error;
		}
	}

	private async doStop(): Promise<void> {
		await this.starting?.catch(() => undefined);
		this.registry.closeAll();
		// Connections still in their handshake (waiting for a lease, say) are not in the registry yet.
		for (const socket of this.socksSockets) {
			socket.destroy();
		}

		const socksClosed = new Promise<void>(resolve => {
			this.socks.close(() => {
				resolve();
			});
		});
		await Promise.all([socksClosed, this.http.close().catch(() => undefined)]);
	}

	private refused(protocol: 'socks5' | 'http', reason: FrontRefusalReason, clientAddress: string): void {
		this.refusedCounts[reason]++;
		this.emit('refused', {protocol, reason, clientAddress});
	}

	private relayed(protocol: 'socks5' | 'http', key: string): void {
		this.relayedCount++;
		this.emit('relayed', protocol, key);
	}
}
