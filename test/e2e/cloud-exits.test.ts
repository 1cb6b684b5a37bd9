import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {Client} from '../../source/core/client.js';
import {Provider} from '../../source/core/provider.js';
import {TorBackend} from '../../source/tor/tor-backend.js';
import {Cleanups} from '../helpers/cleanups.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';
import {exitViaSocks} from '../helpers/tor-provider.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

/**
 * Two providers, each with its own Tor pool (3 + 2 instances), in one namespace of one Redis, on
 * the private network's 4 exits. On loopback, in this process: two Provider instances with their
 * own Redis connections and Tor processes, as two hosts would run them.
 */
let redis: RedisServer;
const cleanups = new Cleanups();
const namespace = testNamespace();
let providers: Array<{provider: Provider; backend: TorBackend}>;

async function startProvider(count: number, unshareIntervalMs = 1000): Promise<{provider: Provider; backend: TorBackend}> {
	const testnet = inject('testnet');
	const cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'nightcrawler-test-cache-'));
	cleanups.add(async () => fs.rm(cacheDirectory, {recursive: true, force: true}));
	const backend = new TorBackend({count, torrcFile: testnet.torrcFile, checkUrl: testnet.checkUrl, cacheDirectory, checkTimeoutMs: 15_000, healthIntervalMs: 0, stopTimeoutMs: 3000});
	const provider = new Provider({redis: redis.url, namespace, backend, exits: {unshareIntervalMs}});
	cleanups.add(async () => provider.stop());
	await provider.start();
	await backend.whenReady({timeoutMs: 150_000});
	return {provider, backend};
}

beforeAll(async () => {
	redis = await startTestRedis();
	cleanups.add(async () => redis.stop());
	// Started together, so their claims race for the same 4 exits.
	providers = await Promise.all([startProvider(3), startProvider(2)]);
}, 300_000);
afterAll(async () => {
	// Providers first (they release their claims), then caches, then Redis: the reverse of adding.
	await cleanups.run();
});

async function lease(): Promise<ClientProxy> {
	const client = new Client({redis: redis.url, namespace, timings: {requestIntervalMs: 250}});
	cleanups.add(async () => client.close());
	await client.connect();
	return client.getProxy({timeoutMs: 60_000});
}

function instances() {
	return providers.flatMap(({backend}) => backend.snapshot());
}

describe('exits are unique across the cluster (two providers, 4 exits, loopback)', () => {
	it('5 instances on 4 exits: 4 keep distinct exits, exactly one shares; 4 leases leave from 4 distinct IPs; the fifth lease is marked sharedExit', async () => {
		const {exits} = inject('testnet');
		expect(exits).toHaveLength(4);
		// Started together, more than one instance may start out sharing (the others' claims were taken
		// while an exit's check ran, or a check timed out on a loaded machine): free proxies that share
		// move onto exits that are left unclaimed by themselves.
		await waitFor(() => instances().filter(instance => instance.sharedExit).length === 1 && instances().every(instance => instance.state === 'ready'), {timeoutMs: 90_000, message: 'exactly one instance sharing its exit'});
		const all = instances();
		expect(all.filter(instance => instance.sharedExit)).toHaveLength(1);
		const own = all.filter(instance => !instance.sharedExit);
		expect(new Set(own.map(instance => instance.exitIp)).size).toBe(4);

		const proxies: ClientProxy[] = [];
		for (let index = 0; index < 4; index++) {
			// One after another: the declined offer of the other provider is back before the next request.
			// eslint-disable-next-line no-await-in-loop
			proxies.push(await lease());
		}

		expect(proxies.map(proxy => proxy.sharedExit)).toEqual([false, false, false, false]);
		expect(new Set(proxies.map(proxy => proxy.clusterId)).size).toBe(2);
		// What the echo server sees, through each leased proxy.
		const seen = await Promise.all(proxies.map(async proxy => exitViaSocks(proxy.host, proxy.port)));
		expect(seen).toEqual(proxies.map(proxy => proxy.exitIp));
		expect(new Set(seen).size).toBe(4);

		const fifth = await lease();
		expect(fifth.sharedExit).toBe(true);
		expect(seen).toContain(await exitViaSocks(fifth.host, fifth.port));
		await Promise.all([...proxies, fifth].map(async proxy => proxy.destroy()));
	}, 240_000);

	it('a free proxy that had to share moves onto an exit that comes free: a third provider starts while all 4 are claimed, then one of the first two stops', async () => {
		await waitFor(() => instances().filter(instance => instance.sharedExit).length === 1 && instances().every(instance => instance.state === 'ready'), {timeoutMs: 90_000, message: 'exactly one instance sharing its exit'});
		const late = await startProvider(1);
		const [lateInstance] = late.backend.snapshot();
		// Every exit was claimed when it pinned: it shares.
		expect(lateInstance?.sharedExit).toBe(true);
		const unshared = nextEvent<[{proxyId: string; reason: string}]>(late.provider, 'rotated', 60_000);
		const [, leaving] = providers as [unknown, {provider: Provider; backend: TorBackend}];
		await leaving.provider.stop();
		providers = [providers[0]!, late];
		// Its claims are free again: the 4 instances left end up on 4 exits of their own.
		expect((await unshared)[0]).toMatchObject({proxyId: lateInstance!.id, reason: 'unshare'});
		await waitFor(() => instances().every(instance => !instance.sharedExit && instance.state === 'ready'), {timeoutMs: 60_000, message: 'no instance sharing its exit'});
		const left = instances();
		expect(left).toHaveLength(4);
		expect(new Set(left.map(instance => instance.exitIp)).size).toBe(4);
		const proxy = await lease();
		expect(proxy.sharedExit).toBe(false);
		expect(await exitViaSocks(proxy.host, proxy.port)).toBe(proxy.exitIp);
		await proxy.destroy();
	}, 240_000);

	it('an exit reported blocked through one provider is avoided by the other provider\'s next pins', async () => {
		await waitFor(() => instances().every(instance => instance.state === 'ready'), {timeoutMs: 120_000, message: 'every instance ready again'});
		// The first provider and the late one (the second stopped above).
		const [a, b] = providers as [{provider: Provider; backend: TorBackend}, {provider: Provider; backend: TorBackend}];
		const proxy = await lease();
		const owner = proxy.clusterId === a.provider.id ? a : b;
		const other = owner === a ? b : a;
		const reportedIp = proxy.exitIp;
		const avoided = nextEvent<[{fingerprint: string; kind: string; exitIp?: string}]>(owner.provider, 'exit-avoided', 30_000);
		await proxy.reportFailure('blocked', {});
		const [report] = await avoided;
		expect(report).toMatchObject({kind: 'blocked', exitIp: reportedIp});
		// It moved at once, and the other provider sees the exit avoided.
		expect(proxy.exitIp).not.toBe(reportedIp);
		expect((await other.provider.avoidedExits()).map(exit => exit.fingerprint)).toContain(report.fingerprint);
		// The other provider's next pins never land on it, though it has only 3 others to choose from.
		const target = other.backend.snapshot()[0]!;
		for (let round = 0; round < 4; round++) {
			// A proxy offered meanwhile (to a client still on the waiting list, who declines) is left
			// alone by a rotation by hand: ask again until it did rotate (else it would prove nothing).
			// eslint-disable-next-line no-await-in-loop
			const now = await waitFor(async () => {
				await other.provider.rotateInstance(target.id);
				const instance = other.backend.snapshot().find(candidate => candidate.id === target.id)!;
				return instance.rotations > target.rotations + round ? instance : undefined;
			}, {timeoutMs: 60_000, intervalMs: 100, message: `rotation ${round + 1} of ${target.id}`});
			expect(now.rotations).toBe(target.rotations + round + 1);
			expect(now.state).toBe('ready');
			expect(now.exitIp).not.toBe(reportedIp);
		}

		await proxy.destroy();
	}, 240_000);
});
