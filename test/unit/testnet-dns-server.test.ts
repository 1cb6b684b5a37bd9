import dgram from 'node:dgram';
import {Resolver} from 'node:dns/promises';
import {afterEach, describe, expect, test} from 'vitest';
import {startDnsServer, type DnsServer} from '../../source/testnet/dns-server.js';

let server: DnsServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** A resolver (c-ares, as Node ships it) that asks only our server, once, without retries. */
function resolverFor(running: DnsServer): Resolver {
	const resolver = new Resolver({timeout: 2000, tries: 1});
	resolver.setServers([`${running.host}:${running.port}`]);
	return resolver;
}

describe('startDnsServer', () => {
	test('a real resolver gets the AAAA record, NODATA for A, NXDOMAIN for anything else', async () => {
		const asked: string[] = [];
		server = await startDnsServer({
			records: [{name: 'echo.nightcrawler.test', addresses: ['::ffff:127.0.0.1']}],
			onQuery(query) {
				asked.push(`${query.name} ${query.type}`);
			},
		});
		expect(server.host).toBe('127.0.0.1');
		expect(server.resolvConfLine).toBe(`nameserver 127.0.0.1:${server.port}`);
		const resolver = resolverFor(server);
		expect(await resolver.resolve6('echo.nightcrawler.test')).toEqual(['::ffff:127.0.0.1']);
		expect(await resolver.resolve6('ECHO.NightCrawler.Test')).toEqual(['::ffff:127.0.0.1']);
		await expect(resolver.resolve4('echo.nightcrawler.test')).rejects.toMatchObject({code: 'ENODATA'});
		await expect(resolver.resolve6('example.com')).rejects.toMatchObject({code: 'ENOTFOUND'});
		// c-ares asks in lower case; mixed case (Tor's 0x20 randomization) is in the dns-message tests.
		expect(asked.map(line => line.toLowerCase())).toEqual(['echo.nightcrawler.test 28', 'echo.nightcrawler.test 28', 'echo.nightcrawler.test 1', 'example.com 28']);
	});

	test('malformed packets get no answer, and the server keeps serving', async () => {
		server = await startDnsServer({records: [{name: 'echo.nightcrawler.test', addresses: ['127.0.0.1']}]});
		const socket = dgram.createSocket('udp4');
		const replies: Buffer[] = [];
		const firstReply = new Promise<void>(resolve => {
			socket.on('message', packet => {
				replies.push(packet);
				resolve();
			});
		});
		await new Promise<void>(resolve => {
			socket.bind(0, '127.0.0.1', resolve);
		});
		try {
			const send = async (packet: Buffer): Promise<void> => new Promise((resolve, reject) => {
				socket.send(packet, server!.port, '127.0.0.1', error => {
					if (error) {
						reject(error);
					} else {
						resolve();
					}
				});
			});
			// Garbage, a bare header, a name running past the end: all sent before a good query.
			await send(Buffer.from('not a dns packet at all'));
			await send(Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
			await send(Buffer.from([0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61]));
			const good = Buffer.from([0xAB, 0xCD, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, ...Buffer.from('echo'), 12, ...Buffer.from('nightcrawler'), 4, ...Buffer.from('test'), 0, 0, 1, 0, 1]);
			await send(good);
			await firstReply;
			// UDP on loopback keeps order: the first reply is the good query's, so the others got none.
			expect(replies[0]?.readUInt16BE(0)).toBe(0xAB_CD);
			expect(replies[0]?.subarray(-4).toString('hex')).toBe('7f000001');
			await expect(resolverFor(server).resolve4('echo.nightcrawler.test')).resolves.toEqual(['127.0.0.1']);
			expect(replies).toHaveLength(1);
		} finally {
			socket.close();
		}
	});

	test('close() can be called twice', async () => {
		server = await startDnsServer({records: []});
		await Promise.all([server.close(), server.close()]);
	});
});
