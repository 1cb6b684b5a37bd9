import net from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
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

/** Leases the clients lost by `event` ('proxy-down' or 'proxy-end'), from now on. */
function watchLosses(clients: Client[], event: 'proxy-down' | 'proxy-end'): string[] {
	const lost: string[] = [];
	for (const client of clients) {
		if (event === 'proxy-down') {
			client.on(event, error => lost.push(`down ${error.proxy.leaseId}: ${error.reason}`));
		} else {
			client.on(event, (proxy, reason) => lost.push(`end ${proxy.leaseId}: ${reason}`));
		}
	}

	return lost;
}

/**
 * Stop a redis-server and hold its port meanwhile (a listener that hangs up on every connection),
 * so no other test file takes the port before `restart()` starts a new server on it.
 */
async function stopHoldingPort(server: RedisServer): Promise<{restart(): Promise<RedisServer>}> {
	const {host, port} = server;
	await server.stop();
	const holder = net.createServer(socket => {
		socket.destroy();
	});
	holder.unref();
	await waitFor(async () => new Promise<boolean>(resolve => {
		holder.once('error', () => {
			resolve(false);
		});
		holder.listen({host, port}, () => {
			holder.removeAllListeners('error');
			resolve(true);
		});
	}), {timeoutMs: 5000, intervalMs: 50, message: `holding port ${port}`});
	return {
		async restart() {
			await new Promise<void>(resolve => {
				holder.close(() => {
					resolve();
				});
			});
			return startTestRedis(port);
		},
	};
}

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
		const stats = [provider.bus.stats, ...clients.map(client => client.stats)];
		const dropped = stats.reduce((sum, each) => sum + each.dropped['test-drop'], 0);
		const delivered = stats.reduce((sum, each) => sum + each.delivered, 0);
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

describe('20% of messages lost at every receiver', () => {
	it('no client reports a proxy down while its provider holds the lease', async () => {
		redis = await startTestRedis();
		harness = new LeaseHarness(redis.url);
		const timings = {heartbeatIntervalMs: 250, heartbeatTimeoutMs: 1500};
		const provider = await harness.provider({count: 4, testDropRate: 0.2, timings});
		const clients = await Promise.all(Array.from({length: 4}, async () => harness!.client({testDropRate: 0.2, timings: quick})));
		for (const client of clients) {
			client.createProxy();
		}

		await waitFor(() => consistent(provider, clients), {timeoutMs: 20_000, message: 'all 4 clients leased'});
		const downs = watchLosses(clients, 'proxy-down');
		const heartbeats = () => provider.leases().reduce((sum, lease) => sum + lease.heartbeats, 0);
		const before = heartbeats();
		// The exposure: four leases held for a minute under loss (about 1,000 heartbeat round trips).
		await delay(60_000);
		expect(downs).toEqual([]);
		expect(heartbeats() - before).toBeGreaterThan(500);
		expect(clients.every(client => client.proxies().length === 1)).toBe(true);
	}, 120_000);
});

describe('Redis restarted mid-lease', () => {
	it('an outage longer than the heartbeat timeout: buses resubscribe by themselves, every client holds a lease again, none twice', async () => {
		redis = await startTestRedis();
		harness = new LeaseHarness(redis.url);
		const timings = {heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000};
		const provider = await harness.provider({count: 4, timings});
		const violations = watchDoubleLeases(provider);
		const clients = await Promise.all(Array.from({length: 3}, async () => harness!.client({timings: quick})));
		for (const client of clients) {
			client.createProxy();
		}

		await waitFor(() => consistent(provider, clients), {message: 'leased before the restart'});
		const downs = watchLosses(clients, 'proxy-down');
		let offline = 0;
		provider.bus.events.on('offline', () => offline++);
		const outage = await stopHoldingPort(redis);
		redis = undefined;
		await waitFor(() => !provider.bus.online && clients.every(client => client.status === 'offline'), {message: 'everyone offline'});
		// The outage itself: three heartbeat timeouts, during which nobody can hear anybody.
		await delay(3000);
		expect(downs).toEqual([]);
		// The provider, hearing nothing while offline, counts none of it against the leases.
		expect(provider.leases()).toHaveLength(3);
		redis = await outage.restart();
		await waitFor(() => provider.bus.online && clients.every(client => client.status === 'ready'), {timeoutMs: 20_000, message: 'resubscribed'});
		expect(offline).toBe(1);
		// Each client keeps its lease or, if its provider took it back meanwhile, is told so and leases again.
		await waitFor(() => consistent(provider, clients), {timeoutMs: 20_000, message: 'leased again after the restart'});
		expect(violations).toEqual([]);
		expect(downs).toEqual([]);
	});

	it('a short outage keeps the same leases', async () => {
		redis = await startTestRedis();
		harness = new LeaseHarness(redis.url);
		const provider = await harness.provider({count: 2, timings: {heartbeatIntervalMs: 100, heartbeatTimeoutMs: 5000}});
		const client = await harness.client({timings: quick});
		const proxy = await client.getProxy();
		const outage = await stopHoldingPort(redis);
		redis = undefined;
		await waitFor(() => !provider.bus.online && client.status === 'offline', {message: 'both offline'});
		redis = await outage.restart();
		await waitFor(() => provider.bus.online && client.status === 'ready', {timeoutMs: 20_000, message: 'both online'});
		const before = provider.leases()[0]!.heartbeats;
		await waitFor(() => provider.leases()[0]!.heartbeats > before + 3, {message: 'heartbeats flowing again'});
		expect(proxy.state).toBe('active');
		expect(provider.leases().map(lease => lease.leaseId)).toEqual([proxy.leaseId]);
	});

	it('Redis killed and back within 3 s at default timings: every lease is kept, nobody is told otherwise', async () => {
		redis = await startTestRedis();
		harness = new LeaseHarness(redis.url);
		const provider = await harness.provider({count: 12});
		const clients = await Promise.all(Array.from({length: 4}, async () => harness!.client()));
		for (const client of clients) {
			for (let index = 0; index < 3; index++) {
				client.createProxy();
			}
		}

		await waitFor(() => consistent(provider, clients, 3), {timeoutMs: 20_000, message: '12 leases'});
		const leaseIds = clients.flatMap(client => client.proxies().map(proxy => proxy.leaseId)).sort();
		const losses = [...watchLosses(clients, 'proxy-down'), ...watchLosses(clients, 'proxy-end')];
		const stoppedAt = Date.now();
		const outage = await stopHoldingPort(redis);
		redis = undefined;
		await waitFor(() => !provider.bus.online && clients.every(client => client.status === 'offline'), {message: 'everyone offline'});
		await delay(Math.max(0, 3000 - (Date.now() - stoppedAt)));
		redis = await outage.restart();
		await waitFor(() => provider.bus.online && clients.every(client => client.status === 'ready'), {timeoutMs: 20_000, message: 'everyone online'});
		// Every lease is heartbeated again after the restart (each answer moves lastHeartbeatAt).
		const back = Date.now();
		await waitFor(() => clients.every(client => client.proxies().every(proxy => proxy.lastHeartbeatAt > back)), {timeoutMs: 20_000, message: 'every lease answered again'});
		expect(losses).toEqual([]);
		expect(clients.flatMap(client => client.proxies().map(proxy => proxy.leaseId)).sort()).toEqual(leaseIds);
		expect(provider.leases().map(lease => lease.leaseId).sort()).toEqual(leaseIds);
	});
});
