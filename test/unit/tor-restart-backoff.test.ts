import {describe, expect, it} from 'vitest';
import {RestartBackoff} from '../../source/tor/restart-backoff.js';

describe('RestartBackoff', () => {
	it('doubles the delay after every failure, up to the ceiling', () => {
		const backoff = new RestartBackoff({initialMs: 500, maxMs: 4000});
		expect(Array.from({length: 6}, () => backoff.next(undefined))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
	});

	it('starts again from the first delay after a Tor that served longer than the reset time', () => {
		const backoff = new RestartBackoff({initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000});
		backoff.next(undefined);
		backoff.next(undefined);
		expect(backoff.next(undefined)).toBe(2000);
		// Served, but not long enough: still backing off.
		expect(backoff.next(59_000)).toBe(4000);
		expect(backoff.next(61_000)).toBe(500);
		expect(backoff.next(undefined)).toBe(1000);
	});
});
