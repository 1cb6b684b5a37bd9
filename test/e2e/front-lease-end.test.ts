import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest';
import {Bus} from '../../source/core/bus/bus.js';
import {Client} from '../../source/core/client.js';
import type {LeaseEnd} from '../../source/core/lease/lease-records.js';
import {clientInbound, type ClientInbound, type ProviderInbound} from '../../source/core/lease/messages.js';
import {Cleanups} from '../helpers/cleanups.js';
import {LineReader} from '../helpers/cli.js';
import {openTunnel, tryFront} from '../helpers/front-tunnel.js';
import {claimByHand} from '../helpers/raw-holder.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {startTorProvider} from '../helpers/tor-provider.js';
import {waitFor} from '../helpers/wait-for.js';

/**
 * However a lease ends (TTL, heartbeats lost, its client stopped, the provider stopping), its
 * credentials stop working at the front on both ports and what it had open is closed within 1 s.
 * One provider with one Tor instance, so a lease taken back is leased again on the same proxy; the
 * provider's stop is the last test.
 */
let redis: RedisServer;
let pool: Awaited<ReturnType<typeof startTorProvider>>;
const suiteCleanups = new Cleanups();
const testCleanups = new Cleanups();
/** Each ended lease: why, and when the provider ended it (it revokes the credentials just before). */
const ended = new Map<string, LeaseEnd & {at: number}>();
const revoked = new Map<string, number>();
const timings = {leaseTtlMs: 10_000, heartbeatIntervalMs: 500, heartbeatTimeoutMs: 2500, waitingTtlMs: 60_000};
const holderScript = fileURLToPath(new URL('../helpers/tunnel-holder.mjs', import.meta.url));
const refused = {socks: expect.stringMatching(/^curl exit \d+$/), http: 'HTTP 407'};

beforeAll(async () => {
	redis = await startTestRedis();
	suiteCleanups.add(async () => redis.stop());
	pool = await startTorProvider(redis.url, {count: 1, timings, front: {host: '127.0.0.2'}});
	suiteCleanups.add(async () => pool.stop());
	pool.provider.on('released', end => ended.set(end.lease.leaseId, {...end, at: Date.now()}));
	pool.provider.on('revoked', (leaseId, closed) => revoked.set(leaseId, closed));
});
afterEach(async () => {
	await testCleanups.run({concurrent: true});
	if (pool.provider.status === 'ready') {
		await waitFor(() => pool.provider.leases().length === 0 && pool.backend.snapshot().every(instance => instance.state === 'ready'), {timeoutMs: 60_000, message: 'no lease and the pool ready again'});
	}
});
afterAll(async () => {
	await suiteCleanups.run();
});

async function client(): Promise<Client> {
	const created = new Client({redis: redis.url, namespace: pool.provider.namespace, timings: {requestIntervalMs: 250}});
	testCleanups.add(async () => created.close());
	await created.start();
	return created;
}

async function endOf(leaseId: string, timeoutMs: number): Promise<LeaseEnd & {at: number}> {
	return waitFor(() => ended.get(leaseId), {timeoutMs, message: `the end of lease ${leaseId}`});
}

describe('the front when a lease ends, on real Tor', () => {
	it('TTL end: the old credentials are refused on both ports and the open tunnel is closed within 1 s', async () => {
		const proxy = await (await client()).getProxy({timeoutMs: 60_000});
		expect(await tryFront(pool.provider.frontPorts!, proxy.credentials)).toEqual({socks: proxy.exitIp, http: proxy.exitIp});
		const tunnel = await openTunnel(pool.provider.frontPorts!.host, proxy.port, proxy.credentials);
		const end = await endOf(proxy.leaseId, timings.leaseTtlMs + 20_000);
		expect(end.reason).toBe('ttl');
		const closedAt = await tunnel.closed;
		expect(closedAt - end.lease.expiresAt).toBeLessThan(1000);
		expect(closedAt - end.at).toBeLessThan(1000);
		expect(revoked.get(proxy.leaseId)).toBe(1);
		expect(await tryFront(pool.provider.frontPorts!, proxy.credentials)).toEqual(refused);
	});

	it('heartbeat take-back: a lease whose holder never heartbeats is taken back, its credentials refused and its tunnel closed within 1 s', async () => {
		const holder = new Bus<ClientInbound, ProviderInbound>({redis: redis.url, namespace: pool.provider.namespace, inbound: clientInbound});
		testCleanups.add(async () => holder.close());
		await holder.connect();
		const held = await claimByHand(holder, {timeoutMs: 60_000});
		const {leaseId} = held.lease;
		const tunnel = await openTunnel(pool.provider.frontPorts!.host, held.lease.port, held.credentials);
		const end = await endOf(leaseId, 20_000);
		expect(end.reason).toBe('heartbeat-timeout');
		const closedAt = await tunnel.closed;
		expect(closedAt - (end.lease.lastHeartbeatAt + timings.heartbeatTimeoutMs)).toBeLessThan(1000);
		expect(closedAt - end.at).toBeLessThan(1000);
		expect(revoked.get(leaseId)).toBe(1);
		expect(await tryFront(pool.provider.frontPorts!, held.credentials)).toEqual(refused);
	});

	it('a client SIGSTOPped past its heartbeat timeout finds the proxy closed to it when it resumes, while the new holder\'s traffic flows', async () => {
		const {checkHostUrl} = inject('testnet');
		const holder = execa(process.execPath, [holderScript, redis.url, pool.provider.namespace, checkHostUrl], {
			stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, forceKillAfterDelay: 5000, cleanup: true,
		});
		testCleanups.add(async () => {
			// A stopped process handles no SIGTERM: resume it first.
			holder.kill('SIGCONT');
			holder.stdin.end();
			holder.kill('SIGTERM');
			await holder;
		});
		const output = new LineReader(holder.stdout);
		const errors = new LineReader(holder.stderr);
		const isEvent = (name: string) => (line: string) => line.startsWith(`{"event":"${name}"`);
		const holding = JSON.parse(await output.waitForLine(isEvent('holding'), {timeoutMs: 60_000}).catch((error: unknown) => {
			throw new Error(`the holder did not lease; its stderr:\n${errors.text}`, {cause: error});
		})) as {leaseId: string; proxyId: string; exitIp: string; credentials: {username: string; password: string}};

		holder.kill('SIGSTOP');
		const end = await endOf(holding.leaseId, 20_000);
		expect(end.reason).toBe('heartbeat-timeout');
		expect(revoked.get(holding.leaseId)).toBe(1);
		const next = await (await client()).getProxy({timeoutMs: 60_000});
		expect(next.proxyId).toBe(holding.proxyId);
		expect(next.leaseId).not.toBe(holding.leaseId);
		// Stopped, it has seen nothing yet.
		expect(output.lines.filter(isEvent('tunnel-closed'))).toEqual([]);

		holder.kill('SIGCONT');
		await output.waitForLine(isEvent('tunnel-closed'), {timeoutMs: 10_000});
		holder.stdin.write('check\n');
		const check = JSON.parse(await output.waitForLine(isEvent('check'), {timeoutMs: 20_000})) as {socks: string; error?: string};
		expect(check.socks, check.error).toBe('refused');
		expect(await tryFront(pool.provider.frontPorts!, holding.credentials)).toEqual(refused);
		// The same proxy, the same front ports: the new holder's traffic goes through, from its exit.
		expect(next.port).toBe(pool.provider.frontPorts!.socksPort);
		expect(await tryFront(pool.provider.frontPorts!, next.credentials)).toEqual({socks: next.exitIp, http: next.exitIp});
	});

	it('provider stop: the open tunnel is closed within 1 s and the old credentials get in nowhere', async () => {
		const proxy = await (await client()).getProxy({timeoutMs: 60_000});
		const tunnel = await openTunnel(pool.provider.frontPorts!.host, proxy.port, proxy.credentials);
		const frontPorts = pool.provider.frontPorts!;
		const stoppedAt = Date.now();
		const stopped = pool.provider.stop();
		const closedAt = await tunnel.closed;
		expect(closedAt - stoppedAt).toBeLessThan(1000);
		await stopped;
		expect(ended.get(proxy.leaseId)?.reason).toBe('provider-stopping');
		expect(revoked.get(proxy.leaseId)).toBe(1);
		// The front is gone with its provider: nothing answers on either port.
		const after = await tryFront(frontPorts, proxy.credentials);
		expect(after).toEqual({socks: expect.stringMatching(/^curl exit \d+$/), http: 'HTTP 000'});
	});
});
