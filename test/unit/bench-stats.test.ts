import {describe, expect, it} from 'vitest';
import {quantile} from '../../bench/stats.js';

describe('quantile', () => {
	it('is nearest-rank', () => {
		const samples = Array.from({length: 100}, (_, index) => 100 - index);
		expect(quantile(samples, 0.5)).toBe(50);
		expect(quantile(samples, 0.99)).toBe(99);
		expect(quantile(samples, 1)).toBe(100);
		expect(quantile([7], 0.5)).toBe(7);
		expect(quantile([], 0.5)).toBeNaN();
	});
});
