import net from 'node:net';

/** Ask the kernel for a free TCP port on `host`. The port is released before returning. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.once('error', reject);
		server.listen({port: 0, host, exclusive: true}, () => {
			const address = server.address();
			if (address === null || typeof address === 'string') {
				server.close();
				reject(new Error('could not read the listening address'));
				return;
			}

			const {port} = address;
			server.close(() => {
				resolve(port);
			});
		});
	});
}

/** Pick `count` distinct free ports. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < count) {
		// eslint-disable-next-line no-await-in-loop
		ports.add(await freePort(host));
	}

	return [...ports];
}

/** Can something listen on host:port right now? */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
	return new Promise(resolve => {
		const server = net.createServer();
		server.once('error', () => {
			resolve(false);
		});
		server.listen({host, port, exclusive: true}, () => {
			server.close(() => {
				resolve(true);
			});
		});
	});
}
