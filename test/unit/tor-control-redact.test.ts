import {describe, expect, it} from 'vitest';
import {redactControlLine} from '../../source/tor/control/redact.js';
import {loadFixture, wholeStream} from '../fixtures/tor-control/load-fixture.js';

describe('redactControlLine', () => {
	it('strips SOCKS credentials from every recorded line that carries them', () => {
		const lines = wholeStream(loadFixture('testnet-session')).split('\r\n');
		const carrying = lines.filter(line => line.includes('SOCKS_USERNAME='));
		expect(carrying.length).toBeGreaterThan(3);
		for (const line of carrying) {
			const redacted = redactControlLine(line);
			expect(redacted).not.toContain('lease-7f3a');
			expect(redacted).not.toContain('s3cret');
			expect(redacted).toContain('SOCKS_USERNAME=[redacted] SOCKS_PASSWORD=[redacted]');
		}
	});

	it('keeps the rest of the line intact', () => {
		expect(redactControlLine('650 STREAM 12 NEW 0 [::1]:80 SOCKS_USERNAME="u" SOCKS_PASSWORD="p w" CLIENT_PROTOCOL=SOCKS5 ISO_FIELDS=SOCKS_USERNAME,SOCKS_PASSWORD'))
			.toBe('650 STREAM 12 NEW 0 [::1]:80 SOCKS_USERNAME=[redacted] SOCKS_PASSWORD=[redacted] CLIENT_PROTOCOL=SOCKS5 ISO_FIELDS=SOCKS_USERNAME,SOCKS_PASSWORD');
	});

	it('handles escaped quotes, empty and unquoted values', () => {
		expect(redactControlLine(String.raw`SOCKS_USERNAME="a\"b c" SOCKS_PASSWORD="" X=1`))
			.toBe('SOCKS_USERNAME=[redacted] SOCKS_PASSWORD=[redacted] X=1');
		expect(redactControlLine('SOCKS_PASSWORD=bare X=1')).toBe('SOCKS_PASSWORD=[redacted] X=1');
	});

	it('hides the AUTHENTICATE argument', () => {
		expect(redactControlLine('AUTHENTICATE "hunter2"')).toBe('AUTHENTICATE [redacted]');
		expect(redactControlLine('AUTHENTICATE 9A0F13E7')).toBe('AUTHENTICATE [redacted]');
		expect(redactControlLine('AUTHENTICATE')).toBe('AUTHENTICATE');
	});

	it('leaves lines without secrets alone', () => {
		expect(redactControlLine('250-version=0.4.9.11')).toBe('250-version=0.4.9.11');
	});
});
