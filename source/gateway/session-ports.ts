import net from 'node:net';
import type {FrontProtocol} from '../front/front-access.js';

export type PortRange = {readonly first: number; readonly last: number};

/** SOCKS5 greetings start with the version byte 5; anything else is taken for HTTP. */
export function protocolOf(firstByte: number | undefined): FrontProtocol {
	return firstByte === 0x05 ? 'socks5' : 'http';
}

/**
 * One listener per port of a range, each a sticky session of its own for tools that cannot send
 * credentials (Chromium). A connection is handed to the front as SOCKS5 or HTTP by its first byte.
 */
export class SessionPorts {
	private readonly servers: net.Server[] = [];
	private readonly sockets = new Set<net.Socket>();

	constructor(
		private readonly host: string,
		private readonly range: PortRange,
		private readonly accept: (socket: net.Socket, protocol: FrontProtocol) => void,
		private readonly handshakeTimeoutMs: number,
	) {}

	async listen(): Promise<void> {
		try {
			for (let port = this.range.first; port <= this.range.last; port++) {
				// eslint-disable-next-line no-await-in-loop
				this.servers.push(await this.listenOn(port));
			}
		} catch (error) {
			await this.close();
			throw error;
		}
	}

	async close(): Promise<void> {
		// A server closes once its connections are gone: end the ones it accepted (sniffing or served).
		for (const socket of this.sockets) {
			socket.destroy();
		}

		await Promise.all(this.servers.splice(0).map(async server => new Promise<void>(resolve => {
			server.close(() => {
				resolve();
			});
		})));
	}

	private async listenOn(port: number): Promise<net.Server> {
		const server = net.createServer({allowHalfOpen: true, pauseOnConnect: true}, socket => {
			this.sniff(socket);
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen({host: this.host, port}, () => {
				server.off('error', reject);
				resolve();
			});
		});
		return server;
	}

	private sniff(socket: net.Socket): void {
		socket.on('error', () => undefined);
		this.sockets.add(socket);
		socket.once('close', () => this.sockets.delete(socket));
		const timer = setTimeout(() => socket.destroy(), this.handshakeTimeoutMs);
		socket.once('close', () => {
			clearTimeout(timer);
		});
		socket.once('readable', () => {
			clearTimeout(timer);
			const chunk = socket.read() as Buffer | null;
			if (chunk === null) {
				socket.destroy();
				return;
			}

			socket.unshift(chunk);
			const protocol = protocolOf(chunk[0]);
			this.accept(socket, protocol);
			// The SOCKS5 side reads in paused mode; the HTTP server expects a flowing socket.
			if (protocol === 'http') {
				socket.resume();
			}
		});
	}
}
