import net from 'node:net';

/** Run `test` with a port on 127.0.0.1 held open by this process (a free one, taken for the test). */
export async function withTakenPort<T>(test: (port: number) => Promise<T>): Promise<T> {
	const server = net.createServer();
	await new Promise<void>(resolve => {
		server.listen({host: '127.0.0.1', port: 0}, resolve);
	});
	try {
		const address = server.address();
		if (typeof address !== 'object' || !address) {
			throw new Error('the port holder has no address');
		}

		return await test(address.port);
	} finally {
		await new Promise(resolve => {
			server.close(resolve);
		});
	}
}
