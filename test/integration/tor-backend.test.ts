import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ClosedError} from '../../source/core/errors/closed-error.js';
import {TorBackend} from '../../source/tor/tor-backend.js';
import {isAlive} from '../helpers/cli.js';
import {torsMentioning} from '../helpers/processes.js';

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
