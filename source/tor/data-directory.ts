import {createHash, randomUUID} from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where Tor data directories live between runs: `$XDG_CACHE_HOME/nightcrawler/tor` or `~/.cache/nightcrawler/tor`. */
export function defaultCacheDirectory(): string {
	const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
	return path.join(base, 'nightcrawler', 'tor');
}

/**
 * Directories cached for one Tor network are kept apart from another's (the public network's
 * cached consensus is no use on a private one): the name is a hash of the extra torrc lines.
 */
export function networkKey(torrcLines: readonly string[]): string {
	if (torrcLines.length === 0) {
		return 'public';
	}

	return `custom-${createHash('sha256').update(torrcLines.join('\n')).digest('hex').slice(0, 12)}`;
}

export type LockedDirectory = {
	readonly path: string;
	/** Give the directory back (removes the lock file). Idempotent. */
	release(): Promise<void>;
};

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Create `lockFile` holding our pid, atomically: it is written under another name and hard-linked
 * into place, so nobody ever reads a lock file that is still empty. False if it exists.
 */
async function createLockFile(lockFile: string): Promise<boolean> {
	const temporary = `${lockFile}.${process.pid}.${randomUUID()}`;
	await fs.writeFile(temporary, String(process.pid), {mode: 0o600});
	try {
		await fs.link(temporary, lockFile);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return false;
		}

		throw error;
	} finally {
		await fs.rm(temporary, {force: true});
	}
}

/** The pid in a lock file: undefined when there is no such file, NaN when it holds no pid. */
async function lockOwner(lockFile: string): Promise<number | undefined> {
	try {
		return Number.parseInt(await fs.readFile(lockFile, 'utf8'), 10);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return undefined;
		}

		throw error;
	}
}

function isLive(owner: number): boolean {
	return Number.isInteger(owner) && owner > 0 && isAlive(owner);
}

/**
 * Remove a lock whose owner is gone. Only the holder of `<lock>.break` may, and it checks again
 * that the lock is still the stale one: nobody can make a new lock while the stale file exists, so
 * two lockers can never both take it over (one removing the other's fresh lock).
 */
async function breakStaleLock(lockFile: string): Promise<void> {
	const breaker = `${lockFile}.break`;
	if (!(await createLockFile(breaker))) {
		const owner = await lockOwner(breaker);
		if (owner !== undefined && !isLive(owner)) {
			// Its breaker died while breaking it.
			await fs.rm(breaker, {force: true});
		}

		return;
	}

	try {
		const owner = await lockOwner(lockFile);
		if (owner !== undefined && !isLive(owner)) {
			await fs.rm(lockFile, {force: true});
		}
	} finally {
		await fs.rm(breaker, {force: true});
	}
}

async function tryLock(lockFile: string): Promise<boolean> {
	for (let attempt = 0; attempt < 3; attempt++) {
		// eslint-disable-next-line no-await-in-loop
		if (await createLockFile(lockFile)) {
			return true;
		}

		// eslint-disable-next-line no-await-in-loop
		const owner = await lockOwner(lockFile);
		if (owner !== undefined && isLive(owner)) {
			return false;
		}

		if (owner !== undefined) {
			// A stale lock from a process that is gone.
			// eslint-disable-next-line no-await-in-loop
			await breakStaleLock(lockFile);
		}
	}

	return false;
}

/**
 * Lock the first free data directory `instance-<k>` under `root`, so two providers never share
 * one. The directory is created with mode 0700; with `fresh` its old content is removed first.
 */
export async function lockDataDirectory(root: string, {fresh = false}: {fresh?: boolean} = {}): Promise<LockedDirectory> {
	await fs.mkdir(root, {recursive: true, mode: 0o700});
	for (let index = 0; ; index++) {
		const directory = path.join(root, `instance-${index}`);
		const lockFile = `${directory}.lock`;
		// eslint-disable-next-line no-await-in-loop
		if (await tryLock(lockFile)) {
			if (fresh) {
				// eslint-disable-next-line no-await-in-loop
				await fs.rm(directory, {recursive: true, force: true});
			}

			// eslint-disable-next-line no-await-in-loop
			await fs.mkdir(directory, {recursive: true, mode: 0o700});
			// eslint-disable-next-line no-await-in-loop
			await fs.chmod(directory, 0o700);
			let released = false;
			return {
				path: directory,
				async release() {
					if (!released) {
						released = true;
						await fs.rm(lockFile, {force: true});
					}
				},
			};
		}
	}
}
