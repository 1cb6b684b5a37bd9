import {afterEach, describe, expect, it} from 'vitest';
import type {Client} from '../../source/core/client.js';
import type {Provider} from '../../source/core/provider.js';
import {Cleanups} from '../helpers/cleanups.js';
import {LeaseHarness} from '../helpers/lease-harness.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

let redis: RedisServer | undefined;
let harness: LeaseHarness | undefined;

afterEach(async () => {
	// Tests restart Redis, so stop whichever server is current; the harness goes first, while it still answers.
	const [lastHarness, lastRedis] = [harness, redis];
	harness = undefined;
	redis = undefined;
	const cleanups = new Cleanups();
	cleanups.add(async () => lastHarness?.cleanup());
	cleanups.add(async () => lastRedis?.stop());
	await cleanups.run({order: 'oldest-first'});
});

/** Every client holds exactly `perClient` active proxies, and the provider's table says the same. */
function consistent(provider: Provider, clients: Client[], perClient = 1): boolean {
	const held = clients.flatMap(client => client.proxies().filter(proxy => proxy.state === 'active'));
	if (clients.some(client => client.proxies().length !== perClient)) {
		return false;
	}

	const leases = provider.leases();
	return (
		leases.length === held.length
		&& new Set(held.map(proxy => proxy.leaseId)).size === held.length
		&& held.every(proxy => leases.some(lease => lease.leaseId === proxy.leaseId && lease.proxyId === proxy.proxyId))
	);
}

/** Watches a provider for a proxy leased while another lease still holds it. */
function watchDoubleLeases(provider: Provider): string[] {
	const held = new Map<string, string>();
	const violations: string[] = [];
	provider.on('leased', lease => {
		if (held.has(lease.proxyId)) {
			violations.push(lease.proxyId);
		}

		held.set(lease.proxyId, lease.leaseId);
	});
	provider.on('released', ({lease}) => {
		held.delete(lease.proxyId);
	});
	return violations;
}

const quick = {requestIntervalMs: 100, linkRetryMs: 50, retryMs: 50};

describe('lost messages', () => {
	it('with 30% of messages dropped at every receiver, every client is still leased and no proxy twice', async () => {
		redis = await startTestRedis();
		harness = new LeaseHarness(redis.url);
		const provider = await harness.provider({count: 8, testDropRate: 0.3, timings: {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 1000, offerTtlMs: 1000, waitingTtlMs: 300}});
		const violations = watchDoubleLeases(provider);
		const clients = await Promise.all(Array.from({length: 8}, async () => harness!.client({testDropRate: 0.3, timings: quick})));
		for (const client of clients) {
			client.createProxy();
		}

		await waitFor(() => consistent(provider, clients), {timeoutMs: 20_000, message: 'all 8 clients leased, matching the provider'});
		expect(violations).toEqual([]);
		// The hook really dropped about 30% of what arrived.
		const buses = [provider.bus, ...clients.map(client => client.bus)];
		const dropped = buses.reduce((sum, bus) => sum + bus.stats.dropped['test-drop'], 0);
		const delivered = buses.reduce((sum, bus) => sum + bus.stats.delivered, 0);
		expect(dropped / delivered).toBeGreaterThan(0.1);
		expect(dropped / delivered).toBeLessThan(0.5);
		// Rotations under loss: each still ends with the holder knowing the new exit.
		await Promise.all(clients.slice(0, 4).map(async client => {
			const proxy = client.proxies()[0]!;
			const before = proxy.exitIp;
			await proxy.rotate();
			expect(proxy.exitIp).not.toBe(before);
		}));
		expect(violations).toEqual([]);
	});
});

describe('Redis restarted mid-lease', () => {
	it('buses resubscribe by themselves and every client is leased again', async () => {
		redis = await startTestRedis();
		const {port} = redis;
		harness = new LeaseHarness(redis.url);
		const timings = {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 500};
		const provider = await harness.provider({count: 4, timings});
		const violations = watchDoubleLeases(provider);
		const clients = await Promise.all(Array.from({length: 3}, async () => harness!.client({timings: quick})));
		for (const client of clients) {
			client.createProxy();
		}

		await waitFor(() => consistent(provider, clients), {message: 'leased before the restart'});
		const downs: string[] = [];
		for (const client of clients) {
			client.on('proxy-down', error => downs.push(error.proxy.leaseId));
		}

		let offline = 0;
		provider.bus.events.on('offline', () => offline++);
		await redis.stop();
		// Long enough an outage that every client gives its lease up; the provider, hearing nothing while
		// offline, counts none of it against the leases (they end after the restart, unheard).
		await waitFor(() => downs.length === 3, {timeoutMs: 10_000, message: 'clients to notice'});
		expect(provider.leases()).toHaveLength(3);
		redis = await startTestRedis(port);
		await waitFor(() => provider.bus.online && clients.every(client => client.bus.online), {timeoutMs: 10_000, message: 'resubscribed'});
		expect(offline).toBe(1);
		await waitFor(() => consistent(provider, clients), {timeoutMs: 10_000, message: 'leased again after the restart'});
		expect(violations).toEqual([]);
	});

	it('a short outage keeps the same leases', async () => {
		redis = await startTestRedis();
		const {port} = redis;
		harness = new LeaseHarness(redis.url);
		const provider = await harness.provider({count: 2, timings: {heartbeatIntervalMs: 100, heartbeatTimeoutMs: 5000}});
		const client = await harness.client({timings: quick});
		const proxy = await client.getProxy();
		await redis.stop();
		await waitFor(() => !provider.bus.online && !client.bus.online, {message: 'both offline'});
		redis = await startTestRedis(port);
		await waitFor(() => provider.bus.online && client.bus.online, {timeoutMs: 10_000, message: 'both online'});
		const before = provider.leases()[0]!.heartbeats;
		await waitFor(() => provider.leases()[0]!.heartbeats > before + 3, {message: 'heartbeats flowing again'});
		expect(proxy.state).toBe('active');
		expect(provider.leases().map(lease => lease.leaseId)).toEqual([proxy.leaseId]);
	});
});
