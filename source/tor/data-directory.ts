import {createHash} from 'node:crypto';
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

async function tryLock(lockFile: string): Promise<boolean> {
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const handle = await fs.open(lockFile, 'wx', 0o600);
			await handle.writeFile(String(process.pid));
			await handle.close();
			return true;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}

			const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
			if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
				return false;
			}

			// A stale lock from a process that is gone.
			await fs.rm(lockFile, {force: true});
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
