import net from 'node:net';
import {ByteReader} from './byte-reader.js';
import {startTcpTestServer, type TcpTestServer} from './tcp-test-server.js';

/**
 * Pretend exits for a memory backend's proxies: SOCKS5 servers on the ports a `MemoryBackend({count,
 * basePort})` gives its proxies (`basePort + 2 * index`), so a provider's front can really relay
 * through them. Each accepts any authentication and any CONNECT, then answers every HTTP request on
 * the tunnel itself with `{"standIn": <its port>}`: a request's answer says which proxy it left from.
 */
export type ExitStandIns = {
	/** The `basePort` to give the memory backend. */
	readonly basePort: number;
	readonly ports: readonly number[];
	/** CONNECT requests each stand-in took, by port. */
	readonly connects: ReadonlyMap<number, number>;
	close(): Promise<void>;
};

/** The stand-in port an answer names (undefined when it is no stand-in's answer). */
export function standInOf(body: string): number | undefined {
	const match = /\{"standIn":(\d+)\}/.exec(body);
	return match?.[1] === undefined ? undefined : Number(match[1]);
}

async function serve(socket: net.Socket, port: number, count: () => void): Promise<void> {
	const reader = new ByteReader(socket);
	const [, methodCount = 0] = await reader.take(2);
	const methods = [...await reader.take(methodCount)];
	const method = methods.includes(0x02) ? 0x02 : 0x00;
	socket.write(Buffer.from([0x05, method]));
	if (method === 0x02) {
		const [, userLength = 0] = await reader.take(2);
		await reader.take(userLength);
		const [passLength = 0] = await reader.take(1);
		await reader.take(passLength);
		socket.write(Buffer.from([0x01, 0x00]));
	}

	const [, , , addressType = 0] = await reader.take(4);
	const addressLength = addressType === 0x01 ? 4 : (addressType === 0x04 ? 16 : (await reader.take(1))[0] ?? 0);
	await reader.take(addressLength + 2);
	count();
	socket.write(Buffer.from([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0, 0]));
	// The tunnel: answer each request head (no bodies: GETs) with this stand-in's port.
	let pending = reader.detach().toString('latin1');
	const answer = (): void => {
		for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
			pending = pending.slice(end + 4);
			const body = `{"standIn":${port}}`;
			socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
		}
	};

	answer();
	socket.on('data', (chunk: Buffer) => {
		pending += chunk.toString('latin1');
		answer();
	});
	socket.resume();
}

/** Start `count` stand-ins on `basePort + 2 * index` for a free even base in 20000-29999 (another base when one is taken). */
export async function startExitStandIns(count: number): Promise<ExitStandIns> {
	for (let attempt = 1; ; attempt++) {
		const basePort = 20_000 + (2 * Math.floor(Math.random() * 5000));
		const servers: TcpTestServer[] = [];
		const connects = new Map<number, number>();
		try {
			for (let index = 0; index < count; index++) {
				const port = basePort + (2 * index);
				connects.set(port, 0);
				// eslint-disable-next-line no-await-in-loop
				servers.push(await startTcpTestServer(socket => {
					void serve(socket, port, () => connects.set(port, (connects.get(port) ?? 0) + 1)).catch(() => socket.destroy());
				}, {port}));
			}

			return {basePort, ports: servers.map(server => server.port), connects, close: async () => {
				await Promise.all(servers.map(async server => server.close()));
			}};
		} catch (error) {
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(servers.map(async server => server.close()));
			if (attempt >= 10 || !(error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')) {
				throw error;
			}
		}
	}
}
