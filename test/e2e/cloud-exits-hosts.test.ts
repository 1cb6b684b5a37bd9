import {randomUUID} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {CliProcess} from '../helpers/cli.js';
import {curlThrough, providerLeases} from '../helpers/cloud-ledger.js';
import {startCommandClientOn, type CommandClient, type CommandProxy} from '../helpers/command-client.js';
import {startCliOn} from '../helpers/host-cli.js';
import {avoidedExits, exitClaims} from '../helpers/host-exits.js';
import {startRedisOn, type HostRedis} from '../helpers/host-redis.js';
import {createHosts, hostsSkipReason, type TestNetwork} from '../helpers/hosts.js';
import {waitFor} from '../helpers/wait-for.js';

const skipReason = await hostsSkipReason('cross-host exit uniqueness tests');

/*
 * Exits unique across the cluster, across hosts: Redis on one host, the private Tor network (4
 * exits) on another, provider A (3 Tor instances) and provider B (2) on a host each, and a client
 * on a fifth that leases, rotates and reports when told. 5 instances on 4 exits: once settled, 4
 * hold an exit of their own (a claim each in Redis) and one shares.
 */
type TestnetLine = {checkUrl: string; exits: string[]; joinUrl: string};
const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);
/** How long the two providers may take to stop sharing after start-up or after leases end (a free proxy that shares re-pins by itself). */
const settleMs = 90_000;
const measured: Record<string, number> = {};

describe.skipIf(skipReason)('exits are unique across the cluster: two providers on two hosts, 4 exits', () => {
	let network: TestNetwork;
	let redis: HostRedis;
	let testnet: TestnetLine;
	let client: CommandClient;
	const namespace = `test-${randomUUID()}`;
	const providers = new Map<string, CliProcess>();
	const processes: CliProcess[] = [];

	/** Wait until 4 instances hold a claim each on the 4 exits (a rotating instance may hold two claims for a moment). */
	const settled = async (label: string): Promise<Map<string, string>> => {
		const startedAt = Date.now();
		let last = new Map<string, string>();
		const claims = await waitFor(async () => {
			last = await exitClaims(network.host('client'), redis.url, namespace);
			return last.size === 4 && new Set(last.values()).size === 4 ? last : undefined;
		}, {timeoutMs: settleMs, intervalMs: 500, message: `4 exit claims of 4 instances (${label})`}).catch((error: unknown) => {
			// What was seen last, not what was there when the wait began.
			throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify([...last])}`, {cause: error});
		});
		measured[label] = Date.now() - startedAt;
		return claims;
	};

	/** The provider CLI that made a lease (from its log). */
	const providerOf = (proxy: CommandProxy): CliProcess => {
		const found = [...providers.values()].find(cli => providerLeases(cli).some(lease => lease.leaseId === proxy.leaseId));
		if (!found) {
			throw new Error(`no provider logged lease ${proxy.leaseId}`);
		}

		return found;
	};

	const exitSeen = async (proxy: CommandProxy): Promise<string> => {
		const result = await curlThrough(network.host('client'), proxy.url, testnet.checkUrl);
		if (!result.ok) {
			throw new Error(`curl through ${proxy.leaseId} failed (${result.exitCode}): ${result.stderr}`);
		}

		return result.exitIp;
	};

	beforeAll(async () => {
		network = await createHosts(['redis', 'testnet', 'provider-a', 'provider-b', 'client']);
		redis = await startRedisOn(network.host('redis'));
		const testnetHost = network.host('testnet');
		const testnetCli = startCliOn(testnetHost, ['testnet', '--host', testnetHost.address, '--format', 'json']);
		processes.push(testnetCli);
		testnet = JSON.parse(await testnetCli.stdout.waitForLine(line => line.startsWith('{'), {timeoutMs: 150_000})) as TestnetLine;
		expect(testnet.exits).toHaveLength(4);

		// Started together, so their claims race for the same 4 exits.
		for (const [name, tors] of [['provider-a', 3], ['provider-b', 2]] as const) {
			const host = network.host(name);
			const cli = startCliOn(host, [
				'provider', '--join-testnet', testnet.joinUrl, '--tors', String(tors), '--host', host.address, '--advertise-host', host.address,
				'--redis', redis.url, '--namespace', namespace, '--format', 'json',
			]);
			providers.set(name, cli);
			processes.push(cli);
		}

		await Promise.all([...providers.values()].map(async (cli, index) => cli.stdout.waitForLines(isEvent('instance-ready'), {count: index === 0 ? 3 : 2, timeoutMs: 180_000}).catch((error: unknown) => {
			throw new Error(`a provider was not ready; its stderr:\n${cli.stderr.text}`, {cause: error});
		})));
		client = await startCommandClientOn(network.host('client'), redis.url, namespace);
		processes.push(client.cli);
	}, 360_000);

	afterAll(async () => {
		console.log(`cloud-exits-hosts measured (ms): ${JSON.stringify(measured)}`);
		// The client first (it gives its leases back), then the providers (they release their claims and stop Tor), then the testnet.
		for (const cli of processes.reverse()) {
			// eslint-disable-next-line no-await-in-loop
			await cli.stop('SIGTERM');
		}

		await redis?.stop();
		await network?.destroy();
	}, 120_000);

	it('4 leases leave from 4 distinct exits, from both providers; the fifth is marked sharedExit and leaves from one of them', async () => {
		await settled('settledAtStart');
		const proxies: CommandProxy[] = [];
		for (let index = 0; index < 4; index++) {
			// One after another: the declined offer of the other provider is back before the next request.
			// eslint-disable-next-line no-await-in-loop
			proxies.push(await client.lease());
		}

		expect(proxies.map(proxy => proxy.sharedExit)).toEqual([false, false, false, false]);
		expect(new Set(proxies.map(proxy => proxy.provider)).size).toBe(2);
		expect(new Set(proxies.map(proxy => providerOf(proxy))).size).toBe(2);
		// What the echo server sees through each proxy's front, with its credentials.
		const seen: string[] = [];
		for (const proxy of proxies) {
			// eslint-disable-next-line no-await-in-loop
			seen.push(await exitSeen(proxy));
		}

		expect(seen).toEqual(proxies.map(proxy => proxy.exitIp));
		expect([...seen].sort()).toEqual([...testnet.exits].sort());

		const fifth = await client.lease();
		expect(fifth.sharedExit).toBe(true);
		const fifthSeen = await exitSeen(fifth);
		expect(fifthSeen).toBe(fifth.exitIp);
		expect(seen).toContain(fifthSeen);
		for (const proxy of [...proxies, fifth]) {
			// eslint-disable-next-line no-await-in-loop
			await client.destroy(proxy.leaseId);
		}
	}, 240_000);

	it('an exit reported blocked through one provider\'s lease is avoided by the other provider\'s next pins', async () => {
		// The 5 ended leases give their proxies new identities (a recycle each, logged by their
		// providers): wait for those, then for the cluster to settle again.
		const recycles = () => [...providers.values()].flatMap(cli => cli.stdout.lines.filter(line => (isEvent('rotated')(line) && line.includes('"reason":"recycle"')) || isEvent('rotate-failed')(line)));
		await waitFor(() => recycles().length >= 5, {timeoutMs: 120_000, intervalMs: 100, message: `5 recycles logged:\n${[...providers.values()].map(cli => cli.stdout.text).join('\n')}`});
		await settled('settledAfterRecycles');
		const proxies: CommandProxy[] = [];
		for (let index = 0; index < 4; index++) {
			// eslint-disable-next-line no-await-in-loop
			proxies.push(await client.lease());
		}

		const reported = proxies[0]!;
		const reporter = providerOf(reported);
		const other = proxies.find(proxy => providerOf(proxy) !== reporter)!;
		expect(other, 'a lease of the other provider').toBeDefined();
		const reportedIp = reported.exitIp!;
		expect(await exitSeen(reported)).toBe(reportedIp);

		const moved = await client.report(reported.leaseId, 'blocked');
		expect(moved.exitIp).toBeDefined();
		expect(moved.exitIp).not.toBe(reportedIp);
		expect(await exitSeen(moved)).toBe(moved.exitIp);
		// The cluster avoids one exit now, and nobody holds its claim.
		const [avoided] = await avoidedExits(network.host('client'), redis.url, namespace);
		expect(avoided).toMatch(/^[\dA-F]{40}$/i);
		expect(await avoidedExits(network.host('client'), redis.url, namespace)).toEqual([avoided]);
		await waitFor(async () => !(await exitClaims(network.host('client'), redis.url, namespace)).has(avoided!), {timeoutMs: 15_000, intervalMs: 250, message: 'the reported exit\'s claim given up'});

		// The other provider's pins never land on it, though it has only 3 others to choose from.
		const otherCli = providerOf(other);
		const rotatedLines = () => otherCli.stdout.lines.filter(line => isEvent('rotated')(line) && line.includes(`"leaseId":"${other.leaseId}"`));
		for (let round = 0; round < 4; round++) {
			// eslint-disable-next-line no-await-in-loop
			const now = await client.rotate(other.leaseId);
			// It did rotate (its provider logged the rotation of this lease).
			// eslint-disable-next-line no-await-in-loop
			await waitFor(() => rotatedLines().length === round + 1, {timeoutMs: 15_000, message: `rotation ${round + 1} of ${other.leaseId} logged:\n${otherCli.stdout.text}`});
			expect(now.exitIp).toBeDefined();
			expect(now.exitIp).not.toBe(reportedIp);
			// eslint-disable-next-line no-await-in-loop
			expect(await exitSeen(now)).toBe(now.exitIp);
		}

		expect(await avoidedExits(network.host('client'), redis.url, namespace)).toEqual([avoided]);
		for (const proxy of proxies) {
			// eslint-disable-next-line no-await-in-loop
			await client.destroy(proxy.leaseId);
		}
	}, 240_000);
});
