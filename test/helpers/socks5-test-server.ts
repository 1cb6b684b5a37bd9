import net from 'node:net';
import {ByteReader} from './byte-reader.js';
import {startTcpTestServer} from './tcp-test-server.js';

export type Socks5Request = {
	addressType: number;
	host: string;
	port: number;
	username: string | undefined;
	password: string | undefined;
};

export type Socks5TestServer = {
	port: number;
	requests: Socks5Request[];
	close(): Promise<void>;
};

/**
 * A tiny SOCKS5 server on 127.0.0.1 for tests: records each CONNECT request and tunnels to the target
 * (loopback only). `requireAuth` demands username/password; `replyCode` makes every CONNECT fail;
 * `silent` accepts connections and never answers.
 */
export async function startSocks5TestServer(options: {requireAuth?: boolean; replyCode?: number; silent?: boolean} = {}): Promise<Socks5TestServer> {
	const requests: Socks5Request[] = [];
	async function serve(socket: net.Socket, track: (socket: net.Socket) => void): Promise<void> {
		const reader = new ByteReader(socket);
		const [, methodCount = 0] = await reader.take(2);
		const methods = [...await reader.take(methodCount)];
		const wanted = options.requireAuth ? 0x02 : 0x00;
		if (!methods.includes(wanted)) {
			socket.end(Buffer.from([0x05, 0xFF]));
			return;
		}

		socket.write(Buffer.from([0x05, wanted]));
		let username: string | undefined;
		let password: string | undefined;
		if (wanted === 0x02) {
			const [, userLength = 0] = await reader.take(2);
			username = (await reader.take(userLength)).toString('utf8');
			const [passLength = 0] = await reader.take(1);
			password = (await reader.take(passLength)).toString('utf8');
			const accepted = password !== 'wrong';
			socket.write(Buffer.from([0x01, accepted ? 0x00 : 0x01]));
			if (!accepted) {
				socket.end();
				return;
			}
		}

		const [, , , addressType = 0] = await reader.take(4);
		let host: string;
		if (addressType === 0x01) {
			host = [...await reader.take(4)].join('.');
		} else if (addressType === 0x04) {
			const bytes = await reader.take(16);
			host = Array.from({length: 8}, (_, index) => bytes.readUInt16BE(index * 2).toString(16)).join(':');
		} else {
			const [length = 0] = await reader.take(1);
			host = (await reader.take(length)).toString('utf8');
		}

		const port = (await reader.take(2)).readUInt16BE();
		requests.push({addressType, host, port, username, password});
		const reply = (code: number): Buffer => Buffer.from([0x05, code, 0x00, 0x01, 127, 0, 0, 1, 0, 0]);
		if (options.replyCode !== undefined) {
			socket.end(reply(options.replyCode));
			return;
		}

		const targetHost = host === 'localhost' ? '127.0.0.1' : host;
		if (!targetHost.startsWith('127.') && !targetHost.startsWith('0:0:0:0:0:ffff:7f')) {
			socket.end(reply(0x02));
			return;
		}

		const target = net.connect({host: targetHost, port});
		track(target);
		target.once('error', () => socket.end(reply(0x05)));
		target.once('connect', () => {
			socket.write(reply(0x00));
			const rest = reader.detach();
			if (rest.length > 0) {
				target.write(rest);
			}

			socket.pipe(target);
			target.pipe(socket);
			socket.resume();
		});
	}

	const server = await startTcpTestServer((socket, {track}) => {
		if (!options.silent) {
			void serve(socket, track).catch(() => socket.destroy());
		}
	});
	return {port: server.port, requests, close: async () => server.close()};
}
