import http from 'node:http';

export type EchoServer = {
	port: number;
	/** `http://[::ffff:127.0.0.1]:PORT/`: the form that makes each exit's own source address visible. */
	checkUrl: string;
	close(): Promise<void>;
};

/**
 * An HTTP server on 127.0.0.1 that answers every GET like check.torproject.org/api/ip:
 * `{"IsTor":true,"IP":"<the peer's address>"}` (IPv4-mapped addresses shown as plain IPv4).
 */
export async function startEchoServer(options: {port?: number} = {}): Promise<EchoServer> {
	const server = http.createServer((request, response) => {
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, {allow: 'GET, HEAD', 'content-type': 'text/plain'}).end('method not allowed\n');
			return;
		}

		const address = (request.socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
		const body = JSON.stringify({IsTor: true, IP: address});
		response.writeHead(200, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(body),
			'cache-control': 'no-store',
		}).end(request.method === 'HEAD' ? undefined : body);
	});
	server.keepAliveTimeout = 1000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({host: '127.0.0.1', port: options.port ?? 0}, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string') {
		server.close();
		throw new Error('the echo server has no TCP address');
	}

	const {port} = address;

	let closing: Promise<void> | undefined;
	return {
		port,
		checkUrl: `http://[::ffff:127.0.0.1]:${port}/`,
		async close() {
			closing ??= new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			});
			return closing;
		},
	};
}
