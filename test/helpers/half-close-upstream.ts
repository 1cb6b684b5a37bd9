import net from 'node:net';
import {ByteReader} from './byte-reader.js';
import {startTcpTestServer} from './tcp-test-server.js';

export type HalfCloseUpstream = {
	port: number;
	close(): Promise<void>;
};

/**
 * A SOCKS5 server on 127.0.0.1 (no authentication) that is itself the far end of every CONNECT: it
 * says the tunnel is open, reads until the client's end of the stream (its FIN), and only then
 * answers `received: <what it read>` and ends. A relay that does not pass a half-close on gets no
 * answer; one that closes both ways when the client ends loses the answer.
 */
export async function startHalfCloseUpstream(): Promise<HalfCloseUpstream> {
	return startTcpTestServer(socket => {
		void serve(socket).catch(() => socket.destroy());
	}, {allowHalfOpen: true});
}

async function serve(socket: net.Socket): Promise<void> {
	const reader = new ByteReader(socket);
	const [, methodCount = 0] = await reader.take(2);
	await reader.take(methodCount);
	socket.write(Buffer.from([5, 0]));
	const [, , , addressType = 0] = await reader.take(4);
	const addressLength = addressType === 1 ? 4 : addressType === 4 ? 16 : (await reader.take(1))[0] ?? 0;
	await reader.take(addressLength + 2);
	socket.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
	// The client sends only once it has the reply, so nothing of it has arrived yet.
	const chunks: Buffer[] = [reader.detach()];
	socket.on('data', (chunk: Buffer) => chunks.push(chunk));
	socket.once('end', () => {
		socket.end(`received: ${Buffer.concat(chunks).toString('utf8')}`);
	});
	socket.resume();
}
