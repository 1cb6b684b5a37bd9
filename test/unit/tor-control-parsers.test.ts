import {describe, expect, it} from 'vitest';
import {parseAsyncEvent} from '../../source/tor/control/async-event.js';
import {parseBootstrapPhase} from '../../source/tor/control/bootstrap-phase.js';
import {parseCircuitStatus} from '../../source/tor/control/circuit-status.js';
import {formatConfPairs, readConfValues, readInfoValues} from '../../source/tor/control/command-values.js';
import type {ControlReply} from '../../source/tor/control/control-reply.js';
import {parseKeywordLine, quoteString, readQuoted} from '../../source/tor/control/control-string.js';
import {parseAuthChallenge, parseProtocolInfo} from '../../source/tor/control/protocol-info.js';
import {ReplyParser} from '../../source/tor/control/reply-parser.js';
import {parseRouterStatus, selectExitRelays} from '../../source/tor/control/router-status.js';
import {safeCookieHashes} from '../../source/tor/control/safe-cookie.js';
import {loadFixture, replyTo, wholeStream} from '../fixtures/tor-control/load-fixture.js';

const testnet = loadFixture('testnet-session');
const cookieSession = loadFixture('safecookie-session');

function replies(stream: string): ControlReply[] {
	return new ReplyParser().push(Buffer.from(stream, 'latin1'))
		.flatMap(item => (item.kind === 'reply' ? [item.reply] : []));
}

function onlyReply(stream: string): ControlReply {
	const [reply] = replies(stream).filter(candidate => candidate.status < 600);
	if (!reply) {
		throw new Error('no reply');
	}

	return reply;
}

describe('quoting', () => {
	it('quotes and escapes command arguments on one line', () => {
		expect(quoteString('a "b" \\ c\nd')).toBe('"a \\"b\\" \\\\ c\\nd"');
	});

	it('reads Tor\'s quoted strings with C escapes, octal bytes as UTF-8', () => {
		const quoted = String.raw`"a\"b\\c\n\tz" rest`;
		expect(readQuoted(quoted, 0)).toEqual({value: 'a"b\\c\n\tz', end: quoted.indexOf(' rest')});
		expect(readQuoted('"/home/zo\\303\\253"', 0)?.value).toBe('/home/zoë');
		expect(readQuoted('"\\q"', 0)?.value).toBe('q');
		expect(readQuoted('"unterminated', 0)).toBeUndefined();
	});

	it('splits positional tokens and KEY=value pairs, quoted or not', () => {
		expect(parseKeywordLine('NOTICE BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay"')).toEqual({
			positional: ['NOTICE', 'BOOTSTRAP'],
			keywords: {PROGRESS: '5', TAG: 'conn', SUMMARY: 'Connecting to a relay'},
		});
		expect(parseKeywordLine('7 BUILT $AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=nick X=')).toEqual({
			positional: ['7', 'BUILT', '$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=nick'],
			keywords: {X: ''},
		});
	});
});

describe('command values', () => {
	it('formats SETCONF pairs, repeating keys for line lists', () => {
		expect(formatConfPairs({ExitNodes: '$AB', StrictNodes: 1, ExitPolicy: ['accept *:80', 'reject *:*']}))
			.toEqual(['ExitNodes="$AB"', 'StrictNodes="1"', 'ExitPolicy="accept *:80"', 'ExitPolicy="reject *:*"']);
		expect(() => formatConfPairs({'Bad Key': 'x'})).toThrow(TypeError);
	});

	it('reads GETINFO values in the line and the data form', () => {
		expect(readInfoValues(onlyReply(replyTo(cookieSession, 'GETINFO version config-file')))).toMatchObject({
			version: '0.4.9.11',
			'status/bootstrap-phase': 'NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"',
			'circuit-status': '',
		});
		const nsAll = readInfoValues(onlyReply(replyTo(testnet, 'GETINFO ns/all')))['ns/all'];
		expect(nsAll?.split('\n').filter(line => line.startsWith('r '))).toHaveLength(7);
	});

	it('reads GETCONF values, bare keys being unset', () => {
		expect(readConfValues(onlyReply(replyTo(cookieSession, 'GETCONF SocksPort')))).toEqual({
			SocksPort: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
			GeoIPFile: [],
			ExitNodes: [''],
		});
	});

	it('unquotes GETCONF values Tor had to quote, and only those', () => {
		expect(readConfValues({status: 250, lines: [
			{text: String.raw`ContactInfo="ops \"team\" \\ #1"`},
			{text: 'Nickname="half'},
			{text: 'ExitPolicy=accept *:80'},
		]})).toEqual({ContactInfo: ['ops "team" \\ #1'], Nickname: ['"half'], ExitPolicy: ['accept *:80']});
	});
});

describe('bootstrap phase', () => {
	it('parses status/bootstrap-phase', () => {
		const value = readInfoValues(onlyReply(replyTo(testnet, 'GETINFO status/bootstrap-phase')))['status/bootstrap-phase'] ?? '';
		expect(parseBootstrapPhase(value)).toEqual({severity: 'NOTICE', progress: 100, tag: 'done', summary: 'Done'});
	});

	it('parses warnings and rejects what is not a bootstrap status', () => {
		expect(parseBootstrapPhase('WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" REASON=CONNECTREFUSED COUNT=1')).toEqual({
			severity: 'WARN', progress: 5, tag: 'conn', summary: 'Connecting to a relay', warning: 'Connection refused', reason: 'CONNECTREFUSED',
		});
		expect(parseBootstrapPhase('NOTICE CIRCUIT_ESTABLISHED')).toBeUndefined();
		expect(parseBootstrapPhase('NOTICE BOOTSTRAP PROGRESS=101 TAG=x SUMMARY="y"')).toBeUndefined();
		expect(parseBootstrapPhase('NOTICE BOOTSTRAP TAG=x SUMMARY="y"')).toBeUndefined();
	});
});

describe('async events', () => {
	const events = replies(wholeStream(testnet)).filter(reply => reply.status === 650).map(reply => parseAsyncEvent(reply));

	it('turns the recorded STATUS_CLIENT bootstrap events into progress 5..100', () => {
		const progress = events.flatMap(event => (event.kind === 'bootstrap' ? [event.progress] : []));
		expect(progress[0]).toBe(5);
		expect(progress.at(-1)).toBe(100);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		expect(events).toContainEqual({kind: 'bootstrap', severity: 'NOTICE', progress: 100, tag: 'done', summary: 'Done'});
	});

	it('keeps other STATUS_CLIENT actions with their fields', () => {
		expect(events).toContainEqual({kind: 'status-client', severity: 'NOTICE', action: 'CIRCUIT_ESTABLISHED', fields: {}});
		expect(events).toContainEqual(expect.objectContaining({kind: 'status-client', severity: 'WARN', action: 'DANGEROUS_SOCKS', fields: expect.objectContaining({PROTOCOL: 'SOCKS5'})}));
	});

	it('passes other events through raw, multi-line ones whole', () => {
		const names = new Set(events.flatMap(event => (event.kind === 'raw' ? [event.name] : [])));
		expect([...names].sort()).toEqual(['CIRC', 'CONF_CHANGED', 'NEWCONSENSUS', 'STREAM']);
		const consensus = events.find(event => event.kind === 'raw' && event.name === 'NEWCONSENSUS');
		expect(consensus?.kind === 'raw' && consensus.reply.lines[0]?.data).toContain('s Exit');
	});
});

describe('circuit-status', () => {
	const circuitReplies = testnet.exchanges.filter(exchange => exchange.send === 'GETINFO circuit-status')
		.map(exchange => readInfoValues(onlyReply(exchange.receive))['circuit-status'] ?? '');

	it('parses the data form with paths, flags, purpose and SOCKS credentials', () => {
		const circuits = parseCircuitStatus(circuitReplies[0] ?? '');
		expect(circuits.length).toBeGreaterThan(1);
		const isolated = circuits.find(circuit => circuit.socksUsername !== undefined);
		expect(isolated).toMatchObject({status: 'BUILT', socksUsername: 'lease-7f3a', socksPassword: 's3cret pass'});
		expect(isolated?.path).toHaveLength(3);
		for (const circuit of circuits) {
			expect(circuit.id).toMatch(/^\d+$/);
			expect(circuit.buildFlags).toContain('NEED_CAPACITY');
			expect(circuit.purpose).toBeDefined();
			for (const hop of circuit.path) {
				expect(hop.fingerprint).toMatch(/^[\dA-F]{40}$/);
				expect(hop.nickname).toMatch(/^(auth|exit)\d$/);
			}
		}
	});

	it('parses the single-line form and the empty value', () => {
		expect(circuitReplies).toContain('');
		const single = circuitReplies.at(-1) ?? '';
		expect(single).not.toContain('\n');
		const [circuit] = parseCircuitStatus(single);
		// After pinning, the new circuit ends at the pinned exit.
		expect(circuit?.path.at(-1)?.fingerprint).toBe(testnet.pinned);
		expect(parseCircuitStatus('')).toEqual([]);
	});

	it('reads a LAUNCHED circuit without a path', () => {
		expect(parseCircuitStatus('8 LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL')).toEqual([
			{id: '8', status: 'LAUNCHED', path: [], buildFlags: ['NEED_CAPACITY'], purpose: 'GENERAL', fields: {BUILD_FLAGS: 'NEED_CAPACITY', PURPOSE: 'GENERAL'}},
		]);
	});
});

describe('ns/all router status entries', () => {
	const routers = parseRouterStatus(readInfoValues(onlyReply(replyTo(testnet, 'GETINFO ns/all')))['ns/all'] ?? '');

	it('reads nickname, hex fingerprint, address, OR port and flags', () => {
		expect(routers).toHaveLength(7);
		const exits = selectExitRelays(routers);
		expect(exits.map(exit => exit.fingerprint).sort()).toEqual(testnet.exits?.map(exit => exit.fingerprint).sort());
		for (const exit of exits) {
			expect(exit).toMatchObject({nickname: expect.stringMatching(/^exit\d$/), address: '127.0.0.1', orPort: expect.any(Number)});
			expect(exit.flags).toContain('Running');
		}
	});

	it('drops BadExit relays and malformed entries, and reads the microdescriptor form', () => {
		const identity = Buffer.alloc(20, 0xAB).toString('base64').replace(/=+$/, '');
		const text = [
			`r good ${identity} 2038-01-01 00:00:00 10.0.0.1 9001 0`,
			's Exit Fast Running Valid',
			`r bad ${identity} 2038-01-01 00:00:00 10.0.0.2 9001 0`,
			's BadExit Exit Running',
			'r broken notbase64 2038-01-01 00:00:00 10.0.0.3 9001 0',
			's Exit',
		].join('\n');
		expect(selectExitRelays(parseRouterStatus(text))).toEqual([
			{nickname: 'good', fingerprint: 'AB'.repeat(20), address: '10.0.0.1', orPort: 9001, flags: ['Exit', 'Fast', 'Running', 'Valid']},
		]);
	});
});

describe('authentication replies', () => {
	it('parses PROTOCOLINFO for each method', () => {
		expect(parseProtocolInfo(onlyReply(replyTo(cookieSession, 'PROTOCOLINFO')))).toEqual({
			methods: ['COOKIE', 'SAFECOOKIE'],
			cookieFile: expect.stringMatching(/\/control_auth_cookie$/),
			torVersion: '0.4.9.11',
		});
		const password = loadFixture('password-session');
		expect(parseProtocolInfo(onlyReply(replyTo(password, 'PROTOCOLINFO', password.good)))?.methods).toEqual(['HASHEDPASSWORD']);
		expect(parseProtocolInfo(onlyReply(replyTo(loadFixture('null-session'), 'PROTOCOLINFO')))?.methods).toEqual(['NULL']);
		expect(parseProtocolInfo({status: 250, lines: [{text: 'PROTOCOLINFO 1'}, {text: 'OK'}]})).toBeUndefined();
	});

	it('reproduces the recorded SAFECOOKIE hashes', () => {
		for (const session of [cookieSession, testnet]) {
			const challenge = parseAuthChallenge(onlyReply(replyTo(session, 'AUTHCHALLENGE')));
			expect(challenge).toBeDefined();
			const {serverHash, clientHash} = safeCookieHashes(
				Buffer.from(session.cookie ?? '', 'hex'),
				Buffer.from(session.clientNonce ?? '', 'hex'),
				challenge?.serverNonce ?? Buffer.alloc(0),
			);
			expect(serverHash.equals(challenge?.serverHash ?? Buffer.alloc(0))).toBe(true);
			const authenticate = session.exchanges.find(exchange => exchange.send?.startsWith('AUTHENTICATE'));
			expect(authenticate?.send).toBe(`AUTHENTICATE ${clientHash.toString('hex').toUpperCase()}`);
		}
	});

	it('rejects a malformed AUTHCHALLENGE reply', () => {
		expect(parseAuthChallenge({status: 250, lines: [{text: 'AUTHCHALLENGE SERVERHASH=12 SERVERNONCE=34'}]})).toBeUndefined();
	});
});
