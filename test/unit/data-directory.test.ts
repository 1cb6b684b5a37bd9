import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {lockDataDirectory, networkKey} from '../../source/tor/data-directory.js';

let root: string | undefined;
afterEach(async () => {
	if (root) {
		await fs.rm(root, {recursive: true, force: true});
	}
});

describe('data directories', () => {
	it('locks distinct directories with mode 0700 and reuses them after release', async () => {
		root = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-dd-'));
		const [a, b] = await Promise.all([lockDataDirectory(root), lockDataDirectory(root)]);
		expect(a.path).not.toBe(b.path);
		expect((await fs.stat(a.path)).mode & 0o777).toBe(0o700);
		await fs.writeFile(path.join(a.path, 'cached-consensus'), 'x');
		await a.release();
		await a.release();
		const again = await lockDataDirectory(root);
		expect(again.path).toBe(a.path);
		expect(await fs.readFile(path.join(again.path, 'cached-consensus'), 'utf8')).toBe('x');
		await Promise.all([again.release(), b.release()]);
	});

	it('takes over a stale lock, and --fresh empties the directory', async () => {
		root = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-dd-'));
		await fs.mkdir(path.join(root, 'instance-0'));
		await fs.writeFile(path.join(root, 'instance-0', 'old'), 'x');
		await fs.writeFile(path.join(root, 'instance-0.lock'), '2147483646');
		const locked = await lockDataDirectory(root, {fresh: true});
		expect(locked.path).toBe(path.join(root, 'instance-0'));
		expect(await fs.readdir(locked.path)).toEqual([]);
		await locked.release();
	});

	it('never gives one directory to two lockers, however many ask at once', async () => {
		root = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-dd-'));
		for (let round = 0; round < 10; round++) {
			// eslint-disable-next-line no-await-in-loop
			const locks = await Promise.all(Array.from({length: 12}, async () => lockDataDirectory(root!)));
			expect(new Set(locks.map(lock => lock.path)).size).toBe(12);
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(locks.map(async lock => lock.release()));
		}

		// Nothing but the directories is left: no lock, no temporary file.
		expect((await fs.readdir(root)).filter(name => !/^instance-\d+$/.test(name))).toEqual([]);
	});

	it('lets exactly one of many lockers take over a stale lock', async () => {
		root = await fs.mkdtemp(path.join(os.tmpdir(), 'nc-dd-'));
		for (let round = 0; round < 10; round++) {
			// eslint-disable-next-line no-await-in-loop
			await fs.writeFile(path.join(root, 'instance-0.lock'), '2147483646');
			// eslint-disable-next-line no-await-in-loop
			const locks = await Promise.all(Array.from({length: 6}, async () => lockDataDirectory(root!)));
			const paths = locks.map(lock => lock.path);
			expect(new Set(paths).size).toBe(6);
			expect(paths.filter(lockPath => lockPath === path.join(root!, 'instance-0'))).toHaveLength(1);
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(locks.map(async lock => lock.release()));
		}
	});

	it('keeps networks apart', () => {
		expect(networkKey([])).toBe('public');
		expect(networkKey(['TestingTorNetwork 1'])).toMatch(/^custom-[\da-f]{12}$/);
		expect(networkKey(['a'])).not.toBe(networkKey(['b']));
	});
});
