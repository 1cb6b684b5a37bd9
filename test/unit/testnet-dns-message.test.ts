import {describe, expect, test} from 'vitest';
import {answerDnsQuery, dnsRcode, dnsType, isDnsName, parseDnsQuery} from '../../source/testnet/dns-message.js';
import {buildZone, ipv6Bytes} from '../../source/testnet/dns-server.js';

/** A query as resolvers send it: one question, RD set, optionally an EDNS OPT record. */
function query(name: string, type: number, {id = 0x1234, edns = false} = {}): Buffer {
	const header = Buffer.from([id >> 8, id & 0xFF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0]);
	const labels = name.split('.').map(label => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
	const tail = Buffer.from([0, type >> 8, type & 0xFF, 0, 1]);
	const opt = edns ? Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0);
	return Buffer.concat([header, ...labels, tail, opt]);
}

const zone = buildZone([{name: 'echo.nightcrawler.test', addresses: ['::ffff:127.0.0.1']}], 60);

function answer(packet: Buffer): Buffer {
	const parsed = parseDnsQuery(packet);
	expect(parsed).toBeDefined();
	return answerDnsQuery(parsed!, zone);
}

describe('parseDnsQuery', () => {
	test('reads id, flags, name (case kept), type, class and the raw question', () => {
		const packet = query('eChO.NightCrawler.TEST', dnsType.aaaa, {id: 0xBEEF, edns: true});
		expect(parseDnsQuery(packet)).toEqual({
			id: 0xBEEF,
			opcode: 0,
			recursionDesired: true,
			name: 'eChO.NightCrawler.TEST',
			type: 28,
			class: 1,
			question: packet.subarray(12, 12 + 24 + 4),
		});
	});

	test('ignores malformed packets and anything but a one-question query', () => {
		const good = query('echo.nightcrawler.test', dnsType.a);
		const withFlags = (flagsHigh: number): Buffer => Buffer.concat([good.subarray(0, 2), Buffer.from([flagsHigh]), good.subarray(3)]);
		const withCounts = (counts: number[]): Buffer => Buffer.concat([good.subarray(0, 4), Buffer.from(counts), good.subarray(12)]);
		const malformed = [
			Buffer.alloc(0),
			good.subarray(0, 11),
			// Cut inside the name, and right after it (no type and class).
			good.subarray(0, 20),
			good.subarray(0, good.length - 3),
			// A label length past the end, a compression pointer, a response, a truncated query.
			Buffer.concat([good.subarray(0, 12), Buffer.from([60, 0x61])]),
			Buffer.concat([good.subarray(0, 12), Buffer.from([0xC0, 0x0C, 0, 1, 0, 1])]),
			withFlags(0x81),
			withFlags(0x03),
			// No question, two questions, an answer section.
			withCounts([0, 0, 0, 0, 0, 0, 0, 0]),
			withCounts([0, 2, 0, 0, 0, 0, 0, 0]),
			withCounts([0, 1, 0, 1, 0, 0, 0, 0]),
		];
		for (const packet of malformed) {
			expect(parseDnsQuery(packet), packet.toString('hex')).toBeUndefined();
		}

		expect(parseDnsQuery(good)).toBeDefined();
	});
});

describe('answerDnsQuery', () => {
	test('answers AAAA ::ffff:127.0.0.1 for the test name, whatever its case, echoing the question', () => {
		const packet = query('EcHo.nIgHtCrAwLeR.tEsT', dnsType.aaaa, {edns: true});
		const response = answer(packet);
		expect(response.readUInt16BE(0)).toBe(0x1234);
		// QR, AA and RD set, NOERROR; one question, one answer, nothing else.
		expect(response.readUInt16BE(2)).toBe(0x85_00);
		expect([response.readUInt16BE(4), response.readUInt16BE(6), response.readUInt16BE(8), response.readUInt16BE(10)]).toEqual([1, 1, 0, 0]);
		const question = packet.subarray(12, packet.length - 11);
		expect(response.subarray(12, 12 + question.length)).toEqual(question);
		const record = response.subarray(12 + question.length);
		expect(record.readUInt16BE(0)).toBe(0xC0_0C);
		expect([record.readUInt16BE(2), record.readUInt16BE(4), record.readUInt32BE(6), record.readUInt16BE(10)]).toEqual([28, 1, 60, 16]);
		expect(record.subarray(12).toString('hex')).toBe('00000000000000000000ffff7f000001');
		expect(record.length).toBe(28);
	});

	test('NOERROR without answers (NODATA) for other types of the test name', () => {
		for (const type of [dnsType.a, 15, 255]) {
			const response = answer(query('echo.nightcrawler.test', type));
			expect(response.readUInt16BE(2) & 0x0F).toBe(dnsRcode.noError);
			expect(response.readUInt16BE(6)).toBe(0);
		}
	});

	test('NXDOMAIN for every other name, including the parent and a child of the test name', () => {
		for (const name of ['example.com', 'nightcrawler.test', 'x.echo.nightcrawler.test', 'echo.nightcrawler.tes']) {
			const response = answer(query(name, dnsType.aaaa));
			expect(response.readUInt16BE(2) & 0x0F, name).toBe(dnsRcode.nxDomain);
			expect(response.readUInt16BE(6)).toBe(0);
		}
	});

	test('NOTIMP for opcodes other than QUERY', () => {
		const packet = query('echo.nightcrawler.test', dnsType.aaaa);
		packet[2] = 0x01 | (2 << 3);
		const response = answer(packet);
		expect(response.readUInt16BE(2) & 0x0F).toBe(dnsRcode.notImp);
		expect(response.readUInt16BE(6)).toBe(0);
	});
});

describe('buildZone', () => {
	test('maps IPv4 addresses to A and IPv6 to AAAA records, names in lower case without the final dot', () => {
		const built = buildZone([{name: 'Two.Example.Test.', addresses: ['127.0.0.9', '::1', '2001:db8::7:0.0.0.5']}], 5);
		expect([...built.keys()]).toEqual(['two.example.test']);
		expect(built.get('two.example.test')?.map(({type, data, ttl}) => [type, data.toString('hex'), ttl])).toEqual([
			[1, '7f000009', 5],
			[28, '00000000000000000000000000000001', 5],
			[28, '20010db8000000000000000700000005', 5],
		]);
	});

	test('ipv6Bytes refuses what is not an IPv6 literal', () => {
		expect(() => ipv6Bytes('127.0.0.1')).toThrow(TypeError);
		expect(ipv6Bytes('::').equals(Buffer.alloc(16))).toBe(true);
	});
});

describe('isDnsName', () => {
	test('accepts dotted host names, refuses IP literals and malformed names', () => {
		expect(['echo.nightcrawler.test', 'a-b.c9.test', 'Echo.Test'].every(name => isDnsName(name))).toBe(true);
		expect(['localhost', '127.0.0.1', '::1', '-a.test', 'a-.test', 'a..test', 'a.test.', 'a_b.test', `${'x'.repeat(64)}.test`].some(name => isDnsName(name))).toBe(false);
	});
});
