import {describe, expect, it} from 'vitest';
import {parseDuration} from '../../source/util/parse-duration.js';

describe('parseDuration', () => {
	it.each([
		['90s', 90_000],
		['30m', 1_800_000],
		['1h', 3_600_000],
		['1h30m', 5_400_000],
		['1.5h', 5_400_000],
		['250ms', 250],
		['1500', 1500],
		['0', 0],
		[' 2M ', 120_000],
	])('reads %j as %d ms', (text, ms) => {
		expect(parseDuration(text)).toBe(ms);
	});

	it.each(['', 'abc', '5x', '-1s', '1h-', 's', '1 h'])('rejects %j', text => {
		expect(parseDuration(text)).toBeUndefined();
	});
});
