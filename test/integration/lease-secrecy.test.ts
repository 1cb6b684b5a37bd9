import {Redis} from 'ioredis';
import {describe, expect, it} from 'vitest';
import {Bus} from '../../source/core/bus/bus.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {clientInbound, type ClientInbound, type ProviderInbound} from '../../source/core/lease/messages.js';
import type {UnprovenMessage} from '../../source/core/lease/slot-events.js';
import {setupLeaseTestbed} from '../helpers/lease-harness.js';
import {claimByHand, nextMessage} from '../helpers/raw-holder.js';
import {waitFor} from '../helpers/wait-for.js';

const {cleanups, redisUrl, newHarness} = setupLeaseTestbed();

type Sniffed = {channel: string; text: string};

/** Everything published in the namespace, as anyone allowed on the Redis reads it. */
async function sniff(namespace: string): Promise<Sniffed[]> {
	const seen: Sniffed[] = [];
	const watcher = new Redis(redisUrl());
	cleanups.add(() => {
		watcher.disconnect();
	});
	watcher.on('pmessage', (_pattern: string, channel: string, text: string) => {
		seen.push({channel, text});
	});
	await watcher.psubscribe(`${namespace}:*`);
	return seen;
}

const fast = {heartbeatIntervalMs: 50, heartbeatTimeoutMs: 2000};

describe('what the bus shows', () => {
	it('a whole lease\'s life, seen by a PSUBSCRIBE to the namespace, shows no credential and no lease secret', async () => {
		const harness = newHarness();
		const seen = await sniff(harness.namespace);
		const provider = await harness.provider({count: 2, timings: fast});
		// A library client: request, sealed link, heartbeats, rotate, destroy.
		const client = await harness.client();
		const proxy = await client.getProxy();
		const {username, password} = proxy.credentials;
		await waitFor(() => proxy.lastHeartbeatAt > proxy.linkedAt + 100, {message: 'some heartbeats'});
		await proxy.rotate();
		await proxy.destroy();
		// A lease by hand, whose secret the test knows: heartbeat, rotate, destroy, all proven.
		const holder = new Bus<ClientInbound, ProviderInbound>({redis: redisUrl(), namespace: harness.namespace, inbound: clientInbound});
		cleanups.add(async () => holder.close());
		await holder.connect();
		const held = await claimByHand(holder);
		const leaseId = held.lease.leaseId;
		const answer = nextMessage(holder, 'proxy:heartbeat');
		await holder.sendMessage('proxy:heartbeat', held.providerId, {leaseId, seq: 0, ...held.prove('proxy:heartbeat', [0])});
		expect(await answer).toMatchObject({leaseId, seq: 0});
		const rotateId = crypto.randomUUID();
		const rotated = nextMessage(holder, 'proxy:rotate');
		await holder.sendMessage('proxy:rotate', held.providerId, {leaseId, rotateId, ...held.prove('proxy:rotate', [rotateId])});
		expect(await rotated).toMatchObject({ok: true, leaseId, rotateId});
		const destroyed = nextMessage(holder, 'proxy:destroy');
		await holder.sendMessage('proxy:destroy', held.providerId, {leaseId, ...held.prove('proxy:destroy', [])});
		await destroyed;
		await waitFor(() => provider.leases().length === 0, {message: 'both leases over'});

		const texts = seen.map(message => message.text);
		expect(texts.some(text => text.includes('"proxy:link"') && text.includes('"sealed"'))).toBe(true);
		expect(texts.filter(text => text.includes('"proxy:heartbeat"')).length).toBeGreaterThan(4);
		for (const secretText of [username, password, held.secret, held.credentials.username, held.credentials.password]) {
			// Also base64 or URL-encoded forms would show the plain text's long runs; the texts are JSON.
			expect(texts.filter(text => text.includes(secretText))).toEqual([]);
		}

		expect(provider.stats.forged).toBe(0);
	});
});

describe('forged provider messages', () => {
	it('leaseEnd and update built from sniffed traffic are ignored and counted by the client', async () => {
		const harness = newHarness();
		const seen = await sniff(harness.namespace);
		const provider = await harness.provider({count: 2, timings: fast});
		const client = await harness.client();
		const unproven: UnprovenMessage[] = [];
		client.on('proxy-unproven', message => unproven.push(message));
		const proxy = await client.getProxy();
		// A change the provider makes by itself: a proven proxy:update goes to the holder.
		await provider.rotateInstance(proxy.proxyId);
		await waitFor(() => seen.some(message => message.text.includes('"proxy:update"')), {message: 'an update on the bus'});
		await waitFor(() => seen.filter(message => message.text.includes('"proxy:heartbeat"') && message.channel.endsWith(client.id)).length > 2, {message: 'heartbeat answers'});
		const channel = `${harness.namespace}:to:${client.id}`;
		const update = seen.find(message => message.text.includes('"proxy:update"'))!;
		const answer = seen.findLast(message => message.text.includes('"proxy:heartbeat"') && message.channel === channel)!;
		const sniffedUpdate = JSON.parse(update.text) as {data: {n: number; proof: string; lease: {host: string}}};
		const sniffedAnswer = JSON.parse(answer.text) as {data: {n: number; proof: string}};

		const forger = new Redis(redisUrl());
		cleanups.add(() => {
			forger.disconnect();
		});
		const envelope = (event: string, data: unknown) => JSON.stringify({event, UUID: provider.id, to: client.id, data});
		// 1. A lease end with a proof taken from a heartbeat answer, and a higher count.
		await forger.publish(channel, envelope('proxy:leaseEnd', {leaseId: proxy.leaseId, reason: 'ttl', n: sniffedAnswer.data.n + 1000, proof: sniffedAnswer.data.proof}));
		// 2. A lease end without proof (what a provider that forgot the lease sends).
		await forger.publish(channel, envelope('proxy:leaseEnd', {leaseId: proxy.leaseId, reason: 'provider-stopping'}));
		// 3. The sniffed update replayed as it was (its count is old).
		await forger.publish(channel, update.text);
		// 4. The sniffed update sending the holder elsewhere, with a higher count.
		await forger.publish(channel, envelope('proxy:update', {...sniffedUpdate.data, n: sniffedUpdate.data.n + 1000, lease: {...sniffedUpdate.data.lease, host: '192.0.2.66'}}));
		await waitFor(() => client.stats.unproven === 4, {message: '4 unproven messages counted'});
		expect(unproven.map(message => message.event).sort()).toEqual(['proxy:leaseEnd', 'proxy:leaseEnd', 'proxy:update', 'proxy:update']);
		expect(proxy.state).toBe('active');
		expect(proxy.host).toBe('127.0.0.1');
		// The lease goes on: heartbeats are still answered.
		const heardAt = proxy.lastHeartbeatAt;
		await waitFor(() => proxy.lastHeartbeatAt > heardAt, {message: 'a later heartbeat answer'});
		expect(provider.leases().map(lease => lease.leaseId)).toEqual([proxy.leaseId]);
	});

	it('rotate answers built from sniffed traffic are ignored and counted: the rotation waits for the provider\'s own', async () => {
		const harness = newHarness();
		const seen = await sniff(harness.namespace);
		// Rotations take a while, so a forged answer arrives while the client waits for the real one.
		const provider = await harness.provider({backend: new MemoryBackend({count: 2, rotateDelayMs: 1500}), timings: fast});
		const client = await harness.client();
		const proxy = await client.getProxy();
		const channel = `${harness.namespace}:to:${client.id}`;
		const forger = new Redis(redisUrl());
		cleanups.add(() => {
			forger.disconnect();
		});
		const envelope = (event: string, data: unknown) => JSON.stringify({event, UUID: provider.id, to: client.id, data});

		// A first rotation, to sniff a real answer.
		await proxy.rotate();
		const sniffed = JSON.parse(seen.findLast(message => message.channel === channel && message.text.includes('"proxy:rotate"'))!.text) as {data: {n: number; proof: string; rotateId: string; lease: {exitIp: string}}};
		const exitBefore = proxy.exitIp;
		const rotating = proxy.rotate();
		await waitFor(() => seen.filter(message => !message.channel.endsWith(client.id) && message.text.includes('"proxy:rotate"')).length >= 2, {message: 'the second rotate request on the bus'});
		const request = JSON.parse(seen.findLast(message => !message.channel.endsWith(client.id) && message.text.includes('"proxy:rotate"'))!.text) as {data: {rotateId: string}};
		const forged = {...sniffed.data, rotateId: request.data.rotateId, n: sniffed.data.n + 1000, lease: {...sniffed.data.lease, exitIp: '192.0.2.66'}, previousExitIp: exitBefore};
		// 1. The pending rotation's id with the sniffed answer's proof: a made-up exit.
		await forger.publish(channel, envelope('proxy:rotate', forged));
		// 2. The sniffed answer replayed as it was (an old rotation, an old count).
		await forger.publish(channel, JSON.stringify({event: 'proxy:rotate', UUID: provider.id, to: client.id, data: sniffed.data}));
		// 3. An answer to no rotation, moving the proxy elsewhere.
		await forger.publish(channel, envelope('proxy:rotate', {...forged, rotateId: crypto.randomUUID()}));
		await waitFor(() => client.stats.unproven === 3, {message: '3 unproven rotate answers counted'});
		await rotating;
		expect(proxy.exitIp).not.toBe('192.0.2.66');
		expect(proxy.exitIp).not.toBe(exitBefore);
		expect(provider.leases().map(lease => lease.exitIp)).toEqual([proxy.exitIp]);
	});

	it('a v1 claim (no key) is answered with a dropLink naming the protocol version, and the offer freed', async () => {
		const harness = newHarness();
		const provider = await harness.provider({count: 1});
		const holder = new Bus<ClientInbound, ProviderInbound>({redis: redisUrl(), namespace: harness.namespace, inbound: clientInbound});
		cleanups.add(async () => holder.close());
		await holder.connect();
		const requestId = crypto.randomUUID();
		const supplied = nextMessage(holder, 'proxy:supply');
		await holder.emit('proxy:request', {requestId});
		const {offerId} = await supplied;
		const dropped = nextMessage(holder, 'proxy:dropLink');
		await holder.sendMessage('proxy:link', provider.id, {requestId, offerId});
		expect((await dropped).reason).toMatch(/^protocol-version/);
		// The proxy is free again: a v2 client leases it at once.
		const client = await harness.client();
		await client.getProxy({timeoutMs: 5000});
	});
});
