import {randomUUID} from 'node:crypto';
import {Redis} from 'ioredis';
import {afterEach, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {Bus} from '../../source/core/bus/bus.js';
import {ConnectionWatch} from '../../source/core/bus/connection-watch.js';
import {RedisUnresponsiveError} from '../../source/core/errors/redis-unresponsive-error.js';
import {startBlackholeRelay, type BlackholeRelay} from '../helpers/blackhole-relay.js';
import {Cleanups} from '../helpers/cleanups.js';
import {testNamespace} from '../helpers/redis.js';
import {setupAdminRedis} from '../helpers/redis-testbed.js';
import {waitFor} from '../helpers/wait-for.js';

// Connections that stay open but carry nothing (a half-open link), made for real: a TCP relay between
// the bus and redis-server that stops forwarding on its open connections while keeping them open.

const inbound = {ping: z.object({n: z.number()})};
type TestBus = Bus<typeof inbound, typeof inbound>;
// A PING answer may wait out a stall of a busy machine's event loop: 2 s to answer.
const liveness = {intervalMs: 300, timeoutMs: 2000};

const cleanups = new Cleanups();

const testbed = setupAdminRedis();
afterEach(async () => {
	// All at once: closing the relay ends a bus's QUIT that a dark link would leave unanswered.
	await cleanups.run({concurrent: true});
});

type Tracked = {bus: TestBus; offline: number; online: number; warnings: Error[]; got: number[]};

async function connected(url: string, namespace: string, options: {name?: string; liveness?: typeof liveness | false} = {}): Promise<Tracked> {
	const bus: TestBus = new Bus({redis: url, namespace, inbound, name: options.name ?? `bus-${randomUUID()}`, liveness: options.liveness ?? liveness});
	cleanups.add(async () => bus.close());
	const tracked: Tracked = {bus, offline: 0, online: 0, warnings: [], got: []};
	bus.events.on('online', () => tracked.online++);
	bus.events.on('offline', () => tracked.offline++);
	bus.events.on('warning', error => tracked.warnings.push(error));
	bus.onMessage('ping', message => tracked.got.push(message.data.n));
	await bus.connect();
	return tracked;
}

async function relay(): Promise<BlackholeRelay> {
	const started = await startBlackholeRelay({host: testbed.server.host, port: testbed.server.port});
	cleanups.add(async () => started.close());
	return started;
}

function relayUrl(relay: BlackholeRelay): string {
	return `redis://127.0.0.1:${relay.port}`;
}

/** Send directed pings from `sender` until `receiver` got one more than it had. */
async function reaches(sender: Tracked, receiver: Tracked, message: string): Promise<void> {
	const before = receiver.got.length;
	let n = 0;
	await waitFor(async () => {
		await sender.bus.sendMessage('ping', receiver.bus.id, {n: n++});
		return receiver.got.length > before;
	}, {timeoutMs: 20_000, intervalMs: 100, message});
}

function unresponsive(tracked: Tracked, role: string): RedisUnresponsiveError | undefined {
	return tracked.warnings.find((error): error is RedisUnresponsiveError => error instanceof RedisUnresponsiveError && error.role === role);
}

async function pingCalls(): Promise<number> {
	const info = await testbed.admin.info('commandstats');
	return Number(/cmdstat_ping:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

/** A receiver connected through a relay that can go dark, another bus straight to Redis, and a message from `first` to the other already through. */
async function throughRelay(first: 'receiver' | 'other'): Promise<{link: BlackholeRelay; receiver: Tracked; other: Tracked}> {
	const namespace = testNamespace();
	const link = await relay();
	const receiver = await connected(relayUrl(link), namespace, {name: 'receiver'});
	const other = await connected(testbed.server.url, namespace);
	await (first === 'receiver' ? reaches(receiver, other, 'a message from the receiver before the link went dark') : reaches(other, receiver, 'a message to the receiver before the link went dark'));
	return {link, receiver, other};
}

/** The receiver went offline and came back online by itself. */
async function backByItself(receiver: Tracked): Promise<void> {
	await waitFor(() => receiver.offline === 1, {timeoutMs: 20_000, message: 'the receiver offline'});
	await waitFor(() => receiver.bus.online, {timeoutMs: 20_000, message: 'the receiver back online by itself'});
}

describe('Bus liveness', () => {
	it('a subscriber connection gone dark is noticed, reconnected and subscribed again: messages arrive again', async () => {
		const {link, receiver, other: sender} = await throughRelay('other');

		expect(link.blackhole(head => head.includes('receiver-sub'))).toBe(1);
		const error = await waitFor(() => unresponsive(receiver, 'subscriber'), {timeoutMs: 20_000, message: 'a RedisUnresponsiveError for the subscriber'});
		expect(error.name).toBe('RedisUnresponsiveError');
		expect(error.waitedMs).toBe(liveness.timeoutMs);
		await backByItself(receiver);
		expect(link.accepted).toBe(3);
		await reaches(sender, receiver, 'a message after the reconnect');
		expect(unresponsive(receiver, 'publisher')).toBeUndefined();
	});

	it('a publisher connection gone dark is noticed and reconnected: its later messages go out again', async () => {
		const {link, receiver, other} = await throughRelay('receiver');

		expect(link.blackhole(head => head.includes('receiver-pub'))).toBe(1);
		// Sent into the dark link: it fails when the connection is dropped, and is never sent again later.
		const lost = receiver.bus.sendMessage('ping', other.bus.id, {n: -1});
		await waitFor(() => unresponsive(receiver, 'publisher'), {timeoutMs: 20_000, message: 'a RedisUnresponsiveError for the publisher'});
		expect(await lost).toBe(false);
		await backByItself(receiver);
		await reaches(receiver, other, 'a message from the receiver after the reconnect');
		expect(unresponsive(receiver, 'subscriber')).toBeUndefined();
		expect(other.got).not.toContain(-1);
	});

	it('both connections gone dark: both are reconnected and the bus works both ways again', async () => {
		const {link, receiver, other} = await throughRelay('other');

		expect(link.blackhole()).toBe(2);
		await waitFor(() => unresponsive(receiver, 'publisher') && unresponsive(receiver, 'subscriber'), {timeoutMs: 20_000, message: 'both connections reported'});
		await waitFor(() => receiver.offline >= 1 && receiver.bus.online, {timeoutMs: 20_000, message: 'the receiver back online by itself'});
		await reaches(other, receiver, 'a message to the receiver after the reconnect');
		await reaches(receiver, other, 'a message from the receiver after the reconnect');
	});

	it('close() of a bus whose connections went dark ends anyway (its QUIT is never answered)', async () => {
		const link = await relay();
		// No watch: the connections stay dark until close().
		const tracked = await connected(relayUrl(link), testNamespace(), {liveness: false});
		expect(link.blackhole()).toBe(2);
		let closed = false;
		void tracked.bus.close().then(() => {
			closed = true;
		});
		await waitFor(() => closed, {timeoutMs: 15_000, message: 'close() to end'});
		expect(tracked.bus.status).toBe('stopped');
	});

	it('a live bus, idle or with Redis paused for less than the time-out, is probed but never reconnected', async () => {
		const namespace = testNamespace();
		const link = await relay();
		const tracked = await connected(relayUrl(link), namespace, {liveness: {intervalMs: 100, timeoutMs: 5000}});
		// Two connections, one PING each per interval: wait for many rounds, each answered.
		const start = await pingCalls();
		await waitFor(async () => (await pingCalls()) >= start + 20, {timeoutMs: 30_000, intervalMs: 100, message: '20 PINGs answered'});
		// A slow but live Redis: every command waits 1 s, well inside the time-out.
		await testbed.admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
		const paused = await pingCalls();
		await waitFor(async () => (await pingCalls()) >= paused + 10, {timeoutMs: 30_000, intervalMs: 100, message: '10 PINGs answered after the pause'});
		expect(tracked.offline).toBe(0);
		expect(tracked.warnings).toEqual([]);
		expect(link.accepted).toBe(2);
		expect(tracked.bus.online).toBe(true);
	});

	it('PING is answered on a connection in subscriber mode', async () => {
		const sub = new Redis(testbed.server.url, {lazyConnect: true});
		cleanups.add(() => sub.disconnect());
		await sub.connect();
		await sub.subscribe(`${testNamespace()}:to:x`);
		expect(await sub.ping()).toEqual(['pong', '']);
	});

	it('a stopped watch sends no more PINGs, even on a connection left open; a bus closes twice without trouble', async () => {
		const link = await relay();
		const watched = new Redis(relayUrl(link), {lazyConnect: true});
		const clock = new Redis(testbed.server.url, {lazyConnect: true});
		cleanups.add(() => watched.disconnect());
		cleanups.add(() => clock.disconnect());
		await Promise.all([watched.connect(), clock.connect()]);
		const fast = {intervalMs: 50, timeoutMs: 5000};
		const watch = new ConnectionWatch({connection: watched, role: 'publisher', liveness: fast, active: () => true, onUnresponsive: () => undefined});
		const ticking = new ConnectionWatch({connection: clock, role: 'publisher', liveness: fast, active: () => true, onUnresponsive: () => undefined});
		cleanups.add(() => ticking.stop());
		watch.start();
		const start = link.forwarded;
		await waitFor(() => link.forwarded >= start + 3 * 'PING'.length, {message: 'the watched connection probed'});
		watch.stop();
		watch.stop();
		expect(watch.state).toBe('stopped');
		const stoppedAt = link.forwarded;
		// Many intervals later (counted by the other watch's PINGs, not slept), nothing more went through.
		ticking.start();
		const calls = await pingCalls();
		await waitFor(async () => (await pingCalls()) >= calls + 10, {timeoutMs: 30_000, intervalMs: 50, message: 'ten intervals of the other watch'});
		expect(link.forwarded).toBe(stoppedAt);

		const tracked = await connected(testbed.server.url, testNamespace());
		await Promise.all([tracked.bus.close(), tracked.bus.close()]);
		expect(tracked.bus.status).toBe('stopped');
	});
});
