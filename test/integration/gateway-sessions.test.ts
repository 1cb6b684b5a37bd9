import http from 'node:http';
import net from 'node:net';
import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {Provider} from '../../source/core/provider.js';
import {Gateway} from '../../source/gateway/gateway.js';
import type {OpenResult} from '../../source/gateway/session-table.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import type {Traffic} from '../../source/front/traffic-meter.js';
import {Cleanups} from '../helpers/cleanups.js';
import {standInOf} from '../helpers/exit-stand-ins.js';
import {curlVia, openSocksTunnel, relayCluster, socksAttempt} from '../helpers/gateway-relay-cluster.js';
import {startSocks5TestServer} from '../helpers/socks5-test-server.js';
import {startTestRedis, testNamespace} from '../helpers/redis.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

const cleanups = new Cleanups();
afterEach(async () => {
	await cleanups.run();
});

async function cluster(count: number, leaseTimeoutMs: number): Promise<{gateway: Gateway; provider: Provider}> {
	const redis = await startTestRedis();
	cleanups.add(async () => redis.stop());
	const namespace = testNamespace();
	const provider = new Provider({redis: redis.url, namespace, backend: new MemoryBackend({count})});
	cleanups.add(async () => provider.stop());
	await provider.start();
	const gateway = new Gateway({redis: redis.url, namespace, httpPort: 0, socksPort: 0, leaseTimeoutMs, clientTimings: {requestIntervalMs: 200}});
	cleanups.add(async () => gateway.stop());
	await gateway.start();
	return {gateway, provider};
}

/** Every leased session holds its own proxy and its own exit. */
function expectExclusive(gateway: Gateway): number {
	const leased = gateway.table.list().filter(session => session.phase === 'leased');
	expect(new Set(leased.map(session => session.proxyId)).size).toBe(leased.length);
	expect(new Set(leased.map(session => session.exitIp)).size).toBe(leased.length);
	return leased.length;
}

describe('gateway sessions over a cluster', () => {
	it('50 sessions on 10 proxies: 10 served at once, the others wait and are served as sessions drop, never two on one exit', async () => {
		const {gateway} = await cluster(10, 120_000);
		const keys = Array.from({length: 50}, (_, index) => `s${index}`);
		const served = new Set<string>();
		const results = keys.map(async key => {
			const result = await gateway.table.open({key, kind: 'sticky'});
			served.add(key);
			return result;
		});
		await waitFor(() => served.size === 10, {timeoutMs: 30_000, message: '10 sessions served'});
		expect(expectExclusive(gateway)).toBe(10);
		expect(gateway.table.list()).toHaveLength(50);
		while (served.size < 50) {
			const leased = gateway.table.list().filter(session => session.phase === 'leased');
			const before = served.size;
			// Drop the served sessions three at a time; as many waiting ones are served in their place.
			for (const session of leased.slice(0, 3)) {
				gateway.table.drop(session.key);
			}

			// eslint-disable-next-line no-await-in-loop
			await waitFor(() => served.size >= Math.min(50, before + 3), {timeoutMs: 30_000, message: `${before + 3} sessions served`});
			expect(expectExclusive(gateway)).toBeLessThanOrEqual(10);
		}

		const settled: OpenResult[] = await Promise.all(results);
		expect(settled.every(result => result.ok)).toBe(true);
	}, 180_000);

	it('a session that gets no lease within the lease time-out is refused with a reason, never left hanging', async () => {
		const {gateway} = await cluster(1, 1500);
		expect((await gateway.table.open({key: 'first', kind: 'sticky'})).ok).toBe(true);
		const started = Date.now();
		const refused = await gateway.table.open({key: 'second', kind: 'sticky'});
		expect(refused).toMatchObject({ok: false});
		expect(refused.ok ? '' : refused.message).toMatch(/No exit was free/);
		expect(Date.now() - started).toBeLessThan(15_000);
		expect(gateway.table.get('second')).toBeUndefined();
	});

	it('counts each session\'s bytes through the gateway: GET /sessions while it lives, the closed event when it goes', async () => {
		// A real relay: the memory pool's one proxy is a SOCKS5 server that tunnels to a local target (it
		// takes any credentials, as a provider's front takes the lease's).
		const socks = await startSocks5TestServer({requireAuth: true});
		cleanups.add(async () => socks.close());
		const target = http.createServer((request, response) => {
			request.resume();
			request.on('end', () => {
				response.end(Buffer.alloc(Number(/\d+$/.exec(request.url ?? '')?.[0] ?? 0), 0x78));
			});
		});
		await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve));
		cleanups.add(async () => new Promise(resolve => {
			target.close(resolve);
			target.closeAllConnections();
		}));
		const targetPort = (target.address() as net.AddressInfo).port;
		const redis = await startTestRedis();
		cleanups.add(async () => redis.stop());
		const namespace = testNamespace();
		const provider = new Provider({redis: redis.url, namespace, backend: new MemoryBackend({count: 1, basePort: socks.port})});
		cleanups.add(async () => provider.stop());
		await provider.start();
		const gateway = new Gateway({redis: redis.url, namespace, httpPort: 0, socksPort: 0, apiPort: 0, clientTimings: {requestIntervalMs: 200}});
		cleanups.add(async () => gateway.stop());
		const {httpPort, socksPort, apiPort} = await gateway.start();
		const closed: Array<[string, Traffic]> = [];
		gateway.on('closed', (key, _reason, traffic) => closed.push([key, traffic]));

		// Request and response heads, SOCKS5 or proxy handshakes: well under 1,000 bytes a transfer.
		const overhead = 1000;
		const download = 500_000;
		const upload = 100_000;
		for (const proxy of [`http://session-bytes:x@127.0.0.1:${httpPort}`, `socks5h://session-bytes:x@127.0.0.1:${socksPort}`]) {
			// eslint-disable-next-line no-await-in-loop
			const result = await execa('curl', ['-sS', '--max-time', '30', '-o', '/dev/null', '-w', '%{size_download}', '-x', proxy, '--data-binary', '@-', `http://127.0.0.1:${targetPort}/${download}`], {input: Buffer.alloc(upload, 0x79), reject: false});
			expect(result.stdout, result.stderr).toBe(String(download));
		}

		await waitFor(() => gateway.front.openConnections('bytes') === 0, {message: 'connections closed'});
		const listed = await (await fetch(`http://127.0.0.1:${apiPort!}/sessions`)).json() as Array<{key: string; bytesIn: number; bytesOut: number}>;
		const session = listed.find(entry => entry.key === 'bytes');
		expect(session?.bytesOut).toBeGreaterThanOrEqual(2 * download);
		expect(session?.bytesOut).toBeLessThan(2 * (download + overhead));
		expect(session?.bytesIn).toBeGreaterThanOrEqual(2 * upload);
		expect(session?.bytesIn).toBeLessThan(2 * (upload + overhead));
		expect((await fetch(`http://127.0.0.1:${apiPort!}/sessions/bytes`, {method: 'DELETE'})).status).toBe(200);
		expect(closed).toEqual([['bytes', {bytesIn: session!.bytesIn, bytesOut: session!.bytesOut}]]);
		expect(gateway.front.traffic('bytes')).toEqual({bytesIn: 0, bytesOut: 0});
		// A request path that is no URL at all (`//`) gets a 400, and the API goes on answering.
		const malformed = await execa('curl', ['-sS', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${apiPort!}//`], {reject: false});
		expect(malformed.stdout).toBe('400');
		expect((await fetch(`http://127.0.0.1:${apiPort!}/health`)).status).toBe(200);
	});

	it('stops at once, ending a connection still in its handshake', async () => {
		const {gateway} = await cluster(1, 30_000);
		const {socksPort} = await gateway.start();
		const silent = [net.connect({host: '127.0.0.1', port: socksPort})];
		for (const socket of silent) {
			socket.on('error', () => undefined);
		}

		await waitFor(() => silent.every(socket => socket.readyState === 'open'), {message: 'connected'});
		const closed = silent.map(async socket => new Promise(resolve => socket.once('close', resolve)));
		const started = Date.now();
		await gateway.stop();
		await Promise.all(closed);
		// The handshake time-out is the lease time-out and 10 s more (40 s): stop() did not wait for it.
		expect(Date.now() - started).toBeLessThan(20_000);
	});
});

describe('gateway refusals on the wire', () => {
	it('with a token: no or a wrong password gets 407 and a SOCKS5 authentication failure; the API needs the bearer token', async () => {
		const token = 'sekret-token';
		const {httpPort, socksPort, apiPort} = await relayCluster(cleanups, 1, {token, apiPort: 0});
		expect((await curlVia(`http://127.0.0.1:${httpPort}`)).status).toBe('407');
		expect((await curlVia(`http://session-a:wrong@127.0.0.1:${httpPort}`)).status).toBe('407');
		// No credentials offered: the only method the gateway takes is username/password.
		expect(await socksAttempt(socksPort, undefined)).toMatchObject({stage: 'greeting'});
		expect(await socksAttempt(socksPort, {username: 'session-a', password: 'wrong'})).toMatchObject({stage: 'authentication'});
		// The right token goes through, on both ports.
		const served = await curlVia(`http://session-a:${token}@127.0.0.1:${httpPort}`);
		expect(served.status, served.stderr).toBe('200');
		expect(standInOf(served.body)).toBeDefined();
		expect(await socksAttempt(socksPort, {username: 'session-a', password: token})).toBeUndefined();

		const health = `http://127.0.0.1:${apiPort!}/health`;
		expect((await fetch(health)).status).toBe(401);
		expect((await fetch(health, {headers: {authorization: 'Bearer wrong'}})).status).toBe(401);
		expect((await fetch(health, {headers: {authorization: `Basic ${token}`}})).status).toBe(401);
		expect((await fetch(`http://127.0.0.1:${apiPort!}/sessions`)).status).toBe(401);
		const authorized = await fetch(health, {headers: {authorization: `Bearer ${token}`}});
		expect(authorized.status).toBe(200);
		expect(await authorized.json()).toMatchObject({status: 'ok', sessions: 1});
	});

	it('the cluster full: a new session gets HTTP 503 with the reason, and a SOCKS5 general failure (not an auth failure), within the lease time-out', async () => {
		const leaseTimeoutMs = 1500;
		const {gateway, httpPort, socksPort} = await relayCluster(cleanups, 1, {leaseTimeoutMs});
		const first = await curlVia(`http://session-first:x@127.0.0.1:${httpPort}`);
		expect(first.status, first.stderr).toBe('200');
		expect(gateway.table.get('first')?.phase).toBe('leased');

		let started = Date.now();
		const refused = await curlVia(`http://session-second:x@127.0.0.1:${httpPort}`);
		expect(refused.status).toBe('503');
		expect(refused.body).toMatch(/No exit was free within 1.5 s/);
		// It waited for the time-out (not refused at once), and not much longer.
		expect(Date.now() - started).toBeGreaterThanOrEqual(leaseTimeoutMs - 100);
		expect(Date.now() - started).toBeLessThan(15_000);

		for (const credentials of [{username: 'session-third', password: 'x'}, undefined]) {
			started = Date.now();
			// eslint-disable-next-line no-await-in-loop
			const failure = await socksAttempt(socksPort, credentials);
			expect(failure).toMatchObject({stage: 'connect', replyCode: 0x01});
			expect(Date.now() - started).toBeGreaterThanOrEqual(leaseTimeoutMs - 100);
			expect(Date.now() - started).toBeLessThan(15_000);
		}

		// curl says what happened: the request failed, not "User was rejected".
		const viaCurl = await curlVia(`socks5h://session-fourth:x@127.0.0.1:${socksPort}`);
		expect(viaCurl.exitCode).not.toBe(0);
		expect(viaCurl.stderr).not.toMatch(/rejected/i);
		expect(viaCurl.stderr).toMatch(/general SOCKS server failure|SOCKS5 request|Can't complete SOCKS5 connection/i);
		// The first session kept its lease and goes on being served.
		expect((await curlVia(`socks5h://session-first:x@127.0.0.1:${socksPort}`)).status).toBe('200');
		expect(gateway.table.list().map(session => session.key)).toEqual(['first']);
	});
});

describe('gateway sessions on a live gateway', () => {
	it('--warm 2: two leases are held before any session, the first session is served from them, and the warm count refills', async () => {
		const {gateway, httpPort} = await relayCluster(cleanups, 3, {warm: 2});
		await waitFor(() => gateway.warmLeases === 2, {timeoutMs: 30_000, message: 'two warm leases'});
		const warm = gateway.client.proxies().map(proxy => proxy.leaseId);
		expect(warm).toHaveLength(2);
		expect(gateway.table.list()).toEqual([]);
		expect(gateway.health()).toMatchObject({warm: 2, sessions: 0});
		const served = await curlVia(`http://session-w:x@127.0.0.1:${httpPort}`);
		expect(served.status, served.stderr).toBe('200');
		expect(warm).toContain(gateway.table.get('w')?.leaseId);
		// The one taken is replaced from the third proxy.
		await waitFor(() => gateway.warmLeases === 2, {timeoutMs: 30_000, message: 'the warm leases refilled'});
		expect(gateway.client.proxies()).toHaveLength(3);
		expect(gateway.health()).toMatchObject({warm: 2, sessions: 1, leased: 1});
	});

	it('a session with no connection for the idle time closes with reason idle and gives its lease back; an open connection keeps it', async () => {
		const sessionIdleMs = 1500;
		const {gateway, httpPort, socksPort} = await relayCluster(cleanups, 1, {sessionIdleMs, leaseTimeoutMs: 20_000});
		const closed: Array<{key: string; reason: string}> = [];
		gateway.on('closed', (key, reason) => closed.push({key, reason}));
		const tunnel = await openSocksTunnel(socksPort, {username: 'session-idle', password: 'x'});
		const held = Date.now();
		// Held open for twice the idle time (a few sweeps): the session stays.
		await waitFor(() => Date.now() - held > 2 * sessionIdleMs + 1000, {timeoutMs: 20_000, intervalMs: 100, message: 'time passing'});
		expect(closed).toEqual([]);
		expect(gateway.table.get('idle')?.phase).toBe('leased');
		tunnel.socket.destroy();
		const released = Date.now();
		await waitFor(() => closed.length > 0, {timeoutMs: 20_000, message: 'the idle session closed'});
		expect(closed).toEqual([{key: 'idle', reason: 'idle'}]);
		// Idle time counts from the last sweep (one a second) that saw a connection open: up to a sweep before the close.
		expect(Date.now() - released).toBeGreaterThanOrEqual(sessionIdleMs - 1000 - 100);
		await waitFor(() => gateway.client.proxies().length === 0, {timeoutMs: 20_000, message: 'the lease given back'});
		// The cluster's one proxy is free again: a new session gets it.
		const next = await curlVia(`http://session-next:x@127.0.0.1:${httpPort}`);
		expect(next.status, next.stderr).toBe('200');
	});

	it('session-x-ttl-2s closes with reason ttl after 2 s, open connections and all', async () => {
		const {gateway, socksPort} = await relayCluster(cleanups, 1, {});
		const closing = nextEvent<[string, string]>(gateway, 'closed', 30_000);
		const tunnel = await openSocksTunnel(socksPort, {username: 'session-x-ttl-2s', password: 'x'});
		const view = gateway.table.get('x');
		expect(view?.expiresAt === undefined ? undefined : view.expiresAt - view.createdAt).toBe(2000);
		const [key, reason] = await closing;
		expect([key, reason]).toEqual(['x', 'ttl']);
		expect(Date.now() - view!.createdAt).toBeGreaterThanOrEqual(2000);
		await tunnel.closed;
		await waitFor(() => gateway.client.proxies().length === 0, {timeoutMs: 20_000, message: 'the lease given back'});
	});

	it('defaultSession shared: two connections without credentials share one session and its exit', async () => {
		const {gateway, httpPort, socksPort} = await relayCluster(cleanups, 2, {defaultSession: 'shared'});
		const one = await curlVia(`http://127.0.0.1:${httpPort}`);
		const two = await curlVia(`socks5h://127.0.0.1:${socksPort}`);
		expect(one.status, one.stderr).toBe('200');
		expect(two.status, two.stderr).toBe('200');
		expect(standInOf(one.body)).toBeDefined();
		expect(standInOf(two.body)).toBe(standInOf(one.body));
		expect(gateway.table.list().map(session => [session.key, session.relayed])).toEqual([[':shared', 2]]);
		expect(gateway.client.proxies()).toHaveLength(1);
	});

	it('defaultSession per-client: connections from 127.0.0.1 and 127.0.0.2 get a session each, each sticking to its exit', async () => {
		const {gateway, httpPort, socksPort} = await relayCluster(cleanups, 2, {defaultSession: 'per-client'});
		const first = await curlVia(`http://127.0.0.1:${httpPort}`, ['--interface', '127.0.0.1']);
		const second = await curlVia(`http://127.0.0.1:${httpPort}`, ['--interface', '127.0.0.2']);
		const secondAgain = await curlVia(`socks5h://127.0.0.1:${socksPort}`, ['--interface', '127.0.0.2']);
		for (const result of [first, second, secondAgain]) {
			expect(result.status, result.stderr).toBe('200');
		}

		expect(standInOf(first.body)).not.toBe(standInOf(second.body));
		expect(standInOf(secondAgain.body)).toBe(standInOf(second.body));
		const sessions = gateway.table.list();
		expect(sessions.map(session => session.key).sort()).toEqual([':client-127.0.0.1', ':client-127.0.0.2']);
		expect(new Set(sessions.map(session => session.leaseId)).size).toBe(2);
	});
});
