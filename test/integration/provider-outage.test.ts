import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {Bus} from '../../source/core/bus/bus.js';
import {clientInbound, type ClientInbound, type ProviderInbound} from '../../source/core/lease/messages.js';
import {Cleanups} from '../helpers/cleanups.js';
import {claimByHand, nextMessage} from '../helpers/raw-holder.js';
import {LeaseHarness} from '../helpers/lease-harness.js';
import {startTestRedis, type RedisServer} from '../helpers/redis.js';
import {nextEvent, waitFor} from '../helpers/wait-for.js';

const cleanups = new Cleanups();

afterEach(async () => {
	await cleanups.run({order: 'newest-first'});
});

/** Listen on a loopback port so nothing else takes it while its redis-server is down. */
async function holdPort(port: number): Promise<{release(): Promise<void>}> {
	const server = net.createServer(socket => {
		socket.destroy();
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	let released: Promise<void> | undefined;
	return {
		async release() {
			released ??= new Promise(resolve => {
				server.close(() => {
					resolve();
				});
			});
			return released;
		},
	};
}

describe('provider: its own Redis outage', () => {
	it('longer than the heartbeat timeout, ends no lease: the offline time is not held against the holder', async () => {
		let redis: RedisServer = await startTestRedis();
		const {port} = redis;
		cleanups.add(async () => redis.stop());
		const harness = new LeaseHarness(redis.url);
		cleanups.add(async () => harness.cleanup());
		const timings = {heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 3000};
		const provider = await harness.provider({count: 1, timings});
		const holder = new Bus<ClientInbound, ProviderInbound>({redis: redis.url, namespace: harness.namespace, inbound: clientInbound});
		cleanups.add(async () => holder.close());
		await holder.connect();
		const held = await claimByHand(holder);
		const {lease} = held;
		const ended: string[] = [];
		provider.on('released', end => ended.push(end.reason));

		await redis.stop();
		const heldPort = await holdPort(port);
		cleanups.add(async () => heldPort.release());
		await waitFor(() => provider.status === 'offline' && !holder.online, {message: 'both offline'});
		// The outage itself: offline for longer than the heartbeat timeout, and many sweeps.
		const offlineAt = Date.now();
		await waitFor(() => Date.now() - offlineAt > timings.heartbeatTimeoutMs + 1000, {intervalMs: 100, message: 'the outage'});
		expect(ended).toEqual([]);
		expect(provider.leases().map(snapshot => snapshot.leaseId)).toEqual([lease.leaseId]);

		await heldPort.release();
		redis = await startTestRedis(port);
		await waitFor(() => provider.status === 'ready' && holder.online, {message: 'both online again'});
		// Back online, the lease counts as heard from now: several sweeps later it still stands, unheard.
		const onlineAt = Date.now();
		await waitFor(() => Date.now() - onlineAt > timings.heartbeatTimeoutMs / 3, {intervalMs: 100, message: 'some sweeps'});
		expect(ended).toEqual([]);
		// The holder heartbeats (well within heartbeatTimeoutMs of the reconnect): its lease goes on.
		const answered = nextMessage(holder, 'proxy:heartbeat');
		const endedMessage = nextMessage(holder, 'proxy:leaseEnd');
		endedMessage.catch(() => undefined);
		await holder.sendMessage('proxy:heartbeat', provider.id, {leaseId: lease.leaseId, seq: 0, ...held.prove('proxy:heartbeat', [0])});
		const answer = await Promise.race([answered, endedMessage]);
		expect(answer).toMatchObject({leaseId: lease.leaseId, seq: 0});
		expect(ended).toEqual([]);
		expect(provider.leases()).toHaveLength(1);
		// Still bound by what can be heard: a holder that stays silent now loses the lease.
		const [end] = await nextEvent<[{reason: string}]>(provider, 'released', 10_000);
		expect(end.reason).toBe('heartbeat-timeout');
	});
});
