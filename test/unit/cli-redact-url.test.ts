import {describe, expect, it} from 'vitest';
import {redactUrl} from '../../source/cli/redact-url.js';

describe('redactUrl', () => {
	it('hides the password and keeps the rest', () => {
		expect(redactUrl('redis://:hunter2@redis.example.com:6380/2')).toBe('redis://:***@redis.example.com:6380/2');
		expect(redactUrl('rediss://user:hunter2@10.0.0.1:6380')).toBe('rediss://user:***@10.0.0.1:6380');
	});

	it('hides a lone user name, which Redis URLs use as a password', () => {
		expect(redactUrl('redis://hunter2@127.0.0.1:6379')).toBe('redis://***@127.0.0.1:6379');
	});

	it('leaves a URL without credentials as it is', () => {
		expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
	});

	it('never echoes something it cannot parse', () => {
		expect(redactUrl('not a url :hunter2@')).not.toContain('hunter2');
	});
});
