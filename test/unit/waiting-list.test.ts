import {describe, expect, it} from 'vitest';
import {WaitingList} from '../../source/core/lease/waiting-list.js';

describe('WaitingList', () => {
	it('serves the oldest live request first and keeps a refreshed request in its place', () => {
		const list = new WaitingList(100);
		list.add('a', 'r1', 0);
		list.add('b', 'r2', 10);
		list.add('a', 'r1', 50);
		expect(list.shift(60)).toMatchObject({clientId: 'a', requestId: 'r1', since: 0});
		expect(list.shift(60)).toMatchObject({clientId: 'b'});
		expect(list.shift(60)).toBeUndefined();
	});

	it('skips and forgets requests whose client stopped asking', () => {
		const list = new WaitingList(100);
		list.add('gone', 'r1', 0);
		list.add('here', 'r2', 90);
		expect(list.shift(150)).toMatchObject({clientId: 'here'});
		expect(list.size).toBe(0);
	});

	it('keeps several requests of one client apart, and removes one', () => {
		const list = new WaitingList(100);
		list.add('a', 'r1', 0);
		list.add('a', 'r2', 0);
		list.remove('a', 'r1');
		expect(list.size).toBe(1);
		list.prune(500);
		expect(list.size).toBe(0);
	});
});

describe('WaitingList bounds', () => {
	it('refuses requests past its limits, in all and per client, until old ones expire', () => {
		const list = new WaitingList(100, {total: 3, perClient: 2});
		expect(list.add('a', 'r1', 0)).toBe(true);
		expect(list.add('a', 'r2', 0)).toBe(true);
		expect(list.add('a', 'r3', 0)).toBe(false);
		expect(list.add('b', 'r1', 0)).toBe(true);
		expect(list.add('c', 'r1', 0)).toBe(false);
		expect(list.add('a', 'r1', 50)).toBe(true);
		// At 150 the entries from 0 have expired; a's refreshed r1 lives until 150.
		expect(list.add('c', 'r1', 151)).toBe(true);
		expect(list.size).toBe(1);
	});

	it('serves the best rank first (oldest within a rank) and leaves unranked entries waiting', () => {
		const list = new WaitingList(1000);
		list.add('stranger', 'r1', 0);
		list.add('regular', 'r2', 10);
		list.add('stranger2', 'r3', 20);
		const rank = (entry: {clientId: string}) => (entry.clientId === 'regular' ? 0 : (entry.clientId === 'stranger2' ? 1 : undefined));
		expect(list.shift(30, rank)).toMatchObject({clientId: 'regular'});
		expect(list.shift(30, rank)).toMatchObject({clientId: 'stranger2'});
		expect(list.shift(30, rank)).toBeUndefined();
		expect(list.size).toBe(1);
		expect(list.some(30, entry => entry.clientId === 'stranger')).toBe(true);
		expect(list.some(2000, entry => entry.clientId === 'stranger')).toBe(false);
	});
});
