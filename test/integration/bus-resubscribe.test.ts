import {randomUUID} from 'node:crypto';
import {Redis} from 'ioredis';
import {afterEach, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {Bus} from '../../source/core/bus/bus.js';
import {SubscriptionKeeper} from '../../source/core/bus/subscription-keeper.js';
import {testNamespace} from '../helpers/redis.js';
import {setupAdminRedis} from '../helpers/redis-testbed.js';
import {waitFor} from '../helpers/wait-for.js';

// Subscriptions that fail while the connection stays up, made to fail for real: an ACL user that
// loses (then gets back) its channels, so Redis answers SUBSCRIBE with NOPERM.

const inbound = {ping: z.object({n: z.number()})};
type TestBus = Bus<typeof inbound, typeof inbound>;

const buses: TestBus[] = [];

const testbed = setupAdminRedis();
afterEach(async () => {
	await Promise.all(buses.splice(0).map(async bus => bus.close()));
});

/** A new ACL user with every command and key, and the channels given (`&pattern` or `allchannels`). */
async function aclUser(...channels: string[]): Promise<{name: string; url: string}> {
	const name = `nc-${randomUUID()}`;
	await testbed.admin.call('ACL', 'SETUSER', name, 'reset', 'on', '>secret', '~*', '+@all', ...channels);
	const url = new URL(testbed.server.url);
	return {name, url: `redis://${name}:secret@${url.host}`};
}

function track(bus: TestBus): {bus: TestBus; events: string[]; warnings: Error[]} {
	const events: string[] = [];
	const warnings: Error[] = [];
	bus.events.on('online', () => events.push('online'));
	bus.events.on('offline', () => events.push('offline'));
	bus.events.on('warning', error => warnings.push(error));
	buses.push(bus);
	return {bus, events, warnings};
}

async function connected(url: string, namespace: string, name = `bus-${randomUUID()}`) {
	const tracked = track(new Bus({redis: url, namespace, inbound, name}));
	await tracked.bus.connect();
	return tracked;
}

/** Drop one connection of a bus from the server side (CLIENT KILL by the name it set). */
async function killConnection(connectionName: string): Promise<void> {
	const list = String(await testbed.admin.call('CLIENT', 'LIST'));
	const ids = list.split('\n').filter(line => line.includes(` name=${connectionName} `)).map(line => /id=(\d+)/.exec(line)?.[1]);
	for (const id of ids) {
		if (id) {
			// eslint-disable-next-line no-await-in-loop
			await testbed.admin.call('CLIENT', 'KILL', 'ID', id);
		}
	}
}

/** Send directed pings from `sender` until `receiver` got one. */
async function reaches(sender: TestBus, receiver: TestBus, got: number[], message: string): Promise<void> {
	let n = 0;
	await waitFor(async () => {
		await sender.sendMessage('ping', receiver.id, {n: n++});
		return got.length > 0;
	}, {timeoutMs: 20_000, intervalMs: 100, message});
}

describe('Bus re-subscription', () => {
	it('a re-subscription refused after a reconnect is retried until Redis accepts it: the bus comes back online by itself', async () => {
		const namespace = testNamespace();
		const user = await aclUser('allchannels');
		const name = `bus-${randomUUID()}`;
		const {bus, events, warnings} = await connected(user.url, namespace, name);
		const sender = (await connected(testbed.server.url, namespace)).bus;
		const got: number[] = [];
		bus.onMessage('ping', message => got.push(message.data.n));

		// Channels taken away; the subscriber connection drops (Redis drops it on its own, or we do).
		await testbed.admin.call('ACL', 'SETUSER', user.name, 'resetchannels');
		await killConnection(`${name}-sub`);
		await waitFor(() => bus.status === 'offline', {message: 'the bus offline'});
		// The reconnected subscriber is up, but its SUBSCRIBE is refused.
		await waitFor(() => warnings.some(error => /NOPERM/.test(error.message)), {timeoutMs: 15_000, message: 'a NOPERM on re-subscribing'});
		expect(bus.online).toBe(false);

		// Channels given back: nothing else happens to the connection, yet the bus must come back.
		await testbed.admin.call('ACL', 'SETUSER', user.name, 'allchannels');
		await waitFor(() => bus.online, {timeoutMs: 15_000, message: 'the bus back online after the channels were granted again'});
		expect(events).toEqual(['online', 'offline', 'online']);
		await reaches(sender, bus, got, 'a directed message after the re-subscription');
	});

	it('a new listener\'s subscription refused while online is retried until Redis accepts it', async () => {
		const namespace = testNamespace();
		// Only directed channels at first: connect() succeeds, the broadcast subscription is refused.
		const user = await aclUser(`&${namespace}:to:*`);
		const {bus, warnings} = await connected(user.url, namespace);
		const sender = (await connected(testbed.server.url, namespace)).bus;
		const got: number[] = [];
		bus.on('ping', message => got.push(message.data.n));
		await waitFor(() => warnings.some(error => /NOPERM/.test(error.message)), {message: 'the broadcast subscription refused'});

		await testbed.admin.call('ACL', 'SETUSER', user.name, 'allchannels');
		let n = 0;
		await waitFor(async () => {
			await sender.emit('ping', {n: n++});
			return got.length > 0;
		}, {timeoutMs: 20_000, intervalMs: 100, message: 'a broadcast once the channel was granted'});
		expect(bus.online).toBe(true);
	});

	it('the bus is offline while its publisher connection is down, and online again once it is back', async () => {
		const namespace = testNamespace();
		const name = `bus-${randomUUID()}`;
		const {bus, events} = await connected(testbed.server.url, namespace, name);
		const sender = (await connected(testbed.server.url, namespace)).bus;
		const got: number[] = [];
		sender.onMessage('ping', message => got.push(message.data.n));

		await killConnection(`${name}-pub`);
		await waitFor(() => events.includes('offline'), {message: 'offline when the publisher dropped'});
		await waitFor(() => bus.online, {message: 'online again'});
		// Online means sending works at once.
		expect(await bus.sendMessage('ping', sender.id, {n: 1})).toBe(true);
		await waitFor(() => got.length > 0, {message: 'the message sent right after online'});
		expect(events).toEqual(['online', 'offline', 'online']);
	});


	it('a SUBSCRIBE left unanswered (server paused) times out and reconnects the connection, then is confirmed on the new one', async () => {
		const connectionName = `sub-${randomUUID()}`;
		const sub = new Redis(testbed.server.url, {lazyConnect: true, connectionName, autoResubscribe: false, enableOfflineQueue: false, retryStrategy: () => 50});
		const failures: Error[] = [];
		let subscribed = 0;
		let closes = 0;
		const keeper = new SubscriptionKeeper({
			sub,
			channels: () => [`${testNamespace()}:to:x`],
			onSubscribed: () => subscribed++,
			onFailure: error => failures.push(error),
			timeoutMs: 200,
		});
		// Wired as the Bus wires it.
		sub.on('close', () => {
			closes++;
			keeper.lost();
		});
		sub.on('ready', () => {
			keeper.ensure();
		});
		try {
			await sub.connect();
			await waitFor(() => keeper.state === 'subscribed', {message: 'subscribed at first'});
			const idOf = async () => /id=(\d+) [^\n]* name=(\S+) /.exec(String(await testbed.admin.call('CLIENT', 'LIST')).split('\n').find(line => line.includes(` name=${connectionName} `)) ?? '')?.[1];
			const firstId = await idOf();
			expect(firstId).toBeDefined();
			await testbed.admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
			keeper.ensure();
			await waitFor(() => failures.some(error => error.name === 'SubscribeTimeoutError'), {message: 'a timed-out SUBSCRIBE'});
			await waitFor(() => closes > 0, {message: 'the connection dropped after the time-out'});
			await waitFor(() => keeper.state === 'subscribed', {timeoutMs: 15_000, message: 'subscribed after the pause'});
			expect(subscribed).toBe(2);
			// Confirmed on a new connection, not the one whose SUBSCRIBE went unanswered.
			const secondId = await idOf();
			expect(secondId).toBeDefined();
			expect(secondId).not.toBe(firstId);
			expect(failures.filter(error => error.name === 'SubscribeTimeoutError')).toHaveLength(1);
		} finally {
			keeper.stop();
			sub.disconnect();
		}
	});
});
