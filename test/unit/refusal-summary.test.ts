import {afterEach, describe, expect, it, vi} from 'vitest';
import {RefusalSummary, type RefusalBatch} from '../../source/commands/refusal-summary.js';
import type {FrontRefusal} from '../../source/front/front-events.js';

const refusal = (reason: FrontRefusal['reason'], clientAddress = '10.0.0.1'): FrontRefusal => ({protocol: 'socks5', reason, clientAddress});

describe('RefusalSummary', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('reports the first refusal of a reason at once, then one batch a window with the count', () => {
		vi.useFakeTimers();
		const batches: RefusalBatch[] = [];
		const summary = new RefusalSummary(batch => batches.push(batch), 1000);
		for (let i = 0; i < 5000; i++) {
			summary.add(refusal('bad-credentials', `10.0.0.${i % 250}`));
		}

		expect(batches).toEqual([{refusal: refusal('bad-credentials', '10.0.0.0'), count: 1}]);
		vi.advanceTimersByTime(1000);
		expect(batches).toHaveLength(2);
		expect(batches[1]).toEqual({refusal: refusal('bad-credentials', `10.0.0.${4999 % 250}`), count: 4999});
		// A flood that goes on: one line a second, not one a refusal.
		for (let i = 0; i < 300; i++) {
			summary.add(refusal('bad-credentials'));
		}

		expect(batches).toHaveLength(2);
		vi.advanceTimersByTime(1000);
		expect(batches.map(batch => batch.count)).toEqual([1, 4999, 300]);
		// A quiet window ends the summing: the next refusal is reported at once again.
		vi.advanceTimersByTime(1000);
		summary.add(refusal('bad-credentials'));
		expect(batches.map(batch => batch.count)).toEqual([1, 4999, 300, 1]);
		summary.close();
	});

	it('keeps each reason apart', () => {
		vi.useFakeTimers();
		const batches: RefusalBatch[] = [];
		const summary = new RefusalSummary(batch => batches.push(batch), 1000);
		summary.add(refusal('malformed'));
		summary.add(refusal('no-credentials'));
		summary.add(refusal('malformed'));
		expect(batches.map(({refusal: {reason}, count}) => `${reason}:${count}`)).toEqual(['malformed:1', 'no-credentials:1']);
		vi.advanceTimersByTime(1000);
		expect(batches.map(({refusal: {reason}, count}) => `${reason}:${count}`)).toEqual(['malformed:1', 'no-credentials:1', 'malformed:1']);
		summary.close();
	});

	it('close() reports what is counted and leaves no timer behind', () => {
		vi.useFakeTimers();
		const batches: RefusalBatch[] = [];
		const summary = new RefusalSummary(batch => batches.push(batch), 1000);
		summary.add(refusal('truncated'));
		summary.add(refusal('truncated'));
		summary.add(refusal('truncated'));
		summary.close();
		expect(batches.map(batch => batch.count)).toEqual([1, 2]);
		expect(vi.getTimerCount()).toBe(0);
		summary.close();
		expect(batches).toHaveLength(2);
	});
});
