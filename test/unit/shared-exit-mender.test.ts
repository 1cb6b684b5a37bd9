import {EventEmitter} from 'node:events';
import {afterEach, describe, expect, it} from 'vitest';
import {ProxySlots} from '../../source/core/lease/proxy-slots.js';
import {SharedExitMender} from '../../source/core/lease/shared-exit-mender.js';
import type {ProviderEvents} from '../../source/core/provider-events.js';
import type {PoolBackend, PoolEvents, ProxyEndpoint} from '../../source/pool/pool-backend.js';
import {waitFor} from '../helpers/wait-for.js';

type Move = {resolve: (endpoint: ProxyEndpoint) => void; reject: (error: Error) => void};

/** A pool whose unshare() answers only when the test says so, recording which proxies were asked. */
function pool() {
	const asked: string[] = [];
	const pending = new Map<string, Move>();
	const backend: PoolBackend = {
		events: new EventEmitter<PoolEvents>(),
		start: async () => undefined,
		stop: async () => undefined,
		rotate: async () => {
			throw new Error('not in this test');
		},
		restart: async () => undefined,
		snapshot: () => [],
		unshare: async id => new Promise<ProxyEndpoint>((resolve, reject) => {
			asked.push(id);
			pending.set(id, {resolve, reject});
		}),
	};
	return {backend, asked, pending};
}

const endpoint = (id: string, sharedExit: boolean, exitIp = '10.0.0.1'): ProxyEndpoint => ({id, host: '127.0.0.1', port: 9050, exitIp, ...(sharedExit ? {sharedExit} : {})});

const menders: SharedExitMender[] = [];
afterEach(() => {
	for (const mender of menders.splice(0)) {
		mender.stop();
	}
});

function setUp() {
	const {backend, asked, pending} = pool();
	const slots = new ProxySlots();
	const events = new EventEmitter<ProviderEvents>();
	const mender = new SharedExitMender({backend, events, slots, intervalMs: 20});
	menders.push(mender);
	return {backend, asked, pending, slots, events, mender};
}

describe('SharedExitMender', () => {
	it('moves a free proxy that shares its exit, out of the offer pool meanwhile, and frees it with its new exit', async () => {
		const {asked, pending, slots, events, mender} = setUp();
		slots.add(endpoint('shared', true));
		slots.add(endpoint('own', false, '10.0.0.2'));
		const rotated: unknown[] = [];
		events.on('rotated', report => rotated.push(report));
		mender.start();
		await waitFor(() => asked.length === 1, {message: 'a move asked'});
		expect(asked).toEqual(['shared']);
		expect(slots.get('shared')?.state).toBe('recycling');
		pending.get('shared')!.resolve(endpoint('shared', false, '10.0.0.3'));
		await waitFor(() => slots.get('shared')?.state === 'free', {message: 'free again'});
		expect(slots.get('shared')?.endpoint).toMatchObject({exitIp: '10.0.0.3'});
		expect(slots.get('shared')?.endpoint.sharedExit).toBeUndefined();
		expect(rotated).toEqual([expect.objectContaining({proxyId: 'shared', previousExitIp: '10.0.0.1', exitIp: '10.0.0.3', reason: 'unshare'})]);
	});

	it('never touches a proxy that is leased, offered or down, however long it shares', async () => {
		const {asked, slots, mender} = setUp();
		for (const [id, path] of [['leased', ['offered', 'leased']], ['offered', ['offered']], ['down', ['down']]] as const) {
			slots.add(endpoint(id, true));
			for (const step of path) {
				slots.move(id, step);
			}
		}

		slots.add(endpoint('marker', true));
		mender.start();
		// The free one is asked; the others never, over several rounds.
		await waitFor(() => asked.length === 1, {message: 'the free one asked'});
		expect(asked).toEqual(['marker']);
	});

	it('a move that finds nothing free leaves the proxy sharing and free; a failed one is reported and leaves the proxy down, out of the offer pool', async () => {
		const {asked, pending, slots, events, mender} = setUp();
		slots.add(endpoint('a', true));
		slots.add(endpoint('b', true));
		const failed: string[] = [];
		events.on('rotate-failed', id => failed.push(id));
		const rotated: unknown[] = [];
		events.on('rotated', report => rotated.push(report));
		mender.start();
		await waitFor(() => asked.length === 1, {message: 'first move asked'});
		pending.get('a')!.resolve(endpoint('a', true));
		await waitFor(() => asked.length === 2, {message: 'second move asked'});
		expect(slots.get('a')?.state).toBe('free');
		expect(slots.get('a')?.endpoint.sharedExit).toBe(true);
		// The move fails: its pin is unknown and its Tor restarts, so it is down (never offered half-moved)
		// until the pool reports it ready again.
		expect(slots.get('b')?.state).toBe('recycling');
		pending.get('b')!.reject(new Error('no usable exit'));
		await waitFor(() => failed.length === 1, {message: 'failure reported'});
		expect(failed).toEqual(['b']);
		expect(slots.get('b')?.state).toBe('down');
		expect(rotated).toEqual([]);
	});

	it('settled() waits for a move of that proxy under way, and for no other', async () => {
		const {asked, pending, slots, mender} = setUp();
		slots.add(endpoint('a', true));
		mender.start();
		await waitFor(() => asked.length === 1, {message: 'move asked'});
		let settled = false;
		void mender.settled('a').then(() => {
			settled = true;
		});
		await mender.settled('other');
		expect(settled).toBe(false);
		pending.get('a')!.resolve(endpoint('a', false));
		await waitFor(() => settled, {message: 'settled'});
		expect(slots.get('a')?.state).toBe('free');
	});

	it('does nothing for a pool that cannot move proxies, and stop() ends the rounds', async () => {
		const {backend, asked, slots, events} = setUp();
		const {unshare: _unused, ...withoutUnshare} = backend;
		const idle = new SharedExitMender({backend: withoutUnshare, events, slots, intervalMs: 20});
		menders.push(idle);
		slots.add(endpoint('a', true));
		idle.start();
		const other = new SharedExitMender({backend, events, slots, intervalMs: 20});
		other.start();
		other.stop();
		// Two rounds' time for both, measured by a third mender that does run.
		const {asked: markerAsked, slots: markerSlots, mender: marker} = setUp();
		markerSlots.add(endpoint('m', true));
		marker.start();
		await waitFor(() => markerAsked.length === 1, {message: 'the running mender asked'});
		expect(asked).toEqual([]);
		expect(slots.get('a')?.state).toBe('free');
	});

	it('a proxy the pool reported down while it moved stays down', async () => {
		const {asked, pending, slots, mender} = setUp();
		slots.add(endpoint('a', true));
		mender.start();
		await waitFor(() => asked.length === 1, {message: 'move asked'});
		slots.move('a', 'down');
		pending.get('a')!.resolve(endpoint('a', false));
		await mender.settled('a');
		expect(slots.get('a')?.state).toBe('down');
	});

	it('an interval of 0 never starts (a provider without the cluster\'s exit registry)', async () => {
		const {backend, asked, slots, events} = setUp();
		const off = new SharedExitMender({backend, events, slots, intervalMs: 0});
		menders.push(off);
		slots.add(endpoint('a', true));
		off.start();
		const {asked: markerAsked, slots: markerSlots, mender: marker} = setUp();
		markerSlots.add(endpoint('m', true));
		marker.start();
		await waitFor(() => markerAsked.length === 1, {message: 'the running mender asked'});
		expect(asked).toEqual([]);
	});
});
