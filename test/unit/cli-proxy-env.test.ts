import {randomUUID} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {ClientProxy} from '../../source/core/client-proxy.js';
import {proxyEnv} from '../../source/commands/proxy-env.js';

function proxy(port: number, httpPort?: number, host = '127.0.0.1'): ClientProxy {
	const lease = {leaseId: randomUUID(), proxyId: `p${port}`, host, port, httpPort, expiresInMs: 60_000, ttlMs: 60_000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000};
	return new ClientProxy(lease, randomUUID(), {destroy: async () => undefined, rotate: async () => undefined}, {username: 'u', password: 'p'});
}

describe('proxyEnv', () => {
	it('gives SOCKS to ALL_PROXY and HTTP_PROXY, the CONNECT port to HTTPS_PROXY, all URLs comma-separated', () => {
		expect(proxyEnv([proxy(9050, 9051), proxy(9060, 9061)])).toEqual({
			ALL_PROXY: 'socks5h://u:p@127.0.0.1:9050',
			all_proxy: 'socks5h://u:p@127.0.0.1:9050',
			HTTP_PROXY: 'socks5h://u:p@127.0.0.1:9050',
			http_proxy: 'socks5h://u:p@127.0.0.1:9050',
			HTTPS_PROXY: 'http://u:p@127.0.0.1:9051',
			https_proxy: 'http://u:p@127.0.0.1:9051',
			NIGHTCRAWLER_PROXIES: 'socks5h://u:p@127.0.0.1:9050,socks5h://u:p@127.0.0.1:9060',
		});
	});

	it('falls back to SOCKS for HTTPS_PROXY when the proxy has no CONNECT port, and brackets IPv6', () => {
		const env = proxyEnv([proxy(9050, undefined, '::1')]);
		expect(env.HTTPS_PROXY).toBe('socks5h://u:p@[::1]:9050');
		expect(env.NIGHTCRAWLER_PROXIES).toBe('socks5h://u:p@[::1]:9050');
	});
});
