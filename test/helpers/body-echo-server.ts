import http from 'node:http';
import {startTcpTestServer} from './tcp-test-server.js';

export type BodyEchoServer = {
	port: number;
	/** The body received so far for the request to `path` (it grows as the body streams in). */
	received(path: string): string | undefined;
	close(): Promise<void>;
};

/**
 * An HTTP server on 127.0.0.1 (on a free port, which the testnet's exits accept) that answers every
 * request, any method, once its body has arrived: `{"IsTor":true,"IP":"<the peer>","method",
 * "url","body"}`, so `parseCheckBody` reads the exit from it as from the echo server. Reached through
 * Tor as `[::ffff:127.0.0.1]` or the testnet's name for it, it sees each exit's own address. It keeps
 * idle connections for two minutes, so a test can hold a tunnel open between requests.
 */
export async function startBodyEchoServer(): Promise<BodyEchoServer> {
	const bodies = new Map<string, string>();
	const server = http.createServer((request, response) => {
		const url = request.url ?? '';
		let body = '';
		bodies.set(url, body);
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
			bodies.set(url, body);
		});
		request.on('end', () => {
			const ip = (request.socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
			const text = JSON.stringify({IsTor: true, IP: ip, method: request.method, url, body});
			response.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)}).end(text);
		});
	});
	server.keepAliveTimeout = 120_000;
	// The TCP side (a free port, every socket destroyed on close) is the shared test server's.
	const tcp = await startTcpTestServer(socket => {
		server.emit('connection', socket);
	});
	return {
		port: tcp.port,
		received: path => bodies.get(path),
		close: async () => tcp.close(),
	};
}
