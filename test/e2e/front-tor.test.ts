import {randomUUID} from 'node:crypto';
import {Readable} from 'node:stream';
import {execa} from 'execa';
import {fetch as undiciFetch, ProxyAgent, request} from 'undici';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {frontRefusalReasons, type FrontRefusal} from '../../source/front/front-events.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';
import {startBodyEchoServer, type BodyEchoServer} from '../helpers/body-echo-server.js';
import {openSocksTunnel, readResponse, sendRaw, trickle} from '../helpers/front-clients.js';
import {curl, openTunnel, tryFront, withCredentials} from '../helpers/front-tunnel.js';
import {setupTorTestbed} from '../helpers/tor-testbed.js';
import {waitFor} from '../helpers/wait-for.js';

/**
 * The provider's front in front of real Tor on the private network, on a second loopback address
 * (as `--host 127.0.0.2` would put it): lease credentials let traffic through, nothing else does,
 * and a lease's end closes what it had open.
 */
const refusals: FrontRefusal[] = [];
const frontHost = '127.0.0.2';
const testbed = setupTorTestbed({count: 2, front: {host: frontHost}});
const {clientCleanups, client} = testbed;
let bodyEcho: BodyEchoServer;
beforeAll(async () => {
	testbed.pool.provider.on('refused', refusal => refusals.push(refusal));
	bodyEcho = await startBodyEchoServer();
});
afterAll(async () => {
	await bodyEcho?.close();
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

	it('a Node client sends absolute-URI GET and POST through the HTTP port (undici\'s ProxyAgent, no tunnel): both reach the private network from the lease\'s exit, the POST\'s body streamed', async () => {
		const {checkHost} = inject('testnet');
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const agent = new ProxyAgent({uri: proxy.httpUrl!, proxyTunnel: false});
		clientCleanups.add(async () => agent.close());
		// By name, resolved at the exit: the body echo server, which answers any method.
		const origin = `http://${checkHost}:${bodyEcho.port}`;
		const get = await request(`${origin}/get?x=1`, {dispatcher: agent});
		const got = await get.body.text();
		expect(get.statusCode).toBe(200);
		expect(parseCheckBody(got)).toBe(proxy.exitIp);
		expect(JSON.parse(got)).toMatchObject({method: 'GET', url: '/get?x=1'});

		// The second half of the body is sent only once the far end has the first: streamed, not buffered.
		const path = `/post-${randomUUID()}`;
		async function * body(): AsyncGenerator<string> {
			yield 'first half;';
			await waitFor(() => bodyEcho.received(path)?.includes('first half;'), {timeoutMs: 30_000, message: 'the first half of the body at the far end'});
			yield 'second half';
		}

		const post = await request(`${origin}${path}`, {method: 'POST', body: Readable.from(body()), dispatcher: agent});
		const posted = await post.body.text();
		expect(post.statusCode).toBe(200);
		expect(parseCheckBody(posted)).toBe(proxy.exitIp);
		expect(JSON.parse(posted)).toMatchObject({method: 'POST', url: path, body: 'first half;second half'});
	});
});

describe('handshakes that are not the protocol', () => {
	it('garbage, truncated, oversized and slow-loris handshakes are refused on both ports, counted by reason, while a live lease\'s tunnel keeps flowing', async () => {
		const {checkHost} = inject('testnet');
		const {socksPort, httpPort} = testbed.pool.provider.frontPorts!;
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const tunnel = await openSocksTunnel(socksPort, proxy.credentials, {host: checkHost, port: bodyEcho.port}, {host: frontHost});
		clientCleanups.add(() => tunnel.socket.destroy());
		const exitThroughTunnel = async (path: string): Promise<string | undefined> => {
			tunnel.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${checkHost}\r\n\r\n`);
			const {head, body} = await readResponse(tunnel.socket);
			expect(head, path).toMatch(/^HTTP\/1\.1 200/);
			expect(JSON.parse(body), path).toMatchObject({url: path});
			return parseCheckBody(body);
		};

		expect(await exitThroughTunnel('/before')).toBe(proxy.exitIp);
		const refused = () => testbed.pool.provider.stats.front!.refused;
		const before = refused();
		// Bytes trickled one every half second: no handshake completes before the front's time-out.
		const lorises = [
			trickle(socksPort, Buffer.from([5, 255, ...Array.from({length: 255}, () => 2)]), {host: frontHost}),
			trickle(httpPort, `GET http://${checkHost}/ HTTP/1.1\r\nHost: ${checkHost}\r\nX-Slow: ${'s'.repeat(200)}`, {host: frontHost}),
		];
		clientCleanups.add(() => {
			for (const loris of lorises) {
				loris.stop();
			}
		});
		const on = {host: frontHost};
		await Promise.all([
			sendRaw(socksPort, 'GET / HTTP/1.1\r\n\r\n', on),
			sendRaw(socksPort, Buffer.from([5, 2, 0]), {...on, end: true}),
			// A greeting offering 255 methods, then 64 KiB where the login should be: every SOCKS5
			// message is length-bounded, so an over-long handshake is bytes that are not the protocol.
			sendRaw(socksPort, Buffer.concat([Buffer.from([5, 255]), Buffer.alloc(255, 2), Buffer.alloc(65_536, 0x41)]), on),
			sendRaw(httpPort, 'NOT HTTP AT ALL\r\n\r\n', on),
			sendRaw(httpPort, `GET http://${checkHost}/ HTTP/1.1\r\nHost: ${checkHost}\r\n`, {...on, end: true}),
			sendRaw(httpPort, `GET http://${checkHost}/ HTTP/1.1\r\nHost: ${checkHost}\r\nX-Big: ${'b'.repeat(65_536)}\r\n\r\n`, on),
		]);
		expect(await exitThroughTunnel('/while-lorises-trickle')).toBe(proxy.exitIp);
		await Promise.all(lorises.map(async loris => loris.closed));
		const after = refused();
		const delta = Object.fromEntries(frontRefusalReasons.map(reason => [reason, after[reason] - before[reason]]).filter(([, count]) => count !== 0));
		expect(delta).toEqual({'malformed': 3, 'truncated': 2, 'oversized': 1, 'handshake-timeout': 2});
		expect(await exitThroughTunnel('/after')).toBe(proxy.exitIp);
		expect(tunnel.socket.closed).toBe(false);
	});
});
