import {describe, expect, it} from 'vitest';
import type {RouterStatus} from '../../source/tor/control/router-status.js';
import {ExitAllocator} from '../../source/tor/exit-allocator.js';

const relay = (n: number): RouterStatus => ({nickname: `exit${n}`, fingerprint: String(n).repeat(40).slice(0, 40), address: '127.0.0.1', orPort: 9000 + n, flags: ['Exit']});
const relays = [1, 2, 3, 4].map(relay);

describe('ExitAllocator', () => {
	it('gives each instance an exit no other instance holds', () => {
		const allocator = new ExitAllocator();
		const chosen = new Set<string>();
		for (const id of ['a', 'b', 'c', 'd']) {
			const exit = allocator.choose(id, relays, new Set())!;
			expect(chosen.has(exit.fingerprint)).toBe(false);
			chosen.add(exit.fingerprint);
			allocator.assign(id, exit.fingerprint, `10.0.0.${chosen.size}`);
		}
	});

	it('never picks an excluded exit, and prefers the least recently used', () => {
		const allocator = new ExitAllocator();
		allocator.assign('a', relay(1).fingerprint);
		allocator.assign('a', relay(2).fingerprint);
		allocator.assign('a', relay(3).fingerprint);
		// a holds 3 now; 4 was never used, so it comes first; then 1 (used longest ago).
		expect(allocator.choose('a', relays, new Set([relay(3).fingerprint]))?.nickname).toBe('exit4');
		expect(allocator.choose('a', relays, new Set([relay(3).fingerprint, relay(4).fingerprint]))?.nickname).toBe('exit1');
	});

	it('shares an exit only when nothing else is left, and reports other instances\' exit IPs', () => {
		const allocator = new ExitAllocator();
		allocator.assign('a', relay(1).fingerprint, '10.0.0.1');
		expect(allocator.choose('b', [relay(1)], new Set())?.nickname).toBe('exit1');
		expect(allocator.choose('b', [relay(1)], new Set([relay(1).fingerprint]))).toBeUndefined();
		expect(allocator.ipsInUse('b')).toEqual(new Set(['10.0.0.1']));
		expect(allocator.ipsInUse('a')).toEqual(new Set());
		allocator.release('a');
		expect(allocator.ipsInUse('b')).toEqual(new Set());
	});
});
