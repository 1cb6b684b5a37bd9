import http from 'node:http';
import {descriptionPath, type TestnetDescription} from './testnet-description.js';

export type DescriptionServer = {
	/** `http://HOST:PORT/testnet.json`: what `provider --join-testnet` takes. */
	url: string;
	close(): Promise<void>;
};

/**
 * A small HTTP server on the relays' address that answers `GET /testnet.json` with the network's
 * description (public data only: torrc lines and URLs) and 404 to anything else.
 */
export async function serveDescription(host: string, description: () => TestnetDescription | undefined): Promise<DescriptionServer> {
	const server = http.createServer((request, response) => {
		const body = request.method === 'GET' && request.url === descriptionPath ? description() : undefined;
		if (body === undefined) {
			response.writeHead(404, {'content-type': 'text/plain'}).end('not found\n');
			return;
		}

		const text = JSON.stringify(body);
		response.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store'}).end(text);
	});
	server.keepAliveTimeout = 1000;
	server.requestTimeout = 10_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({host, port: 0}, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string') {
		server.close();
		throw new Error('the description server has no TCP address');
	}

	let closing: Promise<void> | undefined;
	return {
		url: `http://${host}:${address.port}${descriptionPath}`,
		async close() {
			closing ??= new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			});
			return closing;
		},
	};
}
