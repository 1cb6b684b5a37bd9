import {describe, expect, it} from 'vitest';
import {redactUrl} from '../../source/cli/redact-url.js';
import {describeTarget} from '../../source/core/bus/bus.js';

describe('redactUrl', () => {
	it('leaves the password out, and the user name with it', () => {
		expect(redactUrl('redis://:hunter2@redis.example.com:6380/2')).toBe('redis://redis.example.com:6380/2');
		expect(redactUrl('rediss://user:hunter2@10.0.0.1:6380')).toBe('rediss://10.0.0.1:6380');
	});

	it('leaves out a lone user name, which Redis URLs use as a password', () => {
		expect(redactUrl('redis://hunter2@127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
	});

	it('leaves a URL without credentials as it is', () => {
		expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
	});

	it('never echoes something it cannot parse', () => {
		expect(redactUrl('not a url :hunter2@')).not.toContain('hunter2');
	});

	it('names a server as the core does in its errors ("cannot reach Redis at ...")', () => {
		for (const url of ['redis://:hunter2@redis.example.com:6380/2', 'rediss://user:pw@[::1]:6380', 'redis://hunter2@127.0.0.1', 'not a url']) {
			expect(redactUrl(url)).toBe(describeTarget(url));
		}
	});
});
