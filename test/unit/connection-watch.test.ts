import {describe, expect, it} from 'vitest';
import {defaultLiveness, resolveLiveness} from '../../source/core/bus/connection-watch.js';
import {Client} from '../../source/core/client.js';
import {Provider} from '../../source/core/provider.js';
import {RedisUnresponsiveError} from '../../source/core/errors/redis-unresponsive-error.js';

describe('resolveLiveness', () => {
	it('fills in the defaults: a PING every 15 s, 10 s to answer', () => {
		expect(defaultLiveness).toEqual({intervalMs: 15_000, timeoutMs: 10_000});
		expect(resolveLiveness(undefined)).toEqual(defaultLiveness);
		expect(resolveLiveness({})).toEqual(defaultLiveness);
		expect(resolveLiveness({intervalMs: 300})).toEqual({intervalMs: 300, timeoutMs: 10_000});
		expect(resolveLiveness({intervalMs: 300, timeoutMs: 1000})).toEqual({intervalMs: 300, timeoutMs: 1000});
	});

	it('false means no watch', () => {
		expect(resolveLiveness(false)).toBeUndefined();
	});

	it('Client and Provider hand their liveness option to their bus (which checks it when they are made)', () => {
		expect(() => new Client({liveness: {intervalMs: 0}})).toThrow(/liveness\.intervalMs/);
		expect(() => new Provider({liveness: {timeoutMs: -5}})).toThrow(/liveness\.timeoutMs/);
		expect(() => new Client({liveness: false})).not.toThrow();
	});

	it('refuses a time that is not a positive number', () => {
		expect(() => resolveLiveness({intervalMs: 0})).toThrow(RangeError);
		expect(() => resolveLiveness({timeoutMs: -1})).toThrow(/liveness\.timeoutMs/);
		expect(() => resolveLiveness({timeoutMs: Number.NaN})).toThrow(RangeError);
	});
});

describe('RedisUnresponsiveError', () => {
	it('names the connection and the time waited', () => {
		const error = new RedisUnresponsiveError('subscriber', 10_000);
		expect(error).toBeInstanceOf(Error);
		expect(error.name).toBe('RedisUnresponsiveError');
		expect(error.role).toBe('subscriber');
		expect(error.waitedMs).toBe(10_000);
		expect(error.message).toBe('Redis did not answer a PING on the subscriber connection within 10000 ms; reconnecting it');
	});
});
