import {describe, expect, it} from 'vitest';
import {SlotTransitionError} from '../../source/core/errors/slot-transition-error.js';
import {ProxySlots, slotTransitions, type SlotState} from '../../source/core/lease/proxy-slots.js';

const states: SlotState[] = ['free', 'offered', 'leased', 'recycling', 'down'];

/** The moves docs/protocol.md §5.3 draws, written out here independently of the code's table. */
const allowed = new Set([
	'free→offered', 'free→recycling', 'free→down',
	'offered→free', 'offered→leased', 'offered→down',
	'leased→recycling', 'leased→free', 'leased→down',
	'recycling→free', 'recycling→down',
	'down→free',
]);

/** A slot brought to `state` along allowed moves, and a count of its 'free' events from then on. */
function slotIn(state: SlotState): {slots: ProxySlots; frees: () => number} {
	const slots = new ProxySlots();
	slots.add({id: 'p', host: '127.0.0.1', port: 9050});
	const path: Record<SlotState, SlotState[]> = {free: [], offered: ['offered'], leased: ['offered', 'leased'], recycling: ['recycling'], down: ['down']};
	for (const step of path[state]) {
		slots.move('p', step);
	}

	let frees = 0;
	slots.events.on('free', () => frees++);
	expect(slots.get('p')?.state).toBe(state);
	return {slots, frees: () => frees};
}

describe('ProxySlots', () => {
	it('has exactly the table of the protocol', () => {
		const table = states.flatMap(from => slotTransitions[from].map(to => `${from}→${to}`));
		expect(new Set(table)).toEqual(allowed);
	});

	for (const from of states) {
		for (const to of states) {
			const move = `${from}→${to}`;
			if (allowed.has(move)) {
				it(`allows ${move}, with one 'free' event exactly when it ends free`, () => {
					const {slots, frees} = slotIn(from);
					slots.move('p', to);
					expect(slots.get('p')?.state).toBe(to);
					expect(frees()).toBe(to === 'free' ? 1 : 0);
				});
			} else {
				it(`refuses ${move} with a SlotTransitionError and changes nothing`, () => {
					const {slots, frees} = slotIn(from);
					const error = (() => {
						try {
							slots.move('p', to);
						} catch (error_) {
							return error_;
						}

						return undefined;
					})();
					expect(error).toBeInstanceOf(SlotTransitionError);
					expect(error).toMatchObject({name: 'SlotTransitionError', proxyId: 'p', from, to});
					expect(slots.get('p')?.state).toBe(from);
					expect(frees()).toBe(0);
				});
			}
		}
	}

	it('adds a proxy as free, with a free event, and refuses to add it twice or move an unknown one', () => {
		const slots = new ProxySlots();
		const freed: string[] = [];
		slots.events.on('free', slot => freed.push(slot.endpoint.id));
		slots.add({id: 'a', host: '127.0.0.1', port: 1});
		expect(slots.get('a')?.state).toBe('free');
		expect(freed).toEqual(['a']);
		expect(() => {
			slots.add({id: 'a', host: '127.0.0.1', port: 2});
		}).toThrow(SlotTransitionError);
		expect(() => {
			slots.move('nope', 'free');
		}).toThrow(SlotTransitionError);
		expect(freed).toEqual(['a']);
	});

	it('hands out free proxies in the order they were first added, and changes endpoints in place', () => {
		const slots = new ProxySlots();
		for (const id of ['a', 'b', 'c']) {
			slots.add({id, host: '127.0.0.1', port: 1});
		}

		slots.move('a', 'offered');
		expect(slots.firstFree()?.endpoint.id).toBe('b');
		slots.move('a', 'free');
		expect(slots.firstFree()?.endpoint.id).toBe('a');
		slots.setEndpoint({id: 'a', host: '127.0.0.1', port: 1, exitIp: '10.0.0.9'});
		expect(slots.get('a')).toMatchObject({state: 'free', endpoint: {exitIp: '10.0.0.9'}});
	});
});
