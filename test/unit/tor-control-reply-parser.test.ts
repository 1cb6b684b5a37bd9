import {describe, expect, it} from 'vitest';
import {controlReplySchema} from '../../source/tor/control/control-reply.js';
import {type ParsedItem, ReplyParser} from '../../source/tor/control/reply-parser.js';
import {loadFixture, wholeStream} from '../fixtures/tor-control/load-fixture.js';

function parseChunks(chunks: Array<Uint8Array | string>): ParsedItem[] {
	const parser = new ReplyParser();
	return chunks.flatMap(chunk => parser.push(chunk));
}

function latin1(text: string): Buffer {
	return Buffer.from(text, 'latin1');
}

describe('ReplyParser', () => {
	it('parses single-line, mid-line and data-line replies', () => {
		const items = parseChunks([
			'250 OK\r\n',
			'250-version=0.4.9.11\r\n250 OK\r\n',
			'250+ns/all=\r\nr a b\r\ns Exit\r\n.\r\n250 OK\r\n',
			'552 Unknown circuit "999"\r\n',
		]);
		expect(items).toEqual([
			{kind: 'reply', reply: {status: 250, lines: [{text: 'OK'}]}},
			{kind: 'reply', reply: {status: 250, lines: [{text: 'version=0.4.9.11'}, {text: 'OK'}]}},
			{kind: 'reply', reply: {status: 250, lines: [{text: 'ns/all=', data: 'r a b\ns Exit'}, {text: 'OK'}]}},
			{kind: 'reply', reply: {status: 552, lines: [{text: 'Unknown circuit "999"'}]}},
		]);
	});

	it('dot-unescapes data lines and keeps empty data blocks', () => {
		const items = parseChunks(['250+x=\r\n..hidden\r\n...\r\nplain\r\n\r\n.\r\n250+y=\r\n.\r\n250 OK\r\n']);
		expect(items).toEqual([{kind: 'reply', reply: {status: 250, lines: [
			{text: 'x=', data: '.hidden\n..\nplain\n'},
			{text: 'y=', data: ''},
			{text: 'OK'},
		]}}]);
	});

	it('parses multi-line async events (650- and 650+) as one reply each', () => {
		const stream = loadFixture('testnet-session').exchanges.map(exchange => exchange.receive).join('');
		const events = parseChunks([latin1(stream)])
			.flatMap(item => (item.kind === 'reply' && item.reply.status === 650 ? [item.reply] : []));
		const confChanged = events.find(reply => reply.lines[0]?.text === 'CONF_CHANGED');
		expect(confChanged?.lines.map(line => line.text)).toEqual(['CONF_CHANGED', 'ExitNodes=', 'StrictNodes=0', 'OK']);
		const consensus = events.find(reply => reply.lines[0]?.text === 'NEWCONSENSUS');
		expect(consensus?.lines).toHaveLength(2);
		expect(consensus?.lines[0]?.data).toMatch(/^r auth\d /);
		expect(consensus?.lines[0]?.data?.split('\n').filter(line => line.startsWith('s Exit'))).toHaveLength(4);
		expect(consensus?.lines[1]).toEqual({text: 'OK'});
	});

	it('gives the same replies whatever the chunk boundaries (every split point of every recording)', () => {
		for (const name of ['safecookie-session', 'password-session', 'testnet-session'] as const) {
			const bytes = latin1(wholeStream(loadFixture(name)));
			const whole = parseChunks([bytes]);
			expect(whole.every(item => item.kind === 'reply')).toBe(true);
			// Three pieces, the first cut at every byte: mid-line, mid-CRLF, mid data block, mid terminator.
			for (let first = 0; first <= bytes.length; first++) {
				const second = Math.min(bytes.length, first + 1 + (first % 7));
				const pieces = [bytes.subarray(0, first), bytes.subarray(first, second), bytes.subarray(second)];
				const items = parseChunks(pieces);
				if (JSON.stringify(items) !== JSON.stringify(whole)) {
					expect.unreachable(`${name}: cuts at ${first} and ${second} changed the result`);
				}
			}

			expect(parseChunks([...bytes].map(byte => Uint8Array.of(byte)))).toEqual(whole);
		}
	});

	it('splits between CR and LF without leaving a CR in the text', () => {
		expect(parseChunks(['250 OK\r', '\n'])).toEqual([{kind: 'reply', reply: {status: 250, lines: [{text: 'OK'}]}}]);
		expect(parseChunks(['250+k=\r', '\nv\r', '\n.\r', '\n250 OK\r', '\n'])).toEqual([
			{kind: 'reply', reply: {status: 250, lines: [{text: 'k=', data: 'v'}, {text: 'OK'}]}},
		]);
	});

	it('decodes UTF-8 split across chunks', () => {
		const bytes = Buffer.from('250-config-file=/home/zoë/torrc\r\n250 OK\r\n', 'utf8');
		const split = bytes.indexOf(0xC3) + 1;
		const items = parseChunks([bytes.subarray(0, split), bytes.subarray(split)]);
		expect(items).toEqual([{kind: 'reply', reply: {status: 250, lines: [{text: 'config-file=/home/zoë/torrc'}, {text: 'OK'}]}}]);
	});

	it('accepts bare LF line endings', () => {
		expect(parseChunks(['250-a=1\n250 OK\n'])).toEqual([{kind: 'reply', reply: {status: 250, lines: [{text: 'a=1'}, {text: 'OK'}]}}]);
	});

	it('does not keep a reference to the caller\'s buffer', () => {
		const parser = new ReplyParser();
		const chunk = Buffer.from('250 O');
		parser.push(chunk);
		chunk.write('XXXXX');
		expect(parser.push('K\r\n')).toEqual([{kind: 'reply', reply: {status: 250, lines: [{text: 'OK'}]}}]);
	});

	it('reports malformed lines and carries on with the next reply', () => {
		expect(parseChunks(['garbage\r\n25 OK\r\n250 OK\r\n'])).toEqual([
			{kind: 'malformed', line: 'garbage'},
			{kind: 'malformed', line: '25 OK'},
			{kind: 'reply', reply: {status: 250, lines: [{text: 'OK'}]}},
		]);
	});

	it('produces replies that pass the boundary schema', () => {
		for (const item of parseChunks([latin1(wholeStream(loadFixture('testnet-session')))])) {
			expect(item.kind === 'reply' && controlReplySchema.safeParse(item.reply).success).toBe(true);
		}
	});
});

describe('ReplyParser bounds', () => {
	it('throws a protocol error when one reply outgrows its bound, and not before', () => {
		const parser = new ReplyParser(100);
		expect(parser.push('250 OK\r\n')).toHaveLength(1);
		for (let index = 0; index < 5; index++) {
			// Complete replies never accumulate.
			expect(parser.push(`250 ${'x'.repeat(60)}\r\n`)).toHaveLength(1);
		}

		const endless = new ReplyParser(100);
		endless.push('250+ns/all=\r\n');
		expect(() => endless.push('r '.repeat(60))).toThrow(/grew past 100 bytes/);
	});
});
