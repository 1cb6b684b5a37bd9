import {randomUUID} from 'node:crypto';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {CliProcess} from '../helpers/cli.js';
import {curlThrough, providerDoubleLeases, providerLeases, refusalCount} from '../helpers/cloud-ledger.js';
import {startCliOn} from '../helpers/host-cli.js';
import {clientLeases, startLeaseClientOn, type ClientLease} from '../helpers/lease-client.js';
import {startRedisOn, type HostRedis} from '../helpers/host-redis.js';
import {createHosts, hostsSkipReason, type Host, type TestNetwork} from '../helpers/hosts.js';
import {waitFor} from '../helpers/wait-for.js';

const skipReason = await hostsSkipReason('cross-host partition tests');

/*
 * The cloud's promises across hosts, with the default lease timings (heartbeat every 1 s, a
 * provider ends a lease after 5 s without one, a client gives a proxy up after 6 s without an
 * answer). Two providers of 2 Tor instances each: 4 proxies. The bounds asserted are generous
 * (a busy 2-core machine); the figures measured are printed.
 */
const partitionMs = 15_000;
const bounds = {
	/** Link down → the cut provider's clients hold leases from the other provider. */
	releaseAfterProviderCutMs: 25_000,
	/** Link up → the cut provider's proxies leased by a new client (TCP retransmission backoff included). */
	poolBackAfterLinkUpMs: 60_000,
	/** Link down → another client holds the cut client's proxies. */
	takenBackAfterClientCutMs: 20_000,
	/** Capacity freed → the returned client holds its leases again. */
	leasedAnewMs: 45_000,
	/** Redis back → every client leased from the surviving provider. */
	settledAfterRestartMs: 30_000,
	/** SIGKILL → nothing runs on the killed provider's host. */
	noOrphanMs: 30_000,
};

type TestnetLine = {checkUrl: string; exits: string[]; joinUrl: string};
const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);
const measured: Record<string, number> = {};

describe.skipIf(skipReason)('partitions across hosts: providers and clients cut off, Redis restarted, a provider SIGKILLed', () => {
	let network: TestNetwork;
	let redis: HostRedis;
	let testnet: TestnetLine;
	const namespace = `test-${randomUUID()}`;
	const providers = new Map<string, CliProcess>();
	let testnetCli: CliProcess | undefined;
	/** The current test's clients. */
	let clis: CliProcess[] = [];

	const counts = new Map<CliProcess, number>();
	const startClient = (hostName: string, count: number): CliProcess => {
		const cli = startLeaseClientOn(network.host(hostName), redis.url, namespace, count);
		clis.push(cli);
		counts.set(cli, count);
		return cli;
	};

	/** Which provider host (by address) serves a client lease. */
	const providerHostOf = (lease: ClientLease): Host => network.hosts.find(host => host.address === new URL(lease.url).hostname)!;
	const providerCliOf = (lease: ClientLease): CliProcess => providers.get(providerHostOf(lease).name)!;
	/** A proxy across the cloud: its provider's host and its id there. */
	const proxyOf = (lease: ClientLease): string => `${providerHostOf(lease).name}/${lease.proxyId}`;

	const holding = async (client: CliProcess, count: number, where: (lease: ClientLease) => boolean = () => true, timeoutMs = 60_000) => waitFor(() => {
		const {held} = clientLeases(client);
		return held.length === count && held.every(lease => where(lease)) ? held : undefined;
	}, {timeoutMs, intervalMs: 100, message: `${count} leases\nstdout:\n${client.stdout.text}\nstderr:\n${client.stderr.text}`});

	/** No provider ever leased a proxy twice at once, and no client ever held two leases of one proxy. */
	const expectNoDoubleLease = (clients: readonly CliProcess[]) => {
		for (const provider of providers.values()) {
			expect(providerDoubleLeases(provider)).toEqual([]);
		}

		for (const client of clients) {
			expect(clientLeases(client).mostHeld).toBeLessThanOrEqual(counts.get(client)!);
		}
	};

	/** Old credentials: curl through them fails, and the provider's front logs the refusal (not merely unreachable). */
	const expectRefused = async (from: Host, lease: ClientLease) => {
		const provider = providerCliOf(lease);
		const before = refusalCount(provider);
		const result = await curlThrough(from, lease.url, testnet.checkUrl);
		expect(result.ok, `old credentials of ${lease.leaseId} still relayed`).toBe(false);
		await waitFor(() => refusalCount(provider) > before, {timeoutMs: 10_000, message: `a refusal logged by ${providerHostOf(lease).name}`});
	};

	const expectWorks = async (from: Host, lease: ClientLease) => {
		const result = await curlThrough(from, lease.url, testnet.checkUrl);
		expect(result, `curl through ${lease.leaseId}`).toMatchObject({ok: true});
	};

	beforeAll(async () => {
		network = await createHosts(['redis', 'testnet', 'provider1', 'provider2', 'client1', 'client2', 'client3']);
		redis = await startRedisOn(network.host('redis'));
		const testnetHost = network.host('testnet');
		testnetCli = startCliOn(testnetHost, ['testnet', '--host', testnetHost.address, '--format', 'json']);
		testnet = JSON.parse(await testnetCli.stdout.waitForLine(line => line.startsWith('{'), {timeoutMs: 150_000})) as TestnetLine;
		for (const name of ['provider1', 'provider2']) {
			const host = network.host(name);
			providers.set(name, startCliOn(host, [
				'provider', '--join-testnet', testnet.joinUrl, '--tors', '2', '--host', host.address, '--advertise-host', host.address,
				'--redis', redis.url, '--namespace', namespace, '--format', 'json',
			]));
		}

		await Promise.all([...providers.values()].map(async provider => provider.stdout.waitForLines(isEvent('instance-ready'), {count: 2, timeoutMs: 150_000}).catch((error: unknown) => {
			throw new Error(`a provider was not ready; its stderr:\n${provider.stderr.text}`, {cause: error});
		})));
	}, 330_000);

	afterEach(async () => {
		// Each test's clients give their leases back; the providers stay for the next test.
		for (const cli of clis.reverse()) {
			// eslint-disable-next-line no-await-in-loop
			await cli.stop('SIGTERM');
		}

		clis = [];
		await Promise.all(network?.hosts.map(async host => host.setLink('up')) ?? []);
		// No orphan on the client hosts: a stopped client leaves nothing running.
		for (const name of ['client1', 'client2', 'client3']) {
			// eslint-disable-next-line no-await-in-loop
			await expect.poll(async () => network.host(name).pids(), {timeout: 10_000}).toEqual([]);
		}
	}, 60_000);

	afterAll(async () => {
		console.log(`cloud-partition measured (ms): ${JSON.stringify(measured)}`);
		for (const cli of [...clis, ...providers.values(), ...testnetCli ? [testnetCli] : []]) {
			// eslint-disable-next-line no-await-in-loop
			await cli.stop('SIGTERM');
		}

		await redis?.stop();
		await network?.destroy();
	}, 120_000);

	it('a provider host cut off for 15 s: its clients move to the other provider; back, it takes nothing back, refuses the old credentials, and its proxies return to the pool', async () => {
		const client1 = startClient('client1', 2);
		const first = await holding(client1, 2);
		// Cut the provider that serves most of client1's leases.
		const victim = ['provider1', 'provider2'].map(name => network.host(name)).sort((a, b) => first.filter(lease => providerHostOf(lease) === b).length - first.filter(lease => providerHostOf(lease) === a).length)[0]!;
		const survivor = network.hosts.find(host => host.name !== victim.name && host.name.startsWith('provider'))!;
		const onVictim = first.filter(lease => providerHostOf(lease) === victim);
		expect(onVictim.length).toBeGreaterThan(0);
		const victimCli = providers.get(victim.name)!;

		const cutAt = Date.now();
		await victim.setLink('down');
		await holding(client1, 2, lease => providerHostOf(lease) === survivor, bounds.releaseAfterProviderCutMs);
		measured.releaseAfterProviderCut = Date.now() - cutAt;
		expectNoDoubleLease([client1]);

		await waitFor(() => Date.now() - cutAt >= partitionMs, {timeoutMs: partitionMs + 1000, intervalMs: 100});
		const upAt = Date.now();
		await victim.setLink('up');

		// The cut provider ended the old leases (heartbeat timeout, or the clients' destroys once heard)...
		const ended = await waitFor(() => {
			const records = providerLeases(victimCli).filter(record => onVictim.some(lease => lease.leaseId === record.leaseId));
			return records.length === onVictim.length && records.every(record => record.released) ? records : undefined;
		}, {timeoutMs: 30_000, intervalMs: 100, message: `the cut provider to end the old leases:\n${victimCli.stdout.text}`});
		for (const record of ended) {
			expect(['heartbeat-timeout', 'destroyed']).toContain(record.released);
		}

		console.log(`cloud-partition: the cut provider ended the old leases with ${ended.map(record => record.released).join(', ')}`);

		// ...and its front refuses their credentials.
		for (const lease of onVictim) {
			// eslint-disable-next-line no-await-in-loop
			await expectRefused(network.host('client1'), lease);
		}

		measured.oldCredentialsRefusedAfterLinkUp = Date.now() - upAt;
		// It took nothing back: client1 still holds its two leases on the survivor, and none anew from the victim.
		const after = clientLeases(client1);
		expect(after.held.map(lease => providerHostOf(lease).name)).toEqual([survivor.name, survivor.name]);
		expect(after.all.filter(lease => providerHostOf(lease) === victim).map(lease => lease.leaseId).sort()).toEqual(onVictim.map(lease => lease.leaseId).sort());

		// Its proxies are back in the pool: a new client leases both (the survivor has none free).
		const client2 = startClient('client2', 2);
		const second = await holding(client2, 2, lease => providerHostOf(lease) === victim, bounds.poolBackAfterLinkUpMs);
		measured.poolBackAfterLinkUp = Date.now() - upAt;
		expect(new Set(second.map(lease => proxyOf(lease))).size).toBe(2);
		for (const lease of [...after.held, ...second]) {
			// eslint-disable-next-line no-await-in-loop
			await expectWorks(network.host(lease === second[0] || lease === second[1] ? 'client2' : 'client1'), lease);
		}

		expectNoDoubleLease([client1, client2]);
	}, 240_000);

	it('a client host cut off longer than the heartbeat timeout: its proxies go to a waiting client, its old credentials are refused, and back it leases anew by itself', async () => {
		const client1 = startClient('client1', 2);
		const client2 = startClient('client2', 2);
		const old = await holding(client1, 2);
		await holding(client2, 2);
		// The pool (4) is full: client3 waits, and can only get what client1 loses.
		const client3 = startClient('client3', 2);
		const oldProxies = old.map(lease => proxyOf(lease)).sort();

		const cutAt = Date.now();
		await network.host('client1').setLink('down');
		const taken = await holding(client3, 2, () => true, bounds.takenBackAfterClientCutMs);
		measured.takenBackAfterClientCut = Date.now() - cutAt;
		expect(taken.map(lease => proxyOf(lease)).sort()).toEqual(oldProxies);
		for (const lease of old) {
			expect(providerLeases(providerCliOf(lease)).find(record => record.leaseId === lease.leaseId)?.released).toBe('heartbeat-timeout');
			// The same proxy: client1's credentials are refused, client3's relay.
			// eslint-disable-next-line no-await-in-loop
			await expectRefused(network.host('client3'), lease);
		}

		for (const lease of taken) {
			// eslint-disable-next-line no-await-in-loop
			await expectWorks(network.host('client3'), lease);
		}

		await waitFor(() => Date.now() - cutAt >= partitionMs, {timeoutMs: partitionMs + 1000, intervalMs: 100});
		await network.host('client1').setLink('up');
		// Room for client1 again: client2 gives its two back; client1 leases them by itself.
		const freedAt = Date.now();
		await client2.stop('SIGTERM');
		const anew = await holding(client1, 2, lease => !old.some(previous => previous.leaseId === lease.leaseId), bounds.leasedAnewMs);
		measured.leasedAnewAfterCapacityFreed = Date.now() - freedAt;
		for (const lease of anew) {
			// eslint-disable-next-line no-await-in-loop
			await expectWorks(network.host('client1'), lease);
		}

		expect(clientLeases(client3).held.map(lease => lease.leaseId).sort()).toEqual(taken.map(lease => lease.leaseId).sort());
		expectNoDoubleLease([client1, client2, client3]);
	}, 240_000);

	it('Redis restarted and a provider SIGKILLed: the clients on two hosts end up leased from the survivor, and the killed provider leaves no Tor behind', async () => {
		const client1 = startClient('client1', 1);
		const client2 = startClient('client2', 1);
		const [lease1] = await holding(client1, 1);
		const [lease2] = await holding(client2, 1);
		const victim = providerHostOf(lease1!);
		const survivor = network.hosts.find(host => host.name !== victim.name && host.name.startsWith('provider'))!;
		const keptOnSurvivor = [lease1!, lease2!].filter(lease => providerHostOf(lease) === survivor);

		await providers.get(victim.name)!.stop('SIGKILL');
		await redis.stop('SIGTERM');
		redis = await startRedisOn(network.host('redis'));
		const backAt = Date.now();

		await expect.poll(async () => victim.pids(), {timeout: bounds.noOrphanMs, interval: 250}).toEqual([]);
		measured.noOrphanAfterKill = Date.now() - backAt;
		const [now1] = await holding(client1, 1, lease => providerHostOf(lease) === survivor, bounds.settledAfterRestartMs);
		const [now2] = await holding(client2, 1, lease => providerHostOf(lease) === survivor, bounds.settledAfterRestartMs);
		measured.settledAfterRedisBack = Date.now() - backAt;
		// A lease the survivor held goes on across the restart (neither side counts the outage).
		for (const lease of keptOnSurvivor) {
			expect([now1!.leaseId, now2!.leaseId]).toContain(lease.leaseId);
		}

		expect(proxyOf(now1!)).not.toBe(proxyOf(now2!));
		await expectWorks(network.host('client1'), now1!);
		await expectWorks(network.host('client2'), now2!);
		expectNoDoubleLease([client1, client2]);
	}, 180_000);
});
