import {EventEmitter} from 'node:events';
import {Redis} from 'ioredis';
import {describe, expect, it} from 'vitest';
import {Client} from '../../source/core/client.js';
import {ClosedError} from '../../source/core/errors/closed-error.js';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {Provider} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import type {InstanceSnapshot} from '../../source/pool/pool-backend.js';
import {testNamespace} from '../helpers/redis.js';
import {setupRedisTestbed} from '../helpers/redis-testbed.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

const {cleanups, redisUrl} = setupRedisTestbed();

async function provider(namespace: string, count = 3, timings = {}): Promise<Provider> {
	const p = new Provider({redis: redisUrl(), namespace, backend: new MemoryBackend({count}), timings});
	cleanups.add(async () => p.stop());
	await p.connect();
	await p.createCluster();
	p.startProviding();
	return p;
}

async function client(namespace: string, timings = {}): Promise<Client> {
	const c = new Client({redis: redisUrl(), namespace, timings});
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
		const {username, password} = proxy.credentials;
		expect(username).toMatch(/^nc[\w-]{16}$/);
		expect(password).toMatch(/^[\w-]{32}$/);
		expect(proxy.url).toBe(`socks5h://${username}:${password}@127.0.0.1:${proxy.port}`);
		expect(proxy.httpUrl).toBe(`http://${username}:${password}@127.0.0.1:${proxy.httpPort}`);
		expect(proxy.exitIp).toMatch(/^203\.0\./);
		expect(p.leases().map(lease => lease.leaseId)).toEqual([proxy.leaseId]);
		expect(p.leases()[0]!.clientId).toBe(c.id);
		// Displays get frozen copies, never the live proxy.
		const [slot] = c.snapshot();
		expect(Object.isFrozen(slot)).toBe(true);
		expect(Object.isFrozen(slot!.proxy)).toBe(true);
		expect(slot).toMatchObject({phase: 'linked', providerId: p.id, proxy: {leaseId: proxy.leaseId, url: proxy.url, exitIp: proxy.exitIp}});
		expect(slot!.proxy).not.toBeInstanceOf(EventEmitter);
	});

	it('a new client asking for several proxies gets them all at once, not one per request repeat', async () => {
		const namespace = testNamespace();
		await provider(namespace);
		// Requests repeat only every minute: each proxy must come from the first request and the claims after it.
		const c = await client(namespace, {requestIntervalMs: 60_000});
		for (let index = 0; index < 3; index++) {
			c.createProxy();
		}

		await waitFor(() => c.proxies().length === 3, {timeoutMs: 20_000, message: 'three proxies, long before any request is repeated'});
	});

	it('start() connects once; status follows the lifecycle', async () => {
		const c = new Client({redis: redisUrl(), namespace: testNamespace()});
		cleanups.add(async () => c.close());
		expect(c.status).toBe('idle');
		const starting = c.start();
		expect(c.status).toBe('starting');
		await Promise.all([starting, c.start(), c.connect()]);
		expect(c.status).toBe('ready');
		const closing = c.close();
		expect(c.status).toBe('stopping');
		await Promise.all([closing, c.close()]);
		expect(c.status).toBe('stopped');
		await expect(c.start()).resolves.toBeUndefined();
		expect(() => c.createProxy()).toThrow(ClosedError);
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
		// Quick heartbeats, and a timeout no stall of a busy machine reaches: the lease must end by close().
		const p = await provider(namespace, 1, {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 10_000});
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

/** A pool whose one held rotation lasts until `finish()`: the instance shows as rotating meanwhile. */
class HeldRotations extends MemoryBackend {
	private held: string | undefined;
	private release: () => void = () => undefined;
	private readonly gate = new Promise<void>(resolve => {
		this.release = resolve;
	});

	override snapshot(): InstanceSnapshot[] {
		return super.snapshot().map(instance => (instance.id === this.held ? {...instance, state: 'rotating'} : instance));
	}

	async heldRotation(id: string): Promise<void> {
		this.held = id;
		this.events.emit('instance-change', this.snapshot().find(instance => instance.id === id)!);
		await this.gate;
		this.held = undefined;
		await this.rotate(id);
	}

	finish(): void {
		this.release();
	}
}

describe('a pool started before its provider', () => {
	async function providerFor(namespace: string, backend: MemoryBackend): Promise<{p: Provider; ready: string[]}> {
		const p = new Provider({redis: redisUrl(), namespace, backend});
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
		const backend = new HeldRotations({count: 2});
		await backend.start();
		// The rotation lasts until the test lets it finish, however slow the provider is to start.
		const rotation = backend.heldRotation('mem-0');
		const {ready} = await providerFor(namespace, backend);
		expect(ready).toEqual(['mem-1']);
		backend.finish();
		await rotation;
		expect(ready.sort()).toEqual(['mem-0', 'mem-1']);
		const c = await client(namespace);
		const proxies = await Promise.all([c.getProxy({timeoutMs: 5000}), c.getProxy({timeoutMs: 5000})]);
		expect(new Set(proxies.map(proxy => proxy.proxyId))).toEqual(new Set(['mem-0', 'mem-1']));
	});
});

describe('connect() called twice', () => {
	async function clientConnections(): Promise<number> {
		const admin = new Redis(redisUrl());
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
		const c = new Client({redis: redisUrl(), namespace});
		cleanups.add(async () => c.close());
		await Promise.all([c.connect(), c.connect()]);
		await c.connect();
		expect(await clientConnections()).toBe(before + 2);
		expect((await c.getProxy({timeoutMs: 5000})).proxyId).toBe('mem-0');
		await c.close();
		const late = new Client({redis: redisUrl(), namespace});
		await late.close();
		await expect(late.connect()).rejects.toBeInstanceOf(ClosedError);
	});
});
