import net from 'node:net';
import tls from 'node:tls';

export type TcpTestServer = {
	/** The port it listens on, on 127.0.0.1 (still readable after close). */
	readonly port: number;
	/** Connections open now: the accepted ones and any passed to `track`. */
	readonly sockets: ReadonlySet<net.Socket>;
	/** Destroy this socket too on close (an upstream connection, say); its errors are ignored. */
	track(socket: net.Socket): void;
	/** Stop listening and destroy every open socket; resolves once the server has closed. Idempotent. */
	close(): Promise<void>;
};

/**
 * A TCP server on 127.0.0.1 for tests, on a free port unless `port` is given (speaking TLS with
 * `tls`; keeping its side open after the client's end with `allowHalfOpen`). Each accepted connection is tracked, then handed to `handle`; `close()` does not wait for
 * clients to hang up.
 */
export async function startTcpTestServer(
	handle: (socket: net.Socket, server: TcpTestServer) => void,
	options: {port?: number; tls?: tls.TlsOptions; allowHalfOpen?: boolean} = {},
): Promise<TcpTestServer> {
	const sockets = new Set<net.Socket>();
	const track = (socket: net.Socket): void => {
		sockets.add(socket);
		socket.on('error', () => undefined);
		socket.on('close', () => sockets.delete(socket));
	};

	let closing: Promise<void> | undefined;
	const server = {
		port: 0,
		sockets,
		track,
		async close(): Promise<void> {
			closing ??= new Promise<void>(resolve => {
				// Stop accepting first, so nothing new arrives while the open sockets are destroyed.
				listener.close(() => {
					resolve();
				});
				for (const socket of sockets) {
					socket.destroy();
				}
			});
			return closing;
		},
	};

	const accept = (socket: net.Socket): void => {
		track(socket);
		handle(socket, server);
	};

	const listener = options.tls ? tls.createServer(options.tls, accept) : net.createServer({allowHalfOpen: options.allowHalfOpen ?? false}, accept);
	if (options.tls) {
		// Connections still in their TLS handshake are closed too.
		listener.on('connection', track);
	}

	await new Promise<void>((resolve, reject) => {
		listener.once('error', reject);
		listener.listen({host: '127.0.0.1', port: options.port ?? 0}, () => {
			listener.off('error', reject);
			resolve();
		});
	});
	const address = listener.address();
	if (address === null || typeof address === 'string') {
		await server.close();
		throw new Error('no TCP address');
	}

	server.port = address.port;
	return server;
}
