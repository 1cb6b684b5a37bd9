import {chmod, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {TorControl} from '../../source/tor/control/tor-control.js';
import {TorBootstrapError} from '../../source/tor/errors/tor-bootstrap-error.js';
import {TorNotFoundError} from '../../source/tor/errors/tor-not-found-error.js';
import {TorStartError} from '../../source/tor/errors/tor-start-error.js';
import {type TorExitInfo, TorProcess, type TorProcessOptions} from '../../source/tor/tor-process.js';
import {freePorts} from '../../source/util/free-port.js';
import {Cleanups} from '../helpers/cleanups.js';
import {isAlive} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait-for.js';

const cleanups = new Cleanups();
afterEach(async () => {
	await cleanups.run();
});

async function temporaryDirectory(): Promise<string> {
	const directory = await mkdtemp(path.join(os.tmpdir(), 'nc-tor-process-'));
	cleanups.add(async () => rm(directory, {recursive: true, force: true}));
	return directory;
}

/** A TorProcess on fresh loopback ports with the network off (nothing leaves 127.0.0.1); stopped after the test. */
async function createTor(options: Partial<TorProcessOptions> = {}): Promise<{tor: TorProcess; controlPort: number; httpTunnelPort: number; dataDirectory: string}> {
	// A space and a `#` check that the torrc quotes the path.
	const dataDirectory = path.join(await temporaryDirectory(), 'data dir #1');
	const [socksPort = 0, controlPort = 0, httpTunnelPort = 0] = await freePorts(3);
	const tor = new TorProcess({
		dataDirectory,
		host: '127.0.0.1',
		socksPort,
		controlPort,
		httpTunnelPort,
		torrcLines: ['DisableNetwork 1'],
		...options,
	});
	cleanups.add(async () => tor.stop());
	return {tor, controlPort, httpTunnelPort, dataDirectory};
}

/** A stand-in for tor that never opens a control port; a stubborn one ignores SIGTERM (and says so once it does). */
async function fakeTor(stubborn: boolean): Promise<string> {
	const script = path.join(await temporaryDirectory(), 'fake-tor');
	const ignoreTerm = stubborn ? 'process.on(\'SIGTERM\', () => {}); console.log(\'ignoring SIGTERM\');' : '';
	await writeFile(script, `#!/bin/sh\nexec "${process.execPath}" -e "${ignoreTerm} setInterval(() => {}, 1000);"\n`);
	await chmod(script, 0o755);
	return script;
}

describe('TorProcess', () => {
	it('starts with cookie authentication, owns Tor, and stops idempotently leaving no process', async () => {
		const {tor, dataDirectory, httpTunnelPort} = await createTor();
		const exits: TorExitInfo[] = [];
		tor.on('exit', info => exits.push(info));
		const logs: string[] = [];
		tor.on('log', line => logs.push(line));
		await tor.start();
		expect(tor.status).toBe('ready');
		const pid = tor.pid ?? 0;
		expect(isAlive(pid)).toBe(true);
		expect((await tor.control.getInfo(['version'])).version).toMatch(/^0\.4\./);
		// TAKEOWNERSHIP done, so the PID polling option was reset; GeoIP is off with `GeoIPFile ""`.
		expect(await tor.control.getConf(['__OwningControllerProcess', 'GeoIPFile', 'GeoIPv6File', 'HTTPTunnelPort', 'CookieAuthentication']))
			.toMatchObject({__OwningControllerProcess: [], GeoIPFile: [], GeoIPv6File: [], HTTPTunnelPort: [`127.0.0.1:${httpTunnelPort}`], CookieAuthentication: ['1']});
		expect(logs.some(line => line.includes('Opened Control listener'))).toBe(true);
		expect(logs.some(line => line.includes('GEOIP'))).toBe(false);

		expect((await tor.control.getInfo(['config-file']))['config-file']).toBe(path.join(dataDirectory, 'torrc'));
		expect((await stat(dataDirectory)).mode & 0o777).toBe(0o700);
		expect(await readFile(path.join(dataDirectory, 'torrc-defaults'), 'utf8')).toBe('');

		const first = tor.stop();
		expect(tor.stop()).toBe(first);
		await first;
		await tor.stop();
		expect(tor.status).toBe('stopped');
		expect(isAlive(pid)).toBe(false);
		expect(exits).toEqual([{reason: 'stopped', exitCode: 0, signal: undefined, killed: false}]);
		expect(tor.control.status).toBe('stopped');
	});

	it('starts with a random hashed password', async () => {
		const {tor, controlPort} = await createTor({auth: 'password'});
		await tor.start();
		expect((await tor.control.getInfo(['version'])).version).toMatch(/^0\.4\./);
		const probe = new TorControl({host: '127.0.0.1', port: controlPort});
		cleanups.add(async () => probe.close());
		await probe.connect();
		const reply = await probe.command('PROTOCOLINFO 1');
		expect(reply.lines.map(line => line.text)).toContain('AUTH METHODS=HASHEDPASSWORD');
	});

	it('reports the bootstrap phase and times out waiting for 100% with the network off', async () => {
		const {tor} = await createTor();
		await tor.start();
		const progress: number[] = [];
		tor.on('bootstrap', value => progress.push(value));
		// With the network off Tor can never reach 100%: the deadline is the only way out, however
		// short. Its reply to the phase question may come after the deadline on a busy machine; it
		// is still reported, so wait for it rather than race it.
		const error: unknown = await tor.waitForBootstrap({timeoutMs: 300}).catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(TorBootstrapError);
		expect((error as TorBootstrapError).progress).toBe(0);
		expect((error as Error).message).toMatch(/did not bootstrap within 300 ms/);
		await waitFor(() => progress.length > 0, {timeoutMs: 30_000, message: 'the bootstrap phase'});
		expect(progress).toEqual([0]);
		expect(await tor.control.getBootstrapPhase()).toEqual({severity: 'NOTICE', progress: 0, tag: 'starting', summary: 'Starting'});
	});

	it('rejects waitForBootstrap when Tor ends first', async () => {
		const {tor} = await createTor();
		await tor.start();
		const waiting = tor.waitForBootstrap({timeoutMs: 30_000});
		const stopped = tor.stop();
		await expect(waiting).rejects.toBeInstanceOf(TorBootstrapError);
		await stopped;
		await expect(tor.waitForBootstrap()).rejects.toThrow(/tor is stopped/);
	});

	it('names a missing binary and says how to install it', async () => {
		const {tor} = await createTor({torPath: '/nonexistent/tor'});
		const error: unknown = await tor.start().catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(TorNotFoundError);
		expect((error as Error).message).toBe('tor not found at "/nonexistent/tor": install it with "sudo apt-get install tor" (Debian/Ubuntu) or pass --tor PATH');
		expect(tor.status).toBe('stopped');
		expect(tor.exitInfo?.reason).toBe('start-failed');
	});

	it('reports a Tor that exits during start with its last log lines', async () => {
		const {tor} = await createTor({torrcLines: ['DisableNetwork 1', 'NoSuchOption 1']});
		const error: unknown = await tor.start().catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(TorStartError);
		expect((error as TorStartError).message).toMatch(/tor exited \(code 1/);
		expect((error as TorStartError).logLines.join('\n')).toContain('NoSuchOption');
		expect(tor.exitInfo).toMatchObject({reason: 'start-failed', exitCode: 1});
		expect(isAlive(tor.pid ?? 0)).toBe(false);
	});

	it('gives up when the control port does not open by the deadline', async () => {
		const {tor} = await createTor({torPath: await fakeTor(false), startTimeoutMs: 500});
		const stopping = vi.spyOn(tor, 'stop');
		const error: unknown = await tor.start().catch((error_: unknown) => error_);
		expect(error).toBeInstanceOf(TorStartError);
		expect((error as Error).message).toMatch(/did not open its control port/);
		expect(stopping).toHaveBeenCalled();
		expect(tor.exitInfo).toMatchObject({reason: 'start-failed', signal: 'SIGTERM', killed: false});
		expect(isAlive(tor.pid ?? 0)).toBe(false);
	});

	it('escalates to SIGKILL when SIGTERM is ignored, and start reports the stop', async () => {
		const {tor} = await createTor({torPath: await fakeTor(true), startTimeoutMs: 30_000});
		const ready = new Promise<void>(resolve => {
			tor.on('log', line => {
				if (line === 'ignoring SIGTERM') {
					resolve();
				}
			});
		});
		const starting = tor.start().catch((error: unknown) => error);
		await ready;
		await tor.stop({timeoutMs: 200});
		expect(tor.exitInfo).toMatchObject({reason: 'stopped', signal: 'SIGKILL', killed: true});
		expect(isAlive(tor.pid ?? 0)).toBe(false);
		const error = await starting;
		expect(error).toBeInstanceOf(TorStartError);
		expect((error as Error).message).toMatch(/stopped while starting/);
	});

	it('exits when a controller that took ownership is killed', async () => {
		const {tor, controlPort, dataDirectory} = await createTor();
		await tor.start();
		const exited = new Promise<TorExitInfo>(resolve => {
			tor.once('exit', resolve);
		});
		const logs: string[] = [];
		tor.on('log', line => logs.push(line));
		const cookieFile = path.join(dataDirectory, 'control_auth_cookie');
		// A raw controller: COOKIE authentication, TAKEOWNERSHIP, then it waits to be killed.
		const owner = execa(process.execPath, ['-e', `
			const net = require('node:net');
			const cookie = require('node:fs').readFileSync(process.env.COOKIE).toString('hex');
			const socket = net.connect({host: '127.0.0.1', port: Number(process.env.CONTROL_PORT)}, () => socket.write('AUTHENTICATE ' + cookie + '\\r\\nTAKEOWNERSHIP\\r\\n'));
			let replies = '';
			socket.on('data', chunk => {
				replies += chunk;
				if (replies === '250 OK\\r\\n250 OK\\r\\n') console.log('owned');
			});
			setInterval(() => {}, 1000);
		`], {env: {COOKIE: cookieFile, CONTROL_PORT: String(controlPort)}, reject: false, stdin: 'ignore'});
		cleanups.add(async () => {
			owner.kill('SIGKILL');
			await owner;
		});
		await new Promise<void>((resolve, reject) => {
			owner.stdout.on('data', (chunk: Buffer) => {
				if (chunk.toString().includes('owned')) {
					resolve();
				}
			});
			void owner.then(result => {
				reject(new Error(`the owner exited early: ${result.stderr}`));
			});
		});
		const pid = tor.pid ?? 0;
		owner.kill('SIGKILL');
		// Nobody signalled Tor: it exited by itself, cleanly, and said why (the owner's connection
		// closed, not the PID polling, which start() turned off).
		expect(await exited).toEqual({reason: 'exited', exitCode: 0, signal: undefined, killed: false});
		expect(logs.some(line => line.includes('Owning controller connection has closed -- exiting now.'))).toBe(true);
		expect(isAlive(pid)).toBe(false);
		expect(tor.status).toBe('stopped');
	});
});
