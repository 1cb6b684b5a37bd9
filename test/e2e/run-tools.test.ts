import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest';
import type {LeaseSnapshot} from '../../source/core/lease/lease-records.js';
import {freePort} from '../../source/util/free-port.js';
import {Cleanups} from '../helpers/cleanups.js';
import {runCli} from '../helpers/cli.js';
import {startRecordingTarget} from '../helpers/recording-proxy.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {startTorProvider} from '../helpers/tor-provider.js';
import {waitFor} from '../helpers/wait-for.js';

/**
 * `nightcrawler run` (the built CLI) with the tools it promises, on real Tor: a provider with its
 * front on 127.0.0.2, each command given the lease's HTTP URL in the proxy variables, reaching the
 * testnet's echo server by name (`http://echo.nightcrawler.test:PORT/`, not under the default
 * NO_PROXY) from the lease's exit.
 */
let redis: RedisServer;
let pool: Awaited<ReturnType<typeof startTorProvider>>;
const suiteCleanups = new Cleanups();
const testCleanups = new Cleanups();
const leased: LeaseSnapshot[] = [];

beforeAll(async () => {
	redis = await startTestRedis();
	suiteCleanups.add(async () => redis.stop());
	pool = await startTorProvider(redis.url, {count: 2, front: {host: '127.0.0.2'}});
	suiteCleanups.add(async () => pool.stop());
	pool.provider.on('leased', lease => leased.push(lease));
});
afterEach(async () => {
	await testCleanups.run();
});
afterAll(async () => {
	await suiteCleanups.run();
});

/** No proxy setting of the machine running the tests reaches `run` (it would keep a NO_PROXY). */
const noMachineProxy = Object.fromEntries(['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'NODE_OPTIONS'].flatMap(name => [[name, undefined], [name.toLowerCase(), undefined]]));

async function run(command: string[]) {
	return runCli(['run', '--count', '1', '--redis', redis.url, '--namespace', pool.provider.namespace, '--', ...command], {env: noMachineProxy, timeoutMs: 90_000});
}

/** Requests in Python without PySocks: blocked from import (Debian's python3 here has it), so it cannot be what carries them. */
const pythonRequests = [
	'import sys',
	'sys.modules["socks"] = None',
	'try:\n    import socks\nexcept ImportError:\n    pass\nelse:\n    sys.exit("PySocks is importable")',
	'import requests',
	'print(requests.get(sys.argv[1], timeout=30).text)',
].join('\n');
const nodeFetch = 'fetch(process.argv[1]).then(r=>r.text()).then(console.log)';
/** httpx, which reads the proxy variables itself (trust_env). */
const pythonHttpx = 'import sys, httpx\nprint(httpx.get(sys.argv[1], timeout=30).text)';
/** A Scrapy spider with no proxy of its own: HttpProxyMiddleware takes it from the variables. */
const scrapySpider = [
	'import sys, scrapy',
	'from scrapy.crawler import CrawlerProcess',
	'class Exit(scrapy.Spider):',
	'    name = "exit"',
	'    start_urls = [sys.argv[1]]',
	'    def parse(self, response):',
	'        print(response.text)',
	'process = CrawlerProcess({"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False})',
	'process.crawl(Exit)',
	'process.start()',
].join('\n');

const tools: Array<[name: string, command: (url: string) => string[]]> = [
	['curl', url => ['curl', '-sS', '--max-time', '30', url]],
	['wget', url => ['wget', '-qO-', '--tries=1', '--timeout=30', url]],
	['Python requests without PySocks', url => ['/usr/bin/python3', '-c', pythonRequests, url]],
	['Python httpx', url => ['/usr/bin/python3', '-c', pythonHttpx, url]],
	['a Scrapy spider', url => ['/usr/bin/python3', '-c', scrapySpider, url]],
	['a Node script with built-in fetch', url => [process.execPath, '-e', nodeFetch, url]],
];

describe('nightcrawler run with real tools through the front, on real Tor', () => {
	it.each(tools)('%s reaches an http:// target from the lease\'s exit', async (_name, command) => {
		const {checkHostUrl, exits} = inject('testnet');
		const from = leased.length;
		const result = await run(command(checkHostUrl));
		expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
		const mine = leased.slice(from);
		expect(mine).toHaveLength(1);
		const exitIp = mine[0]!.exitIp;
		expect(exits).toContain(exitIp);
		expect(exitIp).not.toBe('127.0.0.1');
		expect(JSON.parse(String(result.stdout).trim())).toEqual({IsTor: true, IP: exitIp});
	});

	it('the Node script never goes direct: with its proxy variables pointed at a closed port, it fails and the target sees nothing', async () => {
		const target = await startRecordingTarget();
		testCleanups.add(target.close);
		// Reachable straight from here, and not under run's NO_PROXY (loopback as an IPv4-mapped IPv6 address).
		const url = `http://[::ffff:127.0.0.1]:${target.port}/direct`;
		const direct = await execa(process.execPath, ['-e', nodeFetch, url], {env: noMachineProxy, reject: false, timeout: 30_000});
		expect(direct.stdout, direct.stderr).toContain('reached /direct');
		expect(target.requests).toHaveLength(1);

		const closed = `http://127.0.0.1:${await freePort()}`;
		const override = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'].map(name => `${name}=${closed}`);
		for (const where of [url, inject('testnet').checkHostUrl]) {
			// eslint-disable-next-line no-await-in-loop
			const result = await run(['env', ...override, process.execPath, '-e', nodeFetch, where]);
			expect(result.exitCode, `${result.stdout}\n${result.stderr}`).not.toBe(0);
			expect(result.stdout).not.toContain('reached');
			expect(result.stdout).not.toContain('IsTor');
		}

		expect(target.requests).toHaveLength(1);
		await waitFor(() => pool.provider.leases().length === 0, {timeoutMs: 30_000, message: 'run gave its leases back'});
	});
});
