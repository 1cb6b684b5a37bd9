import {Redis} from 'ioredis';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {Bus} from '../../source/core/bus/bus.js';
import type {BusMessage} from '../../source/core/bus/envelope.js';
import {startTestRedis, testNamespace, type RedisServer} from '../helpers/redis.js';
import {waitFor} from '../helpers/wait-for.js';

const inbound = {ping: z.object({n: z.number()}), hello: z.string().optional()};
type TestBus = Bus<typeof inbound, typeof inbound>;

let redis: RedisServer;
const buses: TestBus[] = [];

beforeAll(async () => {
	redis = await startTestRedis();
});
afterAll(async () => {
	await redis?.stop();
});
afterEach(async () => {
	await Promise.all(buses.splice(0).map(async bus => bus.close()));
});

async function bus(namespace: string): Promise<TestBus> {
	const created: TestBus = new Bus({redis: redis.url, namespace, inbound});
	buses.push(created);
	await created.connect();
	return created;
}

describe('Bus', () => {
	it('delivers a directed message to its target only, without touching other instances', async () => {
		const namespace = testNamespace();
		const [a, b, ...idle] = await Promise.all(Array.from({length: 10}, async () => bus(namespace)));
		const got: Array<BusMessage<{n: number}>> = [];
		b!.onMessage('ping', message => got.push(message));
		for (const other of idle) {
			other.onMessage('ping', () => {
				throw new Error('not for me');
			});
		}

		await a!.sendMessage('ping', b!.id, {n: 1});
		await waitFor(() => got.length === 1);
		expect(got[0]).toEqual({event: 'ping', from: a!.id, to: b!.id, data: {n: 1}});
		expect(idle.map(other => other.stats.delivered)).toEqual(idle.map(() => 0));
	});

	it('delivers broadcasts to the instances listening for that event only', async () => {
		const namespace = testNamespace();
		const [a, listener, deaf] = await Promise.all([bus(namespace), bus(namespace), bus(namespace)]);
		const got: number[] = [];
		listener!.on('ping', message => got.push(message.data.n));
		await waitFor(async () => (await a!.emit('ping', {n: 7})) && got.length > 0, {message: 'broadcast after subscribe'});
		expect(got[0]).toBe(7);
		expect(deaf!.stats.delivered).toBe(0);
	});

	it('once and onceMessage fire for one message', async () => {
		const namespace = testNamespace();
		const [a, b] = await Promise.all([bus(namespace), bus(namespace)]);
		const got: number[] = [];
		b!.onceMessage('ping', message => got.push(message.data.n));
		await a!.sendMessage('ping', b!.id, {n: 1});
		await a!.sendMessage('ping', b!.id, {n: 2});
		await waitFor(() => b!.stats.delivered === 2);
		expect(got).toEqual([1]);
		expect(b!.stats.dropped['no-listener']).toBe(1);
	});

	it('namespaces keep clusters apart', async () => {
		const [a, b] = await Promise.all([bus(testNamespace()), bus(testNamespace())]);
		const c = await bus(b.namespace);
		const got: number[] = [];
		b.on('ping', message => got.push(message.data.n));
		// b's broadcast subscription is confirmed once a broadcast from its own namespace arrives.
		await waitFor(async () => (await c.emit('ping', {n: 0})) && got.length > 0, {message: 'b subscribed'});
		const before = b.stats.delivered;
		await a.emit('ping', {n: 1});
		await a.sendMessage('ping', b.id, {n: 1});
		// A directed message on b's own namespace, sent after a's, is a fence: anything of a's would be in first.
		b.onMessage('ping', message => got.push(message.data.n));
		await c.sendMessage('ping', b.id, {n: 2});
		await waitFor(() => got.includes(2), {message: 'the fence'});
		expect(got.filter(n => n === 1)).toEqual([]);
		expect(b.stats.dropped['wrong-channel'] + b.stats.dropped['no-listener']).toBe(0);
		expect(b.stats.delivered).toBeGreaterThan(before);
	});

	it('connect fails with a named error when Redis refuses the subscription (ACL)', async () => {
		const admin = new Redis(redis.url);
		try {
			await admin.call('ACL', 'SETUSER', 'nc-limited', 'on', '>secret', '~*', 'resetchannels', '+@all');
		} finally {
			admin.disconnect();
		}

		const url = new URL(redis.url);
		const limited = new Bus({redis: `redis://nc-limited:secret@${url.host}`, inbound});
		await expect(limited.connect()).rejects.toMatchObject({name: 'RedisUnavailableError', message: expect.stringContaining('NOPERM')});
		await limited.close();
	});

	it('close while connecting settles the connect with ClosedError', async () => {
		const slow = new Bus({redis: redis.url, inbound});
		const connecting = slow.connect();
		await slow.close();
		await expect(connecting).rejects.toMatchObject({name: 'ClosedError'});
	});

	it('a listener that throws is counted, not fatal', async () => {
		const namespace = testNamespace();
		const [a, b] = await Promise.all([bus(namespace), bus(namespace)]);
		const got: number[] = [];
		b!.onMessage('ping', () => {
			throw new Error('boom');
		});
		b!.onMessage('ping', message => got.push(message.data.n));
		await a!.sendMessage('ping', b!.id, {n: 3});
		await waitFor(() => got.length === 1);
		expect(b!.stats.dropped['listener-error']).toBe(1);
	});

	it('close is idempotent and publishing after it reports false', async () => {
		const a = await bus(testNamespace());
		await Promise.all([a.close(), a.close()]);
		await a.close();
		expect(a.status).toBe('stopped');
		expect(await a.emit('ping', {n: 1})).toBe(false);
	});

	it('connect to a Redis that is not there fails with a named, one-line error', async () => {
		const dead = new Bus({redis: 'redis://127.0.0.1:1', inbound});
		await expect(dead.connect()).rejects.toMatchObject({name: 'RedisUnavailableError', message: expect.stringMatching(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1/)});
		await dead.close();
	});
});
