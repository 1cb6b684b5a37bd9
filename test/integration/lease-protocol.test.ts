import {Redis} from 'ioredis';
import {describe, expect, it} from 'vitest';
import {Bus} from '../../source/core/bus/bus.js';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {clientInbound} from '../../source/core/lease/messages.js';
import type {ProxyDownError} from '../../source/core/errors/proxy-down-error.js';
import {RotateError} from '../../source/core/errors/rotate-error.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {setupLeaseTestbed} from '../helpers/lease-harness.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

const {redisUrl, newHarness} = setupLeaseTestbed();

/** For tests that wait for a heartbeat timeout on purpose: it comes quickly. */
const fast = {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 400};

describe('many clients racing for fewer proxies', () => {
	it('never leases one proxy twice, and serves everyone as proxies free up', async () => {
		const harness = newHarness();
		// Default heartbeat timings: leases here end by destroy(), never by a stall of a busy machine.
		const provider = await harness.provider({count: 3});
		const clients = await Promise.all(Array.from({length: 10}, async () => harness.client()));
		const held = new Map<string, string>(); // proxyId → leaseId, while held
		const violations: string[] = [];
		provider.on('leased', lease => {
			if (held.has(lease.proxyId)) {
				violations.push(`${lease.proxyId} leased while held by ${held.get(lease.proxyId)}`);
			}

			held.set(lease.proxyId, lease.leaseId);
		});
		provider.on('released', ({lease}) => {
			held.delete(lease.proxyId);
		});
		const served = new Set<string>();
		await Promise.all(clients.map(async client => {
			const proxy = await client.getProxy({timeoutMs: 20_000});
			// Each client-side proxy must be one no other client holds right now.
			const holders = clients.flatMap(other => other.proxies()).filter(p => p.proxyId === proxy.proxyId && p.state === 'active');
			expect(holders).toHaveLength(1);
			served.add(client.id);
			await proxy.destroy();
		}));
		expect(served.size).toBe(10);
		expect(violations).toEqual([]);
		expect(provider.stats.leases).toBe(10);
	});
});

describe('two providers', () => {
	it('clients are served by both, and no offer is claimed twice', async () => {
		const harness = newHarness();
		const [a, b] = await Promise.all([harness.provider({count: 2}), harness.provider({count: 2})]);
		const clients = await Promise.all(Array.from({length: 4}, async () => harness.client()));
		const proxies = await Promise.all(clients.map(async client => client.getProxy({timeoutMs: 10_000})));
		const byProvider = new Set(proxies.map(proxy => proxy.clusterId));
		expect(byProvider).toEqual(new Set([a.id, b.id]));
		expect(new Set(proxies.map(proxy => `${proxy.clusterId}/${proxy.proxyId}`)).size).toBe(4);
		expect(a.leases()).toHaveLength(2);
		expect(b.leases()).toHaveLength(2);
	});
});

describe('heartbeat loss', () => {
	it('a provider that stops hearing heartbeats takes the proxy back and rotates it', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1, timings: fast});
		const client = await harness.client();
		const proxy = await client.getProxy();
		const released = nextEvent(provider, 'released');
		const rotated = nextEvent<[{reason: string; previousExitIp?: string; exitIp?: string}]>(provider, 'rotated');
		// The provider hears nothing more from anyone.
		provider.bus.testDropRate = 1;
		const [end] = await released;
		expect(end).toMatchObject({reason: 'heartbeat-timeout', lease: {leaseId: proxy.leaseId}});
		const [rotation] = await rotated;
		expect(rotation).toMatchObject({reason: 'recycle', previousExitIp: proxy.exitIp});
		expect(rotation.exitIp).not.toBe(proxy.exitIp);
		expect(provider.leases()).toEqual([]);
	});

	it('a client that stops hearing answers reports the proxy down and leases another', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 2, timings: fast});
		const client = await harness.client();
		client.createProxy();
		const [first] = await nextEvent<[ClientProxy]>(client, 'proxy-ready');
		const down = nextEvent<[ProxyDownError]>(client, 'proxy-down');
		// The client hears nothing more from its provider.
		client.testDropRate = 1;
		const [error] = await down;
		expect(error.name).toBe('ProxyDownError');
		expect(error.proxy).toBe(first);
		expect(first.state).toBe('ended');
		client.testDropRate = 0;
		const [second] = await nextEvent<[ClientProxy]>(client, 'proxy-ready');
		expect(second.leaseId).not.toBe(first.leaseId);
	});
});

describe('lease TTL', () => {
	it('ends the lease, rotates the proxy, and the client leases again by itself', async () => {
		const harness = newHarness();
		// Heartbeats cannot time out before the short TTL runs out, even on a stalled machine.
		const leased: string[] = [];
		const provider = await harness.provider({count: 1, timings: {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 10_000, leaseTtlMs: 300}});
		provider.on('leased', lease => leased.push(lease.leaseId));
		const client = await harness.client();
		client.createProxy();
		const [first] = await nextEvent<[ClientProxy]>(client, 'proxy-ready');
		const [ended, reason] = await nextEvent<[ClientProxy, string]>(client, 'proxy-end');
		expect(ended).toBe(first);
		expect(reason).toBe('ttl');
		const [second] = await nextEvent<[ClientProxy]>(client, 'proxy-ready');
		expect(second.leaseId).not.toBe(first.leaseId);
		expect(second.proxyId).toBe(first.proxyId);
		expect(second.exitIp).not.toBe(first.exitIp);
		// The provider leased exactly these two (the second may itself have run out by now: its TTL is short).
		expect(leased.slice(0, 2)).toEqual([first.leaseId, second.leaseId]);
		expect(provider.leases().map(lease => lease.leaseId)).not.toContain(first.leaseId);
	});
});

describe('destroy and rotate by the holder', () => {
	it('destroy ends the lease and the proxy comes back with a new exit', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1});
		const client = await harness.client();
		const proxy = await client.getProxy();
		await proxy.destroy();
		await proxy.destroy();
		expect(proxy.state).toBe('ended');
		expect(provider.leases()).toEqual([]);
		const next = await client.getProxy();
		expect(next.proxyId).toBe(proxy.proxyId);
		expect(next.exitIp).not.toBe(proxy.exitIp);
	});

	it('rotate keeps the lease and answers with the new exit', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1});
		const client = await harness.client();
		const proxy = await client.getProxy();
		const before = proxy.exitIp;
		const rotated = nextEvent<[ClientProxy, string]>(proxy, 'rotated');
		await proxy.rotate();
		expect(proxy.exitIp).toBeDefined();
		expect(proxy.exitIp).not.toBe(before);
		expect((await rotated)[1]).toBe(before);
		expect(provider.leases()).toMatchObject([{leaseId: proxy.leaseId, exitIp: proxy.exitIp}]);
	});
});

describe('rotations that do not go through', () => {
	it('a second rotate while one runs is refused at once; the first completes', async () => {
		const harness = newHarness();
		await harness.provider({backend: new MemoryBackend({count: 1, rotateDelayMs: 300})});
		const client = await harness.client();
		const proxy = await client.getProxy();
		const before = proxy.exitIp;
		const first = proxy.rotate();
		await expect(proxy.rotate()).rejects.toThrow(new RotateError('a rotation of this proxy is already in progress'));
		await first;
		expect(proxy.exitIp).not.toBe(before);
		// Once it is done, the next one is accepted.
		await proxy.rotate();
	});

	it('a rotation the pool fails is refused with its reason, and the lease goes on', async () => {
		class NoExits extends MemoryBackend {
			override async rotate(): Promise<never> {
				throw new Error('no exit relay left');
			}
		}

		const harness = newHarness();
		const provider = await harness.provider({backend: new NoExits({count: 1})});
		const client = await harness.client();
		const proxy = await client.getProxy();
		await expect(proxy.rotate()).rejects.toThrow(new RotateError('rotation refused: no exit relay left'));
		expect(proxy.state).toBe('active');
		expect(provider.leases()).toMatchObject([{leaseId: proxy.leaseId}]);
	});

	it('a rotation nobody answers is repeated, then fails after rotateTimeoutMs', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1});
		const client = await harness.client({timings: {retryMs: 50, rotateTimeoutMs: 1000}});
		const proxy = await client.getProxy();
		provider.bus.testDropRate = 1;
		const dropped = provider.bus.stats.dropped['test-drop'];
		await expect(proxy.rotate()).rejects.toThrow(new RotateError('rotation not answered within 1000 ms'));
		// The first request and repeats reached the provider (and were dropped there).
		expect(provider.bus.stats.dropped['test-drop'] - dropped).toBeGreaterThanOrEqual(3);
		provider.bus.testDropRate = 0;
		// The slot forgot the failed rotation: a new one goes through.
		const before = proxy.exitIp;
		await proxy.rotate();
		expect(proxy.exitIp).not.toBe(before);
	});
});

describe('a lost proxy:update', () => {
	it('is caught up by the next heartbeat answer, which carries the current exit', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1, timings: {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 3000}});
		const client = await harness.client();
		const proxy = await client.getProxy();
		const before = proxy.exitIp;
		client.testDropRate = 1;
		const dropped = client.stats.dropped['test-drop'];
		await provider.rotateInstance(proxy.proxyId);
		const after = provider.instances()[0]!.exitIp;
		expect(after).not.toBe(before);
		// Wait until the update (and some heartbeat answers) were really dropped, then hear again.
		await waitFor(() => client.stats.dropped['test-drop'] > dropped + 2, {message: 'messages dropped'});
		expect(proxy.exitIp).toBe(before);
		const updated = nextEvent(proxy, 'update');
		client.testDropRate = 0;
		await updated;
		expect(proxy.exitIp).toBe(after);
		expect(proxy.state).toBe('active');
	});
});

describe('messages forged by a non-holder', () => {
	it('destroy, rotate and heartbeat without a proof of the secret are ignored and counted', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1});
		const client = await harness.client();
		const proxy = await client.getProxy();
		// The thief speaks the protocol on a raw bus of its own.
		const thief = new Bus({redis: redisUrl(), namespace: harness.namespace, inbound: clientInbound});
		try {
			await thief.connect();
			const proof = 'x'.repeat(43);
			await thief.sendMessage('proxy:destroy', provider.id, {leaseId: proxy.leaseId, n: 1000, proof});
			await thief.sendMessage('proxy:rotate', provider.id, {leaseId: proxy.leaseId, rotateId: crypto.randomUUID(), n: 1001, proof});
			await thief.sendMessage('proxy:heartbeat', provider.id, {leaseId: proxy.leaseId, seq: 1, n: 1002, proof});
			await waitFor(() => provider.stats.forged === 3, {message: '3 forged messages counted'});
		} finally {
			await thief.close();
		}

		expect(provider.leases()).toMatchObject([{leaseId: proxy.leaseId, exitIp: proxy.exitIp}]);
		expect(proxy.state).toBe('active');
	});
});

describe('malformed messages', () => {
	it('are dropped and counted, and the provider keeps serving', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1});
		const raw = new Redis(redisUrl());
		try {
			const direct = `${harness.namespace}:to:${provider.id}`;
			const requests = `${harness.namespace}:event:proxy:request`;
			const sender = crypto.randomUUID();
			await raw.publish(requests, '{not json');
			await raw.publish(requests, JSON.stringify({event: 'proxy:request'}));
			await raw.publish(requests, JSON.stringify({event: 'proxy:request', UUID: sender, data: {requestId: 42}}));
			await raw.publish(direct, JSON.stringify({event: 'proxy:explode', UUID: sender, to: provider.id}));
			await raw.publish(direct, JSON.stringify({event: 'proxy:link', UUID: sender, to: provider.id, data: {requestId: 'a'.repeat(20_000)}}));
			await raw.publish(direct, JSON.stringify({event: 'proxy:link', UUID: sender, to: crypto.randomUUID(), data: {}}));
			await raw.publish(direct, JSON.stringify({event: '__proto__', UUID: sender, to: provider.id, data: {}}));
			await raw.publish(direct, JSON.stringify([1, 2, 3]));
			await waitFor(() => Object.values(provider.stats.dropped).reduce((a, b) => a + b, 0) === 8, {message: '8 drops'});
			expect(provider.stats.dropped).toMatchObject({'bad-json': 1, 'bad-envelope': 2, 'bad-data': 1, 'unknown-event': 2, 'too-large': 1, 'wrong-channel': 1});
		} finally {
			raw.disconnect();
		}

		const client = await harness.client();
		const proxy = await client.getProxy();
		expect(proxy.clusterId).toBe(provider.id);
	});
});
