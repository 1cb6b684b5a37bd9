import {readFile} from 'node:fs/promises';
import {Redis} from 'ioredis';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {ClientProxy} from '../../source/core/client-proxy.js';
import {RedisExitRegistry} from '../../source/exits/redis-exit-registry.js';
import {aclUserLine, newAclPassword} from '../../source/redis/acl-users.js';
import {maxCommandBytes, startRedisServer, type RedisServer} from '../../source/redis/redis-server.js';
import {Cleanups} from '../helpers/cleanups.js';
import {LeaseHarness} from '../helpers/lease-harness.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

const providerPassword = newAclPassword();
const clientPassword = newAclPassword();
let server: RedisServer;
const cleanups = new Cleanups();

function urlOf(user: string, password: string): string {
	return `redis://${user}:${encodeURIComponent(password)}@${server.host}:${server.port}`;
}

const providerUrl = () => urlOf('provider', providerPassword);
const clientUrl = () => urlOf('client', clientPassword);

/** A plain connection as one role's user; closed after the test. */
async function connect(url: string): Promise<Redis> {
	const redis = new Redis(url, {lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false});
	redis.on('error', () => undefined);
	cleanups.add(async () => {
		redis.disconnect();
	});
	await redis.connect();
	return redis;
}

beforeAll(async () => {
	server = await startRedisServer({
		users: [
			{name: 'provider', role: 'provider', password: providerPassword},
			{name: 'client', role: 'client', password: clientPassword},
		],
	});
});
afterAll(async () => {
	await server?.stop();
});
afterEach(async () => {
	await cleanups.run();
});

describe('Redis ACL users for the two roles', () => {
	it('shows the ACL lines without a password in them', () => {
		const line = aclUserLine({name: 'client', role: 'client', password: clientPassword}, 'nightcrawler');
		expect(line).not.toContain(clientPassword);
		expect(line).toMatch(/^user client reset on #[\da-f]{64} /);
		expect(line).toContain('&nightcrawler:to:*');
	});

	it('refuses a client publishing anything but requests and directed messages, subscribing to requests, and every key or admin command', async () => {
		const client = await connect(clientUrl());
		expect(await client.publish('ns:event:proxy:request', '{}')).toBe(0);
		expect(await client.publish('ns:to:6f1c3a2e-8d2b-4c1a-9e3f-0a1b2c3d4e5f', '{}')).toBe(0);
		await expect(client.publish('ns:event:proxy:supply', '{}')).rejects.toThrow(/^NOPERM/);
		await expect(client.publish('elsewhere', '{}')).rejects.toThrow(/^NOPERM/);
		await expect(client.set('ns:key', 'x')).rejects.toThrow(/^NOPERM/);
		await expect(client.get('ns:key')).rejects.toThrow(/^NOPERM/);
		await expect(client.call('CONFIG', 'GET', 'maxmemory')).rejects.toThrow(/^NOPERM/);
		await expect(client.call('FLUSHALL')).rejects.toThrow(/^NOPERM/);
		await expect(client.call('ACL', 'LIST')).rejects.toThrow(/^NOPERM/);
		await expect(client.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).rejects.toThrow(/^NOPERM/);
		const monitor = await connect(clientUrl());
		await expect(monitor.call('MONITOR')).rejects.toThrow(/^NOPERM/);
		const listener = await connect(clientUrl());
		await expect(listener.subscribe('ns:event:proxy:request')).rejects.toThrow(/^NOPERM/);
		const patterns = await connect(clientUrl());
		await expect(patterns.psubscribe('ns:to:*')).rejects.toThrow(/^NOPERM/);
	});

	it('refuses a provider publishing requests (or any broadcast), pattern subscriptions and dangerous commands', async () => {
		const provider = await connect(providerUrl());
		await expect(provider.publish('ns:event:proxy:request', '{}')).rejects.toThrow(/^NOPERM/);
		await expect(provider.publish('ns:event:proxy:supply', '{}')).rejects.toThrow(/^NOPERM/);
		expect(await provider.publish('ns:to:6f1c3a2e-8d2b-4c1a-9e3f-0a1b2c3d4e5f', '{}')).toBe(0);
		// Keys of its namespace (cluster-wide state), none elsewhere, nothing dangerous.
		expect(await provider.set('ns:exit:x', 'held', 'PX', 1000, 'NX')).toBe('OK');
		await expect(provider.set('other', 'x')).rejects.toThrow(/^NOPERM/);
		await expect(provider.call('FLUSHALL')).rejects.toThrow(/^NOPERM/);
		await expect(provider.call('KEYS', '*')).rejects.toThrow(/^NOPERM/);
		await expect(provider.call('CONFIG', 'SET', 'maxmemory', '1')).rejects.toThrow(/^NOPERM/);
		const monitor = await connect(providerUrl());
		await expect(monitor.call('MONITOR')).rejects.toThrow(/^NOPERM/);
		const listener = await connect(providerUrl());
		// One SUBSCRIBE for its own channel and the requests, as the bus sends it.
		expect(await listener.subscribe('ns:to:6f1c3a2e-8d2b-4c1a-9e3f-0a1b2c3d4e5f', 'ns:event:proxy:request')).toBe(2);
		const patterns = await connect(providerUrl());
		await expect(patterns.psubscribe('ns:*')).rejects.toThrow(/^NOPERM/);
	});

	it('refuses anyone without a password, and a PUBLISH of 1 MiB', async () => {
		const anonymous = await connect(`redis://${server.host}:${server.port}`);
		await expect(anonymous.publish('ns:event:proxy:request', '{}')).rejects.toThrow(/^NOAUTH/);
		const client = await connect(clientUrl());
		expect(await client.publish('ns:to:6f1c3a2e-8d2b-4c1a-9e3f-0a1b2c3d4e5f', 'x'.repeat(maxCommandBytes - 4096))).toBe(0);
		// At the bound, Redis closes the sender's connection.
		await expect(client.publish('ns:to:6f1c3a2e-8d2b-4c1a-9e3f-0a1b2c3d4e5f', 'x'.repeat(maxCommandBytes))).rejects.toThrow(/Connection is closed/);
	});

	it('leases, heartbeats, rotates and gives back with each role its own user', async () => {
		const harness = new LeaseHarness(providerUrl());
		cleanups.add(async () => harness.cleanup());
		const provider = await harness.provider({count: 2});
		const client = await harness.client({redis: clientUrl()});
		const ready = nextEvent<[ClientProxy]>(client, 'proxy-ready');
		client.createProxy();
		const [proxy] = await ready;
		expect(provider.leases().map(lease => lease.clientId)).toEqual([client.id]);
		await proxy.rotate();
		await proxy.destroy();
		await waitFor(() => provider.leases().length === 0, {message: 'the lease to be given back'});
		expect(provider.bus.stats.publishFailed).toBe(0);
		expect(client.stats.publishFailed).toBe(0);
	});
});

describe('exit claims under the provider user', () => {
	it('claims, renews, reports and releases an exit (the registry\'s scripts run with the provider\'s rights)', async () => {
		const namespace = `acl-${newAclPassword().slice(0, 8)}`;
		const registry = new RedisExitRegistry({redis: providerUrl(), namespace, owner: 'provider-a', claimTtlMs: 30_000});
		const other = new RedisExitRegistry({redis: providerUrl(), namespace, owner: 'provider-b', claimTtlMs: 30_000});
		cleanups.add(async () => Promise.all([registry.close(), other.close()]));
		await Promise.all([registry.connect(), other.connect()]);
		const fingerprint = 'B'.repeat(40);
		expect(await registry.claim(fingerprint, 'tor-0')).toBe(true);
		expect(await other.claim(fingerprint, 'tor-0')).toBe(false);
		expect(await registry.renew(fingerprint, 'tor-0')).toBe(true);
		await registry.report(fingerprint, {kind: 'captcha'});
		expect((await other.avoided()).map(exit => exit.fingerprint)).toContain(fingerprint);
		await registry.release(fingerprint, 'tor-0');
		expect(await other.claim(fingerprint, 'tor-1')).toBe(true);
	});

	it('cannot be done by a client', async () => {
		const registry = new RedisExitRegistry({redis: clientUrl(), namespace: 'acl-client', owner: 'client', claimTtlMs: 30_000});
		cleanups.add(async () => registry.close());
		await registry.connect();
		await expect(registry.claim('C'.repeat(40), 'tor-0')).rejects.toThrow(/NOPERM/);
	});
});

describe('the README', () => {
	it('shows the ACL lines the code makes', async () => {
		const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
		for (const [name, role, placeholder] of [['nightcrawler-provider', 'provider', '>PROVIDER-PASSWORD'], ['nightcrawler-client', 'client', '>CLIENT-PASSWORD']] as const) {
			expect(readme).toContain(aclUserLine({name, role, password: 'x'}, 'nightcrawler').replace(/#[\da-f]{64}/, placeholder));
		}
	});
});
