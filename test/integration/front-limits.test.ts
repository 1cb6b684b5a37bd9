import type net from 'node:net';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {Front, type FrontLimits} from '../../source/front/front.js';
import {Cleanups} from '../helpers/cleanups.js';
import {basicAuth, connectTo, openConnectTunnel, openSocksTunnel, readBytes, readHead, socksConnect, socksLogin} from '../helpers/front-clients.js';
import {startSocks5TestServer, type Socks5TestServer} from '../helpers/socks5-test-server.js';
import {startTcpTestServer, type TcpTestServer} from '../helpers/tcp-test-server.js';
import {waitFor} from '../helpers/wait-for.js';

/** Fronts of their own, for the limits that apply to all their connections. */
describe('front limits', () => {
	const cleanups = new Cleanups();
	const login = {username: 'user-x', password: 'pass-x'};
	let echo: TcpTestServer;
	let upstream: Socks5TestServer;

	beforeAll(async () => {
		echo = await startTcpTestServer(socket => socket.pipe(socket));
		upstream = await startSocks5TestServer();
	});
	afterEach(async () => cleanups.run());
	afterAll(async () => {
		await upstream?.close();
		await echo?.close();
	});

	const echoAddress = () => ({host: '127.0.0.1', port: echo.port});
	async function startFront(limits: Partial<FrontLimits>): Promise<{front: Front; socksPort: number; httpPort: number}> {
		const front = new Front({
			host: '127.0.0.1',
			limits,
			access: ({credentials}) => (credentials?.username === login.username && credentials.password === login.password
				? {ok: true, key: 'x', upstream: {host: '127.0.0.1', port: upstream.port}}
				: {ok: false, reason: 'bad-credentials'}),
		});
		cleanups.add(async () => front.stop());
		return {front, ...await front.start()};
	}

	it('closes a relayed connection with no traffic after the idle time-out on both ports, and not one that keeps talking', async () => {
		const idleTimeoutMs = 1500;
		const {socksPort, httpPort} = await startFront({idleTimeoutMs});
		const startedAt = Date.now();
		const [quietSocks, quietHttp, busySocks, busyHttp] = await Promise.all([
			openSocksTunnel(socksPort, login, echoAddress()),
			openConnectTunnel(httpPort, login, echoAddress()),
			openSocksTunnel(socksPort, login, echoAddress()),
			openConnectTunnel(httpPort, login, echoAddress()),
		]);
		cleanups.add(() => {
			for (const {socket} of [quietSocks, quietHttp, busySocks, busyHttp]) {
				socket.destroy();
			}
		});
		// Bytes echoed back to each busy tunnel.
		const echoed = new Map<net.Socket, number>();
		for (const {socket} of [busySocks, busyHttp]) {
			socket.on('data', (chunk: Buffer) => {
				echoed.set(socket, (echoed.get(socket) ?? 0) + chunk.length);
			});
			socket.resume();
		}

		// A byte each way every 100 ms: a tenth of the time-out.
		const talk = setInterval(() => {
			busySocks.socket.write('.');
			busyHttp.socket.write('.');
		}, 100);
		cleanups.add(() => {
			clearInterval(talk);
		});
		const closedAt = await Promise.all([quietSocks.closed, quietHttp.closed].map(async closed => closed.then(() => Date.now())));
		for (const at of closedAt) {
			// (Less a little: a timer counts from its loop turn's cached clock.)
			expect(at - startedAt).toBeGreaterThanOrEqual(idleTimeoutMs - 100);
		}

		// Talking for three time-outs keeps them open.
		await waitFor(() => Date.now() - startedAt >= 3 * idleTimeoutMs, {message: 'three idle time-outs passed'});
		expect(busySocks.socket.closed).toBe(false);
		expect(busyHttp.socket.closed).toBe(false);
		expect(echoed.get(busySocks.socket)).toBeGreaterThan(5);
		expect(echoed.get(busyHttp.socket)).toBeGreaterThan(5);
	});

	it('refuses connections past the front\'s total: SOCKS5 with reply 0x02, HTTP with 503, counted as front-full', async () => {
		const {front, socksPort, httpPort} = await startFront({total: 1});
		const held = await openSocksTunnel(socksPort, login, echoAddress());
		cleanups.add(() => held.socket.destroy());
		await waitFor(() => front.stats.open === 1, {message: 'the held tunnel counted'});
		const socks = connectTo(socksPort);
		socks.socket.write(Buffer.concat([socksLogin(login), socksConnect(echoAddress())]));
		expect(await readBytes(socks.socket, 14)).toEqual(Buffer.from([5, 2, 1, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
		await socks.closed;
		const http = connectTo(httpPort);
		cleanups.add(() => http.socket.destroy());
		http.socket.write(`GET http://127.0.0.1:${echo.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nProxy-Authorization: ${basicAuth(login)}\r\n\r\n`);
		expect(await readHead(http.socket)).toMatch(/^HTTP\/1\.1 503/);
		expect(front.stats.refused['front-full']).toBe(2);
		// A place given back is taken again.
		held.socket.destroy();
		await waitFor(() => front.stats.open === 0, {message: 'the held tunnel gone'});
		const again = await openSocksTunnel(socksPort, login, echoAddress());
		again.socket.destroy();
	});
});
