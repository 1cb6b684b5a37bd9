import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {testCertificate} from './test-certificate.js';

/** One request as the proxy received it: `GET http://…` (absolute URI) or `CONNECT host:port`. */
export type ProxiedRequest = {method: string; target: string; proxyAuthorization?: string};

export type RecordingProxy = {
	/** `http://127.0.0.1:PORT` */
	url: string;
	requests: ProxiedRequest[];
	close(): Promise<void>;
};

export type RecordingProxyOptions = {
	/**
	 * Where the proxy relays, by the `host:port` the client asked for: each to a port on 127.0.0.1.
	 * Anything else is answered 502 and relayed nowhere, so a test's targets can have names (or
	 * ports) that only this proxy knows, and a client that goes direct cannot reach them.
	 */
	routes: Record<string, number>;
	/** Answer every request 403 after recording it. */
	refuse?: boolean;
};

/**
 * A small HTTP proxy for tests (CONNECT and absolute-URI requests) that records what it is asked,
 * Proxy-Authorization included, and relays only to its routes.
 */
export async function startRecordingProxy({routes, refuse = false}: RecordingProxyOptions): Promise<RecordingProxy> {
	const requests: ProxiedRequest[] = [];
	const sockets = new Set<net.Socket>();
	const record = (request: http.IncomingMessage, target: string) => {
		requests.push({method: request.method ?? '', target, proxyAuthorization: request.headers['proxy-authorization']});
	};

	const server = http.createServer((request, response) => {
		let url: URL;
		try {
			url = new URL(request.url ?? '');
		} catch {
			response.writeHead(400).end('not an absolute URI\n');
			return;
		}

		const target = `${url.hostname}:${url.port || '80'}`;
		record(request, url.href);
		const port = routes[target];
		if (refuse || port === undefined) {
			response.writeHead(refuse ? 403 : 502).end(refuse ? 'refused\n' : `no route to ${target}\n`);
			return;
		}

		const headers = {...request.headers};
		delete headers['proxy-authorization'];
		delete headers['proxy-connection'];
		const upstream = http.request({host: '127.0.0.1', port, method: request.method, path: `${url.pathname}${url.search}`, headers}, answer => {
			response.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(response);
		});
		upstream.on('error', () => response.destroy());
		request.pipe(upstream);
	});
	server.on('connection', socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.on('connect', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
		const target = request.url ?? '';
		record(request, target);
		const port = routes[target];
		socket.on('error', () => undefined);
		if (refuse || port === undefined) {
			socket.end(`HTTP/1.1 ${refuse ? '403 Forbidden' : '502 Bad Gateway'}\r\ncontent-length: 0\r\n\r\n`);
			return;
		}

		const upstream = net.connect(port, '127.0.0.1', () => {
			socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			upstream.write(head);
			upstream.pipe(socket);
			socket.pipe(upstream);
		});
		sockets.add(upstream);
		upstream.on('close', () => {
			sockets.delete(upstream);
			socket.destroy();
		});
		upstream.on('error', () => socket.destroy());
	});

	const port = await listen(server);
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		async close() {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		},
	};
}

export type RecordingTarget = {
	port: number;
	/** `host` header and path of every request it answered. */
	requests: Array<{host?: string; path: string}>;
	close(): Promise<void>;
};

/**
 * A target that answers `reached <path>` and records every request; over TLS with the test
 * certificate (localhost, 127.0.0.1) when `tls` is set. Listens on 127.0.0.1, or `host`.
 */
export async function startRecordingTarget({tls = false, host = '127.0.0.1'}: {tls?: boolean; host?: string} = {}): Promise<RecordingTarget> {
	const requests: RecordingTarget['requests'] = [];
	const answer = (request: http.IncomingMessage, response: http.ServerResponse) => {
		requests.push({host: request.headers.host, path: request.url ?? ''});
		response.writeHead(200, {'content-type': 'text/plain', connection: 'close'}).end(`reached ${request.url ?? ''}\n`);
	};

	const server = tls ? https.createServer({...testCertificate}, answer) : http.createServer(answer);
	const port = await listen(server, host);
	return {
		port,
		requests,
		async close() {
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			});
		},
	};
}

async function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string') {
		throw new Error('the test server has no TCP address');
	}

	return address.port;
}
