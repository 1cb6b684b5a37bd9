import type net from 'node:net';
import {RequestError, Server} from 'proxy-chain';
import type {Upstream} from './front-access.js';
import type {FrontContext} from './front-context.js';
import type {FrontRefusalReason} from './front-events.js';
import {noTraffic, TrafficMeter} from './traffic-meter.js';

type Tracked = {key: string; release: () => void; stopCounting: () => void};

/** Node's HTTP parser errors that are not simply "malformed": a head too long, a head cut short by the client's end. */
const clientErrorReasons: Partial<Record<string, FrontRefusalReason>> = {
	HPE_HEADER_OVERFLOW: 'oversized',
	HPE_INVALID_EOF_STATE: 'truncated',
};

/**
 * The front's HTTP proxy port: CONNECT tunnels and absolute-URI requests (`GET http://…`, every
 * method, bodies streamed), each authenticated with `Proxy-Authorization: Basic` and relayed through
 * the upstream SOCKS5 server its credentials pick. proxy-chain does the HTTP proxying (it
 * authenticates per request and chains to a SOCKS upstream); this adds the access check, the
 * connection bounds, the time-outs and revocation.
 */
export class HttpFront {
	readonly server: Server;
	/** proxy-chain connection id → the key its last request was granted. */
	private readonly tracked = new Map<number, Tracked>();
	/** Connections that have not sent a complete request head yet. */
	private readonly handshakeTimers = new WeakMap<net.Socket, NodeJS.Timeout>();

	constructor(
		host: string,
		port: number,
		private readonly context: FrontContext,
	) {
		this.server = new Server({
			host,
			port,
			authRealm: 'nightcrawler',
			prepareRequestFunction: async ({request, username, password, connectionId}) => this.prepare(request, connectionId, username, password),
		});
		const http = this.server.server;
		http.on('connection', (socket: net.Socket) => {
			this.watchHandshake(socket);
		});
		// Node may report one bad connection more than once (a header overflow, again for each chunk
		// that follows): it is one refusal.
		const counted = new WeakSet<net.Socket>();
		http.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
			if (error.code !== 'ECONNRESET' && !counted.has(socket)) {
				counted.add(socket);
				// Refused now: not again when its handshake time runs out.
				clearTimeout(this.handshakeTimers.get(socket));
				context.refused(clientErrorReasons[error.code ?? ''] ?? 'malformed', socket.remoteAddress ?? '');
			}
		});
		this.server.on('connectionClosed', ({connectionId}: {connectionId: number}) => {
			const tracked = this.tracked.get(connectionId);
			tracked?.stopCounting();
			tracked?.release();
			this.tracked.delete(connectionId);
		});
	}

	async listen(): Promise<number> {
		await this.server.listen();
		return this.server.port;
	}

	async close(): Promise<void> {
		await this.server.close(true);
	}

	private async prepare(request: {socket: net.Socket}, connectionId: number, username: string, password: string) {
		const {socket} = request;
		const clientAddress = socket.remoteAddress ?? '';
		this.handshakeDone(socket);
		const sent = username !== '' || password !== '';
		const grant = await this.context.access({protocol: 'http', credentials: sent ? {username, password} : undefined, clientAddress, localPort: socket.localPort ?? 0});
		if (!grant.ok) {
			this.context.refused(grant.reason, clientAddress);
			if (grant.reason === 'unavailable') {
				throw new RequestError(grant.message ?? 'No proxy is available for these credentials now.', 503);
			}

			return {requestAuthentication: true, failMsg: grant.reason === 'no-credentials' ? 'Proxy credentials required.' : 'Proxy credentials refused.'};
		}

		const previous = this.tracked.get(connectionId);
		if (previous?.key !== grant.key) {
			// A kept-alive connection may carry another lease's credentials in a later request.
			previous?.stopCounting();
			previous?.release();
			this.tracked.delete(connectionId);
			const place = this.context.registry.admit(grant.key, () => {
				this.server.closeConnection(connectionId);
			});
			if (place.admission !== 'ok') {
				this.context.refused(place.admission, clientAddress);
				throw place.admission === 'key-full'
					? new RequestError('Too many open connections for this lease.', 429)
					: new RequestError('The proxy has too many open connections.', 503);
			}

			// Its bytes so far (this request's head included) were the previous key's.
			const stopCounting = this.context.traffic.track(grant.key, socket, previous ? TrafficMeter.countsOf(socket) : noTraffic);
			this.tracked.set(connectionId, {key: grant.key, release: place.release, stopCounting});
		}

		this.context.relayed(grant.key);
		return {upstreamProxyUrl: socksUrl(grant.upstream)};
	}

	/** A connection that sends no complete request head within the handshake time-out is closed. */
	private watchHandshake(socket: net.Socket): void {
		const timer = setTimeout(() => {
			this.context.refused('handshake-timeout', socket.remoteAddress ?? '');
			socket.destroy();
		}, this.context.handshakeTimeoutMs);
		timer.unref();
		socket.once('close', () => {
			clearTimeout(timer);
		});
		this.handshakeTimers.set(socket, timer);
	}

	private handshakeDone(socket: net.Socket): void {
		clearTimeout(this.handshakeTimers.get(socket));
		this.handshakeTimers.delete(socket);
		socket.setTimeout(this.context.idleTimeoutMs);
	}
}

function socksUrl({host, port, username, password}: Upstream): string {
	const auth = username === undefined ? '' : `${encodeURIComponent(username)}:${encodeURIComponent(password ?? '')}@`;
	return `socks5h://${auth}${host.includes(':') ? `[${host}]` : host}:${port}`;
}
