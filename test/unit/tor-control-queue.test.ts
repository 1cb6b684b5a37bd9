import {afterEach, describe, expect, it, vi} from 'vitest';
import {TorControlClosedError} from '../../source/tor/control/errors/tor-control-closed-error.js';
import {TorControlProtocolError} from '../../source/tor/control/errors/tor-control-protocol-error.js';
import {TorControlTimeoutError} from '../../source/tor/control/errors/tor-control-timeout-error.js';
import {TorControl} from '../../source/tor/control/tor-control.js';
import {freePort} from '../../source/util/free-port.js';
import {type FakeControlPort, type Responder, startFakeControlPort} from '../fixtures/tor-control/fake-control-port.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) {
		// eslint-disable-next-line no-await-in-loop
		await cleanup();
	}
});

async function connected(respond: Responder, options: {commandTimeoutMs?: number} = {}): Promise<{control: TorControl; server: FakeControlPort}> {
	const server = await startFakeControlPort(respond);
	cleanups.push(async () => server.close());
	const control = new TorControl({host: '127.0.0.1', port: server.port, ...options});
	cleanups.push(async () => control.close());
	await control.connect();
	return {control, server};
}

const version = (line: string) => (line === 'GETINFO version' ? {reply: '250-version=0.4.9.11\r\n250 OK\r\n'} : undefined);

describe('TorControl command queue', () => {
	it('answers pipelined commands in order', async () => {
		const {control} = await connected(line => {
			const key = line.split(' ')[1] ?? '';
			return {reply: `250-${key}=${key.toUpperCase()}\r\n250 OK\r\n`};
		});
		const answers = await Promise.all(['a', 'b', 'c'].map(async key => control.getInfo([key])));
		expect(answers).toEqual([{a: 'A'}, {b: 'B'}, {c: 'C'}]);
	});

	it('times a command out, and lets its late reply go to it rather than to the next command', async () => {
		const {control, server} = await connected(line => (line === 'GETINFO slow' ? undefined : version(line)), {commandTimeoutMs: 100});
		const slow = control.getInfo(['slow']);
		await expect(slow).rejects.toBeInstanceOf(TorControlTimeoutError);
		await expect(slow).rejects.toThrow(/"GETINFO slow" got no reply \(no answer within 100 ms\)/);
		server.push('250-slow=late\r\n250 OK\r\n');
		expect(await control.getInfo(['version'])).toEqual({version: '0.4.9.11'});
		expect(control.droppedReplies).toBe(0);
	});

	it('rejects every pending command with TorControlClosedError on close, and close is idempotent', async () => {
		const {control} = await connected(() => undefined);
		const pending = [control.getInfo(['a']), control.signal('NEWNYM'), control.takeOwnership()];
		const first = control.close();
		const second = control.close();
		expect(second).toBe(first);
		for (const command of pending) {
			// eslint-disable-next-line no-await-in-loop
			await expect(command).rejects.toBeInstanceOf(TorControlClosedError);
		}

		await first;
		expect(control.status).toBe('stopped');
		await expect(control.getInfo(['version'])).rejects.toBeInstanceOf(TorControlClosedError);
		await control.close();
	});

	it('emits close and rejects pending commands when Tor hangs up', async () => {
		const {control, server} = await connected(() => undefined);
		const closed = new Promise(resolve => {
			control.once('close', resolve);
		});
		const pending = control.getInfo(['version']);
		server.hangUp();
		await expect(pending).rejects.toBeInstanceOf(TorControlClosedError);
		await closed;
		expect(control.status).toBe('stopped');
		await expect(control.connect()).rejects.toBeInstanceOf(TorControlClosedError);
	});

	it('counts and drops malformed lines and replies nobody asked for', async () => {
		const {control, server} = await connected(version);
		server.push('garbage\r\n250 OK\r\n');
		await vi.waitFor(() => {
			expect(control.droppedReplies).toBe(2);
		});
		expect(await control.getInfo(['version'])).toEqual({version: '0.4.9.11'});
	});

	it('reports an unreadable bootstrap phase as a protocol error', async () => {
		const {control} = await connected(() => ({reply: '250-status/bootstrap-phase=garbage\r\n250 OK\r\n'}));
		await expect(control.getBootstrapPhase()).rejects.toBeInstanceOf(TorControlProtocolError);
	});

	it('refuses multi-line commands and odd arguments before sending anything', async () => {
		const {control, server} = await connected(version);
		await expect(control.command('GETINFO version\r\nSIGNAL HALT')).rejects.toBeInstanceOf(TypeError);
		await expect(control.getInfo(['version\nx'])).rejects.toBeInstanceOf(TypeError);
		await expect(control.closeCircuit('1 2')).rejects.toBeInstanceOf(TypeError);
		await expect(control.signal('NEWNYM HALT')).rejects.toBeInstanceOf(TypeError);
		await expect(control.setEvents(['CIRC STREAM'])).rejects.toBeInstanceOf(TypeError);
		expect(server.received).toEqual([]);
	});
});

describe('TorControl connection', () => {
	it('fails to connect to a closed port, and can retry once something listens', async () => {
		const port = await freePort();
		const control = new TorControl({host: '127.0.0.1', port});
		cleanups.push(async () => control.close());
		await expect(control.connect()).rejects.toMatchObject({code: 'ECONNREFUSED'});
		expect(control.status).toBe('idle');
		const server = await startFakeControlPort(version, {port});
		cleanups.push(async () => server.close());
		await control.connect();
		await control.connect();
		expect(control.status).toBe('ready');
		expect(await control.getInfo(['version'])).toEqual({version: '0.4.9.11'});
	});

	it('closes cleanly when never connected, and while connecting', async () => {
		const idle = new TorControl({host: '127.0.0.1', port: 1});
		await idle.close();
		expect(idle.status).toBe('stopped');

		const server = await startFakeControlPort(version);
		cleanups.push(async () => server.close());
		const control = new TorControl({host: '127.0.0.1', port: server.port});
		const connecting = control.connect();
		await control.close();
		await expect(connecting).rejects.toBeInstanceOf(TorControlClosedError);
		expect(control.status).toBe('stopped');
	});
});
