import {execa} from 'execa';
import {fetch as undiciFetch, ProxyAgent} from 'undici';
import {beforeAll, describe, expect, inject, it} from 'vitest';
import type {FrontRefusal} from '../../source/front/front-events.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';
import {curl, openTunnel, tryFront, withCredentials} from '../helpers/front-tunnel.js';
import {setupTorTestbed} from '../helpers/tor-testbed.js';

/**
 * The provider's front in front of real Tor on the private network, on a second loopback address
 * (as `--host 127.0.0.2` would put it): lease credentials let traffic through, nothing else does,
 * and a lease's end closes what it had open.
 */
const refusals: FrontRefusal[] = [];
const frontHost = '127.0.0.2';
const testbed = setupTorTestbed({count: 2, front: {host: frontHost}});
const {clientCleanups, client} = testbed;
beforeAll(() => {
	testbed.pool.provider.on('refused', refusal => refusals.push(refusal));
});

describe('the provider front on real Tor', () => {
	it('listens on --host while every Tor port (SOCKS, HTTP tunnel, control) is on 127.0.0.1', async () => {
		expect(testbed.pool.provider.frontPorts).toMatchObject({host: frontHost});
		const pids = testbed.pool.backend.snapshot().map(instance => instance.pid);
		const {stdout} = await execa('ss', ['-ltnpH']);
		const torLines = stdout.split('\n').filter(line => pids.some(pid => line.includes(`pid=${pid},`)));
		// SOCKS, HTTP tunnel and control port of each instance.
		expect(torLines.length).toBe(pids.length * 3);
		for (const line of torLines) {
			expect(line).toMatch(/\s127\.0\.0\.1:\d+\s/);
		}

		for (const instance of testbed.pool.backend.snapshot()) {
			expect(instance.host).toBe('127.0.0.1');
		}
	});

	it('a lease\'s credentials work through SOCKS5 (name and IP) and HTTP (CONNECT, absolute-URI GET and POST), leaving from its exit', async () => {
		const {checkUrl, checkHostUrl} = inject('testnet');
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		expect(proxy.host).toBe(frontHost);
		expect(proxy.port).toBe(testbed.pool.provider.frontPorts!.socksPort);
		expect(proxy.url).toMatch(/^socks5h:\/\/nc[\w-]+:[\w-]+@127\.0\.0\.2:\d+$/);
		const bySocksName = await curl('-x', proxy.url, checkHostUrl);
		expect(parseCheckBody(bySocksName.stdout)).toBe(proxy.exitIp);
		const bySocksIp = await curl('-x', proxy.url.replace('socks5h:', 'socks5:'), checkUrl);
		expect(parseCheckBody(bySocksIp.stdout)).toBe(proxy.exitIp);
		const byConnect = await curl('-p', '-x', proxy.httpUrl!, checkHostUrl);
		expect(parseCheckBody(byConnect.stdout)).toBe(proxy.exitIp);
		const byGet = await curl('-x', proxy.httpUrl!, checkHostUrl);
		expect(parseCheckBody(byGet.stdout)).toBe(proxy.exitIp);
		// The echo server answers GET only: a 405 from it shows the POST and its body went through.
		const byPost = await curl('-x', proxy.httpUrl!, '-d', 'a=1', '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(byPost.stdout).toBe('405');
	});

	it('refuses missing, wrong and ended credentials on both ports; a lease\'s end closes its open tunnel within 1 s', async () => {
		const {checkHostUrl} = inject('testnet');
		const {socksPort, httpPort} = testbed.pool.provider.frontPorts!;
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const {username} = proxy.credentials;
		const before = refusals.length;
		expect((await curl('-x', `socks5h://${frontHost}:${socksPort}`, checkHostUrl)).exitCode).not.toBe(0);
		expect((await curl('-x', `socks5h://${username}:wrong@${frontHost}:${socksPort}`, checkHostUrl)).exitCode).not.toBe(0);
		const noAuth = await curl('-x', `http://${frontHost}:${httpPort}`, '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(noAuth.stdout).toBe('407');
		const wrongAuth = await curl('-x', `http://${username}:wrong@${frontHost}:${httpPort}`, '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(wrongAuth.stdout).toBe('407');
		expect(refusals.slice(before).map(refusal => refusal.reason).sort()).toEqual(['bad-credentials', 'bad-credentials', 'no-credentials', 'no-credentials']);
		expect(JSON.stringify(refusals)).not.toContain(username);

		const {closed} = await openTunnel(frontHost, socksPort, proxy.credentials);
		const destroyedAt = Date.now();
		await proxy.destroy();
		expect(await closed - destroyedAt).toBeLessThan(1000);
		expect((await curl('-x', proxy.url, checkHostUrl)).exitCode).not.toBe(0);
		const ended = await curl('-x', proxy.httpUrl!, '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(ended.stdout).toBe('407');
	});
});

describe('whose credentials, and which exit', () => {
	it('another lease\'s credentials are refused on both ports (one lease\'s username with another\'s password), and each lease leaves only from its own exit', async () => {
		const {exits} = inject('testnet');
		const ports = testbed.pool.provider.frontPorts!;
		const [a, b] = await Promise.all([client(), client()].map(async created => (await created).getProxy({timeoutMs: 30_000})));
		expect(a!.proxyId).not.toBe(b!.proxyId);
		expect(exits).toContain(a!.exitIp);
		expect(exits).toContain(b!.exitIp);
		expect(a!.exitIp).not.toBe(b!.exitIp);
		const before = refusals.length;
		const refused = {socks: expect.stringMatching(/^curl exit \d+$/), http: 'HTTP 407'};
		expect(await tryFront(ports, {username: a!.credentials.username, password: b!.credentials.password})).toEqual(refused);
		expect(await tryFront(ports, {username: b!.credentials.username, password: a!.credentials.password})).toEqual(refused);
		expect(refusals.slice(before).map(refusal => refusal.reason)).toEqual(['bad-credentials', 'bad-credentials', 'bad-credentials', 'bad-credentials']);
		// Both live at once, through the same two ports: each lease's traffic leaves from its own exit.
		expect(await tryFront(ports, b!.credentials)).toEqual({socks: b!.exitIp, http: b!.exitIp});
		expect(await tryFront(ports, a!.credentials)).toEqual({socks: a!.exitIp, http: a!.exitIp});
		const {checkHostUrl} = inject('testnet');
		const bConnect = await curl('-p', '-x', b!.httpUrl!, checkHostUrl);
		expect(parseCheckBody(bConnect.stdout)).toBe(b!.exitIp);
	});

	it('a Node client reaches the check page through the front: SOCKS5 (socks-fetch) and HTTP (undici\'s ProxyAgent)', async () => {
		const {checkHostUrl, checkUrl} = inject('testnet');
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const {username, password} = proxy.credentials;
		for (const url of [checkHostUrl, checkUrl]) {
			// eslint-disable-next-line no-await-in-loop
			const bySocks = await httpGetViaSocks({socksHost: proxy.host, socksPort: proxy.port, url, username, password, timeoutMs: 30_000});
			expect(parseCheckBody(bySocks.body)).toBe(proxy.exitIp);
		}

		const agent = new ProxyAgent(proxy.httpUrl!);
		clientCleanups.add(async () => agent.close());
		const response = await undiciFetch(checkHostUrl, {dispatcher: agent});
		expect(response.status).toBe(200);
		expect(parseCheckBody(await response.text())).toBe(proxy.exitIp);

		const wrong = new ProxyAgent(withCredentials(proxy.httpUrl!, {username, password: 'wrong'}));
		clientCleanups.add(async () => wrong.close());
		const failure: unknown = await undiciFetch(checkHostUrl, {dispatcher: wrong}).then(() => 'went through', (error: unknown) => error);
		expect(failure).toMatchObject({cause: {cause: {message: expect.stringMatching(/\b407\b/)}}});
		await expect(httpGetViaSocks({socksHost: proxy.host, socksPort: proxy.port, url: checkHostUrl, username, password: 'wrong', timeoutMs: 30_000})).rejects.toThrow(/rejected the username\/password/);
	});
});
