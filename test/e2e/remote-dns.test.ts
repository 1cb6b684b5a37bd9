import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {Client} from '../../source/core/client.js';
import {httpGetViaConnect} from '../../source/util/connect-fetch.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {startTorProvider} from '../helpers/tor-provider.js';

let redis: RedisServer;
let pool: Awaited<ReturnType<typeof startTorProvider>>;
let client: Client;

beforeAll(async () => {
	redis = await startTestRedis();
	pool = await startTorProvider(redis.url, {count: 2});
	client = new Client({redis: redis.url, namespace: pool.provider.bus.namespace, timings: {requestIntervalMs: 250}});
	await client.connect();
});
afterAll(async () => {
	await client?.close();
	await pool?.stop();
	await redis?.stop();
});

describe('socks5h:// on the private network: the exit resolves the name', () => {
	it('a leased proxy reaches the echo server by name, over SOCKS5 (ATYP 0x03) and HTTP CONNECT, from its announced exit', async () => {
		const {checkHost, checkHostUrl, exits} = inject('testnet');
		expect(new URL(checkHostUrl).hostname).toBe(checkHost);
		const proxy = await client.getProxy({timeoutMs: 30_000});
		expect(exits).toContain(proxy.exitIp);
		for (let attempt = 0; attempt < 3; attempt++) {
			// Fresh credentials, fresh circuit; the lease keeps its exit. The name goes unresolved to Tor.
			// eslint-disable-next-line no-await-in-loop
			const viaSocks = await httpGetViaSocks({
				socksHost: proxy.host, socksPort: proxy.port, url: checkHostUrl, username: `dns-${attempt}`, password: 'x', timeoutMs: 15_000,
			});
			expect(parseCheckBody(viaSocks.body)).toBe(proxy.exitIp);
		}

		const viaConnect = await httpGetViaConnect({
			proxyHost: proxy.host, proxyPort: proxy.httpPort!, url: checkHostUrl, proxyAuth: {username: 'dns-connect', password: 'x'}, timeoutMs: 15_000,
		});
		expect(parseCheckBody(viaConnect.body)).toBe(proxy.exitIp);
		await proxy.destroy();
	});
});
