import http from 'node:http';
import net from 'node:net';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {AccessRequest} from '../../source/front/front-access.js';
import {Front} from '../../source/front/front.js';
import type {FrontRefusal} from '../../source/front/front-events.js';
import {basicAuth, connectTo, openConnectTunnel, openSocksTunnel, readAll, readBytes, readResponse, sendRaw, socksConnect, socksLogin} from '../helpers/front-clients.js';
import {startHalfCloseUpstream, type HalfCloseUpstream} from '../helpers/half-close-upstream.js';
import {startSocks5TestServer, type Socks5TestServer} from '../helpers/socks5-test-server.js';
import {waitFor} from '../helpers/wait-for.js';

/**
 * The front on its own: two "leases" (keys a and b) each relayed to its own upstream SOCKS5 server (a
 * stand-in for a Tor instance), a plain HTTP target that echoes what it got, and real curl.
 */
describe('front', () => {
	let target: http.Server;
	let targetPort: number;
	const upstreams: Socks5TestServer[] = [];
	let halfClose: HalfCloseUpstream;
	let front: Front;
	let socksPort: number;
	let httpPort: number;
	const refusals: FrontRefusal[] = [];
	const asked: AccessRequest[] = [];
	/** Each user's password, key and upstream (its index in `upstreams`, or the half-close one). */
	const users = new Map<string, {password: string; key: string; upstream: number | 'half-close'}>([
		['user-a', {password: 'pass-a', key: 'a', upstream: 0}],
		['user-b', {password: 'p@ss:b/ü', key: 'b', upstream: 1}],
		['user-silent', {password: 'pass-s', key: 'silent', upstream: 2}],
		['user-r', {password: 'pass-r', key: 'r', upstream: 0}],
		['user-h', {password: 'pass-h', key: 'h', upstream: 'half-close'}],
	]);

	beforeAll(async () => {
		target = http.createServer((request, response) => {
			let body = '';
			request.setEncoding('utf8');
			request.on('data', (chunk: string) => {
				body += chunk;
			});
			request.on('end', () => {
				// `/bytes/<n>`: n bytes back, whatever was sent (a download for the traffic counts).
				const size = /^\/bytes\/(\d+)$/.exec(request.url ?? '')?.[1];
				if (size !== undefined) {
					response.end(Buffer.alloc(Number(size), 0x78));
					return;
				}

				response.end(JSON.stringify({method: request.method, url: request.url, body, proxyAuthorization: request.headers['proxy-authorization'] ?? null}));
			});
		});
		await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve));
		targetPort = (target.address() as net.AddressInfo).port;
		upstreams.push(await startSocks5TestServer(), await startSocks5TestServer(), await startSocks5TestServer({silent: true}));
		halfClose = await startHalfCloseUpstream();
		front = new Front({
			host: '127.0.0.1',
			limits: {perKey: 3, handshakeTimeoutMs: 1500},
			access(request) {
				asked.push(request);
				if (!request.credentials) {
					return {ok: false, reason: 'no-credentials'};
				}

				const user = users.get(request.credentials.username);
				if (user?.password !== request.credentials.password) {
					return {ok: false, reason: 'bad-credentials'};
				}

				return {ok: true, key: user.key, upstream: {host: '127.0.0.1', port: user.upstream === 'half-close' ? halfClose.port : upstreams[user.upstream]!.port}};
			},
		});
		front.on('refused', refusal => refusals.push(refusal));
		({socksPort, httpPort} = await front.start());
	});

	afterAll(async () => {
		await front?.stop();
		await Promise.all([...upstreams, halfClose].map(async upstream => upstream?.close()));
		await new Promise(resolve => {
			target?.close(resolve);
			target?.closeAllConnections();
		});
	});

	const curl = async (...args: string[]) => execa('curl', ['-sS', '--max-time', '20', ...args], {reject: false});
	const targetUrl = (path: string, host = '127.0.0.1') => `http://${host}:${targetPort}${path}`;
	const targetAddress = () => ({host: '127.0.0.1', port: targetPort});

	it('relays SOCKS5 with a lease\'s credentials, to names and to IP addresses, through that lease\'s upstream', async () => {
		const before = upstreams.map(upstream => upstream.requests.length);
		const byName = await curl('-x', `socks5h://user-a:pass-a@127.0.0.1:${socksPort}`, targetUrl('/name', 'localhost'));
		expect(JSON.parse(byName.stdout)).toMatchObject({method: 'GET', url: '/name'});
		const byIp = await curl('-x', `socks5://user-b:${encodeURIComponent('p@ss:b/ü')}@127.0.0.1:${socksPort}`, targetUrl('/ip'));
		expect(JSON.parse(byIp.stdout)).toMatchObject({method: 'GET', url: '/ip'});
		expect(upstreams[0]!.requests.slice(before[0])).toEqual([expect.objectContaining({addressType: 3, host: 'localhost', port: targetPort})]);
		expect(upstreams[1]!.requests.slice(before[1])).toEqual([expect.objectContaining({addressType: 1, host: '127.0.0.1', port: targetPort})]);
	});

	it('relays HTTP CONNECT and absolute-URI GET and POST, without passing the credentials on', async () => {
		const proxy = `http://user-a:pass-a@127.0.0.1:${httpPort}`;
		const tunnelled = await curl('-p', '-x', proxy, targetUrl('/tunnel'));
		expect(JSON.parse(tunnelled.stdout)).toMatchObject({method: 'GET', url: '/tunnel', proxyAuthorization: null});
		const get = await curl('-x', proxy, targetUrl('/get?x=1'));
		expect(JSON.parse(get.stdout)).toMatchObject({method: 'GET', url: '/get?x=1', proxyAuthorization: null});
		const post = await curl('-x', proxy, '--data-binary', 'hello body', targetUrl('/post'));
		expect(JSON.parse(post.stdout)).toMatchObject({method: 'POST', url: '/post', body: 'hello body', proxyAuthorization: null});
	});

	it('refuses missing and wrong credentials on both ports with the protocol\'s own answer', async () => {
		const before = front.stats.refused;
		const noCredentials = await curl('-x', `socks5h://127.0.0.1:${socksPort}`, targetUrl('/'));
		expect(noCredentials.exitCode).not.toBe(0);
		const wrong = await curl('-x', `socks5h://user-a:nope@127.0.0.1:${socksPort}`, targetUrl('/'));
		expect(wrong.exitCode).not.toBe(0);
		const otherLeasePassword = await curl('-x', `socks5h://user-a:${encodeURIComponent('p@ss:b/ü')}@127.0.0.1:${socksPort}`, targetUrl('/'));
		expect(otherLeasePassword.exitCode).not.toBe(0);
		const http407 = await curl('-i', '-x', `http://127.0.0.1:${httpPort}`, targetUrl('/'));
		expect(http407.stdout).toMatch(/^HTTP\/1\.1 407/);
		expect(http407.stdout).toMatch(/proxy-authenticate: Basic realm="nightcrawler"/i);
		const wrongHttp = await curl('-i', '-x', `http://user-b:nope@127.0.0.1:${httpPort}`, targetUrl('/'));
		expect(wrongHttp.stdout).toMatch(/^HTTP\/1\.1 407/);
		const wrongConnect = await curl('-p', '-x', `http://user-b:nope@127.0.0.1:${httpPort}`, targetUrl('/'));
		expect(wrongConnect.exitCode).not.toBe(0);
		const after = front.stats.refused;
		expect(after['no-credentials'] - before['no-credentials']).toBe(2);
		expect(after['bad-credentials'] - before['bad-credentials']).toBe(4);
		expect(JSON.stringify(refusals)).not.toMatch(/nope|pass-a|p@ss/);
	});

	it('closes an open tunnel at once when its key is revoked, and leaves other keys alone', async () => {
		const {socket: a} = await openSocksTunnel(socksPort, {username: 'user-a', password: 'pass-a'}, targetAddress());
		const {socket: b} = await openSocksTunnel(socksPort, {username: 'user-b', password: 'p@ss:b/ü'}, targetAddress());
		await waitFor(() => front.openConnections('a') === 1 && front.openConnections('b') === 1, {message: 'both tunnels counted'});
		const closed = new Promise(resolve => a.once('close', resolve));
		expect(front.revoke('a')).toBe(1);
		await closed;
		b.write(`GET /still HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
		expect(await readAll(b)).toContain('"url":"/still"');
	});

	it('counts the bytes each key relayed, both ways, on both ports, within the handshake and HTTP heads', async () => {
		// Per transfer: SOCKS5 handshake (about 30 bytes plus the credentials and target) or the proxy's
		// request and response heads, plus the HTTP request and response heads: well under 1,000 bytes.
		const overhead = 1000;
		const download = 1_000_000;
		const upload = 200_000;
		const transfers: Array<[string, string[]]> = [
			['socks5', ['-x', `socks5h://user-a:pass-a@127.0.0.1:${socksPort}`]],
			['http CONNECT', ['-p', '-x', `http://user-a:pass-a@127.0.0.1:${httpPort}`]],
			['http absolute-URI', ['-x', `http://user-a:pass-a@127.0.0.1:${httpPort}`]],
		];
		for (const [name, proxy] of transfers) {
			const before = front.traffic('a');
			const otherBefore = front.traffic('b');
			// eslint-disable-next-line no-await-in-loop
			const result = await execa('curl', ['-sS', '--max-time', '20', '-o', '/dev/null', '-w', '%{size_download}', ...proxy, '--data-binary', '@-', targetUrl(`/bytes/${download}`)], {input: Buffer.alloc(upload, 0x79), reject: false});
			expect(result.stdout, `${name}: ${result.stderr}`).toBe(String(download));
			// eslint-disable-next-line no-await-in-loop
			await waitFor(() => front.openConnections('a') === 0, {message: `${name}: connection closed`});
			const after = front.traffic('a');
			const bytesOut = after.bytesOut - before.bytesOut;
			const bytesIn = after.bytesIn - before.bytesIn;
			expect(bytesOut, name).toBeGreaterThanOrEqual(download);
			expect(bytesOut, name).toBeLessThan(download + overhead);
			expect(bytesIn, name).toBeGreaterThanOrEqual(upload);
			expect(bytesIn, name).toBeLessThan(upload + overhead);
			expect(front.traffic('b'), `${name}: another key's counts`).toEqual(otherBefore);
		}

		// An open tunnel counts as it goes.
		const {socket: tunnel} = await openSocksTunnel(socksPort, {username: 'user-a', password: 'pass-a'}, targetAddress());
		const before = front.traffic('a');
		tunnel.write(`GET /bytes/${download} HTTP/1.1\r\nHost: x\r\n\r\n`);
		tunnel.resume();
		await waitFor(() => front.traffic('a').bytesOut - before.bytesOut >= download, {message: 'live bytes counted'});
		tunnel.destroy();
		await waitFor(() => front.openConnections('a') === 0, {message: 'tunnel closed'});
		const total = front.forget('a');
		expect(total.bytesOut).toBeGreaterThanOrEqual(4 * download);
		expect(front.traffic('a')).toEqual({bytesIn: 0, bytesOut: 0});
	});

	it('gives a connection\'s place back when its client leaves while the upstream is still being reached', async () => {
		const socket = net.connect({host: '127.0.0.1', port: socksPort});
		socket.on('error', () => undefined);
		const user = Buffer.from('user-silent');
		const pass = Buffer.from('pass-s');
		socket.write(Buffer.concat([Buffer.from([5, 1, 2, 1, user.length]), user, Buffer.from([pass.length]), pass, Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, targetPort >> 8, targetPort & 0xFF])]));
		// The upstream never answers: the connection holds its place while it waits.
		await waitFor(() => front.openConnections('silent') === 1, {message: 'the connection admitted'});
		socket.destroy();
		await waitFor(() => front.openConnections('silent') === 0, {message: 'its place given back'});
	});

	it('bounds connections per key with a clear refusal', async () => {
		const open = await Promise.all([1, 2, 3].map(async () => (await openSocksTunnel(socksPort, {username: 'user-b', password: 'p@ss:b/ü'}, targetAddress())).socket));
		const before = front.stats.refused['key-full'];
		const fourth = await curl('-x', `socks5h://user-b:${encodeURIComponent('p@ss:b/ü')}@127.0.0.1:${socksPort}`, targetUrl('/'));
		expect(fourth.exitCode).not.toBe(0);
		// Reply code 0x02: connection not allowed by ruleset.
		expect(fourth.stderr).toMatch(/SOCKS5.*\(2\)/);
		const fourthHttp = await curl('-i', '-x', `http://user-b:${encodeURIComponent('p@ss:b/ü')}@127.0.0.1:${httpPort}`, targetUrl('/'));
		expect(fourthHttp.stdout).toMatch(/^HTTP\/1\.1 429/);
		expect(front.stats.refused['key-full'] - before).toBe(2);
		for (const socket of open) {
			socket.destroy();
		}

		await waitFor(() => front.openConnections('b') === 0, {message: 'places given back'});
		const again = await curl('-x', `socks5h://user-b:${encodeURIComponent('p@ss:b/ü')}@127.0.0.1:${socksPort}`, targetUrl('/again'));
		expect(JSON.parse(again.stdout)).toMatchObject({url: '/again'});
	});

	it('refuses garbage, truncated, oversized and slow handshakes without disturbing a live tunnel', async () => {
		const {socket: live} = await openSocksTunnel(socksPort, {username: 'user-a', password: 'pass-a'}, targetAddress());
		const before = front.stats.refused;
		await sendRaw(socksPort, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
		await sendRaw(socksPort, Buffer.from([5, 2, 0]), {end: true});
		// A whole greeting and login, then junk where the request should be.
		await sendRaw(socksPort, Buffer.concat([Buffer.from([5, 1, 2, 1, 6]), Buffer.from('user-a'), Buffer.from([6]), Buffer.from('pass-a'), Buffer.alloc(700, 0x61)]));
		await sendRaw(httpPort, Buffer.from('NOT HTTP AT ALL\r\n\r\n'));
		await sendRaw(httpPort, Buffer.from('GET http://x/ HTTP/1.1\r\nHost: x\r\n'), {end: true});
		await sendRaw(httpPort, Buffer.from(`GET http://x/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(65_536)}\r\n\r\n`));
		const slow = net.connect({host: '127.0.0.1', port: socksPort});
		slow.on('error', () => undefined);
		slow.write(Buffer.from([5]));
		const slowHttp = net.connect({host: '127.0.0.1', port: httpPort});
		slowHttp.on('error', () => undefined);
		slowHttp.write('GET http://x/ HTTP/1.1\r\nHost: x\r\n');
		await Promise.all([slow, slowHttp].map(async socket => new Promise(resolve => socket.once('close', resolve))));
		const after = front.stats.refused;
		expect(after.malformed - before.malformed).toBe(3);
		expect(after.truncated - before.truncated).toBe(2);
		expect(after.oversized - before.oversized).toBe(1);
		expect(after['handshake-timeout'] - before['handshake-timeout']).toBe(2);
		live.write(`GET /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
		expect(await readAll(live)).toContain('"url":"/live"');
	});

	it('closes a SOCKS5 connection revoked after its login and before its CONNECT: nothing reaches the upstream', async () => {
		const before = upstreams[0]!.requests.length;
		await waitFor(() => front.stats.open === 0, {message: 'the earlier tests\' connections gone'});
		const {socket} = connectTo(socksPort);
		try {
			socket.write(socksLogin({username: 'user-r', password: 'pass-r'}));
			expect(await readBytes(socket, 4)).toEqual(Buffer.from([5, 2, 1, 0]));
			const closedByRevoke = front.revoke('r');
			const answer: Buffer[] = [];
			socket.on('data', (chunk: Buffer) => answer.push(chunk));
			socket.resume();
			// Its CONNECT comes after the revoke: the lease is over, so it must not get through.
			socket.write(socksConnect(targetAddress()));
			await waitFor(() => socket.closed || upstreams[0]!.requests.length > before, {message: 'the connection closed (or its CONNECT reaching the upstream)'});
			expect(upstreams[0]!.requests.length - before).toBe(0);
			expect(Buffer.concat(answer)).toEqual(Buffer.alloc(0));
			expect(closedByRevoke).toBe(1);
			expect(front.openConnections('r')).toBe(0);
			// Its place is given back too.
			await waitFor(() => front.stats.open === 0, {message: 'the front\'s open count back to 0'});
		} finally {
			socket.destroy();
		}
	});

	it('gives the place back of a SOCKS5 connection that ends between its login and its CONNECT (hung up, bad request)', async () => {
		await waitFor(() => front.stats.open === 0, {message: 'the earlier tests\' connections gone'});
		const hangUp = connectTo(socksPort);
		const badRequest = connectTo(socksPort);
		for (const {socket} of [hangUp, badRequest]) {
			socket.write(socksLogin({username: 'user-r', password: 'pass-r'}));
			// eslint-disable-next-line no-await-in-loop
			expect(await readBytes(socket, 4)).toEqual(Buffer.from([5, 2, 1, 0]));
		}

		expect(front.openConnections('r')).toBe(2);
		hangUp.socket.end();
		badRequest.socket.write(Buffer.from([5, 1, 0, 9, 0, 0]));
		// Read to the end, so the front's close is seen.
		hangUp.socket.resume();
		badRequest.socket.resume();
		await Promise.all([hangUp.closed, badRequest.closed]);
		await waitFor(() => front.openConnections('r') === 0 && front.stats.open === 0, {message: 'both places given back'});
	});

	it('passes a half-close on: a client that ends its side after sending still gets the upstream\'s answer (SOCKS5, HTTP CONNECT)', async () => {
		const login = {username: 'user-h', password: 'pass-h'};
		// The half-close upstream is itself the far end: the target it is asked for does not matter.
		const far = {host: '127.0.0.1', port: 9};
		for (const [name, open] of [['socks5', openSocksTunnel], ['http CONNECT', openConnectTunnel]] as const) {
			// eslint-disable-next-line no-await-in-loop
			const {socket} = await open(name === 'socks5' ? socksPort : httpPort, login, far, {allowHalfOpen: true});
			socket.end(`hello from ${name}`);
			// eslint-disable-next-line no-await-in-loop
			expect(await readAll(socket), name).toBe(`received: hello from ${name}`);
		}
	});

	it('revoke closes a key\'s HTTP CONNECT tunnel and its kept-alive absolute-URI connection', async () => {
		const login = {username: 'user-r', password: 'pass-r'};
		const tunnel = await openConnectTunnel(httpPort, login, targetAddress());
		const keptAlive = connectTo(httpPort);
		try {
			keptAlive.socket.write(`GET ${targetUrl('/kept')} HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\nProxy-Authorization: ${basicAuth(login)}\r\n\r\n`);
			const response = await readResponse(keptAlive.socket);
			expect(response.head).toMatch(/^HTTP\/1\.1 200/);
			expect(response.body).toContain('"url":"/kept"');
			await waitFor(() => front.openConnections('r') === 2, {message: 'both connections counted under the key'});
			expect(keptAlive.socket.closed).toBe(false);
			expect(front.revoke('r')).toBe(2);
			await waitFor(() => tunnel.socket.closed && keptAlive.socket.closed, {message: 'both connections closed'});
			expect(front.openConnections('r')).toBe(0);
		} finally {
			tunnel.socket.destroy();
			keptAlive.socket.destroy();
		}
	});

	it('passes a CONNECT to an IPv6 address on to the upstream as address type 4, the same address', async () => {
		const before = upstreams[0]!.requests.length;
		const login = {username: 'user-a', password: 'pass-a'};
		const {socket, closed} = connectTo(socksPort);
		socket.write(Buffer.concat([socksLogin(login), socksConnect({host: '2001:db8:85a3:0:0:8a2e:370:7334', port: 8080})]));
		// The stand-in refuses addresses outside loopback (0x02); the front passes its answer on.
		expect(await readBytes(socket, 14)).toEqual(Buffer.from([5, 2, 1, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
		await closed;
		// Loopback as an IPv4-mapped IPv6 address: the stand-in reaches the target, and the tunnel works.
		const {socket: mapped} = await openSocksTunnel(socksPort, login, {host: '0:0:0:0:0:ffff:7f00:1', port: targetPort});
		mapped.write('GET /v6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
		expect(await readAll(mapped)).toContain('"url":"/v6"');
		expect(upstreams[0]!.requests.slice(before)).toEqual([
			{addressType: 4, host: '2001:db8:85a3:0:0:8a2e:370:7334', port: 8080, username: undefined, password: undefined},
			{addressType: 4, host: '0:0:0:0:0:ffff:7f00:1', port: targetPort, username: undefined, password: undefined},
		]);
	});
});
