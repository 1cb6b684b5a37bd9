import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {TorControlEvent} from '../../source/tor/control/async-event.js';
import {TorControlClosedError} from '../../source/tor/control/errors/tor-control-closed-error.js';
import {TorControlError} from '../../source/tor/control/errors/tor-control-error.js';
import {TorControl} from '../../source/tor/control/tor-control.js';
import {hashControlPassword} from '../../source/tor/hash-password.js';
import {type TorExitInfo, TorProcess} from '../../source/tor/tor-process.js';
import {freePorts} from '../../source/util/free-port.js';
import {Cleanups} from '../helpers/cleanups.js';

const cleanups = new Cleanups();
afterEach(async () => {
	await cleanups.run();
});

/** A real tor on loopback with the network off, and a second, separate TorControl to drive it. */
async function torAndControl(): Promise<{tor: TorProcess; control: TorControl; controlPort: number}> {
	const directory = await mkdtemp(path.join(os.tmpdir(), 'nc-tor-control-'));
	cleanups.add(async () => rm(directory, {recursive: true, force: true}));
	const [socksPort = 0, controlPort = 0] = await freePorts(2);
	const tor = new TorProcess({dataDirectory: path.join(directory, 'data'), host: '127.0.0.1', socksPort, controlPort, torrcLines: ['DisableNetwork 1']});
	cleanups.add(async () => tor.stop());
	await tor.start();
	const control = new TorControl({host: '127.0.0.1', port: controlPort});
	cleanups.add(async () => control.close());
	await control.connect();
	return {tor, control, controlPort};
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(() => undefined, (error: unknown) => error);
}

describe('TorControl against a real tor', () => {
	it('authenticates with SAFECOOKIE and reads the version', async () => {
		const {control} = await torAndControl();
		await control.authenticate();
		expect((await control.getInfo(['version'])).version).toMatch(/^0\.4\.\d+\.\d+/);
	});

	it('authenticates with a password hashed by us, and a wrong one gets 515 and a hang-up', async () => {
		const {control, controlPort} = await torAndControl();
		await control.authenticate();
		const password = 'correct horse "battery" \\ staple';
		await control.setConf({HashedControlPassword: hashControlPassword(password)});

		const withPassword = new TorControl({host: '127.0.0.1', port: controlPort});
		cleanups.add(async () => withPassword.close());
		await withPassword.connect();
		await withPassword.authenticate({password});
		expect((await withPassword.getInfo(['version'])).version).toMatch(/^0\.4\./);

		const wrong = new TorControl({host: '127.0.0.1', port: controlPort});
		cleanups.add(async () => wrong.close());
		await wrong.connect();
		const closed = new Promise(resolve => {
			wrong.once('close', resolve);
		});
		const error = await errorOf(wrong.authenticate({password: 'wrong'}));
		expect(error).toBeInstanceOf(TorControlError);
		expect((error as TorControlError).code).toBe(515);
		await closed;
	});

	it('round-trips SETCONF and RESETCONF, quoting values', async () => {
		const {control} = await torAndControl();
		await control.authenticate();
		const contact = 'ops "team" <ops@example.invalid> \\ #1';
		await control.setConf({ExitNodes: '$0123456789ABCDEF0123456789ABCDEF01234567', StrictNodes: 1, ContactInfo: contact});
		expect(await control.getConf(['ExitNodes', 'StrictNodes', 'ContactInfo'])).toEqual({
			ExitNodes: ['$0123456789ABCDEF0123456789ABCDEF01234567'],
			StrictNodes: ['1'],
			ContactInfo: [contact],
		});
		await control.resetConf(['ExitNodes', 'StrictNodes', 'ContactInfo']);
		expect(await control.getConf(['ExitNodes', 'StrictNodes', 'ContactInfo'])).toEqual({ExitNodes: [''], StrictNodes: ['0'], ContactInfo: []});
	});

	it('turns error replies into TorControlError with Tor\'s code', async () => {
		const {control} = await torAndControl();
		await control.authenticate();
		const unknown = await errorOf(control.command('NOSUCHCOMMAND'));
		expect(unknown).toBeInstanceOf(TorControlError);
		expect(unknown).toMatchObject({code: 510, name: 'TorControlError'});
		expect(await errorOf(control.closeCircuit('12345'))).toMatchObject({code: 552});
		expect(await errorOf(control.setConf({NoSuchOption: 1}))).toMatchObject({code: 552});
		// The connection stays usable after errors.
		expect((await control.getInfo(['version'])).version).toMatch(/^0\.4\./);
	});

	it('reads bootstrap phase, circuits and exits of an offline tor, and pins an exit', async () => {
		const {control} = await torAndControl();
		await control.authenticate();
		expect(await control.getBootstrapPhase()).toMatchObject({progress: 0, tag: 'starting'});
		expect(await control.getCircuits()).toEqual([]);
		expect(await control.getExitRelays()).toEqual([]);
		await control.pinExit('0123456789abcdef0123456789abcdef01234567');
		expect(await control.getConf(['ExitNodes', 'StrictNodes'])).toEqual({ExitNodes: ['$0123456789ABCDEF0123456789ABCDEF01234567'], StrictNodes: ['1']});
	});

	it('delivers multi-line async events', async () => {
		const {control} = await torAndControl();
		await control.authenticate();
		const events: TorControlEvent[] = [];
		control.on('event', event => events.push(event));
		await control.setEvents(['CONF_CHANGED']);
		await control.setConf({StrictNodes: 1});
		await vi.waitFor(() => {
			expect(events).toContainEqual({kind: 'raw', name: 'CONF_CHANGED', reply: {status: 650, lines: [{text: 'CONF_CHANGED'}, {text: 'StrictNodes=1'}, {text: 'OK'}]}});
		});
		await control.setEvents([]);
	});

	it('rejects pending commands on close, twice over without harm', async () => {
		const {control} = await torAndControl();
		await control.authenticate();
		const pending = control.getInfo(['version']);
		const closing = control.close();
		await expect(pending).rejects.toBeInstanceOf(TorControlClosedError);
		await closing;
		await control.close();
		expect(control.status).toBe('stopped');
		await expect(control.getInfo(['version'])).rejects.toBeInstanceOf(TorControlClosedError);
	});

	it('makes tor exit when a connection that took ownership closes', async () => {
		const {tor, control} = await torAndControl();
		await control.authenticate();
		const exited = new Promise<TorExitInfo>(resolve => {
			tor.once('exit', resolve);
		});
		await control.takeOwnership();
		await control.close();
		expect(await exited).toMatchObject({reason: 'exited', exitCode: 0});
	});
});
