import {describe, expect, it} from 'vitest';
import {hashControlPassword} from '../../source/tor/hash-password.js';

// Outputs of `tor --hash-password` (0.4.9.11): same salt, same password, same hash.
const recorded = [
	{password: 'secret', hash: '16:CCDECCEB3C7F57A560625846AD9612F7D7749D155BC1B4BAC1B6F7DEE9'},
	{password: '', hash: '16:5D22E9CA731C5E9B60B8DB1D31508171A615F4360E4E6FC70BE96C9E39'},
	{password: 'x', hash: '16:5A52B2C1BDAB30D0603BE81BF6FEDA2144AFB360DA1D02C838C088AB93'},
];

describe('hashControlPassword', () => {
	it('reproduces tor --hash-password given the same salt', () => {
		for (const {password, hash} of recorded) {
			expect(hashControlPassword(password, Buffer.from(hash.slice(3, 19), 'hex'))).toBe(hash);
		}
	});

	it('uses a fresh random salt and the 0x60 count indicator', () => {
		const first = hashControlPassword('same');
		const second = hashControlPassword('same');
		expect(first).toMatch(/^16:[\dA-F]{16}60[\dA-F]{40}$/);
		expect(first).not.toBe(second);
	});

	it('refuses a salt that is not 8 bytes', () => {
		expect(() => hashControlPassword('x', Buffer.alloc(4))).toThrow(RangeError);
	});
});
