import {EventEmitter} from 'node:events';
import type http from 'node:http';
import {Client, type ClientOptions} from '../core/client.js';
import {listen} from '../core/listen.js';
import {Front} from '../front/front.js';
import type {FrontRefusal} from '../front/front-events.js';
import {createControlApi} from './control-api.js';
import {gatewayAccess} from './gateway-access.js';
import type {DefaultSessionPolicy} from './session-choice.js';
import {SessionPorts, type PortRange} from './session-ports.js';
import {SessionTable, type SessionTableEvents} from './session-table.js';
import {WarmLeases} from './warm-leases.js';

export type GatewayOptions = {
	redis?: ClientOptions['redis'];
	namespace?: string;
	clientTimings?: ClientOptions['timings'];
	/** Address the proxy ports listen on (default 127.0.0.1). */
	host?: string;
	/** HTTP proxy port (0: a free one). */
	httpPort?: number;
	/** SOCKS5 port (0: a free one). */
	socksPort?: number;
	/** Control API port on 127.0.0.1 (0: a free one; undefined: no API). */
	apiPort?: number;
	sessionPorts?: PortRange;
	defaultSession?: DefaultSessionPolicy;
	sessionIdleMs?: number;
	leaseTimeoutMs?: number;
	warm?: number;
	/** Proxy password and API bearer token. */
	token?: string;
};

export type GatewayAddresses = {
	readonly host: string;
	readonly httpPort: number;
	readonly socksPort: number;
	readonly apiPort?: number;
	readonly sessionPorts?: PortRange;
};

export type GatewayEvents = SessionTableEvents & {
	/** The front kept a connection out (bad credentials, no lease in time, ...). */
	'connection-refused': [FrontRefusal];
	/** Trouble that concerns no single session (the Redis connection, say). */
	warning: [Error];
};

const sweepIntervalMs = 1000;

/**
 * `nightcrawler gateway` as a library: one HTTP proxy port and one SOCKS5 port for every tool, each
 * connection relayed through its session's exclusive lease; a control API on loopback.
 */
export class Gateway extends EventEmitter<GatewayEvents> {
	readonly client: Client;
	readonly table: SessionTable;
	readonly front: Front;
	private readonly leases: WarmLeases;
	private readonly ports: SessionPorts | undefined;
	private readonly api: http.Server | undefined;
	private readonly offs: Array<() => void> = [];
	private sweeper: NodeJS.Timeout | undefined;
	private starting: Promise<GatewayAddresses> | undefined;
	private stopping: Promise<void> | undefined;

	constructor(private readonly options: GatewayOptions = {}) {
		super();
		const host = options.host ?? '127.0.0.1';
		const leaseTimeoutMs = options.leaseTimeoutMs ?? 30_000;
		this.client = new Client({redis: options.redis, namespace: options.namespace, timings: options.clientTimings});
		this.leases = new WarmLeases(this.client, options.warm ?? 0);
		// The front is made below; the table reaches its connections through it.
		const connections = {
			open: (key: string) => this.front.openConnections(key),
			revoke: (key: string) => this.front.revoke(key),
			traffic: (key: string) => this.front.traffic(key),
			forget: (key: string) => this.front.forget(key),
		};
		this.table = new SessionTable({leases: this.leases, connections, leaseTimeoutMs, idleMs: options.sessionIdleMs ?? 10 * 60_000, freshGraceMs: 5000});
		// A connection may wait for its session's lease during its handshake.
		const handshakeTimeoutMs = leaseTimeoutMs + 10_000;
		this.front = new Front({
			host,
			httpPort: options.httpPort,
			socksPort: options.socksPort,
			access: gatewayAccess(this.table, {token: options.token, defaultSession: options.defaultSession ?? 'fresh', sessionPorts: options.sessionPorts}),
			limits: {handshakeTimeoutMs},
		});
		this.ports = options.sessionPorts && new SessionPorts(host, options.sessionPorts, (socket, protocol) => {
			this.front.accept(socket, protocol);
		}, handshakeTimeoutMs);
		this.api = options.apiPort === undefined ? undefined : createControlApi({table: this.table, token: options.token, health: () => this.health()});
		this.forward();
	}

	/** Leases held ready for new sessions (`warm`). */
	get warmLeases(): number {
		return this.leases.ready;
	}

	/** What GET /health reports. */
	health(): Record<string, unknown> {
		const sessions = this.table.list();
		return {
			client: this.client.status,
			sessions: sessions.length,
			leased: sessions.filter(session => session.phase === 'leased').length,
			waiting: sessions.filter(session => session.phase !== 'leased').length,
			warm: this.leases.ready,
			openConnections: this.front.stats.open,
			relayed: this.front.stats.relayed,
		};
	}

	/** Connect to the cluster, then listen; resolves with where it listens. A second call waits for the first. */
	async start(): Promise<GatewayAddresses> {
		this.starting ??= this.doStart();
		return this.starting;
	}

	/** Close every session, give every lease back, stop listening. Safe to call twice. */
	async stop(): Promise<void> {
		this.stopping ??= this.doStop();
		return this.stopping;
	}

	private async doStart(): Promise<GatewayAddresses> {
		await this.client.start();
		const {httpPort, socksPort} = await this.front.start();
		await this.ports?.listen();
		const apiPort = this.api ? await listenApi(this.api, this.options.apiPort ?? 0) : undefined;
		this.leases.start();
		this.sweeper = setInterval(() => {
			this.table.sweep();
		}, sweepIntervalMs);
		this.sweeper.unref();
		return {host: this.options.host ?? '127.0.0.1', httpPort, socksPort, apiPort, sessionPorts: this.options.sessionPorts};
	}

	private async doStop(): Promise<void> {
		await this.starting?.catch(() => undefined);
		clearInterval(this.sweeper);
		await new Promise<void>(resolve => {
			if (!this.api?.listening) {
				resolve();
				return;
			}

			this.api.close(() => {
				resolve();
			});
			this.api.closeAllConnections();
		});
		await this.ports?.close();
		await this.front.stop();
		await this.table.stop();
		await this.leases.stop();
		await this.client.close();
		for (const off of this.offs.splice(0)) {
			off();
		}
	}

	private forward(): void {
		const {table} = this;
		this.offs.push(
			listen(table, 'opened', view => this.emit('opened', view)),
			listen(table, 'leased', view => this.emit('leased', view)),
			listen(table, 'lease-lost', (key, exitIp, reason) => this.emit('lease-lost', key, exitIp, reason)),
			listen(table, 'moved', (view, previous) => this.emit('moved', view, previous)),
			listen(table, 'rotated', change => this.emit('rotated', change)),
			listen(table, 'closed', (key, reason, traffic) => this.emit('closed', key, reason, traffic)),
			listen(table, 'refused', (key, message) => this.emit('refused', key, message)),
			listen(this.front, 'relayed', (_protocol, key) => {
				table.noteRelayed(key);
			}),
			listen(this.front, 'refused', refusal => this.emit('connection-refused', refusal)),
			listen(this.client, 'proxy-error', error => this.emit('warning', error)),
		);
	}
}

async function listenApi(server: http.Server, port: number): Promise<number> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({host: '127.0.0.1', port}, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	return typeof address === 'object' && address ? address.port : port;
}
