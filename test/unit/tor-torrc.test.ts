import {describe, expect, it} from 'vitest';
import {buildTorrc} from '../../source/tor/torrc.js';

const base = {dataDirectory: '/tmp/nc/data dir', host: '127.0.0.1', socksPort: 9050, controlPort: 9051, owningPid: 1234};

describe('buildTorrc', () => {
	it('writes our lines, cookie authentication by default, then the extra lines', () => {
		expect(buildTorrc({...base, extraLines: ['DisableNetwork 1']}).split('\n')).toEqual([
			'DataDirectory "/tmp/nc/data dir"',
			'SocksPort 127.0.0.1:9050',
			'ControlPort 127.0.0.1:9051',
			'CookieAuthentication 1',
			'__OwningControllerProcess 1234',
			'GeoIPFile ""',
			'GeoIPv6File ""',
			'Log notice stdout',
			'AvoidDiskWrites 1',
			'DisableNetwork 1',
			'',
		]);
	});

	it('adds the HTTP tunnel port and a hashed password', () => {
		const torrc = buildTorrc({...base, httpTunnelPort: 8118, hashedControlPassword: '16:ABC'});
		expect(torrc).toContain('HTTPTunnelPort 127.0.0.1:8118\n');
		expect(torrc).toContain('CookieAuthentication 0\nHashedControlPassword 16:ABC\n');
	});

	it('brackets IPv6 hosts and escapes the data directory', () => {
		const torrc = buildTorrc({...base, host: '::1', dataDirectory: '/tmp/a"b\\c#d'});
		expect(torrc).toContain('SocksPort [::1]:9050\n');
		expect(torrc).toContain(String.raw`DataDirectory "/tmp/a\"b\\c#d"`);
	});

	it('refuses line breaks, bad hosts and bad ports', () => {
		expect(() => buildTorrc({...base, extraLines: ['A 1\nControlPort 1']})).toThrow(TypeError);
		expect(() => buildTorrc({...base, host: '127.0.0.1 9999'})).toThrow(TypeError);
		expect(() => buildTorrc({...base, socksPort: 70_000})).toThrow(RangeError);
	});
});
