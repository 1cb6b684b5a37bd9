import {describe, expect, test} from 'vitest';
import {authorityTorrc, exitTorrc, type AuthorityInfo, type ExitInfo} from '../../source/testnet/testnet-torrc.js';

const authority: AuthorityInfo = {nickname: 'auth1', orPort: 5001, dirPort: 5002, v3ident: 'A'.repeat(40), fingerprint: 'B'.repeat(40)};
const exit: ExitInfo = {nickname: 'exit1', orPort: 5003, fingerprint: 'C'.repeat(40), exitAddress: '127.0.0.2'};

describe('testnet torrc lines', () => {
	test('leave DataDirectory, client ports, control and logging to the product\'s TorProcess', () => {
		for (const lines of [authorityTorrc(authority, {authorities: [authority], exits: [exit]}, {resolvConf: '/t/resolv.conf'}), exitTorrc(exit, {authorities: [authority], portRange: [32_768, 60_999]}, {resolvConf: '/t/resolv.conf'})]) {
			expect(lines.filter(line => /^(DataDirectory|SocksPort|ControlPort|ControlSocket|CookieAuthentication|Log|GeoIP|__OwningControllerProcess)/.test(line))).toEqual([]);
			expect(lines).toContain('ServerDNSResolvConfFile "/t/resolv.conf"');
		}
	});

	test('exits resolve through the testnet DNS server, accept streams from relays they do not know yet, and bind their own address', () => {
		const lines = exitTorrc(exit, {authorities: [authority], portRange: [32_768, 60_999]}, {resolvConf: '/t/resolv.conf'});
		expect(lines).toEqual(expect.arrayContaining([
			'IPv6Exit 1',
			'RefuseUnknownExits 0',
			'ExitPolicy accept6 *6:32768-60999',
			'OutboundBindAddressExit [::ffff:127.0.0.2]',
		]));
		expect(lines.at(-1)).toBe('OutboundBindAddressExit [::ffff:127.0.0.2]');
		expect(lines.indexOf('ExitPolicy reject *:*')).toBeGreaterThan(lines.indexOf('ExitPolicy accept6 *6:32768-60999'));
	});
});
