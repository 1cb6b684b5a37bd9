import {randomUUID} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {ClientProxy} from '../../source/core/client-proxy.js';
import {loopbackNoProxy, proxyEnv, withPreload} from '../../source/commands/proxy-env.js';

function proxy(port: number, httpPort?: number, host = '127.0.0.1'): ClientProxy {
	const lease = {leaseId: randomUUID(), proxyId: `p${port}`, host, port, httpPort, expiresInMs: 60_000, ttlMs: 60_000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000};
	return new ClientProxy(lease, randomUUID(), {destroy: async () => undefined, rotate: async () => undefined}, {username: 'u', password: 'p'});
}

const preloadPath = '/opt/nightcrawler/dist/source/run/fetch-proxy-preload.cjs';
const preload = `--require "${preloadPath}"`;

describe('proxyEnv', () => {
	it('gives the HTTP URL to every proxy variable, lists all URLs of both kinds, keeps loopback direct and adds the preload', () => {
		expect(proxyEnv([proxy(9050, 9051), proxy(9060, 9061)], {parentEnv: {}, preloadPath})).toEqual({
			HTTP_PROXY: 'http://u:p@127.0.0.1:9051',
			http_proxy: 'http://u:p@127.0.0.1:9051',
			HTTPS_PROXY: 'http://u:p@127.0.0.1:9051',
			https_proxy: 'http://u:p@127.0.0.1:9051',
			ALL_PROXY: 'http://u:p@127.0.0.1:9051',
			all_proxy: 'http://u:p@127.0.0.1:9051',
			NO_PROXY: 'localhost,127.0.0.0/8,[::1]',
			no_proxy: 'localhost,127.0.0.0/8,[::1]',
			NIGHTCRAWLER_PROXIES: 'socks5h://u:p@127.0.0.1:9050,socks5h://u:p@127.0.0.1:9060',
			NIGHTCRAWLER_HTTP_PROXIES: 'http://u:p@127.0.0.1:9051,http://u:p@127.0.0.1:9061',
			NODE_OPTIONS: preload,
			NODE_USE_ENV_PROXY: '1',
		});
	});

	it('passes URLs with credentials through unchanged', () => {
		const leased = {url: 'socks5h://u%40x:p%2Cw@10.0.0.5:1080', httpUrl: 'http://u%40x:p%2Cw@10.0.0.5:8080'};
		const env = proxyEnv([leased, leased], {parentEnv: {}, preloadPath});
		expect(env.HTTP_PROXY).toBe(leased.httpUrl);
		expect(env.all_proxy).toBe(leased.httpUrl);
		expect(env.NIGHTCRAWLER_PROXIES?.split(',')).toEqual([leased.url, leased.url]);
		expect(env.NIGHTCRAWLER_HTTP_PROXIES?.split(',')).toEqual([leased.httpUrl, leased.httpUrl]);
	});

	it('falls back to the socks5h:// URL when the proxy has no HTTP URL, and brackets IPv6', () => {
		const env = proxyEnv([proxy(9050, undefined, '::1')], {parentEnv: {}, preloadPath});
		expect(env.HTTP_PROXY).toBe('socks5h://u:p@[::1]:9050');
		expect(env.https_proxy).toBe('socks5h://u:p@[::1]:9050');
		expect(env.NIGHTCRAWLER_PROXIES).toBe('socks5h://u:p@[::1]:9050');
		expect(env).not.toHaveProperty('NIGHTCRAWLER_HTTP_PROXIES');
	});

	it('keeps the user\'s NO_PROXY (either spelling, lower-case first, even empty) in both spellings', () => {
		const noProxy = (parentEnv: NodeJS.ProcessEnv) => {
			const env = proxyEnv([proxy(9050, 9051)], {parentEnv, preloadPath});
			expect(env.NO_PROXY).toBe(env.no_proxy);
			return env.NO_PROXY;
		};

		expect(noProxy({})).toBe(loopbackNoProxy);
		expect(noProxy({NO_PROXY: 'redis.internal'})).toBe('redis.internal');
		expect(noProxy({no_proxy: 'a.internal', NO_PROXY: 'b.internal'})).toBe('a.internal');
		expect(noProxy({NO_PROXY: ''})).toBe('');
	});

	it('appends the preload to the user\'s NODE_OPTIONS', () => {
		expect(proxyEnv([proxy(9050, 9051)], {parentEnv: {NODE_OPTIONS: '--max-old-space-size=4096'}, preloadPath}).NODE_OPTIONS).toBe(`--max-old-space-size=4096 ${preload}`);
	});

	it('sets nothing without a proxy', () => {
		expect(proxyEnv([], {parentEnv: {NODE_OPTIONS: '--x'}, preloadPath})).toEqual({});
	});
});

describe('withPreload', () => {
	it('quotes the path, escaping backslashes and double quotes as NODE_OPTIONS reads them', () => {
		expect(withPreload(undefined, '/a b/"c"\\d.cjs')).toBe('--require "/a b/\\"c\\"\\\\d.cjs"');
		expect(withPreload('  ', '/p.cjs')).toBe('--require "/p.cjs"');
		expect(withPreload('--title=x', '/p.cjs')).toBe('--title=x --require "/p.cjs"');
	});
});
