import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {TorControlEvent} from '../../source/tor/control/async-event.js';
import {TorControlAuthError} from '../../source/tor/control/errors/tor-control-auth-error.js';
import {TorControlError} from '../../source/tor/control/errors/tor-control-error.js';
import {parseCircuitStatus} from '../../source/tor/control/circuit-status.js';
import {readInfoValues} from '../../source/tor/control/command-values.js';
import {ReplyParser} from '../../source/tor/control/reply-parser.js';
import {TorControl} from '../../source/tor/control/tor-control.js';
import {type FakeControlPort, replay, startFakeControlPort} from '../fixtures/tor-control/fake-control-port.js';
import {type Exchange, type RecordedSession, loadFixture} from '../fixtures/tor-control/load-fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) {
		// eslint-disable-next-line no-await-in-loop
		await cleanup();
	}
});

/** Replay `exchanges` on a fake port and connect a TorControl to it; the cookie (if any) goes to a temp file named in PROTOCOLINFO. */
async function replaySession(session: RecordedSession, exchanges: Exchange[] = session.exchanges, options: {hangUpAfter?: string; chunkSize?: number} = {}) {
	const directory = await mkdtemp(path.join(os.tmpdir(), 'nc-replay-'));
	cleanups.push(async () => rm(directory, {recursive: true, force: true}));
	const cookieFile = path.join(directory, 'control_auth_cookie');
	if (session.cookie) {
		await writeFile(cookieFile, Buffer.from(session.cookie, 'hex'));
	}

	const moved = exchanges.map(exchange => ({
		...exchange,
		receive: exchange.receive.replace(/COOKIEFILE="[^"]*"/, `COOKIEFILE="${cookieFile}"`),
	}));
	const player = replay(moved, {...(options.hangUpAfter ? {hangUpAfter: options.hangUpAfter} : {})});
	const server: FakeControlPort = await startFakeControlPort(player.respond, {greeting: player.greeting, ...(options.chunkSize ? {chunkSize: options.chunkSize} : {})});
	cleanups.push(async () => server.close());
	const nonce = Buffer.from(session.clientNonce ?? '', 'hex');
	const control = new TorControl({host: '127.0.0.1', port: server.port, randomBytes: () => nonce});
	cleanups.push(async () => control.close());
	await control.connect();
	return {control, server, problems: player.problems};
}

function onlyReply(bytes: string) {
	const [item] = new ReplyParser().push(Buffer.from(bytes, 'latin1'));
	if (item?.kind !== 'reply') {
		throw new Error('no reply');
	}

	return item.reply;
}

async function expectControlError(promise: Promise<unknown>, code: number): Promise<void> {
	const error: unknown = await promise.catch((error_: unknown) => error_);
	expect(error).toBeInstanceOf(TorControlError);
	expect((error as TorControlError).code).toBe(code);
}

describe('TorControl against recorded sessions', () => {
	it('authenticates with SAFECOOKIE and runs the everyday commands', async () => {
		const session = loadFixture('safecookie-session');
		const {control, problems} = await replaySession(session);
		await control.authenticate();
		expect(await control.getInfo(['version'])).toEqual({version: '0.4.9.11'});
		expect(await control.getInfo(['version', 'config-file', 'status/bootstrap-phase', 'circuit-status']))
			.toMatchObject({version: '0.4.9.11', 'circuit-status': ''});
		expect(await control.getCircuits()).toEqual([]);
		expect(await control.getExitRelays()).toEqual([]);
		expect(await control.getBootstrapPhase()).toEqual({severity: 'NOTICE', progress: 0, tag: 'starting', summary: 'Starting'});
		expect(await control.getConf(['SocksPort', 'GeoIPFile', 'ExitNodes'])).toMatchObject({GeoIPFile: [], ExitNodes: ['']});
		await control.setConf({ExitNodes: '$0123456789ABCDEF0123456789ABCDEF01234567', StrictNodes: 1});
		expect(await control.getConf(['ExitNodes', 'StrictNodes'])).toEqual({ExitNodes: ['$0123456789ABCDEF0123456789ABCDEF01234567'], StrictNodes: ['1']});
		await control.resetConf(['ExitNodes', 'StrictNodes']);
		expect(await control.getConf(['ExitNodes', 'StrictNodes'])).toEqual({ExitNodes: [''], StrictNodes: ['0']});
		await expectControlError(control.setConf({NoSuchOption: '1'}), 552);
		await expectControlError(control.setConf({SocksPort: 'not a port'}), 513);
		await expectControlError(control.command('FOO'), 510);
		await expectControlError(control.getInfo(['no-such-key']), 552);
		await expectControlError(control.closeCircuit('999'), 552);
		await control.signal('NEWNYM');
		await expectControlError(control.signal('NOSUCHSIGNAL'), 552);
		await control.setEvents(['STATUS_CLIENT']);
		await expectControlError(control.setEvents(['NOSUCHEVENT']), 552);
		await control.takeOwnership();
		await control.resetConf(['__OwningControllerProcess']);
		expect(problems).toEqual([]);
		expect(control.droppedReplies).toBe(0);
	});

	it('refuses a Tor whose SAFECOOKIE server hash is wrong', async () => {
		const session = loadFixture('safecookie-session');
		const {control} = await replaySession({...session, cookie: '00'.repeat(32)});
		await expect(control.authenticate()).rejects.toBeInstanceOf(TorControlAuthError);
	});

	it('authenticates with a quoted password, and reports a wrong one as 515', async () => {
		const session = loadFixture('password-session');
		const good = await replaySession(session, session.good);
		await good.control.authenticate({password: session.password ?? ''});
		expect(await good.control.getInfo(['version'])).toEqual({version: '0.4.9.11'});
		expect(good.problems).toEqual([]);

		const bad = await replaySession(session, session.bad, {hangUpAfter: 'AUTHENTICATE "wrong"'});
		const closed = new Promise(resolve => {
			bad.control.once('close', resolve);
		});
		await expectControlError(bad.control.authenticate({password: 'wrong'}), 515);
		await closed;
		expect(bad.control.status).toBe('stopped');

		const unauthenticated = await replaySession(session, session.unauthenticated);
		await expectControlError(unauthenticated.control.getInfo(['version']), 514);
	});

	it('refuses to send a password to a Tor that wants none, and uses NULL when offered', async () => {
		const session = loadFixture('null-session');
		const withPassword = await replaySession(session);
		await expect(withPassword.control.authenticate({password: 'x'})).rejects.toBeInstanceOf(TorControlAuthError);

		const {control, problems} = await replaySession(session);
		await control.authenticate();
		expect(await control.getInfo(['version'])).toEqual({version: '0.4.9.11'});
		expect(problems).toEqual([]);
	});

	it('follows a private-network client: bootstrap events, exits, circuits, pinning, multi-line events', async () => {
		const session = loadFixture('testnet-session');
		// Seven-byte pieces: every reply arrives split mid-line.
		const {control, problems} = await replaySession(session, session.exchanges, {chunkSize: 7});
		const events: TorControlEvent[] = [];
		control.on('event', event => events.push(event));
		await control.authenticate();
		await control.setEvents(['STATUS_CLIENT']);
		const bootstrapped = new Promise<void>(resolve => {
			control.on('event', event => {
				if (event.kind === 'bootstrap' && event.progress === 100) {
					resolve();
				}
			});
		});
		await control.setConf({DisableNetwork: 0});
		await bootstrapped;
		expect((await control.getBootstrapPhase()).progress).toBe(100);

		const exits = await control.getExitRelays();
		expect(exits.map(exit => exit.fingerprint).sort()).toEqual(session.exits?.map(exit => exit.fingerprint).sort());

		await control.setEvents(['STATUS_CLIENT', 'CIRC', 'STREAM']);
		await control.setEvents(['STATUS_CLIENT']);
		const circuits = await control.getCircuits();
		expect(circuits.some(circuit => circuit.socksUsername === 'lease-7f3a')).toBe(true);

		await control.pinExit(session.pinned ?? '');
		// The recording then closes the first circuit again: it is gone.
		const again = session.exchanges.filter(exchange => exchange.send?.startsWith('CLOSECIRCUIT')).at(-1)?.send ?? '';
		await expectControlError(control.closeCircuit(again.split(' ')[1] ?? ''), 552);
		expect(await control.getCircuits()).toEqual([]);
		expect((await control.getCircuits())[0]?.path.at(-1)?.fingerprint).toBe(session.pinned);

		const consensus = new Promise<TorControlEvent>(resolve => {
			control.on('event', event => {
				if (event.kind === 'raw' && event.name === 'NEWCONSENSUS') {
					resolve(event);
				}
			});
		});
		await control.setEvents(['STATUS_CLIENT', 'CONF_CHANGED', 'NEWCONSENSUS']);
		await control.resetConf(['ExitNodes', 'StrictNodes']);
		expect((await consensus).kind).toBe('raw');
		await control.setEvents([]);

		expect(problems).toEqual([]);
		expect(control.droppedReplies).toBe(0);
		const progress = events.flatMap(event => (event.kind === 'bootstrap' ? [event.progress] : []));
		expect(progress.at(-1)).toBe(100);
		expect(events).toContainEqual(expect.objectContaining({kind: 'raw', name: 'CONF_CHANGED'}));
		expect(events).toContainEqual(expect.objectContaining({kind: 'raw', name: 'CIRC'}));
	});

	it('pins an exit even when a circuit vanishes before CLOSECIRCUIT', async () => {
		const session = loadFixture('testnet-session');
		const start = session.exchanges.findIndex(exchange => exchange.send?.startsWith('SETCONF ExitNodes='));
		const listed = parseCircuitStatus(readInfoValues(onlyReply(session.exchanges[start + 1]?.receive ?? ''))['circuit-status'] ?? '');
		expect(listed.length).toBeGreaterThan(1);
		const pinning = session.exchanges.slice(start, start + 2 + listed.length);
		const vanished = listed.at(-1)?.id ?? '';
		pinning[pinning.length - 1] = {send: `CLOSECIRCUIT ${vanished}`, receive: `552 Unknown circuit "${vanished}"\r\n`};
		expect(pinning.map(exchange => exchange.send)).toEqual([
			`SETCONF ExitNodes="$${session.pinned}" StrictNodes="1"`,
			'GETINFO circuit-status',
			...listed.map(circuit => `CLOSECIRCUIT ${circuit.id}`),
		]);
		const {control, problems} = await replaySession({...session, exchanges: []}, pinning);
		await control.pinExit(`$${session.pinned?.toLowerCase()}`);
		expect(problems).toEqual([]);
		await expect(control.pinExit('not-a-fingerprint')).rejects.toBeInstanceOf(TypeError);
	});
});
