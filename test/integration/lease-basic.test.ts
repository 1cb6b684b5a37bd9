import {Redis} from 'ioredis';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {Client} from '../../source/core/client.js';
import {ClosedError} from '../../source/core/errors/closed-error.js';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {Provider} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {Cleanups} from '../helpers/cleanups.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

let redis: RedisServer;
const cleanups = new Cleanups();

beforeAll(async () => {
	redis = await startTestRedis();
});
afterAll(async () => {
	await redis?.stop();
});
afterEach(async () => {
	await cleanups.run();
});

async function provider(namespace: string, count = 3, timings = {}): Promise<Provider> {
	const p = new Provider({redis: redis.url, namespace, backend: new MemoryBackend({count}), timings});
	cleanups.add(async () => p.stop());
	await p.connect();
	await p.createCluster();
	p.startProviding();
	return p;
}

async function client(namespace: string, timings = {}): Promise<Client> {
	const c = new Client({redis: redis.url, namespace, timings});
	cleanups.add(async () => c.close());
	await c.connect();
	return c;
}

describe('one client, one provider', () => {
	it('leases a proxy with its provider, address and exit', async () => {
		const namespace = testNamespace();
		const p = await provider(namespace);
		const c = await client(namespace);
		const ready = nextEvent<[ClientProxy]>(c, 'proxy-ready');
		c.createProxy();
		const [proxy] = await ready;
		expect(proxy.clusterId).toBe(p.id);
		expect(proxy.host).toBe('127.0.0.1');
		expect(proxy.url).toBe(`socks5h://127.0.0.1:${proxy.port}`);
		expect(proxy.httpUrl).toBe(`http://127.0.0.1:${proxy.httpPort}`);
		expect(proxy.exitIp).toMatch(/^203\.0\./);
		expect(p.leases().map(lease => lease.leaseId)).toEqual([proxy.leaseId]);
		expect(p.leases()[0]!.clientId).toBe(c.id);
	});

	it('getProxy awaits a proxy, and times out with a named error when no provider answers', async () => {
		const namespace = testNamespace();
		const c = await client(namespace);
		await expect(c.getProxy({timeoutMs: 300})).rejects.toMatchObject({name: 'LeaseTimeoutError'});
		await provider(namespace);
		const proxy = await c.getProxy({timeoutMs: 5000});
		expect(proxy.leaseId).toMatch(/^[\da-f-]{36}$/);
	});

	it('heartbeats keep the lease; close() gives it back, twice without harm', async () => {
		const namespace = testNamespace();
		const p = await provider(namespace, 1, {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 400});
		const c = await client(namespace);
		const proxy = await c.getProxy();
		await waitFor(() => (p.leases()[0]?.heartbeats ?? 0) >= 5, {message: '5 heartbeats'});
		expect(p.leases()).toHaveLength(1);
		const released = nextEvent(p, 'released');
		await Promise.all([c.close(), c.close()]);
		const [end] = await released;
		expect(end).toMatchObject({reason: 'destroyed', lease: {leaseId: proxy.leaseId}});
		expect(proxy.state).toBe('ended');
		await p.stop();
		await p.stop();
	});
});

describe('a pool started before its provider', () => {
	async function providerFor(namespace: string, backend: MemoryBackend): Promise<{p: Provider; ready: string[]}> {
		const p = new Provider({redis: redis.url, namespace, backend});
		cleanups.add(async () => p.stop());
		const ready: string[] = [];
		p.on('instance-ready', endpoint => ready.push(endpoint.id));
		await p.connect();
		await p.createCluster();
		p.startProviding();
		return {p, ready};
	}

	it('is leased all the same, and is not started a second time', async () => {
		const namespace = testNamespace();
		const backend = new MemoryBackend({count: 2});
		await backend.start();
		const before = backend.snapshot().map(({id, exitIp, startedAt}) => ({id, exitIp, startedAt}));
		const {p, ready} = await providerFor(namespace, backend);
		// The provider's start() changed nothing: same instances, same exits, started once.
		expect(backend.snapshot().map(({id, exitIp, startedAt}) => ({id, exitIp, startedAt}))).toEqual(before);
		expect(ready.sort()).toEqual(['mem-0', 'mem-1']);
		expect(p.instances()).toHaveLength(2);
		const c = await client(namespace);
		const proxies = await Promise.all([c.getProxy({timeoutMs: 5000}), c.getProxy({timeoutMs: 5000})]);
		expect(new Set(proxies.map(proxy => proxy.proxyId))).toEqual(new Set(['mem-0', 'mem-1']));
	});

	it('an instance that was rotating when the provider took the pool is leased once it is ready', async () => {
		const namespace = testNamespace();
		const backend = new MemoryBackend({count: 2, rotateDelayMs: 200});
		await backend.start();
		const rotation = backend.rotate('mem-0');
		const {ready} = await providerFor(namespace, backend);
		expect(ready).toEqual(['mem-1']);
		await rotation;
		expect(ready.sort()).toEqual(['mem-0', 'mem-1']);
		const c = await client(namespace);
		const proxies = await Promise.all([c.getProxy({timeoutMs: 5000}), c.getProxy({timeoutMs: 5000})]);
		expect(new Set(proxies.map(proxy => proxy.proxyId))).toEqual(new Set(['mem-0', 'mem-1']));
	});
});

describe('connect() called twice', () => {
	async function clientConnections(): Promise<number> {
		const admin = new Redis(redis.url);
		try {
			const list = await admin.client('LIST') as string;
			return list.split('\n').filter(line => / name=nightcrawler-client-(pub|sub) /.test(line)).length;
		} finally {
			admin.disconnect();
		}
	}

	it('opens one pair of connections, and after close() fails with a ClosedError', async () => {
		const namespace = testNamespace();
		await provider(namespace, 1);
		const before = await clientConnections();
		const c = new Client({redis: redis.url, namespace});
		cleanups.add(async () => c.close());
		await Promise.all([c.connect(), c.connect()]);
		await c.connect();
		expect(await clientConnections()).toBe(before + 2);
		expect((await c.getProxy({timeoutMs: 5000})).proxyId).toBe('mem-0');
		await c.close();
		const late = new Client({redis: redis.url, namespace});
		await late.close();
		await expect(late.connect()).rejects.toBeInstanceOf(ClosedError);
	});
});
