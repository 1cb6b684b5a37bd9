import net from 'node:net';
import {startTcpTestServer} from './tcp-test-server.js';

export type BlackholeRelay = {
	/** The port it listens on, on 127.0.0.1. */
	readonly port: number;
	/** Connections accepted so far (a reconnect through the relay adds one). */
	readonly accepted: number;
	/** Bytes forwarded from clients to the target so far. */
	readonly forwarded: number;
	/**
	 * Stop forwarding on the connections open now whose first bytes from the client match `where`
	 * (all of them by default), keeping their sockets open and ignoring their FIN: a half-open link.
	 * New connections are forwarded normally. Resolves to how many connections went dark.
	 */
	blackhole(where?: (head: string) => boolean): number;
	/** Destroy every socket and stop listening. Idempotent. */
	close(): Promise<void>;
};

type Link = {head: string; dark: boolean};

/**
 * A TCP relay on 127.0.0.1 (free port) to `target`, forwarding both ways until told to black-hole
 * the connections open now. For tests of half-open connections without root or packet filters.
 */
export async function startBlackholeRelay(target: {host: string; port: number}): Promise<BlackholeRelay> {
	const links = new Set<Link>();
	let accepted = 0;
	let forwarded = 0;
	const server = await startTcpTestServer((client, server) => {
		accepted++;
		const link: Link = {head: '', dark: false};
		links.add(link);
		const upstream = net.connect({host: target.host, port: target.port, allowHalfOpen: true});
		server.track(upstream);
		client.on('data', (chunk: Buffer) => {
			if (link.head.length < 1024) {
				link.head += chunk.toString('latin1');
			}

			if (!link.dark) {
				forwarded += chunk.length;
				upstream.write(chunk);
			}
		});
		upstream.on('data', (chunk: Buffer) => {
			if (!link.dark) {
				client.write(chunk);
			}
		});
		client.on('end', () => {
			if (!link.dark) {
				upstream.end();
			}
		});
		upstream.on('end', () => {
			if (!link.dark) {
				client.end();
			}
		});
		const forget = (): void => {
			if (!link.dark) {
				client.destroy();
				upstream.destroy();
				links.delete(link);
			}
		};

		client.on('close', forget);
		upstream.on('close', forget);
	}, {allowHalfOpen: true});

	return {
		port: server.port,
		get accepted() {
			return accepted;
		},
		get forwarded() {
			return forwarded;
		},
		blackhole(where = () => true) {
			let count = 0;
			for (const link of links) {
				if (!link.dark && where(link.head)) {
					link.dark = true;
					count++;
				}
			}

			return count;
		},
		async close() {
			await server.close();
		},
	};
}
