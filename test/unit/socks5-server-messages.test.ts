import {describe, expect, it} from 'vitest';
import {encodeReply, parseGreeting, parseRequest, parseUserPass} from '../../source/front/socks5-server-messages.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('SOCKS5 server messages', () => {
	it('parses a greeting, and waits for the rest of one', () => {
		expect(parseGreeting(bytes())).toEqual({status: 'more'});
		expect(parseGreeting(bytes(5, 2, 0))).toEqual({status: 'more'});
		expect(parseGreeting(bytes(5, 2, 0, 2, 99))).toEqual({status: 'ok', value: {methods: [0, 2]}, used: 4});
	});

	it('refuses a greeting that can never be valid', () => {
		expect(parseGreeting(bytes(4, 1, 0)).status).toBe('bad');
		expect(parseGreeting(bytes(0x47, 0x45, 0x54)).status).toBe('bad');
		expect(parseGreeting(bytes(5, 0)).status).toBe('bad');
	});

	it('parses username and password as UTF-8, including empty ones', () => {
		const message = Buffer.concat([Buffer.from([1, 5]), Buffer.from('ünic'), Buffer.from([3]), Buffer.from('p:w')]);
		expect(parseUserPass(message)).toEqual({status: 'ok', value: {username: 'ünic', password: 'p:w'}, used: message.length});
		expect(parseUserPass(bytes(1, 0, 0))).toEqual({status: 'ok', value: {username: '', password: ''}, used: 3});
		expect(parseUserPass(message.subarray(0, message.length - 1))).toEqual({status: 'more'});
		expect(parseUserPass(bytes(5, 1, 0)).status).toBe('bad');
	});

	it('parses CONNECT to IPv4, IPv6 and names', () => {
		expect(parseRequest(bytes(5, 1, 0, 1, 10, 0, 0, 7, 0x1F, 0x90))).toEqual({status: 'ok', value: {command: 1, host: '10.0.0.7', port: 8080}, used: 10});
		const ipv6 = bytes(5, 1, 0, 4, 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80);
		expect(parseRequest(ipv6)).toEqual({status: 'ok', value: {command: 1, host: '2001:db8:0:0:0:0:0:1', port: 80}, used: 22});
		const name = Buffer.concat([Buffer.from([5, 1, 0, 3, 11]), Buffer.from('example.com'), Buffer.from([1, 187])]);
		expect(parseRequest(name)).toEqual({status: 'ok', value: {command: 1, host: 'example.com', port: 443}, used: name.length});
		expect(parseRequest(name.subarray(0, name.length - 1))).toEqual({status: 'more'});
	});

	it('refuses unknown address types with 0x08 and malformed headers', () => {
		expect(parseRequest(bytes(5, 1, 0, 9, 1, 2))).toMatchObject({status: 'bad', code: 8});
		expect(parseRequest(bytes(5, 1, 1, 1)).status).toBe('bad');
		expect(parseRequest(bytes(5, 1, 0, 3, 0, 0, 80)).status).toBe('bad');
	});

	it('encodes replies with a zero bound address', () => {
		expect([...encodeReply(0)]).toEqual([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
		expect([...encodeReply(7)]).toEqual([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]);
	});
});
