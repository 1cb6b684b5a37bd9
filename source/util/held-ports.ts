import net from 'node:net';

export type HeldPorts = {
	/** Distinct free TCP ports, each held by a listening socket until released. */
	ports: number[];
	/** Close the listeners of `ports` (default: every port still held), right before Tor binds them. */
	release(ports?: number[]): Promise<void>;
};

/**
 * Reserve `count` loopback ports by listening on them. A port that was found free and then let go
 * can be taken before Tor binds it, as the source port of any outgoing connection or by another
 * testnet starting at the same time ("Could not bind ... Address already in use"); a held port
 * cannot, and is let go only moments before its Tor starts.
 */
export async function holdPorts(count: number, host = '127.0.0.1'): Promise<HeldPorts> {
	const servers = new Map<number, net.Server>();
	const release = async (ports: number[] = [...servers.keys()]): Promise<void> => {
		await Promise.all(ports.map(async port => {
			const server = servers.get(port);
			if (server === undefined) {
				return;
			}

			servers.delete(port);
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		}));
	};

	try {
		for (let index = 0; index < count; index++) {
			// eslint-disable-next-line no-await-in-loop
			const server = await listen(host);
			const address = server.address();
			if (address === null || typeof address === 'string') {
				server.close();
				throw new Error('a held port has no TCP address');
			}

			servers.set(address.port, server);
		}
	} catch (error) {
		await release();
		throw error;
	}

	return {ports: [...servers.keys()], release};
}

async function listen(host: string): Promise<net.Server> {
	const server = net.createServer(socket => {
		socket.destroy();
	});
	server.unref();
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen({host, port: 0, exclusive: true}, () => {
			server.off('error', reject);
			resolve(server);
		});
	});
}
