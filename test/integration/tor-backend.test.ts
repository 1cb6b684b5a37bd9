import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ClosedError} from '../../source/core/errors/closed-error.js';
import {TorBackend} from '../../source/tor/tor-backend.js';
import {isAlive} from '../helpers/cli.js';
import {torsMentioning} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait-for.js';

describe('TorBackend stopped while starting', () => {
	it('leaves no Tor and no lock behind', async () => {
		const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-stop-early-'));
		const backend = new TorBackend({count: 3, cacheDirectory: cache, torrcLines: ['DisableNetwork 1'], stopTimeoutMs: 2000});
		try {
			const starting = backend.start();
			// Stop while the first instance is being spawned.
			await new Promise<void>(resolve => {
				backend.events.once('instance-change', () => {
					resolve();
				});
			});
			await backend.stop();
			await expect(starting).rejects.toBeInstanceOf(Error);
			const pids = backend.snapshot().map(instance => instance.pid).filter((pid): pid is number => pid !== undefined);
			expect(pids.filter(pid => isAlive(pid))).toEqual([]);
			const locks = [];
			for (const network of await fs.readdir(cache)) {
				// eslint-disable-next-line no-await-in-loop
				locks.push(...(await fs.readdir(path.join(cache, network))).filter(name => name.endsWith('.lock')));
			}

			expect(locks).toEqual([]);
		} finally {
			await backend.stop();
			await fs.rm(cache, {recursive: true, force: true});
		}
	});
});

describe('TorBackend started twice', () => {
	it('runs one set of Tor processes, and stop() leaves none', async () => {
		const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-start-twice-'));
		const backend = new TorBackend({count: 2, cacheDirectory: cache, torrcLines: ['DisableNetwork 1'], stopTimeoutMs: 2000});
		try {
			await Promise.all([backend.start(), backend.start()]);
			await backend.start();
			const pids = backend.snapshot().map(instance => instance.pid);
			expect(pids).toHaveLength(2);
			expect((await torsMentioning(cache)).sort()).toEqual([...pids].sort());
			await backend.stop();
			expect(await torsMentioning(cache)).toEqual([]);
			// Stopped is stopped: no second pool behind its back.
			await expect(backend.start()).rejects.toBeInstanceOf(ClosedError);
			expect(await torsMentioning(cache)).toEqual([]);
		} finally {
			await backend.stop();
			await fs.rm(cache, {recursive: true, force: true});
		}
	});
});

describe('TorBackend restarting an instance whose port was taken meanwhile', () => {
	it('moves the instance to new free ports instead of retrying the taken one for ever', async () => {
		const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-port-taken-'));
		const backend = new TorBackend({count: 1, cacheDirectory: cache, torrcLines: ['DisableNetwork 1'], stopTimeoutMs: 2000});
		const squatter = net.createServer();
		try {
			await backend.start();
			const [first] = backend.snapshot();
			expect(first!.pid).toBeDefined();
			// With DisableNetwork Tor opens only its control listener: that is the port to take.
			const commandLine = await fs.readFile(`/proc/${first!.pid!}/cmdline`, 'utf8');
			const torrc = await fs.readFile(commandLine.split('\0').at(-2)!, 'utf8');
			const controlPort = Number(/^ControlPort \S+:(\d+)$/m.exec(torrc)?.[1]);
			expect(controlPort).toBeGreaterThan(0);
			const down = new Promise<void>(resolve => {
				backend.events.on('proxy-down', () => {
					resolve();
				});
			});
			process.kill(first!.pid!, 'SIGKILL');
			await down;
			// Another process takes the control port before the restart (500 ms later) can.
			await new Promise<void>((resolve, reject) => {
				squatter.once('error', reject);
				squatter.listen(controlPort, '127.0.0.1', resolve);
			});
			await waitFor(() => {
				const [now] = backend.snapshot();
				return now!.port !== first!.port && now!.pid !== undefined && now!.pid !== first!.pid && isAlive(now!.pid) && now!.state !== 'down';
			}, {timeoutMs: 20_000, message: 'the instance restarted on new ports'});
			const [moved] = backend.snapshot();
			expect(moved!.restarts).toBeGreaterThanOrEqual(2);
			expect(await torsMentioning(cache)).toEqual([moved!.pid]);
			await backend.stop();
			expect(await torsMentioning(cache)).toEqual([]);
		} finally {
			squatter.close();
			await backend.stop();
			await fs.rm(cache, {recursive: true, force: true});
		}
	});
});
