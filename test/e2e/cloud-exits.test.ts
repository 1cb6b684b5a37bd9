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

async function startProvider(count: number): Promise<{provider: Provider; backend: TorBackend}> {
	const testnet = inject('testnet');
	const cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'nightcrawler-test-cache-'));
	cleanups.add(async () => fs.rm(cacheDirectory, {recursive: true, force: true}));
	const backend = new TorBackend({count, torrcFile: testnet.torrcFile, checkUrl: testnet.checkUrl, cacheDirectory, checkTimeoutMs: 15_000, healthIntervalMs: 0, stopTimeoutMs: 3000});
	const provider = new Provider({redis: redis.url, namespace, backend});
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
		// On a loaded machine an exit whose check timed out while the pools started is passed over, so
		// more than one instance may start out sharing; a rotation re-pins such an instance onto the exit
		// left unclaimed (at most three tries each, then the assertions below say what is left).
		for (let tries = 0; tries < 3 * 5 && instances().filter(instance => instance.sharedExit).length > 1; tries++) {
			// Instance ids repeat across providers (tor-0, ...): find the provider first.
			const owner = providers.find(({backend}) => backend.snapshot().some(instance => instance.sharedExit))!;
			const shared = owner.backend.snapshot().find(instance => instance.sharedExit)!;
			// eslint-disable-next-line no-await-in-loop
			await owner.provider.rotateInstance(shared.id);
			// eslint-disable-next-line no-await-in-loop
			await waitFor(() => instances().every(instance => instance.state === 'ready'), {timeoutMs: 120_000, message: 'every instance ready again'});
		}

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
	});

	it('an exit reported blocked through one provider is avoided by the other provider\'s next pins', async () => {
		await waitFor(() => instances().every(instance => instance.state === 'ready'), {timeoutMs: 120_000, message: 'every instance ready again'});
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
			// eslint-disable-next-line no-await-in-loop
			await other.provider.rotateInstance(target.id);
			const now = other.backend.snapshot().find(instance => instance.id === target.id)!;
			// It did rotate (a proxy busy elsewhere would be left alone, and prove nothing).
			expect(now.rotations).toBe(target.rotations + round + 1);
			expect(now.state).toBe('ready');
			expect(now.exitIp).not.toBe(reportedIp);
		}

		await proxy.destroy();
	});
});
