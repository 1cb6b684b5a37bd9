import {describe, expect, test} from 'vitest';
import {parseCheckBody} from '../../source/util/parse-check-body.js';

describe('parseCheckBody', () => {
	test('reads the IP of a check.torproject.org style answer', () => {
		expect(parseCheckBody('{"IsTor":true,"IP":"1.2.3.4"}')).toBe('1.2.3.4');
		expect(parseCheckBody('{"IsTor":true,"IP":"2001:db8::1"}\n')).toBe('2001:db8::1');
	});

	test('reads a plain-text IP body', () => {
		expect(parseCheckBody('127.0.0.3\n')).toBe('127.0.0.3');
	});

	test('refuses answers that are not from Tor or not an IP', () => {
		expect(parseCheckBody('{"IsTor":false,"IP":"1.2.3.4"}')).toBeUndefined();
		expect(parseCheckBody('{"IsTor":true,"IP":"not-an-ip"}')).toBeUndefined();
		expect(parseCheckBody('{"IP":"1.2.3.4"}')).toBeUndefined();
		expect(parseCheckBody('<html>hello</html>')).toBeUndefined();
		expect(parseCheckBody('')).toBeUndefined();
	});
});
