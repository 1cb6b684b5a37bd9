import type net from 'node:net';
import {ByteReader} from './byte-reader.js';
import {startTcpTestServer} from './tcp-test-server.js';
import {testCertificate} from './test-certificate.js';

export type RawHttpTestServer = {
	port: number;
	/** The request heads received, in order. */
	requests: string[];
	close(): Promise<void>;
};

/**
 * An HTTP/1.1 server on 127.0.0.1 that writes hand-made responses, so tests control every byte:
 * `/length` (Content-Length), `/chunked` (chunked, sent in pieces, with extension and trailer),
 * `/close` (no length, body ends at close), `/interim` (100 Continue first), `/not-found` (404),
 * `/malformed` (bad status line), `/truncated` (closes before Content-Length is reached),
 * `/hang` (never answers). With `tls` set it speaks HTTPS with the test certificate.
 */
export async function startRawHttpTestServer(options: {tls?: boolean} = {}): Promise<RawHttpTestServer> {
	const requests: string[] = [];
	async function serve(socket: net.Socket): Promise<void> {
		const head = (await new ByteReader(socket).takeThrough('\r\n\r\n')).toString('latin1');
		requests.push(head);
		const path = head.split(' ')[1] ?? '/';
		const bodyFor = '{"IsTor":true,"IP":"127.0.0.9"}';
		switch (path) {
			case '/length': {
				socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${bodyFor.length}\r\n\r\n${bodyFor}`);
				break;
			}

			case '/chunked': {
				socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel');
				setImmediate(() => {
					socket.write('lo\r\n7\r\n, wörl\r\n');
					setImmediate(() => {
						socket.end('1\r\nd\r\n0\r\nX-Trailer: yes\r\n\r\n');
					});
				});
				break;
			}

			case '/close': {
				socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n127.0.0.7');
				setImmediate(() => socket.end('\n'));
				break;
			}

			case '/interim': {
				socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
				break;
			}

			case '/not-found': {
				socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found');
				break;
			}

			case '/malformed': {
				socket.end('HTTP/9 banana\r\n\r\n');
				break;
			}

			case '/truncated': {
				socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
				break;
			}

			case '/hang': {
				break;
			}

			default: {
				socket.end('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nroot');
			}
		}
	}

	const server = await startTcpTestServer(socket => {
		void serve(socket).catch(() => socket.destroy());
	}, {tls: options.tls ? {key: testCertificate.key, cert: testCertificate.cert} : undefined});
	return {port: server.port, requests, close: async () => server.close()};
}
