import net from 'node:net';
import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest';
import {Client} from '../../source/core/client.js';
import type {FrontRefusal} from '../../source/front/front-events.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {Cleanups} from '../helpers/cleanups.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {startTorProvider} from '../helpers/tor-provider.js';
import {waitFor} from '../helpers/wait-for.js';

/**
 * The provider's front in front of real Tor on the private network, on a second loopback address
 * (as `--host 127.0.0.2` would put it): lease credentials let traffic through, nothing else does,
 * and a lease's end closes what it had open.
 */
let redis: RedisServer;
let pool: Awaited<ReturnType<typeof startTorProvider>>;
const suiteCleanups = new Cleanups();
const clientCleanups = new Cleanups();
const refusals: FrontRefusal[] = [];
const frontHost = '127.0.0.2';

beforeAll(async () => {
	redis = await startTestRedis();
	suiteCleanups.add(async () => redis.stop());
	pool = await startTorProvider(redis.url, {count: 2, front: {host: frontHost}});
	suiteCleanups.add(async () => pool.stop());
	pool.provider.on('refused', refusal => refusals.push(refusal));
});
afterEach(async () => {
	await clientCleanups.run({concurrent: true});
	await waitFor(() => pool.backend.snapshot().every(instance => instance.state === 'ready'), {timeoutMs: 60_000, message: 'pool ready again'});
});
afterAll(async () => {
	await suiteCleanups.run();
});

async function client(): Promise<Client> {
	const created = new Client({redis: redis.url, namespace: pool.provider.namespace, timings: {requestIntervalMs: 250}});
	clientCleanups.add(async () => created.close());
	await created.start();
	return created;
}

const curl = async (...args: string[]) => execa('curl', ['-sS', '--max-time', '30', ...args], {reject: false});

/** A SOCKS5 CONNECT through the front, left open (an HTTP keep-alive connection to the echo server). */
async function openTunnel(port: number, username: string, password: string, targetHost: string, targetPort: number): Promise<net.Socket> {
	const socket = net.connect({host: frontHost, port});
	await new Promise((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('error', reject);
	});
	const read = async (bytes: number) => new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = [];
		const onData = (chunk: Buffer) => {
			chunks.push(chunk);
			const all = Buffer.concat(chunks);
			if (all.length >= bytes) {
				socket.off('data', onData);
				socket.pause();
				resolve(all);
			}
		};

		socket.on('data', onData);
		socket.resume();
		socket.once('close', () => reject(new Error('closed during the SOCKS5 handshake')));
	});
	socket.write(Buffer.from([5, 1, 2]));
	expect([...(await read(2))]).toEqual([5, 2]);
	socket.write(Buffer.concat([Buffer.from([1, username.length]), Buffer.from(username), Buffer.from([password.length]), Buffer.from(password)]));
	expect([...(await read(2))]).toEqual([1, 0]);
	const port16 = Buffer.alloc(2);
	port16.writeUInt16BE(targetPort);
	socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, targetHost.length]), Buffer.from(targetHost), port16]));
	const reply = await read(10);
	expect(reply[1]).toBe(0);
	socket.resume();
	return socket;
}

describe('the provider front on real Tor', () => {
	it('listens on --host while every Tor port (SOCKS, HTTP tunnel, control) is on 127.0.0.1', async () => {
		expect(pool.provider.frontPorts).toMatchObject({host: frontHost});
		const pids = pool.backend.snapshot().map(instance => instance.pid);
		const {stdout} = await execa('ss', ['-ltnpH']);
		const torLines = stdout.split('\n').filter(line => pids.some(pid => line.includes(`pid=${pid},`)));
		// SOCKS, HTTP tunnel and control port of each instance.
		expect(torLines.length).toBe(pids.length * 3);
		for (const line of torLines) {
			expect(line).toMatch(/\s127\.0\.0\.1:\d+\s/);
		}

		for (const instance of pool.backend.snapshot()) {
			expect(instance.host).toBe('127.0.0.1');
		}
	});

	it('a lease\'s credentials work through SOCKS5 (name and IP) and HTTP (CONNECT, absolute-URI GET and POST), leaving from its exit', async () => {
		const {checkUrl, checkHostUrl} = inject('testnet');
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		expect(proxy.host).toBe(frontHost);
		expect(proxy.port).toBe(pool.provider.frontPorts!.socksPort);
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
		const {checkHost} = inject('testnet');
		const echoPort = Number(new URL(checkHostUrl).port);
		const {socksPort, httpPort} = pool.provider.frontPorts!;
		const proxy = await (await client()).getProxy({timeoutMs: 30_000});
		const {username, password} = proxy.credentials;
		const before = refusals.length;
		expect((await curl('-x', `socks5h://${frontHost}:${socksPort}`, checkHostUrl)).exitCode).not.toBe(0);
		expect((await curl('-x', `socks5h://${username}:wrong@${frontHost}:${socksPort}`, checkHostUrl)).exitCode).not.toBe(0);
		const noAuth = await curl('-x', `http://${frontHost}:${httpPort}`, '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(noAuth.stdout).toBe('407');
		const wrongAuth = await curl('-x', `http://${username}:wrong@${frontHost}:${httpPort}`, '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(wrongAuth.stdout).toBe('407');
		expect(refusals.slice(before).map(refusal => refusal.reason).sort()).toEqual(['bad-credentials', 'bad-credentials', 'no-credentials', 'no-credentials']);
		expect(JSON.stringify(refusals)).not.toContain(username);

		const tunnel = await openTunnel(socksPort, username, password, checkHost, echoPort);
		const closed = new Promise<number>(resolve => {
			tunnel.once('close', () => {
				resolve(Date.now());
			});
		});
		const destroyedAt = Date.now();
		await proxy.destroy();
		expect(await closed - destroyedAt).toBeLessThan(1000);
		expect((await curl('-x', proxy.url, checkHostUrl)).exitCode).not.toBe(0);
		const ended = await curl('-x', proxy.httpUrl!, '-w', '%{http_code}', '-o', '/dev/null', checkHostUrl);
		expect(ended.stdout).toBe('407');
	});
});
