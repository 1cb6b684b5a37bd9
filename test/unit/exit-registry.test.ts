import {Redis} from 'ioredis';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ExitKeys} from '../../source/exits/exit-keys.js';
import {RedisExitRegistry} from '../../source/exits/redis-exit-registry.js';
import {Cleanups} from '../helpers/cleanups.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

let redis: RedisServer;
const cleanups = new Cleanups();
const fingerprint = 'A'.repeat(40);
/** The namespace of the registries made last. */
let namespace = '';

beforeAll(async () => {
	redis = await startTestRedis();
});
afterEach(async () => {
	await cleanups.run({concurrent: true});
});
afterAll(async () => {
	await redis.stop();
});

async function registries(count: number, claimTtlMs = 30_000): Promise<RedisExitRegistry[]> {
	namespace = testNamespace();
	const made = Array.from({length: count}, (_, index) => new RedisExitRegistry({redis: redis.url, namespace, owner: `provider-${index}`, claimTtlMs}));
	for (const registry of made) {
		cleanups.add(async () => registry.close());
		// eslint-disable-next-line no-await-in-loop
		await registry.connect();
	}

	return made;
}

describe('RedisExitRegistry claims (a real redis-server)', () => {
	it('one holder at a time: a second provider cannot claim a held exit; the holder may claim again', async () => {
		const [a, b] = await registries(2);
		expect(await a!.claim(fingerprint, 'tor-0')).toBe(true);
		expect(await b!.claim(fingerprint, 'tor-0')).toBe(false);
		expect(await a!.claim(fingerprint, 'tor-1')).toBe(false);
		expect(await a!.claim(fingerprint, 'tor-0')).toBe(true);
		expect(await b!.holderOf(fingerprint)).toBe('provider-0/tor-0');
	});

	it('only the holder releases; then another may claim', async () => {
		const [a, b] = await registries(2);
		await a!.claim(fingerprint, 'tor-0');
		await b!.release(fingerprint, 'tor-0');
		await a!.release(fingerprint, 'tor-1');
		expect(await a!.holderOf(fingerprint)).toBe('provider-0/tor-0');
		await a!.release(fingerprint, 'tor-0');
		expect(await a!.holderOf(fingerprint)).toBeUndefined();
		expect(await b!.claim(fingerprint, 'tor-0')).toBe(true);
	});

	it('renewal keeps a claim past its ttl; an unrenewed claim expires and frees the exit', async () => {
		const [a, b] = await registries(2, 600);
		const raw = new Redis(redis.url);
		cleanups.add(async () => {
			raw.disconnect();
		});
		await a!.claim(fingerprint, 'tor-0');
		const key = new ExitKeys(namespace).claim(fingerprint);
		// Renewed: the expiry is pushed back to the full ttl each time.
		for (let round = 0; round < 4; round++) {
			// eslint-disable-next-line no-await-in-loop
			await waitFor(async () => (await raw.pttl(key)) < 400, {timeoutMs: 5000, message: 'the claim to age'});
			// eslint-disable-next-line no-await-in-loop
			expect(await a!.renew(fingerprint, 'tor-0')).toBe(true);
			// eslint-disable-next-line no-await-in-loop
			expect(await raw.pttl(key)).toBeGreaterThan(400);
		}

		expect(await b!.renew(fingerprint, 'tor-0')).toBe(false);
		// Not renewed: it expires (the provider died), and another provider takes it.
		await waitFor(async () => (await a!.holderOf(fingerprint)) === undefined, {timeoutMs: 5000, message: 'the claim to expire'});
		expect(await b!.claim(fingerprint, 'tor-3')).toBe(true);
		// The old holder's renewal now fails: someone else has it.
		expect(await a!.renew(fingerprint, 'tor-0')).toBe(false);
	});

	it('a holder whose claim expired (Redis lost it) takes it back on renewal when nobody else has it', async () => {
		const [a] = await registries(1);
		await a!.claim(fingerprint, 'tor-0');
		const raw = new Redis(redis.url);
		cleanups.add(async () => {
			raw.disconnect();
		});
		await raw.flushall();
		expect(await a!.renew(fingerprint, 'tor-0')).toBe(true);
		expect(await a!.holderOf(fingerprint)).toBe('provider-0/tor-0');
	});

	it('reports: every registry sees an avoided exit, the longer avoidance wins, domain reports last a quarter', async () => {
		const [a, b] = await registries(2);
		const other = 'B'.repeat(40);
		expect(await b!.isAvoided(fingerprint)).toBe(false);
		const before = Date.now();
		const blocked = await a!.report(fingerprint, {kind: 'blocked'});
		expect(blocked.untilMs - before).toBeGreaterThan(29 * 60_000);
		expect(await b!.isAvoided(fingerprint)).toBe(true);
		// A shorter report does not shorten it.
		expect((await b!.report(fingerprint, {kind: 'rate-limited'})).kind).toBe('blocked');
		const captcha = await b!.report(other, {kind: 'captcha', domain: 'example.com'});
		expect(captcha.domain).toBe('example.com');
		expect(captcha.untilMs - Date.now()).toBeLessThan(3 * 60_000);
		expect(captcha.untilMs - Date.now()).toBeGreaterThan(2 * 60_000);
		const listed = await a!.avoided();
		expect(listed.map(exit => exit.fingerprint).sort()).toEqual([fingerprint, other]);
	});
});
