import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it} from 'vitest';
import {Cleanups} from '../helpers/cleanups.js';
import {isAlive, startCli, stopAllClis, type CliProcess} from '../helpers/cli.js';
import {startTestRedis, testNamespace} from '../helpers/redis.js';
import {torsMentioning} from '../helpers/processes.js';
import {exitViaConnect, exitViaSocks} from '../helpers/tor-provider.js';
import {waitFor} from '../helpers/wait-for.js';

const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);

/** Host, port and the lease's credentials of a proxy URL. */
function proxyAddress(url: string): {host: string; port: number; auth: {username: string; password: string}} {
	const parsed = new URL(url);
	return {host: parsed.hostname, port: Number(parsed.port), auth: {username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password)}};
}

/** Two ports free on `host` now (the kernel's choice, released at once, so another run is unlikely to take them first). */
async function twoFreePorts(host: string): Promise<[number, number]> {
	const servers = [net.createServer(), net.createServer()];
	await Promise.all(servers.map(async server => new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({host, port: 0}, resolve);
	})));
	const ports = servers.map(server => (server.address() as net.AddressInfo).port);
	await Promise.all(servers.map(async server => new Promise(resolve => {
		server.close(resolve);
	})));
	return [ports[0]!, ports[1]!];
}

/** Tor processes left behind (their provider stopped first) go before their directories. */
async function killTorsIn(directory: string): Promise<void> {
	for (const pid of await torsMentioning(directory)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch (error) {
			if (!(error instanceof Error && 'code' in error && error.code === 'ESRCH')) {
				throw error;
			}
		}
	}
}

/**
 * A redis-server, a cache directory and a provider started through the CLI on the private network
 * with `args`; all of them stopped and removed by `cleanups` (Tor processes left behind included).
 */
async function startCliProvider(cleanups: Cleanups, args: string[]): Promise<{cache: string; bus: string[]; provider: CliProcess}> {
	const {torrcFile, checkUrl} = inject('testnet');
	const redis = await startTestRedis();
	cleanups.add(async () => redis.stop());
	const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'nightcrawler-e2e-cache-'));
	cleanups.add(async () => fs.rm(cache, {recursive: true, force: true}));
	cleanups.add(async () => killTorsIn(cache));
	cleanups.add(async () => stopAllClis());
	const bus = ['--redis', redis.url, '--namespace', testNamespace()];
	const provider = startCli(['provider', ...args, '--torrc', torrcFile, '--ip-check-url', checkUrl, ...bus, '--format', 'json'], {env: {XDG_CACHE_HOME: cache}});
	return {cache, bus, provider};
}

describe('nightcrawler (built CLI) with real Tor on the private network', () => {
	let cache: string;
	let provider: CliProcess;
	let bus: string[];
	const cleanups = new Cleanups();

	beforeEach(async () => {
		({cache, bus, provider} = await startCliProvider(cleanups, ['--tors', '3']));
		await provider.stdout.waitForLines(isEvent('instance-ready'), {count: 3, timeoutMs: 90_000});
	});

	afterEach(async () => {
		await cleanups.run();
	});

	it('client --count 3 in a pipe prints 3 URLs whose traffic leaves from 3 different exits, as announced', async () => {
		const {exits} = inject('testnet');
		const json = startCli(['client', '--count', '3', '--format', 'json', ...bus]);
		const lines = await json.stdout.waitForLines(line => line.startsWith('{'), {count: 3, timeoutMs: 30_000});
		const proxies = lines.map(line => JSON.parse(line) as {url: string; httpUrl: string; exitIp: string; provider: string; leaseId: string});
		expect(new Set(proxies.map(proxy => proxy.exitIp)).size).toBe(3);
		for (const proxy of proxies) {
			expect(exits).toContain(proxy.exitIp);
			const {host, port, auth} = proxyAddress(proxy.url);
			// eslint-disable-next-line no-await-in-loop
			expect(await exitViaSocks(host, port, auth)).toBe(proxy.exitIp);
			const http = proxyAddress(proxy.httpUrl);
			// eslint-disable-next-line no-await-in-loop
			expect(await exitViaConnect(http.host, http.port, http.auth)).toBe(proxy.exitIp);
		}
	});

	it('the README recipe: client | while read url; do curl -x "$url" ...; done', async () => {
		const {checkUrl, exits} = inject('testnet');
		const script = `node "$CLI" client --count 2 ${bus.join(' ')} | head -2 | while read url; do curl -s --max-time 20 -x "$url" "$CHECK"; echo; done`;
		const result = await execa('bash', ['-c', script], {env: {CLI: path.resolve('dist/cli.js'), CHECK: checkUrl, REDIS_URL: ''}, timeout: 60_000, reject: false});
		expect(result.exitCode).toBe(0);
		const ips = result.stdout.split('\n').filter(Boolean).map(line => (JSON.parse(line) as {IP: string}).IP);
		expect(ips).toHaveLength(2);
		for (const ip of ips) {
			expect(exits).toContain(ip);
		}
	});

	it('run -- curl reaches the check service through the leased proxy and passes its exit code on', async () => {
		const {checkUrl, exits} = inject('testnet');
		const run = startCli(['run', '--count', '1', ...bus, '--', 'sh', '-c', `curl -s --max-time 20 "${checkUrl}"; exit 7`]);
		const result = await run.exited;
		expect(result.exitCode).toBe(7);
		expect(exits).toContain((JSON.parse(run.stdout.lines.join('')) as {IP: string}).IP);
	});

	it('SIGKILL of the provider leaves no Tor running within a few seconds', async () => {
		const tors = await torsMentioning(cache);
		expect(tors).toHaveLength(3);
		provider.subprocess.kill('SIGKILL');
		await provider.exited;
		await waitFor(() => tors.every(pid => !isAlive(pid)), {timeoutMs: 5000, message: 'every tor to exit'});
	});

	it('a normal stop (SIGTERM) leaves no Tor, no lock and nothing but the reusable data directories', async () => {
		const tors = await torsMentioning(cache);
		expect(tors).toHaveLength(3);
		const result = await provider.stop('SIGTERM');
		expect(result.exitCode).toBe(143);
		expect(tors.filter(pid => isAlive(pid))).toEqual([]);
		const [network] = await fs.readdir(path.join(cache, 'nightcrawler', 'tor'));
		expect((await fs.readdir(path.join(cache, 'nightcrawler', 'tor', network!))).sort()).toEqual(['instance-0', 'instance-1', 'instance-2']);
	});
});

describe('nightcrawler provider --host 127.0.0.2 --socks-port P --http-port Q (built CLI, real Tor)', () => {
	const frontHost = '127.0.0.2';
	const cleanups = new Cleanups();
	let cache: string;
	let provider: CliProcess;
	let bus: string[];
	let socksPort: number;
	let httpPort: number;
	let started: {host: string; socksPort: number; httpPort: number};

	beforeAll(async () => {
		[socksPort, httpPort] = await twoFreePorts(frontHost);
		({cache, bus, provider} = await startCliProvider(cleanups, ['--tors', '1', '--host', frontHost, '--socks-port', String(socksPort), '--http-port', String(httpPort)]));
		const [startedLine] = await provider.stdout.waitForLines(isEvent('started'), {timeoutMs: 30_000});
		started = JSON.parse(startedLine!) as typeof started;
		await provider.stdout.waitForLines(isEvent('instance-ready'), {timeoutMs: 90_000});
	}, 150_000);

	afterAll(async () => {
		await cleanups.run();
	});

	it('says where its front listens: --host, --socks-port and --http-port', () => {
		expect(started).toMatchObject({host: frontHost, socksPort, httpPort});
	});

	it('leases URLs on 127.0.0.2:P (socks5h) and :Q (http), and requests through both leave from the lease\'s exit', async () => {
		const {checkUrl, exits} = inject('testnet');
		const client = startCli(['client', '--format', 'json', ...bus]);
		const [line] = await client.stdout.waitForLines(text => text.startsWith('{'), {timeoutMs: 30_000});
		const proxy = JSON.parse(line!) as {url: string; httpUrl: string; exitIp: string};
		expect(exits).toContain(proxy.exitIp);
		expect(proxy.url).toMatch(new RegExp(`^socks5h://[^:@]+:[^@]+@127\\.0\\.0\\.2:${socksPort}$`));
		expect(proxy.httpUrl).toMatch(new RegExp(`^http://[^:@]+:[^@]+@127\\.0\\.0\\.2:${httpPort}$`));
		const socks = proxyAddress(proxy.url);
		expect(await exitViaSocks(socks.host, socks.port, socks.auth)).toBe(proxy.exitIp);
		const http = proxyAddress(proxy.httpUrl);
		expect(await exitViaConnect(http.host, http.port, http.auth)).toBe(proxy.exitIp);
		// A plain http:// request (absolute URI, no CONNECT) through the same URL, as curl sends it.
		const plain = await execa('curl', ['-s', '--max-time', '20', '-x', proxy.httpUrl, checkUrl], {reject: false});
		expect(plain.exitCode).toBe(0);
		expect((JSON.parse(plain.stdout) as {IP: string}).IP).toBe(proxy.exitIp);
		// Wrong credentials on both ports: refused, logged with their reason, and no credential in the provider's output.
		const from = provider.stdout.lines.length;
		const wrong = {username: 'wrong-user-7f3a', password: 'wrong-secret-9c2e'};
		for (const url of [`socks5h://${wrong.username}:${wrong.password}@${frontHost}:${socksPort}`, `http://${wrong.username}:${wrong.password}@${frontHost}:${httpPort}`]) {
			// eslint-disable-next-line no-await-in-loop
			const refused = await execa('curl', ['-s', '--max-time', '20', '-x', url, checkUrl], {reject: false});
			expect(refused.stdout).not.toContain('"IP"');
		}

		const [refusedLine] = await provider.stdout.waitForLines(isEvent('refused'), {from, timeoutMs: 15_000});
		expect(JSON.parse(refusedLine!)).toMatchObject({reason: 'bad-credentials'});
		const {username, password} = new URL(proxy.url);
		for (const secret of [wrong.username, wrong.password, decodeURIComponent(username), decodeURIComponent(password)]) {
			expect(provider.stdout.text).not.toContain(secret);
			expect(provider.stderr.text).not.toContain(secret);
		}

		await client.stop('SIGTERM');
	});

	it('every Tor control, SOCKS and HTTP tunnel port is on 127.0.0.1; only the front is on 127.0.0.2', async () => {
		const tors = await torsMentioning(cache);
		expect(tors).toHaveLength(1);
		const {stdout} = await execa('ss', ['-ltnpH']);
		const lines = stdout.split('\n');
		const torLines = lines.filter(line => tors.some(pid => line.includes(`pid=${pid},`)));
		expect(torLines).toHaveLength(3);
		for (const line of torLines) {
			expect(line).toMatch(/\s127\.0\.0\.1:\d+\s/);
		}

		const providerLines = lines.filter(line => line.includes(`pid=${provider.subprocess.pid},`));
		expect(providerLines.map(line => /\s(\S+):(\d+)\s/.exec(line)?.slice(1)).sort()).toEqual([[frontHost, String(httpPort)], [frontHost, String(socksPort)]].sort());
	});
});
