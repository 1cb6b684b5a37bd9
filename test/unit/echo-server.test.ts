import http from 'node:http';
import {afterEach, describe, expect, test} from 'vitest';
import {startEchoServer, type EchoServer} from '../../source/testnet/echo-server.js';

let server: EchoServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function get(url: string, localAddress?: string): Promise<{status: number; body: string}> {
	return new Promise((resolve, reject) => {
		const request = http.get(url, {localAddress, agent: false}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => {
				body += chunk;
			});
			response.on('end', () => {
				resolve({status: response.statusCode ?? 0, body});
			});
		});
		request.on('error', reject);
	});
}

describe('startEchoServer', () => {
	test('answers like check.torproject.org/api/ip with the peer address', async () => {
		server = await startEchoServer();
		expect(server.checkUrl).toBe(`http://[::ffff:127.0.0.1]:${server.port}/`);
		const response = await get(`http://127.0.0.1:${server.port}/api/ip`);
		expect(response.status).toBe(200);
		expect(JSON.parse(response.body)).toEqual({IsTor: true, IP: '127.0.0.1'});
	});

	test('sees distinct source addresses through the IPv4-mapped URL, without the ::ffff: prefix', async () => {
		server = await startEchoServer();
		// What an exit with OutboundBindAddressExit [::ffff:127.0.0.3] does.
		const viaMapped = await get(server.checkUrl, '::ffff:127.0.0.3');
		expect(JSON.parse(viaMapped.body)).toEqual({IsTor: true, IP: '127.0.0.3'});
		const viaPlain = await get(`http://127.0.0.1:${server.port}/`, '127.0.0.4');
		expect(JSON.parse(viaPlain.body)).toEqual({IsTor: true, IP: '127.0.0.4'});
	});

	test('close() can be called twice', async () => {
		server = await startEchoServer();
		await Promise.all([server.close(), server.close()]);
	});
});
