import net from 'node:net';
import {ByteReader} from './byte-reader.js';
import {startTcpTestServer} from './tcp-test-server.js';

export type ConnectRequest = {target: string; proxyAuthorization: string | undefined};

export type ConnectTestServer = {
	port: number;
	requests: ConnectRequest[];
	close(): Promise<void>;
};

/**
 * A tiny HTTP CONNECT proxy on 127.0.0.1 for tests (loopback targets only). With `requireAuth` set,
 * a request without `Proxy-Authorization` gets 407.
 */
export async function startConnectTestServer(options: {requireAuth?: boolean} = {}): Promise<ConnectTestServer> {
	const requests: ConnectRequest[] = [];
	async function serve(socket: net.Socket, track: (socket: net.Socket) => void): Promise<void> {
		const reader = new ByteReader(socket);
		const head = (await reader.takeThrough('\r\n\r\n')).toString('latin1');
		const [requestLine = '', ...headerLines] = head.split('\r\n');
		const target = requestLine.split(' ')[1] ?? '';
		const proxyAuthorization = headerLines
			.find(line => line.toLowerCase().startsWith('proxy-authorization:'))
			?.slice('proxy-authorization:'.length)
			.trim();
		requests.push({target, proxyAuthorization});
		if (options.requireAuth && proxyAuthorization === undefined) {
			socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
			return;
		}

		const match = /^\[?([^\]]+)\]?:(\d+)$/.exec(target);
		const host = match?.[1] ?? '';
		if (!host.startsWith('127.') && !host.startsWith('::ffff:7f') && host !== 'localhost') {
			socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
			return;
		}

		const upstream = net.connect({host: host === 'localhost' ? '127.0.0.1' : host, port: Number(match?.[2])});
		track(upstream);
		upstream.once('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
		upstream.once('connect', () => {
			socket.write('HTTP/1.0 200 Connection established\r\n\r\n');
			const rest = reader.detach();
			if (rest.length > 0) {
				upstream.write(rest);
			}

			socket.pipe(upstream);
			upstream.pipe(socket);
			socket.resume();
		});
	}

	const server = await startTcpTestServer((socket, {track}) => {
		void serve(socket, track).catch(() => socket.destroy());
	});
	return {port: server.port, requests, close: async () => server.close()};
}
